"""Cost of the eclipse pass: the WGS84-ellipsoid shadow and the crossing-time roots against
the former sphere + interpolated-illumination pass, and of the yaw-rate check.

10,000 satellites (a Walker 53° shell at 550 km, 100 planes × 100), 60 ticks of 10 s
(positions and velocities precomputed, so only the pass is timed), one thread (the serial
kernels; the parallel ones split the same work). Baseline: `illumination_range` on the sphere
+ `crossings_range`, the pass of the payload tick before the change. Prints ns per
satellite-tick of each and the ratios. Run with
``pytest benchmarks/bench_eclipse.py --benchmark-only -s``.
"""
from __future__ import annotations

import numpy as np
import pytest

from sim.core.numerics import crossings_range
from sim.core.timescale import TT_MINUS_UTC_D
from sim.orbits import attitude, shadow, sun
from sim.orbits.j2 import J2Propagator
from sim.orbits.shells import walker

N_TICKS, DT_S = 60, 10.0
EPOCH_JD = 2461120.0  # 2026-03-20T12:00 UTC
RESULTS: dict[str, float] = {}


@pytest.fixture(scope="module")
def ticks():
    el = walker(550.0, 53.0, 100, 100, phasing=1)
    prop = J2Propagator(el["a_m"], el["e"], el["inc_rad"], el["raan_rad"], el["argp_rad"],
                        el["mean_anomaly_rad"], dt_s=DT_S)
    n = el["a_m"].shape[0]
    r, v = np.zeros((N_TICKS + 1, 3, n)), np.zeros((N_TICKS + 1, 3, n))
    for k in range(N_TICKS + 1):
        prop.propagate(k * DT_S, r[k], v[k])
    s = np.array(sun.sun_position_eci_m(EPOCH_JD + TT_MINUS_UTC_D))
    return r, v, s


def _run(kind, r, v, s):
    n = r.shape[2]
    previous, lit = np.empty(n), np.empty(n)
    direction, t_cross = np.zeros(n, np.int8), np.empty(n)
    code, start, end = np.zeros(n, np.int8), np.zeros(n), np.zeros(n)
    rate, over, over_s = np.zeros(n), np.zeros(n, np.int8), np.zeros(n)
    side = np.full(n, np.nan)
    att, limit = np.zeros(n, np.int8), np.full(n, np.radians(0.2))
    s_hat = s / np.linalg.norm(s)
    sun.illumination_range(0, n, r[0], s[0], s[1], s[2], 0, lit)
    crossings = 0
    for k in range(1, r.shape[0]):
        previous[:] = lit
        t0 = (k - 1) * DT_S
        if kind == "sphere_interpolated":
            sun.illumination_range(0, n, r[k], s[0], s[1], s[2], sun.ILLUMINATION_CONICAL, lit)
            crossings += crossings_range(0, n, previous, lit, 0.5, t0, DT_S, direction, t_cross)
        elif kind == "yaw_check":
            attitude.yaw_tick_serial(n, t0, DT_S, r[k], v[k], *s_hat, att, limit, rate, over,
                                     over_s, side, code, start, end)
        else:
            model = sun.eclipse_model_code("conical", "wgs84" if kind == "oblate_roots" else "sphere")
            crossings += shadow.eclipse_range(0, n, t0, DT_S, r[k], v[k], s[0], s[1], s[2], model, 0.5,
                                              previous, lit, direction, t_cross)
    return crossings


def _report():
    base = RESULTS.get("sphere_interpolated")
    if base is None or len(RESULTS) < 4:
        return
    print()
    for kind, seconds in RESULTS.items():
        print(f"{kind:22s} {seconds / (N_TICKS * 1e4) * 1e9:7.2f} ns per satellite-tick, "
              f"{seconds / base:5.2f}x the sphere + interpolation pass")


@pytest.mark.parametrize("kind", ["sphere_interpolated", "sphere_roots", "oblate_roots", "yaw_check"])
def test_eclipse_pass(benchmark, ticks, kind):
    r, v, s = ticks
    _run(kind, r[:2], v[:2], s)  # compile
    benchmark.pedantic(_run, args=(kind, r, v, s), rounds=15, iterations=1, warmup_rounds=2)
    RESULTS[kind] = benchmark.stats.stats.min
    _report()
