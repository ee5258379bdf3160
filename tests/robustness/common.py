"""Shared by the robustness tests: the CLI called in-process, tiny versions of the shipped
configs, and the checks every failure must pass (exit 2, a message naming the file, no
traceback, nothing under the output name)."""
from __future__ import annotations

import contextlib
import copy
import io
from pathlib import Path

import yaml

from sim.cli import main

REPO = Path(__file__).resolve().parents[2]
CONFIGS = REPO / "configs"
TLE_SOURCE = REPO / "sim" / "data" / "starperf_starlink_tle_2020-06-28.txt"

TINY_RUN = {
    "name": "robust_tiny",
    "epoch": "2026-03-20T00:00:00Z",
    "duration": "1h",
    "dt_s": 60,
    "seed": 3,
    "record": {"every_s": 600},
    "constellation": [{"name": "ring", "walker": {"altitude_km": 550, "inclination_deg": 53, "planes": 1,
                                                  "sats_per_plane": 2}}],
}


def cli(args: list[str]) -> tuple[int, str, str]:
    """`odcsim ARGS` in this process: (exit status, stdout, stderr)."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main([str(a) for a in args])
        except SystemExit as exc:   # argparse refuses its own arguments with 2
            code = exc.code if isinstance(exc.code, int) else 2
    return code, out.getvalue(), err.getvalue()


def leftovers(output: Path) -> list[Path]:
    """The output and anything a writer of it may leave beside it (.tmp, .lock)."""
    return sorted(p for p in output.parent.glob(output.name + "*"))


def assert_refused(code: int, out: str, err: str, *names) -> None:
    """Exit 2, no traceback, a message naming each of `names` (a file, a field)."""
    assert code == 2, f"exit {code}\nstdout: {out[-2000:]}\nstderr: {err[-2000:]}"
    assert "Traceback" not in err + out, err
    for name in names:
        assert str(name) in err, f"{name!r} not named in: {err}"


def _shrink(data: dict) -> dict:
    """At most two satellites per shell: the fuzz cases that validate also run, in well under a
    second each."""
    for shell in data.get("constellation", []):
        if "walker" in shell:
            shell["walker"].update(planes=1, sats_per_plane=2, phasing=0)
        for kind in ("sso", "cluster"):
            if kind in shell:
                shell[kind]["count"] = 2
    return data


# shipped configs that, between them, have every section and name every kind of input file
# (space weather, SPE list, ground-station file); a TLE shell is added from the shipped TLE file
BASES = ["quickstart.yaml", "vleo_350km.yaml", "spe_storm.yaml", "eo_edge.yaml", "suncatcher_lifetime.yaml"]


def tiny_bases(directory: Path) -> dict[str, dict]:
    """name -> a shrunk copy of each base config with its duration cut to 3 ticks, and a TLE
    scenario (two satellites of the shipped Starlink TLE file, copied to `directory`)."""
    out = {}
    for name in BASES:
        data = _shrink(yaml.safe_load((CONFIGS / name).read_text()))
        data.pop("output", None)
        data["duration"] = 3 * float(data.get("dt_s", 10.0))
        data["record"] = {k: v for k, v in data.get("record", {}).items() if k != "windows"}
        data["record"].update(every_s=data["duration"], daily=False, compression="none")
        out[name] = data
    tle = directory / "two.tle"
    tle.write_text("".join(TLE_SOURCE.read_text().splitlines(keepends=True)[:6]))
    tle_scenario = copy.deepcopy(TINY_RUN)
    tle_scenario.update(epoch="2020-06-28T00:00:00Z", duration=180,   # SGP4 needs an epoch near the TLE's
                        record={"every_s": 180, "daily": False, "compression": "none"})
    tle_scenario["constellation"] = [{"name": "tle", "tle": {"path": str(tle)}}]
    out["tle"] = tle_scenario
    return out


def write_scenario(directory: Path, name: str = "tiny.yaml", **changes) -> Path:
    data = copy.deepcopy(TINY_RUN)
    data.update(changes)
    path = directory / name
    path.write_text(yaml.safe_dump(data))
    return path


def small_campaign(directory: Path) -> Path:
    """Two runs (two radiator areas, one replicate) of tests/data/campaign_scenario.yaml."""
    spec = {"name": "robust_campaign", "scenario": str(REPO / "tests" / "data" / "campaign_scenario.yaml"),
            "duration": "20m", "sweep": {"grid": {"constellation.0.radiator.area_m2": [2.0, 4.0]}},
            "replicates": 1, "seed": 11, "workers": 1}
    path = directory / "campaign.yaml"
    path.write_text(yaml.safe_dump(spec))
    return path
