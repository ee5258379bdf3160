"""The full physics tick (orbit, Sun, eclipse, power, thermal, throttle) at N = 100 and 10,000.

One tick is what the simulation's clock process does (sim.core.simulation.Simulation._clock):
the clock advances, then every subsystem (orbits, payload) advances the one-tick `Block`.

Target (DESIGN.md): >= 20 M satellite-steps/s at N = 10,000 on 2 cores. The baseline measured in
the same run is python-sgp4's SatrecArray propagating the same satellites one step: the field's
standard propagator alone, without any of the rest of the tick.

    make bench    # or: .venv/bin/python -m pytest benchmarks/bench_tick.py -s -o python_files='bench_*.py'

The tick includes event emission (EventLog.emit) for the eclipse and throttle events it finds.
On a 2-core machine shared with other processes the 2-thread figure swings widely (a parallel
launch waits for a descheduled worker); compare single-thread figures (NUMBA_NUM_THREADS=1).
"""
import time

import numba
import numpy as np
import pytest
from sgp4.api import WGS72, Satrec, SatrecArray

from sim.config import scenario_from_dict
from sim.core.constants import SECONDS_PER_DAY
from sim.core.simulation import Simulation
from sim.core.subsystem import Block

STEPS = 200


def _walker(n_planes, per_plane):
    return scenario_from_dict({
        "name": "bench", "epoch": "2026-03-20T00:00:00Z", "duration": "1d", "dt_s": 10,
        "constellation": [{"walker": {"altitude_km": 550, "inclination_deg": 53, "planes": n_planes,
                                      "sats_per_plane": per_plane, "phasing": 1}}],
    })


def _sgp4_rate(sim, steps):
    f = sim.fleet
    sats = []
    for i in range(f.n):
        s = Satrec()
        n_rad_min = float(f.mean_motion_rad_s[i]) * 60.0
        s.sgp4init(WGS72, "i", i, 26012.0 - 2433281.5 + 2433281.5 - 2433281.5, 0.0, 0.0, 0.0,
                   float(f.e[i]) + 1e-7, float(f.argp_rad[i]), float(f.inc_rad[i]),
                   float(f.mean_anomaly_rad[i]), n_rad_min, float(f.raan_rad[i]))
        sats.append(s)
    arr = SatrecArray(sats)
    jd = np.full(steps, sats[0].jdsatepoch)
    fr = np.arange(steps) * 10.0 / SECONDS_PER_DAY
    t0 = time.perf_counter()
    arr.sgp4(jd, fr)
    return f.n * steps / (time.perf_counter() - t0)


@pytest.mark.parametrize("planes, per_plane", [(10, 10), (100, 100)], ids=["N=100", "N=10000"])
def test_physics_tick(benchmark, planes, per_plane):
    sim = Simulation(_walker(planes, per_plane))
    assert {"orbits", "payload"} <= {sub.name for sub in sim.subsystems}  # goodput is always on, idle here
    clock = {"step": 0}

    def tick_block():
        for _ in range(STEPS):
            clock["step"] += 1
            step = clock["step"]
            sim.clock.advance_to(step)
            block = Block(step, step, sim.dt_s)
            for sub in sim.subsystems:
                sub.advance(block)

    tick_block()  # compile and warm
    benchmark.pedantic(tick_block, rounds=7, iterations=1)
    rate = sim.n_satellites * STEPS / benchmark.stats["min"]
    baseline = _sgp4_rate(sim, STEPS)
    print(f"\nphysics tick N={sim.n_satellites}, {numba.get_num_threads()} numba thread(s): "
          f"{rate / 1e6:.1f} M satellite-steps/s ({benchmark.stats['min'] / STEPS * 1e6:.0f} µs/tick); "
          f"python-sgp4 SatrecArray (propagation only): {baseline / 1e6:.2f} M/s; ratio {rate / baseline:.1f}x")
