"""Network cost against the physics tick at N = 10,000 with +Grid.

A Walker 53° shell at 550 km, 100 planes × 100 (+Grid: 20,000 candidate links), 50 active
transfers between random satellites. Measures, per tick: the physics tick (orbit, Sun,
power, thermal, throttle), the network tick (crosslink kernel + crossings + events) and a
full re-route (graph build, Dijkstra from the demand sources, max–min allocation), and
prints the ratio network / physics with a re-route every tick (worst case: the topology
changes every tick) and every 6 ticks (routing.every_s = 60 s at dt = 10 s).
Run with ``pytest benchmarks/bench_network.py --benchmark-only -s``.
"""
from __future__ import annotations

import numpy as np
import pytest

from sim.config import scenario_from_dict
from sim.simulation import Simulation

N_TICKS = 30
DT_S = 10.0
RESULTS: dict[str, float] = {}


@pytest.fixture(scope="module")
def sim():
    scenario = scenario_from_dict({
        "name": "bench_network", "epoch": "2026-03-20T00:00:00Z", "duration": "1d", "dt_s": DT_S,
        "constellation": [{"walker": {"altitude_km": 550, "inclination_deg": 53, "planes": 100,
                                      "sats_per_plane": 100, "phasing": 1}}],
        "network": {"crosslinks": {"topology": "grid", "max_slew_rate_deg_s": 1.0}},
    })
    sim = Simulation(scenario)
    net = sim.network
    net.start()
    rng = np.random.default_rng(0)
    for a, b in rng.integers(0, sim.fleet.n, size=(50, 2)):
        net.submit_transfer(int(a), int(b), 1e15)
    net._reroute()
    physics = sim.subsystems[0]
    for k in range(1, 4):  # warm up (numba compile, caches)
        physics.tick(k * DT_S, DT_S)
        net.tick(k * DT_S, DT_S)
    sim._t = 4 * DT_S
    return sim


def _ticks(sim, with_physics, with_network, reroute_every):
    physics, net = sim.subsystems[0], sim.network
    for k in range(N_TICKS):
        sim._t += DT_S
        if with_physics:
            physics.tick(sim._t, DT_S)
        if with_network:
            net.tick(sim._t, DT_S)
            if reroute_every and k % reroute_every == 0:
                net._reroute()


def _report():
    if {"physics", "net_every", "net_6"} <= RESULTS.keys():
        p = RESULTS["physics"]
        print(f"\nphysics tick, N=10,000:               {p * 1e3:8.3f} ms")
        print(f"network tick + re-route every tick:   {RESULTS['net_every'] * 1e3:8.3f} ms  "
              f"ratio {RESULTS['net_every'] / p:.2f}")
        print(f"network tick + re-route every 6 ticks: {RESULTS['net_6'] * 1e3:7.3f} ms  "
              f"ratio {RESULTS['net_6'] / p:.2f}")
        if "reroute" in RESULTS:
            print(f"one re-route (50 transfers):          {RESULTS['reroute'] * 1e3:8.3f} ms")


def test_physics_tick(benchmark, sim):
    benchmark.pedantic(_ticks, args=(sim, True, False, 0), rounds=3, iterations=1)
    RESULTS["physics"] = min(benchmark.stats.stats.data) / N_TICKS


def test_network_tick_reroute_every_tick(benchmark, sim):
    benchmark.pedantic(_ticks, args=(sim, False, True, 1), rounds=3, iterations=1)
    RESULTS["net_every"] = min(benchmark.stats.stats.data) / N_TICKS


def test_network_tick_reroute_every_6(benchmark, sim):
    benchmark.pedantic(_ticks, args=(sim, False, True, 6), rounds=3, iterations=1)
    RESULTS["net_6"] = min(benchmark.stats.stats.data) / N_TICKS


def test_one_reroute(benchmark, sim):
    benchmark.pedantic(sim.network._reroute, rounds=5, iterations=1)
    RESULTS["reroute"] = min(benchmark.stats.stats.data)
    _report()
