"""The `radiation:` section (sim.radiation.config): what `validate` refuses, with the field path,
before a run could fail on it — missing or unreadable SPE and F10.7 files, a replay_shift that
is not ISO 8601 — through scenario_from_dict, load_scenario and the command line (exit 2)."""
from __future__ import annotations

import pytest
import yaml

from sim.cli import main
from sim.config import ConfigError, load_scenario, scenario_from_dict
from tests.radiation.helpers import SPE_LIST

BASE = {"name": "rad", "epoch": "2012-03-06T12:00:00Z", "duration": "1h", "dt_s": 60,
        "constellation": [{"sso": {"altitude_km": 650, "count": 1}}]}
SW_HEADER = "BEGIN OBSERVED\n"


def _scenario(tmp_path, radiation):
    return {**BASE, "radiation": radiation}


def _problems(data, base_dir):
    with pytest.raises(ConfigError) as info:
        scenario_from_dict(data, base_dir=base_dir)
    return dict(info.value.problems)


def _sw_file(path, rows=1):
    """A CelesTrak SW-All fragment: observed rows whose token 28 is the 81-day adjusted F10.7."""
    line = " ".join(["2012", "03", "07"] + ["0"] * 25 + ["108.0"]) + "\n"
    path.write_text(SW_HEADER + line * rows + "END OBSERVED\n")
    return path


CASES = {
    "replay without replay_csv": ({"spe": {"mode": "replay"}}, "radiation.spe.replay_csv", "required for mode"),
    "replay_csv missing": ({"spe": {"mode": "replay", "replay_csv": "no_such.csv"}}, "radiation.spe.replay_csv",
                           "file not found"),
    "replay_csv not the NOAA list": ({"spe": {"mode": "replay", "replay_csv": "other.csv"}},
                                     "radiation.spe.replay_csv", "no column begin_utc"),
    "replay_shift not ISO 8601": ({"spe": {"mode": "replay", "replay_csv": SPE_LIST, "replay_shift": "March 2012"}},
                                  "radiation.spe.replay_shift", "not an ISO 8601"),
    "f107 without f107_csv": ({"cosmic_rays": {"modulation": "f107"}}, "radiation.cosmic_rays.f107_csv",
                              "required for modulation"),
    "f107_csv missing": ({"cosmic_rays": {"modulation": "f107", "f107_csv": "sw.txt.gz"}},
                         "radiation.cosmic_rays.f107_csv", "file not found"),
    "f107_csv not a SW-All file": ({"cosmic_rays": {"modulation": "f107", "f107_csv": "other.csv"}},
                                   "radiation.cosmic_rays.f107_csv", "no observed F10.7 rows"),
}


@pytest.mark.parametrize("case", list(CASES))
def test_validation_names_the_field(tmp_path, case):
    radiation, field, message = CASES[case]
    (tmp_path / "other.csv").write_text("a,b\n1,2\n")
    problems = _problems(_scenario(tmp_path, radiation), tmp_path)
    assert field in problems and message in problems[field], problems


@pytest.mark.parametrize("case", ["replay_csv missing", "replay_shift not ISO 8601", "f107_csv missing"])
def test_validate_and_run_exit_2_naming_the_field(tmp_path, capsys, case):
    """`odcsim validate` and `odcsim run` refuse the file alike: exit 2, the field path in the
    message, no traceback, nothing written."""
    radiation, field, message = CASES[case]
    path = tmp_path / "scenario.yaml"
    path.write_text(yaml.safe_dump(_scenario(tmp_path, radiation)))
    out = tmp_path / "out.h5"
    for argv in (["validate", str(path)], ["run", str(path), "-o", str(out), "--quiet"]):
        assert main(argv) == 2
        err = capsys.readouterr().err
        assert field in err and message in err and "Traceback" not in err
    assert not out.exists()


def test_readable_files_pass(tmp_path):
    """The shipped SPE list (data:) and an F10.7 file relative to the YAML: valid, and the run
    reads them as validated."""
    _sw_file(tmp_path / "sw.txt")
    path = tmp_path / "scenario.yaml"
    path.write_text(yaml.safe_dump(_scenario(tmp_path, {
        "trapped": {"enabled": False}, "spe": {"mode": "replay", "replay_csv": SPE_LIST,
                                               "replay_shift": "2012-03-07T05:00:00Z"},
        "cosmic_rays": {"modulation": "f107", "f107_csv": "sw.txt"}})))
    scenario = load_scenario(path)
    assert scenario.radiation.spe.replay_shift == "2012-03-07T05:00:00Z"   # kept as written
    from sim.core.simulation import Simulation
    rad = Simulation(scenario).subsystem("radiation")
    assert [round(ev.onset_s) for ev in rad.spe_events if ev.onset_s >= 0.0] == [600]   # 05:10Z, shifted
    assert rad.gcr_free_cm2_s(0.0) == pytest.approx(4.0 - 2.0 * (108.0 - 70.0) / 110.0)


def test_disabled_cosmic_rays_do_not_read_the_f107_file(tmp_path):
    """The file is checked only where the run reads it: cosmic rays off, no F10.7 file needed."""
    scenario = scenario_from_dict(_scenario(tmp_path, {"cosmic_rays": {"enabled": False, "modulation": "f107",
                                                                       "f107_csv": "absent.txt"}}),
                                  base_dir=tmp_path)
    assert scenario.radiation.cosmic_rays.f107_csv == "absent.txt"
