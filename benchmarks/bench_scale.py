"""Issue 11 §1 scale targets: whole `odcsim run`s of 88,000 and 1,000,000 satellites.

- 88,000 satellites (Starcloud's filing): four sun-synchronous shells at 600, 683, 767 and
  850 km, 22,000 each (100 planes × 220), one day at 10 s, recorded hourly, with radiation
  (SPEs off), +Grid crosslinks (4 per satellite, starlink_isl.yaml's link settings), the 261
  StarPerf Starlink gateways and an inference job over the whole fleet (starlink_inference.yaml's
  service, 5 requests/s per gateway). Target (DESIGN.md "Scale targets"): ≤ 10 min, ≤ 8 GB.
- 1,000,000 satellites: the same four shells, 250,000 each (500 planes × 500), radiation and
  +Grid crosslinks, no ground stations or workload. Target ≤ 30 min, ≤ 16 GB.

The shells are dawn–dusk Walker shells (walker.ltan_h 18, ltan_band_h 2: the planes' nodes
evenly between 17:00 and 19:00 local mean solar time, at each altitude's sun-synchronous
inclination), so +Grid has its plane/slot lattice; the band does not close, so the grid has no
seam.

Baseline in the same run: python-sgp4 SatrecArray propagating the same satellites over the same
simulated time at the same step (bench_end_to_end.sgp4_day_rate); over at most SGP4_SPAN_MAX_S,
scaled linearly in steps beyond it (said in the output). Wall time and peak RSS of the
child via os.wait4 (bench_end_to_end.run_child). `uptime`'s load average is printed beside every
figure: the machine is shared.

    .venv/bin/python -m pytest benchmarks/bench_scale.py -s -o python_files='bench_*.py' -k 88k
    .venv/bin/python -m pytest benchmarks/bench_scale.py -s -o python_files='bench_*.py' -k million

BENCH_SCALE_UNTIL=2h runs only the first 2 h of the day (the figures are then extrapolated to the
day linearly and say so). Profiling a smaller fleet (N = 4 × planes × slots):

    python benchmarks/bench_scale.py --planes 40 --slots 55 --until 1h --profile /tmp/p.prof
"""
from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

import pytest
import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_end_to_end import ODCSIM, ROOT, odcsim_run, run_child, sgp4_day_rate  # noqa: E402

from sim.config.base import parse_duration_s  # noqa: E402
from sim.core.constants import SECONDS_PER_DAY  # noqa: E402

ALTITUDES_KM = (600.0, 683.0, 767.0, 850.0)
DT_S = 10.0
SGP4_SPAN_MAX_S = 3600.0  # the baseline propagates at most this much (a 1,000,000-satellite day is ~2 h of sgp4)
PAYLOAD = {  # starlink_inference.yaml's satellite (sized for serving)
    "gpu": {"preset": "h100-sxm", "count": 4},
    "solar_array": {"area_m2": 12.0, "efficiency": 0.30, "tracking": "sun"},
    "battery": {"capacity_wh": 6000},
    "radiator": {"area_m2": 2.0, "emissivity": 0.85, "absorptivity": 0.10, "sides": 2, "orientation": "edge_on_sun"},
    "thermal": {"initial_temperature_k": 280},
}
CROSSLINKS = {  # starlink_isl.yaml's +Grid
    "topology": "grid", "seam": True, "max_terminals": 4, "max_range_km": 5400, "grazing_altitude_km": 100,
    "max_slew_rate_deg_s": 1.0, "rate": {"max_gbps": 100, "ref_gbps": 100, "ref_range_km": 5400},
    "acquisition": {"distribution": "uniform", "min_s": 2, "max_s": 30}, "mtbf_h": 2000,
}
GATEWAYS = {"file": "data:ground_stations/starperf_starlink_gateways.xml",
            "defaults": {"min_elevation_deg": 25, "kind": "rf", "rate_gbps": 20, "antennas": 8}}


def scenario(planes: int, slots: int, *, workload: bool, name: str | None = None) -> dict:
    """Four dawn–dusk Walker shells of planes × slots at ALTITUDES_KM, radiation and +Grid
    on, hourly records; with `workload` also the StarPerf gateways and an inference job over
    over the whole fleet."""
    shells = [{"name": f"sso{int(h)}",
               "walker": {"altitude_km": h, "ltan_h": 18.0, "ltan_band_h": 2.0,
                          "planes": planes, "sats_per_plane": slots, "phasing": 1},
               **PAYLOAD} for h in ALTITUDES_KM]
    sc = {
        "name": name or f"scale{4 * planes * slots}", "epoch": "2026-03-20T00:00:00Z", "duration": "1d",
        "dt_s": DT_S, "seed": 1, "record": {"every_s": "1h"}, "constellation": shells,
        "radiation": {"shielding_al_mm": 10, "spe": {"mode": "off"}},
        "network": {"crosslinks": dict(CROSSLINKS), "routing": {"every_s": "60s"}},
    }
    if workload:
        sc["network"]["ground_stations"] = dict(GATEWAYS)
        sc["workloads"] = {"jobs": [{
            "kind": "inference", "name": "chat", "members": {"all": True},
            "arrivals": {"stations": "all", "process": "poisson", "rate_per_s": 5.0},
            "requests": {"context_tokens": 1024, "generated_tokens": 294}, "placement": "coolest",
            "service": {"prefill_tokens_per_s": 3500, "decode_tokens_per_s": 2570, "concurrency": 352},
            "slo": {"ttft_s": 2.0, "tpot_s": 0.2}, "queue": {"resolution_s": 0.1, "max_wait_s": "60s"},
            "reachability": {"refresh_s": "30s", "candidates": 16, "max_path_ms": 100},
        }]}
    return sc


