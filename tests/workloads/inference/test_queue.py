"""Validation of the queue model against queueing theory (independent closed forms).

Reference: L. Kleinrock, Queueing Systems, Vol. 1: Theory (Wiley, 1975), §3.5, the M/M/m queue:
with offered load a = λ/μ and m servers, the probability of waiting is Erlang's C formula

    C(m, a) = [aᵐ/m! · m/(m − a)] / [Σ_{k<m} aᵏ/k! + aᵐ/m! · m/(m − a)],

the mean wait W = C/(mμ − λ) and P(wait > t) = C·exp(−(mμ − λ)t), so the p-quantile of the wait
is ln(C/(1 − p))/(mμ − λ) (for 1 − p < C).
"""
import math

import numpy as np
import pytest

from sim.core.simulation import Simulation
from sim.workloads.inference import hist, rand, serve
from tests.workloads.inference.scenarios import geo_dict, scenario


def erlang_c(m: int, a: float) -> float:
    head = sum(a ** k / math.factorial(k) for k in range(m))
    tail = a ** m / math.factorial(m) * m / (m - a)
    return tail / (head + tail)


def test_erlang_c_formula_matches_a_tabulated_value():
    # Kleinrock's Fig. 3.9 family / standard tables: C(2, 1) = 1/3 (M/M/2 at ρ = 0.5)
    assert erlang_c(2, 1.0) == pytest.approx(1.0 / 3.0, rel=1e-12)


def test_always_reachable_satellite_waits_as_erlang_c(tmp_path):
    """A geostationary satellite over its station (always reachable), Poisson arrivals, exponential
    service, 8 streams at ρ = 0.8: mean and p90 wait within 5 % of M/M/8."""
    m, service_s, lam = 8, 1.0, 6.4
    run = Simulation(scenario(geo_dict(servers=m, service_s=service_s, rate_per_s=lam, duration="2d"))) \
        .run(tmp_path / "geo.h5")
    s = {k: v[0] for k, v in run.summary.items()}
    c = erlang_c(m, lam * service_s)
    drain = m / service_s - lam
    assert s["workloads.q.reachability_min"] == 1.0 and s["workloads.q.rejected"] == 0
    assert s["throttled_fraction"] == 0.0                       # full clock all along
    assert s["workloads.q.busy_share"] == pytest.approx(lam * service_s / m, rel=0.01)
    assert s["workloads.q.wait_mean_s"] == pytest.approx(c / drain, rel=0.05)
    assert s["workloads.q.wait_p90_s"] == pytest.approx(math.log(c / 0.1) / drain, rel=0.05)
    # the share of requests that waited at all is C (within the sampling noise and the 0.02 s step)
    lat = run_tables(run.path)["workloads/q/latency"]
    waited = 1.0 - lat["wait"].iloc[0] / lat["wait"].sum()
    assert waited == pytest.approx(c, rel=0.05)


def run_tables(path):
    from sim.analysis.results import open_run
    return open_run(path).tables


def test_light_load_has_no_wait_and_latency_is_path_plus_service(tmp_path):
    """Consistency check: far below capacity nobody waits, TTFT = path + prefill, TPOT = the
    full-clock concurrency/decode rate, end-to-end = TTFT + tokens × TPOT + path."""
    data = geo_dict(servers=64, service_s=1.0, rate_per_s=2.0, duration="2h", distribution="deterministic")
    job = data["workloads"]["jobs"][0]
    job["requests"] = {"context_tokens": 2000, "generated_tokens": 50}
    job["service"].update(prefill_tokens_per_s=4000.0, decode_tokens_per_s=640.0)
    s = {k: v[0] for k, v in Simulation(scenario(data)).run(tmp_path / "light.h5").summary.items()}
    path_s = s["workloads.q.path_latency_mean_ms"] * 1e-3
    tpot = 64 / 640.0
    assert s["workloads.q.wait_mean_s"] == 0.0 and s["workloads.q.rejected"] == 0
    assert s["workloads.q.ttft_mean_s"] == pytest.approx(path_s + 2000 / 4000.0, rel=1e-9)
    assert s["workloads.q.tpot_mean_s"] == pytest.approx(tpot, rel=1e-9)
    assert s["workloads.q.e2e_mean_s"] == pytest.approx(2 * path_s + 0.5 + 50 * tpot, rel=1e-9)
    assert s["workloads.q.slo_met_fraction"] == 1.0
    # busy share: λ·S/slots with S = 0.5 + 50 × 0.1 = 5.5 s
    assert s["workloads.q.busy_share"] == pytest.approx(2.0 * 5.5 / 64, rel=0.05)


