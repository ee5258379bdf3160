"""What formation and conjunction safety adds to a simulated day of the 81-satellite cluster.

Baseline, measured in the same run: configs/suncatcher_cluster.yaml (orbits, payload,
economics) for 6 h. Measured: configs/suncatcher_safety.yaml (the same cluster with every pair
within 400 m tracked every tick, re-screens each minute, and the 533-object catalogue
propagated with sgp4 and screened each minute) for 6 h. Both warm (numba compiled by a 10-min
run first); printed: seconds per simulated day and the ratio.

    .venv/bin/python -m pytest benchmarks/bench_safety.py -s -o python_files='bench_*.py'
"""
import time
from pathlib import Path

from sim.config.loading import load_scenario
from sim.core.simulation import run

CONFIGS = Path(__file__).resolve().parents[1] / "configs"


def _run(name: str, until: str, out: Path) -> float:
    scenario = load_scenario(CONFIGS / f"{name}.yaml", [f"duration={until}"])
    t0 = time.perf_counter()
    run(scenario, out)
    return time.perf_counter() - t0


def test_safety_day(benchmark, tmp_path):
    for name in ("suncatcher_cluster", "suncatcher_safety"):
        _run(name, "10m", tmp_path / f"warm_{name}.h5")
    baseline_s = _run("suncatcher_cluster", "6h", tmp_path / "base.h5")
    benchmark.pedantic(lambda: _run("suncatcher_safety", "6h", tmp_path / "safety.h5"), rounds=1, iterations=1)
    safety_s = benchmark.stats["min"]
    print(f"\nsuncatcher cluster per simulated day: without safety {4 * baseline_s:.1f} s, with safety "
          f"{4 * safety_s:.1f} s; ratio {safety_s / baseline_s:.2f}x")
