"""Station → member reachability: the kernel's candidates against scipy's Dijkstra (an independent
shortest-path implementation) on random crosslink graphs."""
import numpy as np
import pytest
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import dijkstra

from sim.core.constants import SPEED_OF_LIGHT_M_S
from sim.network.links import UP
from sim.workloads.inference import reach


def _random_network(rng, n=300, n_links=900, n_stations=3):
    r = rng.normal(size=(3, n))
    r *= 6.9e6 / np.linalg.norm(r, axis=0)
    a, b = rng.integers(0, n, n_links), rng.integers(0, n, n_links)
    keys = np.unique(np.minimum(a, b)[a != b] * n + np.maximum(a, b)[a != b])  # distinct pairs (scipy sums repeats)
    a, b = keys // n, keys % n
    weight = np.linalg.norm(r[:, a] - r[:, b], axis=0) / SPEED_OF_LIGHT_M_S
    weight[rng.random(weight.size) < 0.1] = np.inf           # links that are down
    st = rng.normal(size=(3, n_stations))
    st *= 6.37e6 / np.linalg.norm(st, axis=0)
    margin = np.where(rng.random((n_stations, n)) < 0.03, 1.0, -1.0)
    usable = rng.random((n_stations, n)) < 0.9
    return r, a, b, weight, st, margin, usable


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_candidates_are_the_nearest_members_by_path_latency(seed):
    rng = np.random.default_rng(seed)
    n, G, k, max_lat = 300, 3, 12, 0.06
    r, a, b, weight, st, margin, usable = _random_network(rng, n, 900, G)
    members = np.sort(rng.choice(n, 120, replace=False))
    member_of = np.full(n, -1, np.int64)
    member_of[members] = np.arange(members.size)
    indptr, nbr, edge = reach.csr(n, a, b)
    cand_m, cand_lat = np.zeros((G, k), np.int64), np.zeros((G, k))
    cand_entry, cand_n = np.zeros((G, k), np.int64), np.zeros(G, np.int64)
    scratch = [np.zeros(n), np.zeros(n, np.int64), np.zeros(n, np.int64), np.zeros(n, np.int64)]
    heap = (np.zeros(n + 2 * a.size + 1), np.zeros(n + 2 * a.size + 1, np.int64))
    in_view = [np.flatnonzero((margin[g] >= 0) & usable[g]) for g in range(G)]
    view_sat, view_n = np.zeros((G, 4), np.int64), np.zeros(G, np.int64)
    view_pos = np.full((G, n), -1, np.int32)
    for g, v in enumerate(in_view):   # grown as Reachability does
        while not reach.view_update(view_sat, view_pos, view_n, np.arange(G), np.full(v.size, g), v, True):
            view_sat = np.concatenate([view_sat, np.zeros_like(view_sat)], axis=1)
    assert [sorted(view_sat[g, :view_n[g]]) for g in range(G)] == [v.tolist() for v in in_view]
    state = np.where(np.isfinite(weight), UP, 0).astype(np.int8)
    range_m = np.where(np.isfinite(weight), weight, 0.0) * SPEED_OF_LIGHT_M_S
    reach.refresh(np.arange(G), np.arange(G), view_sat, view_n, r, st, indptr, nbr, edge, state,
                  range_m, UP, member_of, k, max_lat, *scratch, 0, *heap, cand_m, cand_lat, cand_entry, cand_n)
    up = np.isfinite(weight)
    for g in range(G):
        # reference: a super-source node n joined to the usable contacts by the uplink latency
        src = np.flatnonzero((margin[g] >= 0) & usable[g])
        up_s = np.linalg.norm(r[:, src] - st[:, g:g + 1], axis=0) / SPEED_OF_LIGHT_M_S
        rows = np.concatenate([a[up], b[up], np.full(src.size, n)])
        cols = np.concatenate([b[up], a[up], src])
        w = np.concatenate([weight[up], weight[up], up_s])
        graph = coo_matrix((w, (rows, cols)), shape=(n + 1, n + 1)).tocsr()
        d = dijkstra(graph, directed=True, indices=n)[:n]
        ref = np.sort(d[members][d[members] <= max_lat])[:k]
        got = cand_lat[g, :cand_n[g]]
        assert cand_n[g] == ref.size
        assert got == pytest.approx(ref, rel=1e-12, abs=1e-15)
        assert np.all(d[members[cand_m[g, :cand_n[g]]]] == pytest.approx(got, rel=1e-12))
        assert np.all(np.isin(cand_entry[g, :cand_n[g]], src))


def test_check_invalidates_candidates_whose_entry_left_view():
    margin = np.array([[1.0, -1.0, 1.0]])
    usable = np.ones((1, 3), bool)
    cand_entry, cand_n = np.array([[0, 1, 2], [1, 1, 0]]), np.array([3, 2])
    valid, stale = np.zeros((2, 3), bool), np.zeros(2, bool)
    n_stale = reach.check(np.array([0, 0]), margin, usable, cand_entry, cand_n, valid, stale)
    assert valid[0].tolist() == [True, False, True] and valid[1, :2].tolist() == [False, False]
    assert stale.tolist() == [False, True] and n_stale == 1


def test_in_view_lists_follow_adds_and_removals():
    view_sat, view_n = np.zeros((2, 2), np.int64), np.zeros(2, np.int64)
    view_pos = np.full((2, 10), -1, np.int32)
    job_station = np.array([-1, 0, 1])             # network station 0 is not the job's
    args = (view_sat, view_pos, view_n, job_station)
    assert reach.view_update(*args, np.array([1, 1, 0, 2]), np.array([5, 7, 9, 5]), True)
    assert not reach.view_update(*args, np.array([1]), np.array([8]), True)  # full
    assert reach.view_update(*args, np.array([1, 2, 1]), np.array([5, 6, 5]), False)
    assert view_sat[0, :view_n[0]].tolist() == [7] and view_sat[1, :view_n[1]].tolist() == [5]
    for s in range(2):   # consistency check: the position index points at each listed satellite
        listed = view_sat[s, :view_n[s]]
        assert view_pos[s, listed].tolist() == list(range(listed.size))
        assert np.count_nonzero(view_pos[s] >= 0) == listed.size
