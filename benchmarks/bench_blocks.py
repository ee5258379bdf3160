"""Years in a minute (issue 11 §1): simulated years per wall minute of the 81-satellite cluster
with radiation, network, a training workload and the mission physics (configs/
suncatcher_lifetime.yaml), with blocks of many ticks against the same run tick by tick
(run.block_ticks = 1: the driver returns to Python at every tick), in the same process; and, for a
config with radiation, against blocks whose upset ticks all go to Python (the path before upsets
were drawn in the tick kernel, sim.radiation.upset_kernel; identical results).

Target (issue 11): five simulated years in <= 60 s wall on one core, i.e. >= 5 sim-years per
wall minute. The run is `DURATION` long (numba caches warmed by a first short run); the figure
is extrapolated linearly, which holds while memory stays flat (it does: the Recorder streams).

    NUMBA_NUM_THREADS=1 .venv/bin/python -m pytest benchmarks/bench_blocks.py -s -o python_files='bench_*.py'
"""
import time
from pathlib import Path

import pytest

from sim.config.loading import load_scenario
from sim.core.constants import SECONDS_PER_JULIAN_YEAR
from sim.core.simulation import Simulation
from sim.radiation.upset_buffers import UpsetBuffers

ROOT = Path(__file__).resolve().parents[1]
DURATION = "2d"
CONFIGS = {"cluster_lifetime": "configs/suncatcher_lifetime.yaml", "cluster_spine": "configs/suncatcher_cluster.yaml"}


def _run(config: str, block_ticks: int, tmp: Path, duration: str = DURATION) -> tuple[float, float, float]:
    """(wall s, sim-years per wall minute, CPU s of this process) of one run. On one thread
    (NUMBA_NUM_THREADS=1) the CPU time is what the run costs an idle core, whatever else the
    machine runs; wall time is that too only on an idle machine."""
    sets = [f"duration={duration}", f"run.block_ticks={block_ticks}", "record.every_s=1h"]
    sim = Simulation(load_scenario(ROOT / config, sets))
    t0, c0 = time.perf_counter(), time.process_time()
    sim.run(tmp / f"blocks_{block_ticks}.h5")
    wall_s, cpu_s = time.perf_counter() - t0, time.process_time() - c0
    return wall_s, (sim.n_steps * sim.dt_s / SECONDS_PER_JULIAN_YEAR) / (wall_s / 60.0), cpu_s


def _python_upsets(config: str, tmp: Path) -> tuple[float, float, float]:
    """Blocks of 4096 with every upset tick left to the Python path (no uniforms buffered)."""
    refill = UpsetBuffers.refill
    UpsetBuffers.refill = lambda self: None
    try:
        return _run(config, 4096, tmp)
    finally:
        UpsetBuffers.refill = refill


def _line(label: str, wall_s: float, per_minute: float, cpu_s: float) -> str:
    years = wall_s * per_minute / 60.0
    return (f"  {label}: {DURATION} in {wall_s:.1f} s wall ({cpu_s:.1f} s CPU), {per_minute:.3f} sim-years per "
            f"wall minute ({years / (cpu_s / 60.0):.3f} per CPU minute), five years in {5.0 / per_minute:.1f} min "
            f"wall ({5.0 * cpu_s / years / 60.0:.1f} min CPU)")


@pytest.mark.parametrize("name", list(CONFIGS))
def test_simulated_years_per_wall_minute(benchmark, name, tmp_path):
    config = CONFIGS[name]
    _run(config, 4096, tmp_path, "1h")   # compile and fill the numba caches
    tick_by_tick = _run(config, 1, tmp_path)
    radiation = getattr(load_scenario(ROOT / config), "radiation", None) is not None
    python_upsets = _python_upsets(config, tmp_path) if radiation else None
    blocks = benchmark.pedantic(_run, args=(config, 4096, tmp_path), rounds=1, iterations=1)
    lines = [f"\n{name}:", _line("blocks of 4096", *blocks), _line("tick by tick", *tick_by_tick)]
    if python_upsets is not None:
        lines.append(_line("blocks, upsets in Python", *python_upsets))
    lines.append(f"  speed ratio (wall; CPU) blocks / tick by tick {blocks[1] / tick_by_tick[1]:.2f}x; "
                 f"{tick_by_tick[2] / blocks[2]:.2f}x"
                 + (f", blocks / upsets in Python {blocks[1] / python_upsets[1]:.2f}x; "
                    f"{python_upsets[2] / blocks[2]:.2f}x" if python_upsets else "")
                 + "; target >= 5 sim-years/min")
    print("\n".join(lines))
