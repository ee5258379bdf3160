"""Where a run's time goes, per tick kernel and per flag (issue 11 §1): a profiling tool, not a test.

    PYTHONPATH=. .venv/bin/python benchmarks/profile_ticks.py configs/suncatcher_lifetime.yaml 1d

The run's block driver is replaced by one generated the same way (sim.core.blocks.driver_source)
with each kernel call bracketed by libc `clock_gettime` (monotonic wall time, µs; the bracket itself costs
under a tenth of a µs, measured and subtracted), so each kernel's cost is measured inside the
fused numba loop, where it runs. Each flagged kernel's Python `after_tick` is timed per flag value,
as are the driver calls (their argument unboxing and return). Results are those of the normal run:
only the timing is added.
"""
from __future__ import annotations

import ctypes
import sys
import time
from collections import defaultdict
from pathlib import Path

import numpy as np
from numba import njit

from sim.config.loading import load_scenario
from sim.core import blocks
from sim.core.simulation import Simulation

_LIBC = ctypes.CDLL(None)
_clock_gettime = _LIBC.clock_gettime
_clock_gettime.restype = ctypes.c_int
_clock_gettime.argtypes = [ctypes.c_int, ctypes.c_void_p]
CLOCK_MONOTONIC = 1


@njit
def wall_us():
    """Monotonic wall time [µs] (libc clock_gettime), callable inside numba."""
    ts = np.empty(2, dtype=np.int64)
    _clock_gettime(CLOCK_MONOTONIC, ts.ctypes.data)
    return ts[0] * 1e6 + ts[1] * 1e-3


_CALL = '''        if start <= {i}:
            c0 = wall_us()
            flag = k{i}(step, row, t0_s, dt_s, *a{i})
            prof[{i}] += wall_us() - c0
            calls[{i}] += 1
            if flag != 0:
                return step, {i}, flag
'''


_DRIVERS: dict = {}


def profiling_driver(functions):
    """The block driver for `functions` with per-kernel CPU time into prof[i] [µs] and calls[i]."""
    source = blocks.driver_source(functions)
    if source in _DRIVERS:
        return _DRIVERS[source]
    head, _, _ = source.partition("        if start <= 0:")
    head = head.replace("def drive(first, last, row0, start, dt_s, ",
                        "def drive(prof, calls, first, last, row0, start, dt_s, ")
    head = head.replace("from numba import njit",
                        "from numba import njit\nfrom benchmarks.profile_ticks import wall_us")
    source = head + "".join(_CALL.format(i=i) for i in range(len(functions))) + blocks._SOURCE_TAIL
    path = Path(blocks._driver_dir()) / f"profile_{abs(hash(source)) % 10**12}.py"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(source)
    namespace: dict = {}
    exec(compile(source.replace("@njit(cache=True)", "@njit"), str(path), "exec"), namespace)
    _DRIVERS[source] = namespace["drive"]
    return namespace["drive"]


@njit
def _bracket(n):
    total = 0
    for _ in range(n):
        c0 = wall_us()
        total += wall_us() - c0
    return total / n


