"""The physics tick (orbit, Sun, eclipse, power, thermal, throttle) at N = 10,000 with the thermal
network (thermal.model: network, the default) against the lumped two-node model measured in the
same run; prints both and the ratio (target: network ≤ 1.5× lumped).

    .venv/bin/python -m pytest benchmarks/bench_thermal_network.py -s -o python_files='bench_*.py'

As in bench_tick.py, one tick is what the simulation's clock process does: the clock advances,
then the orbits and payload subsystems advance the one-tick Block. On a shared 2-core machine
compare single-thread figures (NUMBA_NUM_THREADS=1).
"""
import numba
import pytest

from sim.config import scenario_from_dict
from sim.core.simulation import Simulation
from sim.core.subsystem import Block

STEPS = 200
SECONDS: dict[str, float] = {}


def _walker(model: str):
    return scenario_from_dict({
        "name": "bench", "epoch": "2026-03-20T00:00:00Z", "duration": "1d", "dt_s": 10,
        "defaults": {"thermal": {"model": model}},
        "constellation": [{"walker": {"altitude_km": 550, "inclination_deg": 53, "planes": 100,
                                      "sats_per_plane": 100, "phasing": 1}}],
    })


@pytest.mark.parametrize("model", ["lumped", "network"])
def test_physics_tick_by_thermal_model(benchmark, model):
    sim = Simulation(_walker(model))
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
    SECONDS[model] = benchmark.stats["min"] / STEPS
    print(f"\nphysics tick N={sim.n_satellites}, thermal.model {model}, {numba.get_num_threads()} numba "
          f"thread(s): {SECONDS[model] * 1e6:.0f} µs/tick ({sim.n_satellites / SECONDS[model] / 1e6:.1f} M "
          f"satellite-steps/s)")
    if len(SECONDS) == 2:
        print(f"network / lumped: {SECONDS['network'] / SECONDS['lumped']:.2f}x (target <= 1.5x)")
