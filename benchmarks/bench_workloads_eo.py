"""The eo job's cost: configs/eo_edge.yaml (24 satellites, 2 ground stations, one eo job with
its bent-pipe shadow) for one simulated day, against the same scenario without `workloads:`
(the physics spine and the network's contacts alone). Prints both wall times, their ratio and
the share of the run spent in the Workloads subsystem's advance. Each variant is run once for
1 h first so that numba's compilation and cache loading are not timed.

    .venv/bin/python -m pytest benchmarks/bench_workloads_eo.py -s -o python_files='bench_*.py'
    .venv/bin/python benchmarks/bench_workloads_eo.py
"""
from __future__ import annotations

import tempfile
import time
from pathlib import Path

from sim.config import load_scenario
from sim.config.loading import read_yaml, scenario_from_dict
from sim.core.simulation import Simulation
from sim.workloads.subsystem import Workloads

ROOT = Path(__file__).resolve().parents[1]
CONFIG = ROOT / "configs" / "eo_edge.yaml"


def _scenario(duration: str, workloads: bool):
    if workloads:
        return load_scenario(CONFIG, until=duration)
    data = read_yaml(CONFIG)
    data.pop("workloads")
    data["duration"] = duration
    return scenario_from_dict(data, CONFIG, base_dir=CONFIG.parent)


def timed_run(duration: str, workloads: bool, out_dir: Path) -> tuple[float, float]:
    """(wall s of Simulation.run, s inside Workloads.advance)."""
    spent = [0.0]
    original = Workloads.advance

    def advance(self, block):
        t0 = time.perf_counter()
        original(self, block)
        spent[0] += time.perf_counter() - t0

    Workloads.advance = advance
    try:
        sim = Simulation(_scenario(duration, workloads))
        t0 = time.perf_counter()
        sim.run(out_dir / f"eo_{workloads}_{duration}.h5")
        return time.perf_counter() - t0, spent[0]
    finally:
        Workloads.advance = original


def measure() -> dict[str, float]:
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp)
        for workloads in (False, True):          # warm-up: compile / load the numba cache
            timed_run("1h", workloads, out)
        base_s, _ = timed_run("1d", False, out)
        eo_s, in_workloads_s = timed_run("1d", True, out)
    return {"without_workloads_s": base_s, "with_eo_s": eo_s, "ratio": eo_s / base_s,
            "workloads_advance_s": in_workloads_s, "workloads_share": in_workloads_s / eo_s}


def report(r: dict[str, float]) -> str:
    return (f"eo_edge, 1 day, 24 satellites: without workloads {r['without_workloads_s']:.2f} s, "
            f"with the eo job {r['with_eo_s']:.2f} s, ratio {r['ratio']:.2f}; Workloads.advance "
            f"{r['workloads_advance_s']:.2f} s ({r['workloads_share']:.0%} of the run)")


def test_eo_edge_day_against_no_workloads():
    r = measure()
    print("\n" + report(r))
    assert r["ratio"] > 0.0


if __name__ == "__main__":
    print(report(measure()))
