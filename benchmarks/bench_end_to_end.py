"""Whole runs of `odcsim run` in a subprocess: wall time and peak memory.

- Starlink shell 1 (1,584 satellites) and a 10,000-satellite Walker shell (100 planes x 100,
  550 km, 53°), one day at 10 s, recorded every 60 s, physics spine on. Targets (DESIGN.md):
  the 10,000-satellite day in under a minute and under 2 GB, memory flat in duration (6 h vs
  24 h). Baseline in the same run: python-sgp4 SatrecArray propagating the same satellites
  over the same day at the same step (propagation only, nothing else of the simulation).
- A warm `odcsim run configs/quickstart.yaml --until 1h` (numba cache filled by a first run):
  target < 3 s; baseline: interpreter start with `python -c "import numpy"`.

Peak RSS is the child's own ru_maxrss, read with os.wait4.

    .venv/bin/python -m pytest benchmarks/bench_end_to_end.py -s -o python_files='bench_*.py'
"""
from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import yaml

from sim.core.constants import MU_EARTH_M3_S2, SECONDS_PER_DAY

ROOT = Path(__file__).resolve().parents[1]
ODCSIM = [sys.executable, "-m", "sim"]
DAY_S = SECONDS_PER_DAY
DT_S = 10.0
WALKER_10K = {
    "name": "walker10k", "epoch": "2026-03-20T00:00:00Z", "duration": "1d", "dt_s": 10, "seed": 1,
    "record": {"every_s": "60s"},
    "constellation": [{
        "name": "shell", "walker": {"altitude_km": 550, "inclination_deg": 53, "planes": 100,
                                    "sats_per_plane": 100, "phasing": 1},
        "gpu": {"preset": "h100-sxm", "count": 4},
        "solar_array": {"area_m2": 12.0, "efficiency": 0.30, "tracking": "sun"},
        "battery": {"capacity_wh": 6000},
        "radiator": {"area_m2": 4.5, "emissivity": 0.85, "absorptivity": 0.10, "sides": 2,
                     "orientation": "edge_on_sun"},
    }],
}


def run_child(args: list[str], usage_out: dict | None = None) -> tuple[float, float]:
    """(wall s, peak RSS MB) of one child process; raises if it fails. `usage_out`, when given,
    receives the child's CPU seconds (cpu_s: user + system), which a loaded machine inflates less
    than the wall time."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(args, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    wall_s = time.perf_counter() - t0
    stderr = proc.stderr.read().decode(errors="replace")
    proc.stderr.close()
    proc.returncode = os.waitstatus_to_exitcode(status)
    if usage_out is not None:
        usage_out["cpu_s"] = usage.ru_utime + usage.ru_stime
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(args)} failed ({proc.returncode}):\n{stderr[-3000:]}")
    return wall_s, usage.ru_maxrss / 1024.0  # ru_maxrss is in KiB on Linux


def odcsim_run(scenario: Path, output: Path, *extra: str, usage_out: dict | None = None) -> tuple[float, float]:
    return run_child([*ODCSIM, "run", str(scenario), "-o", str(output), "--overwrite", "--quiet", *extra],
                     usage_out)


def sgp4_day_rate(scenario: Path, duration_s: float) -> tuple[float, float, int]:
    """python-sgp4 SatrecArray over the scenario's satellites and ticks: (s, satellite-steps/s, N).

    The satellites are built with sgp4init from the scenario's mean elements (catalogue numbers
    wrap at 339,999, the largest TLE's Alpha-5 can hold; they do not enter the propagation); times are
    propagated in blocks of 360 ticks so the (N, T, 3) outputs stay small."""
    from sgp4.api import WGS72, Satrec, SatrecArray

    from sim.config import load_scenario
    from sim.core.timescale import julian_date_utc
    from sim.orbits import build

    sc = load_scenario(scenario)
    epoch_jd = julian_date_utc(sc.epoch)
    el = {key: np.concatenate([shell.elements[key] for shell in build.layout(sc, epoch_jd)])
          for key in ("a_m", "e", "inc_rad", "raan_rad", "argp_rad", "mean_anomaly_rad")}
    n_rad_min = np.sqrt(MU_EARTH_M3_S2 / el["a_m"] ** 3) * 60.0
    sats = []
    for i in range(el["a_m"].size):
        s = Satrec()
        s.sgp4init(WGS72, "i", i % 339999 + 1, epoch_jd - 2433281.5, 0.0, 0.0, 0.0, float(el["e"][i]),
                   float(el["argp_rad"][i]), float(el["inc_rad"][i]), float(el["mean_anomaly_rad"][i]),
                   float(n_rad_min[i]), float(el["raan_rad"][i]))
        sats.append(s)
    array = SatrecArray(sats)
    steps = int(round(duration_s / DT_S))
    t0 = time.perf_counter()
    for start in range(1, steps + 1, 360):
        k = np.arange(start, min(start + 360, steps + 1))
        array.sgp4(np.full(k.size, float(np.floor(epoch_jd))), (epoch_jd - np.floor(epoch_jd)) + k * DT_S / DAY_S)
    elapsed = time.perf_counter() - t0
    return elapsed, len(sats) * steps / elapsed, len(sats)


@pytest.fixture(scope="module")
def walker10k(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("e2e") / "walker10k.yaml"
    path.write_text(yaml.safe_dump(WALKER_10K))
    return path


@pytest.fixture(scope="module")
def warm_cache(tmp_path_factory):
    """One short run fills numba's cache, so the timed runs measure a warm start."""
    odcsim_run(ROOT / "configs" / "quickstart.yaml", tmp_path_factory.mktemp("warm") / "q.h5", "--until", "10m")


