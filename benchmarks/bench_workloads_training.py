"""configs/suncatcher_training.yaml for one simulated day against the same scenario without
`workloads:` (81 satellites, radiation through the 2012-03-07 SPE, the 1.6 Tbps mesh; the same
run otherwise). Target (issue 9): at most 1.5× the wall time. Both runs are in this process after
a warm-up run (numba caches filled); each is timed over two rounds and the minima compared, the
figure to compare on a shared machine. Also printed: the training job's own time per tick
(the Workloads subsystem's advance, timed inside the run) and its share of the tick.

    .venv/bin/python -m pytest benchmarks/bench_workloads_training.py -q -s -o python_files='bench_*.py'
"""
from __future__ import annotations

import tempfile
import time
from pathlib import Path

import pytest

from sim.config import load_scenario
from sim.core.simulation import Simulation

ROOT = Path(__file__).resolve().parents[1]
CONFIG = ROOT / "configs" / "suncatcher_training.yaml"
RESULTS: dict[str, float] = {}


def _scenario(workloads: bool):
    sc = load_scenario(CONFIG, until="1d")
    return sc if workloads else sc.model_copy(update={"workloads": None})


def _run(workloads: bool, timed: dict | None = None) -> None:
    sim = Simulation(_scenario(workloads))
    if timed is not None:
        sub = sim.subsystem("workloads")
        advance = sub.advance

        def timed_advance(block):
            t = time.perf_counter()
            advance(block)
            timed["s"] += time.perf_counter() - t
            timed["ticks"] += block.n_ticks
        sub.advance = timed_advance
    with tempfile.TemporaryDirectory() as tmp:
        sim.run(Path(tmp) / "run.h5")


@pytest.fixture(scope="module", autouse=True)
def warm():
    sc = load_scenario(CONFIG, until="1h")
    with tempfile.TemporaryDirectory() as tmp:
        Simulation(sc).run(Path(tmp) / "warm.h5")


def test_day_without_workloads(benchmark):
    benchmark.pedantic(_run, args=(False,), rounds=2, iterations=1)
    RESULTS["without"] = benchmark.stats.stats.min


def test_day_with_training(benchmark):
    benchmark.pedantic(_run, args=(True,), rounds=2, iterations=1)
    RESULTS["with"] = benchmark.stats.stats.min
    timed = {"s": 0.0, "ticks": 0}
    t = time.perf_counter()
    _run(True, timed)
    wall = time.perf_counter() - t
    per_tick_us = timed["s"] / timed["ticks"] * 1e6
    print(f"\nworkloads subsystem: {per_tick_us:.1f} us per tick over {timed['ticks']} ticks, "
          f"{timed['s'] / wall:.1%} of the run's wall time")
    if "without" in RESULTS:
        ratio = RESULTS["with"] / RESULTS["without"]
        print(f"suncatcher_training one day: {RESULTS['with']:.2f} s with the training job, "
              f"{RESULTS['without']:.2f} s without workloads: ratio {ratio:.2f} (target <= 1.5)")
