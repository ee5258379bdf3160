"""J2Propagator stepping vs python-sgp4 SatrecArray on the same satellites and times.

10,000 satellites (a Walker 53° shell at 550 km, 100 planes × 100) × 1,440
times 60 s apart. The SGP4 satellites are built with ``Satrec.sgp4init`` from
the same mean elements (no drag). Prints satellite-steps/s of both and the ratio.
Run with ``pytest benchmarks/bench_propagation.py --benchmark-only -s``.
"""
from __future__ import annotations

import math

import numpy as np
import pytest

from sim.core.constants import MU_EARTH_M3_S2, SECONDS_PER_DAY
from sim.orbits.j2 import J2Propagator, propagate_j2
from sim.orbits.shells import walker

N_PLANES, N_PER_PLANE = 100, 100
N_TIMES, DT_S = 1440, 60.0
EPOCH_JD = 2461120.0  # 2026-03-20T12:00 UTC
RESULTS: dict[str, float] = {}


@pytest.fixture(scope="module")
def shell():
    return walker(550.0, 53.0, N_PLANES, N_PER_PLANE, phasing=1)


@pytest.fixture(scope="module")
def satrec_array(shell):
    from sgp4.api import WGS72, Satrec, SatrecArray

    epoch_days = EPOCH_JD - 2433281.5  # days since 1949-12-31 00:00 UT
    n0 = np.sqrt(MU_EARTH_M3_S2 / shell["a_m"] ** 3) * 60.0  # rad/min
    satrecs = []
    for k in range(shell["a_m"].shape[0]):
        sat = Satrec()
        sat.sgp4init(WGS72, "i", k + 1, epoch_days, 0.0, 0.0, 0.0, float(shell["e"][k]),
                     float(shell["argp_rad"][k]), float(shell["inc_rad"][k]),
                     float(shell["mean_anomaly_rad"][k]), float(n0[k]), float(shell["raan_rad"][k]))
        satrecs.append(sat)
    return SatrecArray(satrecs)


def _report():
    if {"sgp4", "j2"} <= RESULTS.keys():
        print(f"\npython-sgp4 SatrecArray: {RESULTS['sgp4'] / 1e6:8.2f} M satellite-steps/s")
        print(f"J2Propagator stepping:   {RESULTS['j2'] / 1e6:8.2f} M satellite-steps/s")
        if "closed" in RESULTS:
            print(f"propagate_j2 closed form: {RESULTS['closed'] / 1e6:7.2f} M satellite-steps/s")
        print(f"ratio J2Propagator / SGP4: {RESULTS['j2'] / RESULTS['sgp4']:.1f}x")


def test_sgp4_satrec_array(benchmark, satrec_array):
    jd = np.full(N_TIMES, math.floor(EPOCH_JD))
    fr = (EPOCH_JD - math.floor(EPOCH_JD)) + np.arange(N_TIMES) * DT_S / SECONDS_PER_DAY

    benchmark.pedantic(satrec_array.sgp4, args=(jd, fr), rounds=2, iterations=1, warmup_rounds=0)
    RESULTS["sgp4"] = N_PLANES * N_PER_PLANE * N_TIMES / min(benchmark.stats.stats.data)


def test_j2_propagator_stepping(benchmark, shell):
    n = shell["a_m"].shape[0]
    r = np.empty((3, n))
    v = np.empty((3, n))
    propagator = J2Propagator(shell["a_m"], shell["e"], shell["inc_rad"], shell["raan_rad"],
                              shell["argp_rad"], shell["mean_anomaly_rad"], DT_S)
    propagator.propagate(0.0, r, v)  # compile / load from cache

    def run():
        for k in range(N_TIMES):
            propagator.propagate(k * DT_S, r, v)

    benchmark.pedantic(run, rounds=5, iterations=1, warmup_rounds=1)
    RESULTS["j2"] = n * N_TIMES / min(benchmark.stats.stats.data)
    _report()


def test_propagate_j2_closed_form(benchmark, shell):
    n = shell["a_m"].shape[0]
    r = np.empty((3, n))
    v = np.empty((3, n))
    p = J2Propagator(shell["a_m"], shell["e"], shell["inc_rad"], shell["raan_rad"],
                     shell["argp_rad"], shell["mean_anomaly_rad"], DT_S)
    args = (shell["a_m"], shell["e"], shell["inc_rad"], shell["raan_rad"], shell["argp_rad"],
            shell["mean_anomaly_rad"], p.raan_dot_rad_s, p.argp_dot_rad_s, p.mean_motion_rad_s, r, v)
    propagate_j2(0.0, *args)
    times = 144

    def run():
        for k in range(times):
            propagate_j2(k * DT_S, *args)

    benchmark.pedantic(run, rounds=3, iterations=1, warmup_rounds=1)
    RESULTS["closed"] = n * times / min(benchmark.stats.stats.data)
    _report()
