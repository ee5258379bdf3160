"""The command line: bad input exits 2 with a message naming file and field, and writes nothing."""
import copy
import subprocess
import sys

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sim.cli import main
from sim.config import set_dotted
from tests.conftest import TINY_SCENARIO

# (dotted path, strategy of invalid values for it)
INVALID = [
    ("dt_s", st.floats(max_value=0.0, allow_nan=False)),
    ("dt_s", st.text(min_size=1, alphabet="abcxyz")),
    ("constellation.0.walker.altitude_km", st.floats(max_value=149.9, allow_nan=False)),
    ("constellation.0.walker.altitude_km", st.floats(min_value=40000.1, allow_nan=False, allow_infinity=False)),
    ("constellation.0.walker.inclination_deg", st.floats(min_value=180.01, max_value=1e6)),
    ("constellation.0.walker.inclination_deg", st.floats(max_value=-0.01, min_value=-1e6)),
    ("constellation.1.radiator.area_m2", st.floats(max_value=0.0, allow_nan=False)),
    ("constellation.1.solar_array.area_m2", st.floats(max_value=-1e-9, allow_nan=False)),
    ("constellation.0.walker.planes", st.lists(st.integers(), min_size=1, max_size=3)),
    ("constellation.1.battery.capacity_wh", st.sampled_from(["lots", None, [1]])),
]
UNKNOWN_KEYS = st.text(alphabet="abcdefghijklmnopqrstuvwxyz_", min_size=3, max_size=12)


def _write(tmp_path, data, name="bad.yaml"):
    path = tmp_path / name
    path.write_text(yaml.safe_dump(data))
    return path


def _run(args, capsys):
    code = main(args)
    captured = capsys.readouterr()
    return code, captured.err


def _assert_rejected(tmp_path, capsys, data, field):
    path = _write(tmp_path, data)
    out = tmp_path / "out.h5"
    code, err = _run(["run", str(path), "-o", str(out), "--quiet"], capsys)
    assert code == 2, err
    assert str(path) in err and field in err
    assert "Traceback" not in err
    assert not out.exists() and not list(tmp_path.glob("out.h5*"))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(case=st.sampled_from(INVALID).flatmap(lambda c: st.tuples(st.just(c[0]), c[1])))
def test_invalid_values_exit_2_naming_the_field(tmp_path, capsys, case):
    path, value = case
    data = copy.deepcopy(TINY_SCENARIO)
    set_dotted(data, path, value)
    _assert_rejected(tmp_path, capsys, data, path.rsplit(".", 1)[0] if path == "record.every_s" else path)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(key=UNKNOWN_KEYS, where=st.sampled_from(["", "record", "constellation.0", "constellation.1.gpu",
                                                "constellation.0.walker", "environment"]))
def test_unknown_keys_exit_2(tmp_path, capsys, key, where):
    data = copy.deepcopy(TINY_SCENARIO)
    section = data
    for part in filter(None, where.split(".")):
        section = section[int(part)] if part.isdigit() else section.setdefault(part, {})
    if key in section or key in {"name", "preset", "count", "tdp_w", "every_s", "compression", "fluxes",
                                 "phasing", "pattern", "planes", "sats_per_plane", "altitude_km",
                                 "inclination_deg", "idle_w", "defaults", "epoch", "seed", "duration",
                                 "dt_s", "output", "record", "environment", "constellation"}:
        return
    section[key] = 1
    _assert_rejected(tmp_path, capsys, data, f"{where}.{key}" if where else key)


def test_missing_scenario_file(tmp_path, capsys):
    code, err = _run(["run", str(tmp_path / "absent.yaml"), "--quiet"], capsys)
    assert code == 2 and "absent.yaml" in err and "not found" in err


def test_not_yaml(tmp_path, capsys):
    path = tmp_path / "broken.yaml"
    path.write_text("constellation: [\n  {walker: ")
    code, err = _run(["validate", str(path)], capsys)
    assert code == 2 and "broken.yaml" in err and "line" in err


def test_missing_tle_file(tmp_path, capsys):
    data = copy.deepcopy(TINY_SCENARIO)
    data["constellation"] = [{"tle": {"path": "missing.tle"}}]
    _assert_rejected(tmp_path, capsys, data, "constellation.0.tle.path")


def test_bad_set_option(tiny_scenario_file, capsys):
    code, err = _run(["validate", str(tiny_scenario_file), "--set", "constellation.9.gpu.count=2"], capsys)
    assert code == 2 and "constellation.9" in err


def test_validate_prints_resolved_config(tiny_scenario_file, capsys):
    code = main(["validate", str(tiny_scenario_file)])
    out = capsys.readouterr().out
    assert code == 0 and "valid scenario" in out and "t_shutdown_c: 92.0" in out


def test_help_is_fast_and_numba_free():
    """`--help` must not import numba (DESIGN.md: keep validate and --help instant)."""
    code = ("import sys; from sim.cli import main\n"
            "try:\n    main(['--help'])\nexcept SystemExit:\n    pass\n"
            "assert 'numba' not in sys.modules, 'numba imported by --help'")
    subprocess.run([sys.executable, "-c", code], check=True, capture_output=True)