def write_scenario(path: Path, planes: int, slots: int, *, workload: bool) -> Path:
    path.write_text(yaml.safe_dump(scenario(planes, slots, workload=workload)))
    return path


def load_average() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load {one:.2f} {five:.2f} {fifteen:.2f}"


def until_s() -> float:
    return parse_duration_s(os.environ.get("BENCH_SCALE_UNTIL", "1d"))


def run_and_compare(benchmark, label: str, scenario_path: Path, out: Path, target_s: float, target_gb: float):
    """One timed `odcsim run` (up to BENCH_SCALE_UNTIL), then python-sgp4 over the same span."""
    span_s = until_s()
    figures = {"load_before": load_average()}
    usage: dict = {}

    def day():
        figures["wall_s"], figures["rss_mb"] = odcsim_run(scenario_path, out, "--until", f"{span_s:g}s",
                                                          usage_out=usage)

    benchmark.pedantic(day, rounds=1, iterations=1)
    figures["load_after"] = load_average()
    sgp4_span_s = min(span_s, SGP4_SPAN_MAX_S)
    sgp4_part_s, sgp4_rate, n = sgp4_day_rate(scenario_path, sgp4_span_s)
    sgp4_s = sgp4_part_s * span_s / sgp4_span_s   # propagation time is linear in the steps
    sgp4_what = "" if sgp4_span_s == span_s else \
        f" (propagated {sgp4_span_s / 3600:g} h, {sgp4_part_s:.1f} s, scaled to the span)"
    day_factor = SECONDS_PER_DAY / span_s
    wall_day = figures["wall_s"] * day_factor
    steps = n * span_s / DT_S
    what = "one day" if day_factor == 1.0 else f"{span_s / 3600:g} h simulated, extrapolated ×{day_factor:g} to a day"
    print(f"\n{label}: N={n:,}, {what}: wall {figures['wall_s']:.1f} s → {wall_day / 60:.1f} min/day "
          f"(target ≤ {target_s / 60:.0f} min), CPU {usage['cpu_s']:.1f} s → {usage['cpu_s'] * day_factor / 60:.1f} "
          f"min/day, {steps / figures['wall_s'] / 1e6:.2f} M satellite-steps/s end to "
          f"end, peak RSS {figures['rss_mb'] / 1024:.2f} GB (target ≤ {target_gb:g} GB), "
          f"{out.stat().st_size / 1e6:.0f} MB written [{figures['load_before']} before, "
          f"{figures['load_after']} after]; "
          f"python-sgp4 SatrecArray over the same span: {sgp4_s:.1f} s{sgp4_what} ({sgp4_rate / 1e6:.2f} M/s) "
          f"[{load_average()}]; ratio odcsim / sgp4-propagation-alone {figures['wall_s'] / sgp4_s:.2f}x")


@pytest.fixture(scope="module")
def warm_cache(tmp_path_factory):
    """A small run of the same sections fills numba's cache, so compile time is not counted."""
    path = write_scenario(tmp_path_factory.mktemp("warm") / "warm.yaml", 4, 10, workload=True)
    odcsim_run(path, tmp_path_factory.mktemp("warm") / "warm.h5", "--until", "10m")


def test_88k_day(benchmark, warm_cache, tmp_path):
    path = write_scenario(tmp_path / "scale88k.yaml", 100, 220, workload=True)
    run_and_compare(benchmark, "88k (radiation, +Grid, gateways, inference)", path, tmp_path / "scale88k.h5",
                    600.0, 8.0)


def test_million_day(benchmark, warm_cache, tmp_path):
    path = write_scenario(tmp_path / "scale1m.yaml", 500, 500, workload=False)
    run_and_compare(benchmark, "million (radiation, +Grid)", path, tmp_path / "scale1m.h5", 1800.0, 16.0)


def main() -> None:
    ap = argparse.ArgumentParser(description="write (and run, optionally under cProfile) one scale scenario")
    ap.add_argument("--planes", type=int, default=100)
    ap.add_argument("--slots", type=int, default=220)
    ap.add_argument("--no-workload", action="store_true")
    ap.add_argument("--until", default="1h")
    ap.add_argument("--yaml", type=Path, default=Path("/tmp/bench_scale.yaml"))
    ap.add_argument("--output", type=Path, default=Path("/tmp/bench_scale.h5"))
    ap.add_argument("--profile", type=Path, default=None, help="cProfile output of the run")
    args = ap.parse_args()
    write_scenario(args.yaml, args.planes, args.slots, workload=not args.no_workload)
    run = ["run", str(args.yaml), "-o", str(args.output), "--overwrite", "--quiet", "--until", args.until]
    cmd = [sys.executable, "-m", "cProfile", "-o", str(args.profile), "-m", "sim", *run] if args.profile else \
        [*ODCSIM, *run]
    print(f"N={4 * args.planes * args.slots:,} [{load_average()}]", flush=True)
    usage: dict = {}
    wall_s, rss_mb = run_child(cmd, usage)
    print(f"wall {wall_s:.1f} s, CPU {usage['cpu_s']:.1f} s, peak RSS {rss_mb:.0f} MB [{load_average()}]")


if __name__ == "__main__":
    os.chdir(ROOT)
    main()