def profile(config: str, duration: str, block_ticks: int = 4096) -> dict:
    sim = Simulation(load_scenario(Path(config), [f"duration={duration}", f"run.block_ticks={block_ticks}",
                                                  "record.every_s=1h"]))
    stats = {"python": defaultdict(float), "flags": defaultdict(int), "driver_s": 0.0, "driver_calls": 0}
    original_init = blocks.BlockRunner.__init__

    def init(runner, subsystems):
        original_init(runner, subsystems)
        names = []
        for k in runner.kernels:
            owner = getattr(k.after_tick, "__self__", None)
            names.append(owner.name if owner is not None else k.function.py_func.__module__.split(".")[1])
        runner.names = names
        drive = profiling_driver(tuple(k.function for k in runner.kernels))
        prof, calls = np.zeros(len(runner.kernels)), np.zeros(len(runner.kernels), dtype=np.int64)
        stats.update(prof=prof, calls=calls, names=names)

        def run(first, last, row0, start, dt_s):
            t0 = time.perf_counter()
            step, index, flag = drive(prof, calls, first, last, row0, start, dt_s, *(k.args() for k in runner.kernels))
            stats["driver_s"] += time.perf_counter() - t0
            stats["driver_calls"] += 1
            stats["signatures"] = len(drive.signatures)
            stats.setdefault("call_s", []).append(time.perf_counter() - t0)
            return int(step), int(index), int(flag)

        def after_tick(index, step, flag):
            t0 = time.perf_counter()
            after = runner.kernels[index].after_tick
            if after is not None:
                after(step, flag)
            stats["python"][(names[index], flag)] += time.perf_counter() - t0
            stats["flags"][(names[index], flag)] += 1

        runner.run, runner.after_tick = run, after_tick

    blocks.BlockRunner.__init__ = init
    try:
        t0 = time.perf_counter()
        sim.run(Path("/tmp") / "profile_ticks.h5")
        stats["total_s"] = time.perf_counter() - t0
    finally:
        blocks.BlockRunner.__init__ = original_init
    stats["n_steps"] = sim.n_steps
    stats["overhead_us"] = _bracket(100000)
    return stats


def report(stats: dict) -> str:
    n, over = stats["n_steps"], stats["overhead_us"]
    lines = [f"{n} ticks; wall total {stats['total_s']:.2f} s; clock bracket {over:.2f} µs (subtracted)",
             "", "| kernel | calls | wall s | µs per tick |", "|---|---|---|---|"]
    kernel_s = 0.0
    for name, us, calls in zip(stats["names"], stats["prof"], stats["calls"]):
        s = max(us - over * calls, 0.0) * 1e-6
        kernel_s += s
        lines.append(f"| {name} | {calls} | {s:.3f} | {s / n * 1e6:.1f} |")
    lines.append(f"| all kernels | | {kernel_s:.3f} | {kernel_s / n * 1e6:.1f} |")
    calls = np.sort(stats["call_s"])
    lines += ["", f"driver signatures compiled: {stats['signatures']}; slowest driver calls [s]: "
              + ", ".join(f"{c:.3f}" for c in calls[-3:])]
    compile_s = float(calls[calls > 1.0].sum())   # a driver compiled in the measured run
    overhead_s = stats["driver_s"] - compile_s - kernel_s
    lines += ["", f"driver calls: {stats['driver_calls']}, {stats['driver_s'] - compile_s:.3f} s including the "
              f"kernels, compile {compile_s:.1f} s left out: {overhead_s:.3f} s of call overhead "
              f"({overhead_s / stats['driver_calls'] * 1e6:.0f} µs per call)", "",
              "| subsystem | flag | flagged ticks | Python s | ms per flag |", "|---|---|---|---|---|"]
    for key in sorted(stats["flags"], key=lambda k: -stats["python"][k]):
        count, s = stats["flags"][key], stats["python"][key]
        lines.append(f"| {key[0]} | {key[1]} | {count} | {s:.3f} | {s / count * 1e3:.3f} |")
    python_s = sum(stats["python"].values())
    lines.append(f"| all | | {sum(stats['flags'].values())} | {python_s:.3f} | |")
    rest_s = stats["total_s"] - stats["driver_s"] - python_s
    lines.append(f"\nrest (set-up, SimPy, recording, prepare): {rest_s:.3f} s; total without the compile "
                 f"{stats['total_s'] - compile_s:.2f} s")
    return "\n".join(lines)


if __name__ == "__main__":
    config = sys.argv[1] if len(sys.argv) > 1 else "configs/suncatcher_lifetime.yaml"
    duration = sys.argv[2] if len(sys.argv) > 2 else "1d"
    profile(config, "1h")   # compile first
    print(report(profile(config, duration)))
