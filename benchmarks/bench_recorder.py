"""Recorder throughput on realistic output: N = 10,000 satellites, 11 fields, a few hundred rows.

For each compression (none, lzf, gzip) it writes the same rows through the Recorder (rows
buffered, whole chunks written) and, as the baseline in the same run, through per-row writes
into the same chunked, compressed layout (what a writer that stores each row as the tick
produces it would do). Printed: MB/s of raw float32 data, file size / raw size, ms per row and
the Recorder / per-row speed-up.

    .venv/bin/python benchmarks/bench_recorder.py            # the table
    .venv/bin/python -m pytest benchmarks/bench_recorder.py  # the same, under pytest-benchmark
"""
from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

import h5py
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sim.core.constants import OMEGA_EARTH_RAD_S  # noqa: E402
from sim.io.recorder import Recorder, default_chunk_rows  # noqa: E402

N_SATELLITES = 10_000
ROWS = 240                 # 4 h recorded every 60 s
BASELINE_ROWS = 60         # per-row writes are slow: time fewer rows, report per row
RECORD_EVERY_S = 60.0
UNITS = {"lat_deg": "deg", "lon_deg": "deg", "alt_km": "km", "illumination": "1", "soc": "1",
         "p_solar_w": "W", "p_load_w": "W", "t_junction_k": "K", "t_payload_k": "K",
         "t_radiator_k": "K", "throttle_level": "1"}


def realistic_rows(n=N_SATELLITES, rows=ROWS, seed=0) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """Smooth orbit-driven fields as a simulator writes them (full float32 mantissas, no noise
    added): circular 550 km / 53 deg orbits, a cylindrical shadow with a short penumbra ramp,
    first-order thermal lags, SOC cycling and a stepped throttle."""
    rng = np.random.default_rng(seed)
    t_s = RECORD_EVERY_S * np.arange(rows)
    period_s = 5739.0
    inc = np.radians(53.0)
    phase = rng.uniform(0, 2 * np.pi, n)
    raan = rng.uniform(0, 2 * np.pi, n)
    u = 2 * np.pi * t_s[:, None] / period_s + phase
    lat = np.degrees(np.arcsin(np.sin(inc) * np.sin(u)))
    lon = np.degrees(np.arctan2(np.cos(inc) * np.sin(u), np.cos(u)) + raan
                     - OMEGA_EARTH_RAD_S * t_s[:, None])
    lon = (lon + 180.0) % 360.0 - 180.0
    alt = 550.0 + 1.5 * np.sin(u + rng.uniform(0, 2 * np.pi, n)) + rng.normal(0, 0.2, n)
    sun = np.cos(u - raan)  # projection on the sun direction (sun in the orbit plane, crude)
    illumination = np.clip((sun + 0.42) / 0.02, 0.0, 1.0)
    gain = rng.uniform(0.9, 1.1, n)
    t_payload = 320.0 + 12.0 * gain * np.sin(u - raan - 0.6)
    throttle = np.where(t_payload > 330.0, 0.9, 1.0)
    throttle = np.where(t_payload > 331.5, 0.8, throttle)
    p_load = 300.0 + 700.0 * throttle ** 2.2
    data = {
        "lat_deg": lat, "lon_deg": lon, "alt_km": alt, "illumination": illumination,
        "soc": 0.75 + 0.15 * np.sin(u - raan + 1.2) * gain,
        "p_solar_w": 4200.0 * gain * illumination, "p_load_w": p_load,
        "t_junction_k": t_payload + 0.03 * p_load, "t_payload_k": t_payload,
        "t_radiator_k": t_payload - 22.0 - 3.0 * np.sin(u - raan),
        "throttle_level": throttle,
    }
    return t_s, {k: np.ascontiguousarray(v, dtype=np.float32) for k, v in data.items()}


def _recorder(path, compression, n):
    return Recorder(path, root_attrs={"scenario_name": "bench", "seed": 0, "dt_s": 10.0},
                    satellites={"shell": np.zeros(n, np.int32)}, fields=UNITS, n_satellites=n,
                    epoch_iso="2025-03-20T00:00:00Z", compression=compression)


def write_with_recorder(path, compression, t_s, data) -> float:
    start = time.perf_counter()
    rec = _recorder(path, compression, data["soc"].shape[1])
    for i, t in enumerate(t_s):
        rec.append_row(t, {name: values[i] for name, values in data.items()})
    rec.close({})
    return time.perf_counter() - start


