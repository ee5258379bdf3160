"""Years in a minute (issue 11 §1): simulated years per wall minute of the 81-satellite cluster
with radiation, network, a training workload and the mission physics (configs/
suncatcher_lifetime.yaml), with blocks of many ticks against the same run tick by tick
(run.block_ticks = 1: the driver returns to Python at every tick), in the same process.

Target (issue 11): five simulated years in <= 60 s wall on one core, i.e. >= 5 sim-years per
wall minute. The run is `DURATION` long (numba caches warmed by a first short run); the figure
is extrapolated linearly, which holds while memory stays flat (it does: the Recorder streams).

    .venv/bin/python -m pytest benchmarks/bench_blocks.py -s -o python_files='bench_*.py'
"""
import time
from pathlib import Path

import pytest

from sim.config.loading import load_scenario
from sim.core.constants import SECONDS_PER_JULIAN_YEAR
from sim.core.simulation import Simulation

ROOT = Path(__file__).resolve().parents[1]
DURATION = "2d"
CONFIGS = {"cluster_lifetime": "configs/suncatcher_lifetime.yaml", "cluster_spine": "configs/suncatcher_cluster.yaml"}


def _years_per_minute(config: str, block_ticks: int, tmp: Path, duration: str = DURATION) -> float:
    sets = [f"duration={duration}", f"run.block_ticks={block_ticks}", "record.every_s=1h"]
    sim = Simulation(load_scenario(ROOT / config, sets))
    t0 = time.perf_counter()
    sim.run(tmp / f"blocks_{block_ticks}.h5")
    wall_s = time.perf_counter() - t0
    return (sim.n_steps * sim.dt_s / SECONDS_PER_JULIAN_YEAR) / (wall_s / 60.0)


@pytest.mark.parametrize("name", list(CONFIGS))
def test_simulated_years_per_wall_minute(benchmark, name, tmp_path):
    config = CONFIGS[name]
    _years_per_minute(config, 4096, tmp_path, "1h")   # compile and fill the numba caches
    tick_by_tick = _years_per_minute(config, 1, tmp_path)
    blocks = benchmark.pedantic(_years_per_minute, args=(config, 4096, tmp_path), rounds=1, iterations=1)
    print(f"\n{name}: {blocks:.3f} sim-years per wall minute in blocks (five years in "
          f"{5.0 / blocks:.1f} min), {tick_by_tick:.3f} tick by tick; ratio {blocks / tick_by_tick:.2f}x; "
          f"target >= 5 sim-years/min")
