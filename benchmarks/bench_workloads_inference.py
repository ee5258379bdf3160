"""The inference job's cost (issue 9, Performance).

1. 1,000 requests/s from 20 stations (50/s each, 20 cities below) served by Starlink shell 1
   (72 × 22, +Grid crosslinks, the payload of configs/starlink_inference.yaml) for one simulated
   day, against the same scenario without `workloads:`. Target: at most 2× the wall time. Both
   runs in this process after a warm-up (numba caches filled).
2. Memory flat in duration: the same run for 6 h and for 1 d, each in a fresh process; the
   peak resident set of each and the job's own arrays (fixed at set-up) are printed.
3. The workload tick at N = 10,000 (a 100 × 100 Walker shell at 550 km with +Grid crosslinks,
   the same 20 stations and 1,000 requests/s): the Workloads subsystem's advance per tick
   against the physics tick (orbits + payload advance) of the same ticks. Target ≤ 0.3.

    .venv/bin/python -m pytest benchmarks/bench_workloads_inference.py -q -s -o python_files='bench_*.py'
"""
from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pytest

from sim.config import scenario_from_dict
from sim.core.simulation import Simulation
from sim.core.subsystem import Block

ROOT = Path(__file__).resolve().parents[1]
CITIES = [("London", 51.51, -0.13), ("New York", 40.71, -74.01), ("Tokyo", 35.68, 139.69),
          ("Sao Paulo", -23.55, -46.63), ("Lagos", 6.52, 3.38), ("Mumbai", 19.08, 72.88),
          ("Sydney", -33.87, 151.21), ("Los Angeles", 34.05, -118.24), ("Mexico City", 19.43, -99.13),
          ("Cairo", 30.04, 31.24), ("Johannesburg", -26.20, 28.05), ("Singapore", 1.35, 103.82),
          ("Jakarta", -6.21, 106.85), ("Paris", 48.86, 2.35), ("Madrid", 40.42, -3.70),
          ("Buenos Aires", -34.60, -58.38), ("Lima", -12.05, -77.04), ("Nairobi", -1.29, 36.82),
          ("Seoul", 37.57, 126.98), ("Chicago", 41.88, -87.63)]
RESULTS: dict[str, float] = {}


def scenario_dict(planes=72, per_plane=22, phasing=17, workloads=True, duration="1d") -> dict:
    data = {
        "name": "bench_inference", "epoch": "2026-03-20T00:00:00Z", "duration": duration, "dt_s": 10, "seed": 1,
        "record": {"every_s": "10m"},
        "constellation": [{
            "name": "shell1",
            "walker": {"altitude_km": 550, "inclination_deg": 53, "planes": planes, "sats_per_plane": per_plane,
                       "phasing": phasing},
            "gpu": {"preset": "h100-sxm", "count": 4},
            "solar_array": {"area_m2": 12.0, "efficiency": 0.30, "tracking": "sun"},
            "battery": {"capacity_wh": 6000},
            "radiator": {"area_m2": 2.0, "emissivity": 0.85, "absorptivity": 0.10, "sides": 2},
            "thermal": {"initial_temperature_k": 280}}],
        "network": {
            "crosslinks": {"topology": "grid", "max_range_km": 5400, "max_slew_rate_deg_s": 1.0, "mtbf_h": 2000},
            "ground_stations": {"defaults": {"min_elevation_deg": 25, "rate_gbps": 20, "antennas": 8},
                                "stations": [{"name": n, "lat_deg": la, "lon_deg": lo} for n, la, lo in CITIES]}},
    }
    if workloads:
        data["workloads"] = {"jobs": [{
            "kind": "inference", "name": "chat", "members": {"shell": "shell1"},
            "arrivals": {"process": "poisson", "rate_per_s": 50.0}, "placement": "coolest"}]}
    return data


def _timed_run(workloads: bool, duration="1d") -> tuple[float, float]:
    sim = Simulation(scenario_from_dict(scenario_dict(workloads=workloads, duration=duration)))
    spent = {"s": 0.0}
    if workloads:
        sub = sim.subsystem("workloads")
        advance = sub.advance

        def timed(block):
            t = time.perf_counter()
            advance(block)
            spent["s"] += time.perf_counter() - t
        sub.advance = timed
    with tempfile.TemporaryDirectory() as tmp:
        t = time.perf_counter()
        sim.run(Path(tmp) / "run.h5")
        return time.perf_counter() - t, spent["s"]


