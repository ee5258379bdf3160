"""The network's per-tick cost: its tick kernel under the block driver against the Python tick
it replaced, on configs/suncatcher_mesh.yaml (81 satellites, nearest-neighbour mesh re-selected
every 60 s) and configs/starlink_isl.yaml (1,584 satellites, +Grid, gateways).

Both paths advance the network alone over the same STEPS ticks with the satellites held at their
epoch positions (the orbits are not advanced, so the figure is the network's own cost):
  - baseline, the Python tick (what Network.advance did before the port, one call per tick):
    Crosslinks.tick, Contacts.tick and the periodic re-route check;
  - the block driver (sim.core.blocks.BlockRunner) over blocks of BLOCK ticks: the tick kernel
    in one numba call, back in Python only at the ticks it flags (the re-selection).
Prints µs per tick, seconds per simulated day and the ratio.

    .venv/bin/python -m pytest benchmarks/bench_network_tick.py -s -o python_files='bench_*.py'
"""
import time
from pathlib import Path

import pytest

from sim.config.loading import load_scenario
from sim.core.blocks import BlockRunner
from sim.core.constants import SECONDS_PER_DAY
from sim.core.simulation import Simulation
from sim.network import tick

CONFIGS = Path(__file__).resolve().parents[1] / "configs"
STEPS = 600
BLOCK = 4096


def _started(config: str):
    sim = Simulation(load_scenario(CONFIGS / config, ["duration=1d"]))
    for sub in sim.subsystems:
        sub.start()
    return sim, sim.subsystem("network")


def _simpy_to(sim, t_s: float) -> None:
    """Run what SimPy has due before t_s (re-routes, acquisitions), as the clock process does."""
    if sim.env.now < t_s:
        sim.env.run(until=t_s)


def _clock_tables(sim, first: int, last: int) -> None:
    """The orbits' per-block tables (clock_table: GMST for the stations), the satellites staying put."""
    sim.subsystem("orbits").tick_kernel().prepare(first, last)


def _python_ticks(sim, net, first: int) -> float:
    t0 = time.perf_counter()
    for step in range(first, first + STEPS):
        _simpy_to(sim, sim.clock.time_of_step(step))
        sim.clock.advance_to(step)
        _clock_tables(sim, step, step)
        net.tick_kernel().prepare(step, step)
        net._after_tick(step, tick.WHOLE_TICK)  # the whole tick in Python
    return time.perf_counter() - t0


def _driver_ticks(sim, net, first: int) -> float:
    """Blocks as sim.core.simulation.Simulation._clock cuts them: at most BLOCK ticks, ending
    before SimPy's next event; after a flagged tick its after_tick, then on."""
    runner = BlockRunner([net])
    time_of, env = sim.clock.time_of_step, sim.env
    t0 = time.perf_counter()
    step, end = first, first + STEPS - 1
    while step <= end:
        _simpy_to(sim, time_of(step))
        last = max(step, min(step + BLOCK - 1, end, sim._last_step_before(env.peek())))
        _clock_tables(sim, step, last)
        runner.prepare(step, last)
        at = step
        while at <= last:
            k, index, flag = runner.run(at, last, step, 0, sim.dt_s)
            if index < 0:
                break
            _simpy_to(sim, time_of(k))
            sim.clock.advance_to(k)
            runner.after_tick(index, k, flag)
            at, last = k + 1, max(k, min(last, sim._last_step_before(env.peek())))
        step = last + 1
    return time.perf_counter() - t0


@pytest.mark.parametrize("config", ["suncatcher_mesh.yaml", "starlink_isl.yaml"])
def test_network_tick_kernel_against_the_python_tick(benchmark, config):
    sim, net = _started(config)
    _python_ticks(sim, net, 1)        # compilation and caches
    _driver_ticks(sim, net, 1 + STEPS)
    python_s = min(_python_ticks(sim, net, 1 + 2 * STEPS) for _ in range(3))
    driver = []
    benchmark.pedantic(lambda: driver.append(_driver_ticks(sim, net, 1 + 3 * STEPS)), rounds=3, iterations=1)
    driver_s = min(driver)
    day = SECONDS_PER_DAY / sim.dt_s / STEPS
    print(f"\n{config}: Python tick {python_s / STEPS * 1e6:.1f} µs/tick ({python_s * day:.2f} s per simulated "
          f"day); block driver {driver_s / STEPS * 1e6:.1f} µs/tick ({driver_s * day:.2f} s per simulated day): "
          f"{python_s / driver_s:.1f}x")
