"""Placement policies on hand-made candidate sets, and Gamma renewal arrivals."""
import numpy as np
import pytest

from sim.workloads.inference import dispatch, rand


def _place(policy, admitted, slots, busy, tj=None, valid=None, qlen=None):
    """slots: 4 GPUs × concurrency per member (a member with 0 slots delivers nothing)."""
    M = len(slots)
    G = len(admitted)
    cand_m = np.tile(np.arange(M), (G, 1))
    cand_lat = np.tile(np.linspace(0.002, 0.004, M), (G, 1))
    valid = np.ones((G, M), bool) if valid is None else valid
    slots = np.asarray(slots)
    gpu_count = np.full(M, 4, np.int32)
    delivered = np.where(slots > 0, 40.0, 0.0)
    out = dict(assigned=np.zeros(M, np.int64), lat_sum=np.zeros(M), placed=np.zeros(G, np.int64),
               rejected=np.zeros(G, np.int64), st_lat=np.zeros(G), reachable=np.zeros(G, np.int64),
               act=np.zeros(M, np.int64), act_n=np.zeros(1, np.int64), is_act=np.zeros(M, bool))
    conc = float(np.max(slots)) / 4 if np.any(slots) else 1.0
    assert np.all((slots == 0) | (slots == conc * 4)), "one slot count per test"
    dispatch.place(0, np.asarray(admitted, np.int64), cand_m, cand_lat, np.full(G, M), valid,
                   dispatch.POLICY[policy], conc, gpu_count, delivered, np.asarray(busy, np.int64),
                   np.zeros(M, np.int64) if qlen is None else np.asarray(qlen, np.int64), out["assigned"],
                   np.arange(M), np.zeros(M) if tj is None else np.asarray(tj, float), out["lat_sum"],
                   out["placed"], out["rejected"], out["st_lat"], out["reachable"], *dispatch.new_scratch(M),
                   out["act"], out["act_n"], out["is_act"])
    assert sorted(out["act"][:out["act_n"][0]].tolist()) == np.flatnonzero(out["assigned"]).tolist()
    return out


def test_nearest_fills_in_latency_order_and_queues_the_rest_at_the_nearest():
    out = _place("nearest", [25], slots=[10, 10, 10], busy=[4, 0, 9])
    assert out["assigned"].tolist() == [6 + 8, 10, 1]  # 6 + 10 + 1 fill the free slots, 8 queue at the nearest
    out = _place("nearest", [5], slots=[10, 10, 10], busy=[4, 0, 9])
    assert out["assigned"].tolist() == [5, 0, 0]
    assert out["placed"].tolist() == [5] and out["lat_sum"][0] == pytest.approx(5 * 0.002)


def test_coolest_fills_the_coolest_first():
    out = _place("coolest", [12], slots=[10, 10, 10], busy=[0, 0, 0], tj=[330.0, 300.0, 310.0])
    assert out["assigned"].tolist() == [0, 10, 2]


def test_least_loaded_levels_the_load():
    slots, busy = np.array([20, 20, 20]), np.array([19, 2, 12])
    out = _place("least_loaded", [37], slots=slots, busy=busy)
    assert out["assigned"].sum() == 37
    level = (busy + out["assigned"]) / slots
    # water level h: (19 + 2 + 12 + 37)/60 = 1.17 is above candidate 0 (0.95): all three are filled to it
    assert np.all(np.abs(level - level.mean()) <= 1.0 / slots)
    out = _place("least_loaded", [8], slots=slots, busy=busy)
    assert out["assigned"].tolist() == [0, 8, 0]   # only the emptiest rises (to 10/20, below 12/20)
    out = _place("least_loaded", [14], slots=slots, busy=busy)
    assert out["assigned"].tolist() == [0, 12, 2]  # both emptier ones level at 14/20


def test_invalid_or_slotless_candidates_are_skipped_and_unreachable_requests_rejected():
    valid = np.array([[False, True, True], [False, False, False]])
    out = _place("nearest", [3, 4], slots=[10, 0, 10], busy=[0, 0, 0], valid=valid)
    assert out["assigned"].tolist() == [0, 0, 3]
    assert out["rejected"].tolist() == [0, 4] and out["reachable"].tolist() == [1, 0]


def test_gamma_renewal_has_the_rate_and_the_burstiness():
    rng = np.random.default_rng(2)
    rate, shape, dt, ticks = 5.0, 0.25, 10.0, 20000
    next_s = rng.gamma(shape, 1.0 / (shape * rate), 1)
    state = rand.new_state(rng)
    counts, out = np.zeros(1, np.int64), np.zeros(ticks)
    for k in range(ticks):
        dispatch.gamma_counts(state, next_s, (k + 1) * dt, shape, 1.0 / (shape * rate), counts)
        out[k] = counts[0]
    assert out.mean() == pytest.approx(rate * dt, rel=0.02)
    # renewal theory (Cox 1962): Var N(t) / E N(t) → CV² = 1/shape for t ≫ the mean gap
    assert out.var() / out.mean() == pytest.approx(1.0 / shape, rel=0.1)
