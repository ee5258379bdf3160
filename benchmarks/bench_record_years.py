"""Recording over years (issue 11 §1): the Recorder's memory does not grow with the run's length,
and a coarse time series with /daily costs less than today's minute-by-minute record.

1. The Recorder alone, 81 satellites: 10 float32 fields hourly and 20 float64 accumulators plus a
   12-row table daily, written for 1 and for 5 simulated years; peak traced heap of each, and
   the ratio (flat: ~1.0).
2. configs/suncatcher_cluster.yaml for DURATION with blocks: `record.every_s=60s` (today's
   shipped cadence) against `record.every_s=1d` with a one-hour window at 60 s, both with
   /daily; wall time and file size, and the ratios.

    .venv/bin/python -m pytest benchmarks/bench_record_years.py -s -o python_files='bench_*.py'
"""
import time
import tracemalloc
from pathlib import Path

import numpy as np

from sim.config.loading import load_scenario
from sim.core.simulation import Simulation
from sim.io.recorder import Recorder
from sim.io.schema import DailyField

ROOT = Path(__file__).resolve().parents[1]
N = 81
DURATION = "2d"


def _recorder_peak_bytes(years: int, tmp: Path) -> tuple[int, int]:
    fields = {f"f{i}": "1" for i in range(10)}
    daily = {f"a{i}": DailyField("s", "accumulator") for i in range(20)}
    daily["table"] = DailyField("s", "per cause", rows=12)
    row = {k: np.ones(N) for k in fields}
    day = {k: np.ones((12, N)) if k == "table" else np.ones(N) for k in daily}
    tracemalloc.start()
    rec = Recorder(tmp / f"rec_{years}y.h5", root_attrs={}, satellites={}, fields=fields, n_satellites=N,
                   epoch_iso="2026-03-20T00:00:00Z", daily_fields=daily, expected_days=366 * years)
    for hour in range(8760 * years):
        rec.append_row(hour * 3600.0, row)
        if hour % 24 == 23:
            rec.append_daily(hour * 3600.0, day)
    held = rec.buffer_nbytes
    rec.close()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak, held


def _run(tmp: Path, name: str, sets: list[str]) -> tuple[float, int]:
    sim = Simulation(load_scenario(ROOT / "configs/suncatcher_cluster.yaml", [f"duration={DURATION}", *sets]))
    t0 = time.perf_counter()
    path = sim.run(tmp / f"{name}.h5").path
    return time.perf_counter() - t0, path.stat().st_size


def test_recorder_memory_is_flat_in_duration(benchmark, tmp_path):
    one, held = _recorder_peak_bytes(1, tmp_path)
    five, _ = benchmark.pedantic(_recorder_peak_bytes, args=(5, tmp_path), rounds=1, iterations=1)
    print(f"\nRecorder peak heap: 1 year {one / 1e6:.2f} MB, 5 years {five / 1e6:.2f} MB "
          f"(ratio {five / one:.3f}); buffers {held / 1e6:.2f} MB")


def test_coarse_record_against_minutely(benchmark, tmp_path):
    _run(tmp_path, "warm", ["duration=1h"])   # compile and fill the numba caches
    minute_s, minute_bytes = _run(tmp_path, "minutely", ["record.every_s=60s"])
    coarse_s, coarse_bytes = benchmark.pedantic(_run, args=(tmp_path, "coarse", [
        "record.every_s=1d", "record.windows=[{start: 1d, end: 25h, every_s: 60}]"]), rounds=1, iterations=1)
    print(f"\ncluster {DURATION}: every 60 s {minute_s:.1f} s wall, {minute_bytes / 1e6:.2f} MB; every 1 d + a 1 h "
          f"window + /daily {coarse_s:.1f} s, {coarse_bytes / 1e6:.2f} MB; wall ratio {minute_s / coarse_s:.2f}x, "
          f"size ratio {minute_bytes / coarse_bytes:.1f}x")
