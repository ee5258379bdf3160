"""Radiation tick vs the physics tick at N = 10,000 (a Walker 53° shell at 550 km, 100 × 100),
default radiation section (AP8 map, GCR, synthetic SPEs, three device classes).

A tick is what the simulation's clock process does (sim.core.simulation.Simulation._clock):
the clock advances, then each subsystem advances the one-tick `Block`. The physics tick is the
orbits and payload subsystems' advance, the radiation tick the radiation subsystem's; the
physics tick is the same-run baseline. Issue 4 asks that radiation add at most 30 % to it.
Prints both, the ratio and the radiation tick's parts: the kernel with every environment
refreshed, the hazard-only kernel (the every-tick part: hazard, dose, downtime, crossings), the
default kernel (1/every of the environments), the environment refresh (default − hazard only)
and the Python event work (the rest of the tick). Both ticks are reported as mean and minimum
over the rounds, the parts as the minimum of several rounds (the minima are the figures to
compare on a shared machine). Run with
``pytest benchmarks/bench_radiation.py -q -s -o python_files='bench_*.py'``.
"""
from __future__ import annotations

import time

import pytest
from numba import get_num_threads

from sim.config import scenario_from_dict
from sim.core.simulation import Simulation
from sim.core.subsystem import Block

RESULTS: dict[str, float] = {}
DT_S = 10.0
PHYSICS = ("orbits", "payload")


@pytest.fixture(scope="module")
def sim():
    scenario = scenario_from_dict({
        "name": "bench_radiation", "epoch": "2026-03-20T00:00:00Z", "duration": "1d", "dt_s": DT_S,
        "constellation": [{"walker": {"altitude_km": 550, "inclination_deg": 53, "planes": 100,
                                      "sats_per_plane": 100, "phasing": 1}}],
        "radiation": {}})
    s = Simulation(scenario)
    assert {*PHYSICS, "radiation"} <= {sub.name for sub in s.subsystems}  # goodput is always on, idle here
    _ticker(s, PHYSICS)()      # compile
    _ticker(s, ("radiation",))()
    return s


def _ticker(s, names):
    """One call: the clock to this ticker's next step, then the named subsystems advance its
    one-tick block (each ticker keeps its own step, as the old per-subsystem tick did)."""
    subs = [s.subsystem(name) for name in names]
    state = {"step": 0}

    def run():
        state["step"] += 1
        s.clock.advance_to(state["step"])
        block = Block(state["step"], state["step"], s.dt_s)
        for sub in subs:
            sub.advance(block)
    return run


def test_physics_tick(benchmark, sim):
    benchmark(_ticker(sim, PHYSICS))
    RESULTS["physics"] = benchmark.stats.stats.mean
    RESULTS["physics_min"] = benchmark.stats.stats.min


def _min_s(fn, n=50, rounds=9) -> float:
    """Minimum over `rounds` of the mean time of n calls."""
    fn()
    best = float("inf")
    for _ in range(rounds):
        t = time.perf_counter()
        for _ in range(n):
            fn()
        best = min(best, (time.perf_counter() - t) / n)
    return best


def _kernel_call(rad, every: int):
    """The radiation tick kernel (sim.radiation.steps.radiation_tick) at the clock's step, refreshing
    the environments of 1/every of the satellites."""
    from sim.radiation import steps
    step = max(rad.ctx.clock.step, 1)
    rad.step_tables.prepare(step, step)
    args, t0_s = rad._kernel_args(every=every), rad.ctx.clock.time_of_step(step) - DT_S
    return lambda: steps.radiation_tick(step, 0, t0_s, DT_S, *args)


def test_radiation_tick(benchmark, sim):
    s = sim
    rad = s.subsystem("radiation")
    benchmark(_ticker(s, ("radiation",)))
    RESULTS["radiation"] = benchmark.stats.stats.mean
    RESULTS["radiation_min"] = benchmark.stats.stats.min
    n = s.fleet.n
    parts = {"kernel, every environment": _min_s(_kernel_call(rad, 1)),
             f"kernel, 1/{rad.every} environments": _min_s(_kernel_call(rad, rad.every)),
             "kernel, hazard only": _min_s(_kernel_call(rad, 10 ** 9))}
    default = parts[f"kernel, 1/{rad.every} environments"]
    parts["environment refresh (default − hazard only)"] = default - parts["kernel, hazard only"]
    parts["events and Python (tick min − default kernel)"] = RESULTS["radiation_min"] - default
    print(f"\nradiation parts at N={n:,} ({get_num_threads()} threads):")
    for name, t_s in parts.items():
        print(f"  {name:44s} {t_s * 1e6:8.1f} us  {t_s * 1e9 / n:6.1f} ns/satellite")
    if "physics" in RESULTS:
        ratio = RESULTS["radiation"] / RESULTS["physics"]
        print(f"\nN=10,000: physics tick {RESULTS['physics'] * 1e3:.2f} ms, radiation tick "
              f"{RESULTS['radiation'] * 1e3:.2f} ms, radiation/physics = {ratio:.2f} (target ≤ 0.30)")
        ratio_min = RESULTS["radiation_min"] / RESULTS["physics_min"]
        print(f"minima: physics tick {RESULTS['physics_min'] * 1e3:.3f} ms, radiation tick "
              f"{RESULTS['radiation_min'] * 1e3:.3f} ms, radiation/physics = {ratio_min:.2f}")
