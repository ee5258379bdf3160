"""Routes: A* searches against scipy Dijkstra over the whole graph, the re-route of only what
broke, and the element index against checking every route on every loss."""
import numpy as np
import pytest
from scipy.sparse.csgraph import dijkstra

from tests.network.common import collect, failing_grid, routed_sim, stacked
from tests.network.reference import check_every_route, network_graph, transfers_by_element


def test_astar_routes_equal_scipy_dijkstra_with_links_down():
    """Independent reference: scipy.sparse.csgraph.dijkstra over the full graph (stations as
    separate sender/receiver nodes). With a third of the crosslinks down, the A* search gives the
    same latency for every satellite pair and every station pair, and its paths are valid."""
    sim = routed_sim()
    net = sim.subsystem("network")
    rng = np.random.default_rng(1)
    net.links.state[rng.random(net.links.state.size) < 0.33] = 0
    net.routes.new_batch()
    graph = network_graph(net)
    dist = dijkstra(graph.matrix, directed=True)
    n, G = net.n, net.ids.n_stations
    pairs = [(s, d) for s in range(n) for d in range(0, n, 7)]
    pairs += [(n + g, n + G + h) for g in range(G) for h in range(G) if g != h]
    pairs += [(n + g, d) for g in range(G) for d in range(0, n, 11)] + [(s, n + G + g) for g in range(G)
                                                                       for s in range(0, n, 13)]
    reachable = 0
    for s, d in pairs:
        latency, path, _ = net.routes.search(s, d)
        if not np.isfinite(dist[s, d]):
            assert path is None
            continue
        reachable += 1
        assert latency == pytest.approx(dist[s, d], rel=1e-9, abs=1e-15)
        assert net.routes.intact(path) and path[0] == s and path[-1] == d
        hops = graph.matrix[path[:-1], path[1:]]
        assert np.sum(hops) == pytest.approx(latency, rel=1e-9)
    assert reachable > 0.5 * len(pairs)


def test_only_the_transfer_whose_route_breaks_is_rerouted():
    """Two transfers on disjoint routes; a link on the first one's route fails while every route is
    checked: the first is re-routed (new route = scipy Dijkstra shortest path on the new graph),
    the second keeps its route object untouched (checked, not recomputed)."""
    sim = routed_sim()
    net = sim.subsystem("network")
    check_every_route(net)
    t0 = net.submit_transfer(0, 45, 1e15)
    net._reroute()
    off_route = [d for d in range(net.n) if d not in set(t0.path)]
    t1 = net.submit_transfer(off_route[0], off_route[1], 1e15)
    net._reroute()
    assert set(t0.path).isdisjoint(t1.path)
    path1_before, route1, routed1 = t1.path, t1.route, t1.routed_t_s
    searches = net.routes.searches
    a, b = sorted(t0.path[:2])
    j = int(np.searchsorted(net.links.keys, a * net.n + b))
    net.links.state[j] = 0
    net._elements_lost(net.links.keys[j:j + 1])
    assert t1 in net.flows.suspects
    net._reroute()
    assert t1.path is path1_before and t1.route is route1 and t1.routed_t_s == routed1
    assert net.routes.searches == searches + 1
    assert net.routes.intact(t0.path) and not {(a, b)} & set(zip(t0.path[:-1], t0.path[1:]))
    dist = dijkstra(network_graph(net).matrix, directed=True, indices=[0])
    assert t0.latency_s == pytest.approx(dist[0, 45], rel=1e-9)


def _run(tmp_path, every_route: bool):
    sim = failing_grid()
    net = sim.subsystem("network")
    if every_route:
        check_every_route(net)
    checks = [0]
    intact = net.routes.intact

    def counted(path):
        checks[0] += 1
        return intact(path)

    net.routes.intact = counted
    got = collect(sim, "link_down", "link_up", "contact_end", "transfer_done", "route_latency")
    result = sim.run(tmp_path / f"run{int(every_route)}.h5")
    return stacked(got), result.summary, checks[0], sim


def test_element_index_gives_the_same_run_as_checking_every_route(tmp_path):
    """Reference: the same run where every loss checks every transfer's and latency pair's route
    (tests/network/reference.check_every_route). Same events (link failures, contact ends,
    transfer completions with their times, latency pair updates) and the same summary; the
    indexed run checks far fewer routes."""
    ev_full, s_full, n_full, _ = _run(tmp_path, True)
    ev_idx, s_idx, n_idx, sim = _run(tmp_path, False)
    assert (ev_full["link_down"][:, 3] == 1).sum() > 10            # failures did happen
    assert ev_full["transfer_done"].shape[0] > 20
    assert ev_full["route_latency"].shape[0] > 10
    for name in ev_full:
        assert ev_idx[name].shape == ev_full[name].shape, name
        np.testing.assert_array_equal(ev_idx[name][:, 1:3], ev_full[name][:, 1:3])
        np.testing.assert_allclose(ev_idx[name][:, [0, 3]], ev_full[name][:, [0, 3]], rtol=1e-9, atol=1e-9)
    for key, (value, _) in s_full.items():
        assert s_idx[key][0] == pytest.approx(value, rel=1e-9, nan_ok=True), key
    assert n_idx < 0.5 * n_full
    # the index holds exactly the elements of the live routes
    net = sim.subsystem("network")
    expect: dict[int, set] = {}
    for tr in net.active_transfers:
        for e in net.ids.elements(tr.path):
            expect.setdefault(e, set()).add(tr)
    assert transfers_by_element(net) == expect
    assert net.flows.unrouted == {tr for tr in net.active_transfers if tr.path is None}


def test_kept_routes_are_reused_until_an_element_goes_down():
    """A second transfer of the same pair takes the kept route without a search; after a link of
    it goes down the next transfer of the pair gets a new search."""
    sim = routed_sim()
    net = sim.subsystem("network")
    first = net.submit_transfer(3, 57, 1e15)
    net._reroute()
    searches, reuses = net.routes.searches, net.routes.reuses
    second = net.submit_transfer(3, 57, 1e15)
    net._reroute()
    assert second.route is first.route and net.routes.searches == searches and net.routes.reuses == reuses + 1
    a, b = sorted(first.path[:2])
    j = int(np.searchsorted(net.links.keys, a * net.n + b))
    net.links.state[j] = 0
    net._elements_lost(net.links.keys[j:j + 1])
    assert (3, 57) not in net.routes.kept
    net._reroute()
    assert net.routes.searches == searches + 1  # both transfers of the pair moved to one new route
    third = net.submit_transfer(3, 57, 1e15)
    net._reroute()
    assert third.route is first.route is second.route
    hops = {tuple(sorted(h)) for h in zip(third.path[:-1].tolist(), third.path[1:].tolist())}
    assert (int(a), int(b)) not in hops and net.routes.intact(third.path)
