"""Radiation over one simulated day of configs/spe_storm.yaml (81 satellites, the 2012-03-07 S3
event) through the block driver (sim.core.blocks): blocks of 4096 ticks against blocks of one
tick, the same-run baseline. Only the orbits (which radiation requires: positions, the clock
table) and radiation run, so the radiation sees the real track (SAA passes, the poles during the
event) and flags the same ticks as in a full run. Prints the wall time per simulated day of each
and the ratio. Run with
``pytest benchmarks/bench_radiation_blocks.py -q -s -o python_files='bench_*.py'``.
"""
from __future__ import annotations

from pathlib import Path

import pytest

from sim.config.loading import load_scenario
from sim.core.blocks import BlockRunner
from sim.core.simulation import Simulation

CONFIG = Path(__file__).resolve().parents[1] / "configs" / "spe_storm.yaml"
RESULTS: dict[int, float] = {}


@pytest.fixture(scope="module")
def day():
    sim = Simulation(load_scenario(CONFIG, until="1d"))
    return sim, BlockRunner([sim.subsystem("orbits"), sim.subsystem("radiation")])


def _run_day(sim, runner, block_ticks: int) -> None:
    """Steps 1..n in blocks of block_ticks, as Simulation._clock drives them (no SimPy, no records)."""
    for first in range(1, sim.n_steps + 1, block_ticks):
        runner.advance(first, min(first + block_ticks - 1, sim.n_steps), sim.dt_s, sim._at_step)


@pytest.mark.parametrize("block_ticks", [1, 4096])
def test_radiation_day(benchmark, day, block_ticks):
    sim, runner = day
    _run_day(sim, runner, block_ticks)   # compile, warm
    benchmark.pedantic(_run_day, args=(sim, runner, block_ticks), rounds=3, iterations=1)
    RESULTS[block_ticks] = benchmark.stats.stats.min
    if len(RESULTS) == 2:
        print(f"\norbits + radiation, one simulated day of spe_storm (81 satellites, {sim.n_steps} ticks): "
              f"blocks of 1 tick {RESULTS[1]:.2f} s, of 4096 ticks {RESULTS[4096]:.2f} s, "
              f"ratio {RESULTS[1] / RESULTS[4096]:.1f}")
