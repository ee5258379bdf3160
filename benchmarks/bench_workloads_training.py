"""configs/suncatcher_training.yaml for one simulated day against the same scenario without
`workloads:` (81 satellites, radiation through the 2012-03-07 SPE, the 1.6 Tbps mesh; the same
run otherwise). Target (issue 9): at most 1.5× the wall time. Both runs are in this process after
a warm-up run (numba caches filled); each is timed over two rounds and the minima compared, the
figure to compare on a shared machine. Also printed:

- the workloads subsystem's Python time inside the run (its tick kernel's args and after_tick,
  the ticks it flags), per simulated day;
- a quiet tick of the workloads (state after 1 h, then held): the jobs' Python `step` tick by
  tick (how the subsystem advanced before its tick kernel; the same arithmetic) against the
  tick kernel over blocks of the same ticks in one numba call (as the block driver runs it, Python
  at the ticks it flags: checkpoints); printed: µs per tick each and the ratio.

    .venv/bin/python -m pytest benchmarks/bench_workloads_training.py -q -s -o python_files='bench_*.py'
"""
from __future__ import annotations

import tempfile
import time
from pathlib import Path

import pytest
from numba import njit

from sim.config import load_scenario
from sim.core.simulation import Simulation
from sim.workloads import ledger, tick

ROOT = Path(__file__).resolve().parents[1]
CONFIG = ROOT / "configs" / "suncatcher_training.yaml"
RESULTS: dict[str, float] = {}
QUIET_TICKS = 2000


def _scenario(workloads: bool, until="1d"):
    sc = load_scenario(CONFIG, until=until)
    return sc if workloads else sc.model_copy(update={"workloads": None})


def _run(workloads: bool, timed: dict | None = None) -> None:
    sim = Simulation(_scenario(workloads))
    if timed is not None:
        sub = sim.subsystem("workloads")
        args, after = sub._tick_args, sub._after_tick

        def timed_args():
            t = time.perf_counter()
            out = args()
            timed["s"] += time.perf_counter() - t
            return out

        def timed_after(step, flag):
            t = time.perf_counter()
            after(step, flag)
            timed["s"] += time.perf_counter() - t
            timed["flagged"] += 1
        sub._tick_args, sub._after_tick = timed_args, timed_after
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
    timed = {"s": 0.0, "flagged": 0}
    _run(True, timed)
    print(f"\nworkloads Python time (tick kernel args + after_tick): {timed['s']:.3f} s per simulated day, "
          f"{timed['flagged']} of 8640 ticks flagged")
    if "without" in RESULTS:
        ratio = RESULTS["with"] / RESULTS["without"]
        print(f"suncatcher_training one day: {RESULTS['with']:.2f} s with the training job, "
              f"{RESULTS['without']:.2f} s without workloads: ratio {ratio:.2f} (target <= 1.5)")


def _held_state():
    sim = Simulation(_scenario(True, "1h"))
    with tempfile.TemporaryDirectory() as tmp:
        sim.run(Path(tmp) / "run.h5")
    return sim, sim.subsystem("workloads")


def _python_ticks(sim, sub, first: int) -> None:
    """The subsystem's tick before its kernel: every job's step, then the idle satellites."""
    f, dt_s = sim.fleet, sim.dt_s
    for step in range(first, first + QUIET_TICKS):
        t0_s = step * dt_s - dt_s
        delivered = f.gpu_seconds_delivered_tick
        for job in sub.jobs:
            job.step(t0_s, dt_s, delivered[job.jc.members])
        if sub.unassigned.size:
            sub.ledger.book("idle", sub.unassigned, delivered[sub.unassigned])


@njit
def _block(first, last, dt_s, args):
    """Ticks first..last of the workloads tick kernel in one numba call, as the block driver runs
    them: the first flagged step, or −1."""
    for step in range(first, last + 1):
        if tick.workloads_tick(step, step - first, step * dt_s - dt_s, dt_s, *args):
            return step
    return -1


def _kernel_ticks(sim, sub, first: int) -> None:
    dt_s, last = sim.dt_s, first + QUIET_TICKS - 1
    while first <= last:
        sub._prepare(first, last)
        flagged = _block(first, last, dt_s, sub._tick_args())
        if flagged < 0:
            return
        sub._after_tick(flagged, 1)
        first = flagged + 1


def test_quiet_tick_python_against_kernel():
    sim, sub = _held_state()
    first = sim.n_steps + 1
    _kernel_ticks(sim, sub, first)      # compiled
    t = time.perf_counter()
    _python_ticks(sim, sub, first + QUIET_TICKS)
    python_us = (time.perf_counter() - t) / QUIET_TICKS * 1e6
    t = time.perf_counter()
    _kernel_ticks(sim, sub, first + 2 * QUIET_TICKS)
    kernel_us = (time.perf_counter() - t) / QUIET_TICKS * 1e6
    assert sim.fleet.work_gpu_s[ledger.CAUSE["useful"]].sum() > 0
    print(f"\nworkloads quiet tick (81-satellite training): Python step {python_us:.1f} us, tick kernel "
          f"{kernel_us:.1f} us (blocks of ticks in one numba call, Python at flagged ticks): "
          f"ratio {python_us / kernel_us:.1f}x; "
          f"per simulated day {python_us * 8640e-6:.3f} s against {kernel_us * 8640e-6:.3f} s")
