"""Campaign execution: overhead per run, 1 → 2 worker scaling, runs/s of a Suncatcher-like campaign.

- overhead: a campaign of tiny runs on one worker against the same runs done directly in this
  process (warm); printed: one-time start-up (pool + imports), the marginal campaign time per
  run, the run's own time, and the overhead per run as a fraction of it (target < 5 %).
- scaling: the same 8 runs with 1 and 2 workers (target ≥ 1.8× on 2 cores).
- suncatcher (slow; deselect with -m "not slow"): 100 runs of an 81-satellite formation
  cluster over one day on all cores; printed: runs/s.

    .venv/bin/python -m pytest benchmarks/bench_campaign.py -s -o python_files='bench_*.py'
"""
from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path

import pytest
import yaml

from sim.campaign import load_campaign, run_campaign

REPO = Path(__file__).resolve().parents[1]
SCENARIO = REPO / "tests" / "data" / "campaign_scenario.yaml"


def _campaign(tmp: Path, name: str, scenario: dict, n_points: int, replicates: int,
              overrides: dict | None = None) -> Path:
    scenario_path = tmp / f"{name}_scenario.yaml"
    scenario_path.write_text(yaml.safe_dump(scenario, sort_keys=False))
    areas = [2.0 + 0.25 * i for i in range(n_points)]
    campaign = {"name": name, "scenario": str(scenario_path), "overrides": overrides or {},
                "sweep": {"grid": {"constellation.0.radiator.area_m2": areas}},
                "replicates": replicates, "seed": 1}
    path = tmp / f"{name}.yaml"
    path.write_text(yaml.safe_dump(campaign, sort_keys=False))
    return path


def _tiny_scenario(duration: str) -> dict:
    data = yaml.safe_load(SCENARIO.read_text())
    data["duration"] = duration
    return data


def _timed_campaign(path: Path, out: Path, workers: int, sets=()) -> tuple[float, object]:
    plan = load_campaign(path, sets)
    start = time.perf_counter()
    result = run_campaign(plan, out, workers=workers)
    return time.perf_counter() - start, result


def _direct(path: Path, out: Path) -> float:
    """The same runs, one after another in this process (the baseline)."""
    from sim.config import scenario_from_dict
    from sim.core.simulation import Simulation

    plan = load_campaign(path)
    scenario = scenario_from_dict(plan.tasks[0].scenario_data, base_dir=Path(plan.tasks[0].base_dir))
    Simulation(scenario).run(out / "warm.h5")          # compile / load the kernels first
    start = time.perf_counter()
    for t in plan.tasks:
        scenario = scenario_from_dict(t.scenario_data, base_dir=Path(t.base_dir))
        Simulation(scenario).run(out / f"{t.run_id}.h5")
    return time.perf_counter() - start


def test_campaign_overhead_per_run(benchmark):
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        path = _campaign(tmp, "overhead", _tiny_scenario("6h"), n_points=10, replicates=2)
        direct_s = _direct(path, tmp / "direct")
        one_s, _ = _timed_campaign(path, tmp / "one", workers=1, sets=["replicates=1"])
        # replicates=1 over 10 points is 10 runs; the full campaign is 20
        all_s, result = benchmark.pedantic(_timed_campaign, args=(path, tmp / "all", 1), rounds=1, iterations=1)
        n = result.n_runs
        per_run_direct = direct_s / n
        marginal = (all_s - one_s) / (n - 10)
        overhead = marginal / per_run_direct - 1.0
        from sim.analysis.campaign import open_campaign
        own = open_campaign(tmp / "all")["wall_s"].to_numpy()      # measured inside the worker
        machinery = (all_s - own.sum()) / n
        print(f"\ncampaign overhead: {n} runs on 1 worker in {all_s:.2f} s; run's own time in the worker "
              f"{own.mean() * 1e3:.1f} ms (direct in this process, {os.environ.get('NUMBA_NUM_THREADS', 'all')} "
              f"numba threads: {per_run_direct * 1e3:.1f} ms); campaign time not spent in runs "
              f"{machinery * 1e3:.1f} ms/run = {machinery / own.mean() * 100:.1f}% of a run (target < 5%), "
              f"including the one-time worker start-up; marginal per extra run {marginal * 1e3:.1f} ms "
              f"({overhead * 100:+.1f}% vs direct)")


def test_scaling_one_to_two_workers(benchmark):
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        scenario = _tiny_scenario("2d")
        scenario["dt_s"] = 10
        scenario["constellation"][0]["walker"]["planes"] = 8      # 24 satellites
        path = _campaign(tmp, "scaling", scenario, n_points=8, replicates=1)
        t1, _ = _timed_campaign(path, tmp / "w1", workers=1)
        t2, _ = benchmark.pedantic(_timed_campaign, args=(path, tmp / "w2", 2), rounds=1, iterations=1)
        from sim.analysis.campaign import open_campaign
        own1 = open_campaign(tmp / "w1")["wall_s"].mean()
        own2 = open_campaign(tmp / "w2")["wall_s"].mean()
        print(f"\nscaling: 8 runs (run's own time {own1:.2f} s alone, {own2:.2f} s beside another), "
              f"1 worker {t1:.2f} s, 2 workers {t2:.2f} s -> {t1 / t2:.2f}x "
              f"(target >= 1.8x on 2 cores; os.cpu_count() = {os.cpu_count()})")


@pytest.mark.slow
def test_suncatcher_campaign_runs_per_second(benchmark):
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        scenario = {"name": "suncatcher_like", "epoch": "2026-03-20T00:00:00Z", "duration": "1d",
                    "dt_s": 10, "record": {"every_s": 60},
                    "constellation": [{"name": "cluster", "cluster": {"count": 81, "radius_m": 1000,
                                                                      "altitude_km": 650, "ltan_h": 18}}]}
        path = _campaign(tmp, "suncatcher", scenario, n_points=10, replicates=10)
        workers = os.cpu_count() or 1
        wall, result = benchmark.pedantic(_timed_campaign, args=(path, tmp / "c", workers), rounds=1, iterations=1)
        print(f"\nsuncatcher-like: {result.n_complete}/{result.n_runs} runs of 81 satellites x 1 day "
              f"at 10 s on {workers} workers in {wall:.1f} s -> {result.n_runs / wall:.2f} runs/s")
