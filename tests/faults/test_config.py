"""Bad `faults:` input is refused, naming the field, by `validate` and `run` alike (exit 2)."""
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import yaml

from sim.config import load_scenario
from sim.config.base import ConfigError

SMALL = Path(__file__).with_name("small.yaml")
PROJECT = Path(__file__).resolve().parents[2]

BAD = [
    ("scheduled", {"kind": "station_outage", "target": {"station": "KSAT Svalbrd"}, "at": "1h", "duration": "1h"},
     "faults.scheduled.0.target.station", "no ground station"),
    ("scheduled", {"kind": "station_outage", "target": {"operator": "Acme"}, "at": "1h", "duration": "1h"},
     "faults.scheduled.0.target.operator", "no station of operator 'Acme'"),
    ("scheduled", {"kind": "station_outage", "target": {"operator": "KSAT"}, "at": "1h", "duration": "-1h"},
     "faults.scheduled.0.duration", "not a duration"),
    ("scheduled", {"kind": "station_outage", "target": {"within": {"lat_deg": 0, "lon_deg": 0, "radius_km": 0}},
                   "at": "1h", "duration": "1h"},
     "faults.scheduled.0.target.within.radius_km", "greater than 0"),
    ("scheduled", {"kind": "station_outage", "target": {"within": {"lat_deg": 0, "lon_deg": -30, "radius_km": 10}},
                   "at": "1h", "duration": "1h"},
     "faults.scheduled.0.target.within.radius_km", "no station within 10 km"),
    ("scheduled", {"kind": "terminal_failure", "target": {"satellite": 72, "terminal": 0}, "at": "1h",
                   "duration": "1h"},
     "faults.scheduled.0.target.satellite", "satellite index 72 outside 0..71"),
    ("scheduled", {"kind": "terminal_failure", "target": {"satellite": 3, "terminal": 4}, "at": "1h",
                   "duration": "1h"},
     "faults.scheduled.0.target.terminal", "terminal 4 outside 0..3"),
    ("random", {"kind": "satellite_terminals", "target": {"satellites": [1, 80]}, "mtbf_h": 100,
                "duration": {"distribution": "fixed", "value_s": 60}},
     "faults.random.0.target.satellites.1", "satellite index 80 outside 0..71"),
    ("random", {"kind": "pointing_loss", "target": {"satellites": "all"}, "mtbf_h": 100,
                "duration": {"distribution": "lognormal", "median_s": 60}},
     "faults.random.0.duration", "sigma"),
    ("random", {"kind": "pointing_loss", "target": {"satellites": "all"},
                "duration": {"distribution": "fixed", "value_s": 60}},
     "faults.random.0", "exactly one of rate_per_year and mtbf_h"),
]


def _write(tmp_path, section, fault) -> Path:
    data = yaml.safe_load(SMALL.read_text())
    data["faults"] = {section: [fault]}
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(data))
    return path


@pytest.mark.parametrize("section,fault,field,message", BAD, ids=[b[2] + ":" + b[3] for b in BAD])
def test_bad_input_names_the_field(tmp_path, section, fault, field, message):
    with pytest.raises(ConfigError) as err:
        load_scenario(_write(tmp_path, section, fault))
    assert any(path == field and message in text for path, text in err.value.problems), err.value.problems


@pytest.mark.parametrize("command", ["validate", "run"])
@pytest.mark.parametrize("case", [0, 1, 3, 5], ids=["station", "operator", "radius", "satellite"])
def test_cli_exits_2_naming_the_field(tmp_path, command, case):
    section, fault, field, message = BAD[case]
    path = _write(tmp_path, section, fault)
    out = tmp_path / "out.h5"
    args = [sys.executable, "-m", "sim", command, str(path)] + (["-o", str(out), "--quiet"] if command == "run" else [])
    done = subprocess.run(args, capture_output=True, text=True, cwd=PROJECT,
                          env={**os.environ, "PYTHONPATH": str(PROJECT)}, timeout=300)
    assert done.returncode == 2, done.stderr
    assert field in done.stderr and message in done.stderr and "Traceback" not in done.stderr
    assert not out.exists()


def test_a_scheduled_fault_after_the_end_does_not_happen(tmp_path):
    """A shorter --until leaves a later fault out of the timeline (shipped configs run for 30 min)."""
    scenario = load_scenario(SMALL, until="20m")
    from sim.faults.targets import resolve_units
    from sim.faults.timeline import build_timeline
    units = [resolve_units(f, scenario) for _, f in scenario.faults.entries()]
    rows = build_timeline(scenario.faults, scenario.epoch, scenario.seed, scenario.duration, units)
    assert np.all(rows["start_s"] < 1200.0)