def write_per_row(path, compression, t_s, data, rows, chunk=None) -> float:
    """Baseline: one h5py write per field per row, into (chunk, N) chunks (default: the
    Recorder's chunk; chunk=1 is the naive one-row-per-chunk layout)."""
    n = data["soc"].shape[1]
    chunk = chunk or default_chunk_rows(n)
    filters = {"none": {}, "lzf": {"compression": "lzf", "shuffle": True},
               "gzip": {"compression": "gzip", "compression_opts": 1, "shuffle": True}}[compression]
    start = time.perf_counter()
    with h5py.File(path, "w", libver=("v108", "latest")) as f:
        dsets = {name: f.create_dataset(name, shape=(0, n), maxshape=(None, n), dtype="f4",
                                        chunks=(chunk, n), **filters) for name in data}
        for i in range(rows):
            for name, dset in dsets.items():
                dset.resize((i + 1, n))
                dset[i] = data[name][i]
    return time.perf_counter() - start


def measure(compression, t_s, data, workdir) -> dict:
    rows, n = data["soc"].shape
    raw_mb = rows * n * 4 * len(data) / 1e6
    path = Path(workdir) / f"rec_{compression}.h5"
    seconds = min(write_with_recorder(path, compression, t_s, data) for _ in range(2))
    size_ratio = path.stat().st_size / (raw_mb * 1e6)
    base_path = Path(workdir) / f"row_{compression}.h5"
    base_rows = min(BASELINE_ROWS, rows)
    base_seconds = write_per_row(base_path, compression, t_s, data, base_rows)
    row_chunk_seconds = write_per_row(base_path, compression, t_s, data, base_rows, chunk=1)
    row_chunk_ratio = base_path.stat().st_size / (base_rows * n * 4 * len(data))
    os.remove(base_path)
    return {
        "compression": compression, "raw_mb": raw_mb, "seconds": seconds,
        "mb_s": raw_mb / seconds, "size_ratio": size_ratio, "file_mb": path.stat().st_size / 1e6,
        "ms_per_row": 1e3 * seconds / rows, "baseline_ms_per_row": 1e3 * base_seconds / base_rows,
        "speedup": (base_seconds / base_rows) / (seconds / rows),
        "row_chunk_ms_per_row": 1e3 * row_chunk_seconds / base_rows,
        "row_chunk_size_ratio": row_chunk_ratio,
    }


def report(results) -> str:
    lines = [
        "Recorder: rows buffered, whole chunks written (time includes close + fsync).",
        "per-row: one write per field per row into the same chunks; row-chunk: into (1, N) chunks.",
        f"{'compression':<12}{'MB/s':>7}{'size ratio':>12}{'file MB':>9}{'ms/row':>8}"
        f"{'per-row ms/row':>16}{'speed-up':>10}{'row-chunk ms/row':>18}{'its size ratio':>16}",
    ]
    for r in results:
        lines.append(
            f"{r['compression']:<12}{r['mb_s']:7.0f}{r['size_ratio']:12.3f}{r['file_mb']:9.1f}"
            f"{r['ms_per_row']:8.2f}{r['baseline_ms_per_row']:16.2f}{r['speedup']:9.1f}x"
            f"{r['row_chunk_ms_per_row']:18.2f}{r['row_chunk_size_ratio']:16.3f}")
    return "\n".join(lines)


def main() -> None:
    t_s, data = realistic_rows()
    rows, n = data["soc"].shape
    print(f"N = {n}, {rows} rows, {len(data)} float32 fields, chunk = "
          f"({default_chunk_rows(n)}, {n}) = {default_chunk_rows(n) * n * 4 / 2**20:.1f} MiB")
    with tempfile.TemporaryDirectory(dir=Path(__file__).resolve().parents[1] / "results") as workdir:
        print(report([measure(c, t_s, data, workdir) for c in ("none", "lzf", "gzip")]))


def test_recorder_vs_per_row(benchmark, tmp_path):
    """pytest-benchmark entry: times the lzf Recorder; prints the full table with baselines."""
    t_s, data = realistic_rows()
    results = [measure(c, t_s, data, tmp_path) for c in ("none", "lzf", "gzip")]
    print("\n" + report(results))
    benchmark.extra_info.update({r["compression"]: r for r in results})
    benchmark.pedantic(write_with_recorder, args=(tmp_path / "b.h5", "lzf", t_s, data), rounds=3)


if __name__ == "__main__":
    main()