@pytest.mark.parametrize("name", ["starlink_shell1", "walker10k"])
def test_one_day(benchmark, name, walker10k, warm_cache, tmp_path):
    scenario = ROOT / "configs" / "starlink_shell1.yaml" if name == "starlink_shell1" else walker10k
    out = tmp_path / f"{name}.h5"
    figures = {}

    def day():
        figures["wall_s"], figures["rss_mb"] = odcsim_run(scenario, out)

    benchmark.pedantic(day, rounds=1, iterations=1)
    sgp4_s, sgp4_rate, n = sgp4_day_rate(scenario, DAY_S)
    steps = n * DAY_S / DT_S
    print(f"\n{name}: N={n}, 1 day at 10 s, record 60 s: wall {figures['wall_s']:.1f} s "
          f"({steps / figures['wall_s'] / 1e6:.1f} M satellite-steps/s end to end), peak RSS "
          f"{figures['rss_mb']:.0f} MB, {out.stat().st_size / 1e6:.0f} MB written; python-sgp4 "
          f"SatrecArray propagation alone over the same day: {sgp4_s:.1f} s ({sgp4_rate / 1e6:.2f} M/s); "
          f"ratio sgp4 time / odcsim time {sgp4_s / figures['wall_s']:.1f}x")


def test_memory_flat_in_duration(benchmark, walker10k, warm_cache, tmp_path):
    figures = {}

    def runs():
        for until in ("6h", "24h"):
            figures[until] = odcsim_run(walker10k, tmp_path / f"w{until}.h5", "--until", until)

    benchmark.pedantic(runs, rounds=1, iterations=1)
    (w6, r6), (w24, r24) = figures["6h"], figures["24h"]
    print(f"\nN=10,000 peak RSS: 6 h {r6:.0f} MB ({w6:.1f} s), 24 h {r24:.0f} MB ({w24:.1f} s); "
          f"ratio {r24 / r6:.2f} (flat = 1)")


def test_warm_quickstart_hour(benchmark, warm_cache, tmp_path):
    figures = {}

    def hour():
        figures["odcsim"] = odcsim_run(ROOT / "configs" / "quickstart.yaml", tmp_path / "q.h5", "--until", "1h")

    benchmark.pedantic(hour, rounds=3, iterations=1)
    numpy_s = min(run_child([sys.executable, "-c", "import numpy"])[0] for _ in range(3))
    wall_s = benchmark.stats["min"]
    print(f"\nwarm `odcsim run configs/quickstart.yaml --until 1h`: {wall_s:.2f} s (target < 3 s); "
          f"`python -c 'import numpy'`: {numpy_s:.2f} s; ratio {wall_s / numpy_s:.1f}x")