def test_queue_kernel_counts_every_request_once():
    """Consistency: arrivals = started + timed out + waiting; the completion ring holds exactly the
    requests in service, through overload and a GPU that stops (level 0) for a while."""
    rng = np.random.default_rng(4)
    state = rand.new_state(rng)
    dt, delta, steps = 10.0, 0.1, 100
    ist, fst, ring, qring, act, act_n, is_act = serve.new_state(3, 102, 64)
    par = np.zeros(serve.N_PAR)
    par[[serve.P_DT, serve.P_DELTA, serve.P_RING_DT, serve.P_MAX_WAIT_STEPS, serve.P_TPOT, serve.P_SLO_TTFT,
         serve.P_SLO_TPOT, serve.P_EXPONENTIAL, serve.P_STEPS, serve.P_CONC]] = \
        [dt, delta, 0.5, 100, 0.1, 2.0, 0.2, 0.0, steps, 4]
    cls_p, cls_s = np.array([0.3, 0.7]), np.array([3.0, 25.0])
    h, sums = hist.new(), np.zeros(serve.N_SUMS)
    work, util = np.zeros((8, 3)), np.zeros(3)
    arrived = 0
    for k in range(400):
        n = rng.poisson([0.5, 3.0, 8.0])
        ist[serve.ASSIGNED] = n
        arrived += n.sum()
        delivered = np.array([40.0, 40.0 if k % 50 < 40 else 0.0, 20.0])
        for m in np.flatnonzero((n > 0) & ~is_act):   # what dispatch.place does for the members it fills
            act[act_n[0]], is_act[m] = m, True
            act_n[0] += 1
        work[1] += delivered                          # what the job books before the kernel
        serve.serve_tick(state, k * steps, np.arange(3), np.array([4, 4, 4], np.int32), delivered, ist, fst, ring,
                         qring, par, cls_p, cls_s, np.array([0.1, 0.2]), np.array([20.0, 200.0]),
                         np.zeros(2, np.int64), h, sums, util, work, 0, 1, act, act_n, is_act)
        assert set(act[:act_n[0]].tolist()) == set(np.flatnonzero(ist[serve.BUSY] + ist[serve.QLEN]).tolist())
        assert np.array_equal(ring.sum(axis=1), ist[serve.BUSY])
        assert np.array_equal(qring.sum(axis=1), ist[serve.QLEN])
    assert arrived == sums[serve.SERVED] + sums[serve.TIMEOUT] + ist[serve.QLEN].sum()
    assert sums[serve.TIMEOUT] > 0 and h[3].sum() == sums[serve.SERVED]
    assert work[0].sum() + work[1].sum() == pytest.approx(400 * (40 + 40 * 0.8 + 20), rel=1e-12)


@pytest.mark.parametrize("level, tpot_full, met", [(1.0, 0.15, True), (0.5, 0.15, False), (0.5, 0.08, True)])
def test_prefill_and_decode_slow_down_with_the_clock(level, tpot_full, met):
    """Consistency check: at clock level l, TTFT = path + prefill / l and TPOT = TPOT_full / l (the
    token rates scale with the clock); the SLO (TTFT 2 s, TPOT 0.2 s) is judged on those."""
    dt, steps, count = 10.0, 100, 4
    ist, fst, ring, qring, act, act_n, is_act = serve.new_state(1, 102, 64)
    par = np.zeros(serve.N_PAR)
    par[[serve.P_DT, serve.P_DELTA, serve.P_RING_DT, serve.P_MAX_WAIT_STEPS, serve.P_TPOT, serve.P_SLO_TTFT,
         serve.P_SLO_TPOT, serve.P_EXPONENTIAL, serve.P_STEPS, serve.P_CONC]] = \
        [dt, dt / steps, 0.5, 100, tpot_full, 2.0, 0.2, 0.0, steps, 4]
    ist[serve.ASSIGNED, 0], fst[serve.LAT_SUM, 0] = 3, 3 * 0.01     # three requests, 10 ms path each
    act[0], act_n[0], is_act[0] = 0, 1, True
    h, sums, work = hist.new(), np.zeros(serve.N_SUMS), np.zeros((8, 1))
    delivered = np.array([level * count * dt])
    serve.serve_tick(rand.new_state(np.random.default_rng(0)), 0, np.arange(1), np.array([count], np.int32),
                     delivered, ist, fst, ring, qring, par, np.ones(1), np.array([5.0]), np.array([0.2]),
                     np.array([30.0]), np.zeros(1, np.int64), h, sums, np.zeros(1), work, 0, 1, act, act_n, is_act)
    assert sums[serve.SERVED] == 3
    assert sums[serve.TTFT_SUM] / 3 == pytest.approx(0.01 + 0.2 / level, rel=1e-12)
    assert sums[serve.TPOT_SUM] / 3 == pytest.approx(tpot_full / level, rel=1e-12)
    assert sums[serve.E2E_SUM] / 3 == pytest.approx(0.02 + 0.2 / level + 30 * tpot_full / level, rel=1e-12)
    assert sums[serve.MET] == (3 if met else 0)