def test_one_day_with_and_without_the_inference_job():
    _timed_run(True, "10m")   # warm-up: numba caches
    _timed_run(False, "10m")
    bare, _ = _timed_run(False)
    full, job = _timed_run(True)
    ticks = 8640
    print(f"\nStarlink shell 1, 20 stations x 50 req/s, 1 day: without workloads {bare:.1f} s, with the "
          f"inference job {full:.1f} s, ratio {full / bare:.2f} (target <= 2); the job's tick "
          f"{job / ticks * 1e3:.3f} ms ({job / full:.1%} of the run)")
    RESULTS["ratio"] = full / bare


MEMORY_PROBE = """
import json, resource, sys, tempfile
from pathlib import Path
sys.path.insert(0, {root!r})
from benchmarks.bench_workloads_inference import scenario_dict
from sim.config import scenario_from_dict
from sim.core.simulation import Simulation
sim = Simulation(scenario_from_dict(scenario_dict(duration={duration!r})))
job = sim.subsystem("workloads").jobs[0]
arrays = sum(a.nbytes for a in (job.ist, job.fst, job.ring, job.qring, job.hist, job.reach.cand_m,
                                 job.reach.cand_lat, job.reach.cand_entry))
with tempfile.TemporaryDirectory() as tmp:
    sim.run(Path(tmp) / "run.h5")
print(json.dumps({{"maxrss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, "job_arrays_mb":
                  arrays / 2**20, "progress_rows": len(job._progress), "served": job.sums[0]}}))
"""


def _probe(duration: str) -> dict:
    out = subprocess.run([sys.executable, "-c", MEMORY_PROBE.format(root=str(ROOT), duration=duration)],
                         capture_output=True, text=True, check=True, cwd=ROOT)
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_memory_is_flat_in_duration():
    short, long = _probe("6h"), _probe("1d")
    print(f"\npeak RSS: 6 h {short['maxrss_mb']:.0f} MB, 1 d {long['maxrss_mb']:.0f} MB "
          f"(ratio {long['maxrss_mb'] / short['maxrss_mb']:.2f}); the job's arrays {long['job_arrays_mb']:.1f} MB "
          f"either way; {long['served']:.3g} requests served in the day; progress rows {short['progress_rows']} "
          f"-> {long['progress_rows']} (one per 10 min)")


@pytest.fixture(scope="module")
def big():
    sim = Simulation(scenario_from_dict(scenario_dict(planes=100, per_plane=100, phasing=1, duration="1d")))
    for sub in sim.subsystems:
        sub.start()
    return sim


def test_workload_tick_at_10000(big):
    sim = big
    times = {sub.name: [] for sub in sim.subsystems}
    n_warm, n = 30, 300
    for step in range(1, n_warm + n + 1):
        sim.clock.advance_to(step)
        block = Block(step, step, sim.dt_s)
        for sub in sim.subsystems:
            t = time.perf_counter()
            sub.advance(block)
            if step > n_warm:
                times[sub.name].append(time.perf_counter() - t)
    t = {k: np.asarray(v) for k, v in times.items()}
    physics = t["orbits"] + t["payload"]
    work = t["workloads"]
    job = sim.subsystem("workloads").jobs[0]
    print(f"\nN=10,000, 20 stations x 50 req/s: physics tick {physics.mean() * 1e3:.3f} ms (min "
          f"{physics.min() * 1e3:.3f}), workload tick {work.mean() * 1e3:.3f} ms (min {work.min() * 1e3:.3f}), "
          f"workloads/physics = {work.mean() / physics.mean():.2f} (minima {work.min() / physics.min():.2f}; "
          f"target <= 0.30); network tick {t['network'].mean() * 1e3:.3f} ms; "
          f"{job.sums[0]:.0f} requests served, busy share {job.summary()['busy_share'][0]:.3f}")
