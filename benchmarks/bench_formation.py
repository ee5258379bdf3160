"""The cost of the formation-keeping check in the lifetime tick kernel: a simulated day of the
lifetime subsystem of configs/suncatcher_keeping.yaml (81 satellites, 80 members checked every
60 s) in the block driver, with formation keeping against the same scenario without it
(the baseline, measured in the same run). The other subsystems do not advance (positions stay
where the set-up put them), so no member is due: this is the check alone, not the corrections
(Python on the flagged ticks, a few per member and day).

    .venv/bin/python -m pytest benchmarks/bench_formation.py -s -o python_files='bench_*.py'
"""
import time
from pathlib import Path

from sim.config.loading import load_scenario
from sim.core.blocks import BlockRunner
from sim.core.constants import SECONDS_PER_DAY
from sim.core.simulation import Simulation

CONFIG = Path(__file__).resolve().parents[1] / "configs" / "suncatcher_keeping.yaml"


def _day_runner(sets):
    sim = Simulation(load_scenario(CONFIG, sets))
    sub = sim.subsystem("lifetime")
    runner = BlockRunner([sub])
    tables = sim.subsystem("orbits").tick_kernel().prepare
    n = int(round(SECONDS_PER_DAY / sim.dt_s))
    cursor = {"step": 1}

    def day(ticks=n):
        first, end = cursor["step"], cursor["step"] + ticks - 1
        for block_first in range(first, end + 1, sub.ctx.max_block_ticks):
            last = min(block_first + sub.ctx.max_block_ticks - 1, end)
            tables(block_first, last)
            runner.advance(block_first, last, sim.dt_s)
        cursor["step"] += ticks

    day(60)   # compile and warm
    return sub, day, n


def test_formation_check_day(benchmark):
    _, plain_day, n = _day_runner(["lifetime.formation_keeping=null"])
    sub, keeping_day, _ = _day_runner([])
    assert sub.formation is not None
    baseline_s = float("inf")
    for _ in range(3):   # the same statistic as the measurement: the fastest of three
        t0 = time.perf_counter()
        plain_day()
        baseline_s = min(baseline_s, time.perf_counter() - t0)
    benchmark.pedantic(keeping_day, rounds=3, iterations=1)
    keeping_s = benchmark.stats["min"]
    print(f"\nlifetime part of suncatcher_keeping per simulated day ({n} ticks): without formation keeping "
          f"{baseline_s * 1e3:.0f} ms, with it {keeping_s * 1e3:.0f} ms; ratio {keeping_s / baseline_s:.2f}")
