"""Ring all-reduce: on n equal links the step's exposed communication is exactly
2(n−1)/n · S/B + 2(n−1)·α (Patarasuk & Yuan 2009, J. Parallel Distrib. Comput. 69:117, the
bandwidth-optimal ring; Thakur, Rabenseifner & Gropp 2005, IJHPCA 19:49, eq. for the ring
allreduce); the ring order follows the crosslinks."""
import itertools
from types import SimpleNamespace

import numpy as np
import pytest

from sim.core.simulation import Simulation
from sim.workloads.training.ring import LINK_UP, Ring, _cycle, ring_keys, ring_order
from tests.workloads.training.scenarios import FORMATION, scenario, step_compute_s

N = 6
RATE_GBPS = 400.0


def ring_network(n: int, pairs=None) -> dict:
    pairs = pairs if pairs is not None else [[i, (i + 1) % n] for i in range(n)]
    return {"crosslinks": {"topology": "pairs", "pairs": pairs, "max_terminals": 4, "max_range_km": 50,
                           "rate": {"max_gbps": RATE_GBPS, "ref_gbps": RATE_GBPS, "ref_range_km": 50,
                                    "dwdm": {"range_km": 50, "rate_gbps": RATE_GBPS}}}}


def formation(n: int, **changes) -> dict:
    shell = dict(FORMATION["constellation"][0], cluster={"count": n, "radius_m": 1000, "altitude_km": 650,
                                                        "ltan_h": 18})
    return {"constellation": [shell], "duration": "1h", **changes}


@pytest.mark.parametrize("overlap, latency_s", [(0.0, 1e-3), (0.0, 0.0), (0.6, 2e-4)])
def test_all_reduce_on_equal_links_is_the_ring_formula(tmp_path, overlap, latency_s):
    job = dict(FORMATION["workloads"]["jobs"][0], allreduce={"overlap": overlap, "latency_s": latency_s,
                                                             "ring": "members"})
    job["checkpoint"] = {"every_s": "2h", "bytes": 1e9, "write_gb_s": 10}
    sc = scenario(formation(N, network=ring_network(N)), **job)
    result = Simulation(sc).run(tmp_path / "ring.h5")
    s = result.summary
    size = job["model"]["gradient_bytes"]
    reference = 2 * (N - 1) / N * size * 8 / (RATE_GBPS * 1e9) + 2 * (N - 1) * latency_s
    compute = step_compute_s(job, 4 * N)
    exposed = max((1 - overlap) * reference, reference - compute)
    assert s["workloads.llm.ring_complete"][0] == 1.0
    assert s["workloads.llm.mean_step_time_s"][0] == pytest.approx(compute + exposed, rel=1e-12)
    assert s["workloads.llm.exposed_communication_fraction"][0] == pytest.approx(exposed / (compute + exposed),
                                                                                  rel=1e-12)
    busy = s["useful_gpu_hours"][0] + s["badput.communication_gpu_hours"][0]
    assert s["badput.communication_gpu_hours"][0] / busy == pytest.approx(exposed / (compute + exposed), rel=1e-9)


def test_ring_goes_around_the_links_when_member_order_is_not_linked(tmp_path):
    # links 0-2-4-1-3-5-0: member order has none of its hops, auto finds the linked cycle
    pairs = [[0, 2], [2, 4], [4, 1], [1, 3], [3, 5], [5, 0]]
    job = dict(FORMATION["workloads"]["jobs"][0], allreduce={"latency_s": 0.0})
    sim = Simulation(scenario(formation(N, network=ring_network(N, pairs)), **job))
    s = sim.run(tmp_path / "auto.h5").summary
    assert s["workloads.llm.ring_complete"][0] == 1.0
    order = sim.subsystem("workloads").jobs[0].ring.order.tolist()
    cycle = {tuple(sorted(p)) for p in zip(order, order[1:] + order[:1])}
    assert cycle == {tuple(sorted(p)) for p in pairs}
    size = job["model"]["gradient_bytes"]
    reference = 2 * (N - 1) / N * size * 8 / (RATE_GBPS * 1e9)
    assert s["workloads.llm.mean_step_time_s"][0] == pytest.approx(step_compute_s(job, 4 * N) + reference, rel=1e-12)


def _is_cycle(order, adjacent, members) -> bool:
    return sorted(order) == sorted(members) and all(b in adjacent[a] for a, b in zip(order, order[1:] + order[:1]))


def grid_graph(rows: int, cols: int, diagonal: bool):
    adjacent = {r * cols + c: set() for r in range(rows) for c in range(cols)}
    steps = [(0, 1), (1, 0)] + ([(1, 1)] if diagonal else [])
    for r, c in itertools.product(range(rows), range(cols)):
        for dr, dc in steps:
            if r + dr < rows and c + dc < cols:
                a, b = r * cols + c, (r + dr) * cols + c + dc
                adjacent[a].add(b)
                adjacent[b].add(a)
    return adjacent


@pytest.mark.parametrize("rows, cols, diagonal, exists", [
    (9, 9, True, True),      # the 81-satellite lattice with one diagonal per cell
    (4, 6, False, True),     # an even grid has a Hamiltonian cycle
    (3, 3, False, False),    # odd bipartite grid: none exists (a cycle alternates colours)
    (5, 5, False, False),
])
def test_cycle_search(rows, cols, diagonal, exists):
    adjacent = grid_graph(rows, cols, diagonal)
    members = sorted(adjacent)
    order = _cycle(members, adjacent)
    if exists:
        assert order is not None and _is_cycle(order, adjacent, members)
    else:
        assert order is None


def test_no_cycle_in_a_tree_falls_back_to_member_order():
    links = fake_links(8, [(0, 1), (1, 2), (1, 3), (3, 4), (4, 5), (5, 6), (6, 7)])
    order, complete = ring_order(np.arange(8), "auto", links, 8)
    assert not complete and order.tolist() == list(range(8))


def fake_links(n: int, pairs, rate_bps: float = 1e11):
    keys = np.sort(np.array([min(a, b) * n + max(a, b) for a, b in pairs], dtype=np.int64))
    return SimpleNamespace(keys=keys, a=keys // n, b=keys % n, state=np.full(keys.size, LINK_UP, dtype=np.int8),
                           rate_bps=np.full(keys.size, rate_bps), epoch=1)


def test_broken_ring_links_split_the_members_into_arcs():
    n = 8
    members = np.arange(n)
    links = fake_links(n, [(i, (i + 1) % n) for i in range(n)])
    links.rate_bps[:] = np.arange(1, n + 1) * 1e10
    ring = Ring(members, members, links, n, None)
    mask, bottleneck = ring.state()
    assert mask is None and bottleneck == 1e10
    keys = ring_keys(members, n)

    def down(*hops):
        links.state[:] = LINK_UP
        for h in hops:
            links.state[np.searchsorted(links.keys, keys[h])] = 0
        return ring.state()

    mask, bottleneck = down(0)              # one break: a line through every member
    assert mask is None and bottleneck == links.rate_bps[np.searchsorted(links.keys, keys[1:])].min()
    mask, bottleneck = down(1, 5)           # arcs {2,3,4,5} and {6,7,0,1}: the first largest is kept
    assert np.flatnonzero(mask).tolist() == [2, 3, 4, 5]
    assert bottleneck == links.rate_bps[np.searchsorted(links.keys, keys[[2, 3, 4]])].min()
    mask, _ = down(0, 2, 3)                 # arcs {1,2}, {3}, {4,5,6,7,0}
    assert np.flatnonzero(mask).tolist() == [0, 4, 5, 6, 7]
