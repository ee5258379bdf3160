"""The lifetime subsystem's share of a simulated day of configs/suncatcher_lifetime.yaml (81
satellites, NRLMSIS drag every 60 s, station-keeping every 10 min, battery half-cycles every
10 s tick, ageing hourly), tick by tick in Python against the block driver.

Baseline, measured in the same run: the per-tick Python loop the subsystem had before its tick
kernel (sim.lifetime.tick): the cadence tests and the half-cycle counter launched from Python
at every tick. Measured: the block driver (sim.core.blocks) over the lifetime kernel alone,
returning to Python only at its flagged ticks (the orbits' Sun and clock tables filled for each
block). The other subsystems do not advance (positions and SOC stay where the set-up put them);
both paths do the same work on the same state.

    .venv/bin/python -m pytest benchmarks/bench_lifetime.py -s -o python_files='bench_*.py'
"""
import time
from pathlib import Path

from sim.config.loading import load_scenario
from sim.core.blocks import BlockRunner
from sim.core.constants import SECONDS_PER_DAY
from sim.core.simulation import Simulation
from sim.lifetime import ageing_kernels

CONFIG = Path(__file__).resolve().parents[1] / "configs" / "suncatcher_lifetime.yaml"


def _python_day(sub, first: int, n: int) -> None:
    """The loop of the subsystem before its tick kernel, written out."""
    dt, a = sub.ctx.dt_s, sub.ageing
    b = a.cfg.battery
    for step in range(first, first + n):
        if step % sub.k_sample == 0:
            sub._sample(step * dt, sub.k_sample * dt, sub.sun.unit)
        if step % sub.k_update == 0:
            sub._update(step * dt, sub.k_update * dt)
        ageing_kernels.count_half_cycles(sub.fleet.soc, a.peak, a.trough, a.falling, a.damage, a.dod_sum,
                                         a.n_half, b.ref_dod, b.dod_exponent, b.min_half_cycle_dod)
        if step % a.k_update == 0:
            a.update(step * dt)
        if step % a.k_table == 0:
            a.rows.append(a._row(step * dt))


def _driver_day(sub, runner: BlockRunner, tables, first: int, n: int) -> None:
    """The block driver's loop (sim.core.simulation.Simulation._clock) over one kernel, in blocks
    of run.block_ticks; `tables` fills the orbits' sun_table and clock_table it reads."""
    dt, end = sub.ctx.dt_s, first + n - 1
    for block_first in range(first, end + 1, sub.ctx.max_block_ticks):
        last = min(block_first + sub.ctx.max_block_ticks - 1, end)
        tables(block_first, last)
        runner.advance(block_first, last, dt)


def test_lifetime_day(benchmark):
    sim = Simulation(load_scenario(CONFIG, []))
    sub = sim.subsystem("lifetime")
    assert sub.ageing is not None and sub.msis_on
    n = int(round(SECONDS_PER_DAY / sim.dt_s))
    runner = BlockRunner([sub])
    tables = sim.subsystem("orbits").tick_kernel().prepare
    cursor = {"step": 1}

    def python_day():
        _python_day(sub, cursor["step"], n)
        cursor["step"] += n

    def driver_day():
        _driver_day(sub, runner, tables, cursor["step"], n)
        cursor["step"] += n

    _python_day(sub, cursor["step"], 60)   # compile and warm both
    cursor["step"] += 60
    _driver_day(sub, runner, tables, cursor["step"], 60)
    cursor["step"] += 60
    t0 = time.perf_counter()
    python_day()
    baseline_s = time.perf_counter() - t0
    benchmark.pedantic(driver_day, rounds=3, iterations=1)
    driver_s = benchmark.stats["min"]
    print(f"\nlifetime part of suncatcher_lifetime, per simulated day ({n} ticks, {sim.n_satellites} satellites): "
          f"Python tick loop {baseline_s * 1e3:.0f} ms, block driver {driver_s * 1e3:.0f} ms; "
          f"ratio {baseline_s / driver_s:.1f}x")
