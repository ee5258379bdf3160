"""Radiation tick vs the physics tick at N = 10,000 (a Walker 53° shell at 550 km, 100 × 100),
default radiation section (AP8 map, GCR, synthetic SPEs, three device classes).
Issue 4 asks that radiation add at most 30 % to the physics tick. Prints both and the ratio.
Run with ``pytest benchmarks/bench_radiation.py --benchmark-only -s``.
"""
from __future__ import annotations

import pytest

from sim.config import scenario_from_dict
from sim.simulation import Simulation

RESULTS: dict[str, float] = {}
DT_S = 10.0


@pytest.fixture(scope="module")
def sim():
    scenario = scenario_from_dict({
        "name": "bench_radiation", "epoch": "2026-03-20T00:00:00Z", "duration": "1d", "dt_s": DT_S,
        "constellation": [{"walker": {"altitude_km": 550, "inclination_deg": 53, "planes": 100,
                                      "sats_per_plane": 100, "phasing": 1}}],
        "radiation": {}})
    s = Simulation(scenario)
    by_name = {sub.name: sub for sub in s.subsystems}
    by_name["physics"].tick(DT_S, DT_S)      # compile
    by_name["radiation"].tick(DT_S, DT_S)
    return s, by_name


def _ticker(sub):
    state = {"t": DT_S}

    def run():
        state["t"] += DT_S
        sub.tick(state["t"], DT_S)
    return run


def test_physics_tick(benchmark, sim):
    _, subs = sim
    benchmark(_ticker(subs["physics"]))
    RESULTS["physics"] = benchmark.stats.stats.mean


def test_radiation_tick(benchmark, sim):
    _, subs = sim
    benchmark(_ticker(subs["radiation"]))
    RESULTS["radiation"] = benchmark.stats.stats.mean
    if "physics" in RESULTS:
        ratio = RESULTS["radiation"] / RESULTS["physics"]
        print(f"\nN=10,000: physics tick {RESULTS['physics'] * 1e3:.2f} ms, radiation tick "
              f"{RESULTS['radiation'] * 1e3:.2f} ms, radiation/physics = {ratio:.2f} (target ≤ 0.30)")
