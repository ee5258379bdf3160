"""Scenario validation: every bad input is a ConfigError naming the file and the field."""
import copy

import pytest

from sim.config import ConfigError, load_scenario, parse_duration_s, scenario_from_dict, set_dotted
from tests.conftest import TINY_SCENARIO


def test_durations():
    assert parse_duration_s("90s") == 90
    assert parse_duration_s("45m") == 2700
    assert parse_duration_s("6h") == 21600
    assert parse_duration_s("7d") == 604800
    assert parse_duration_s(120) == 120
    for bad in ("-1h", "0", "soon", "3w"):
        with pytest.raises(ValueError):
            parse_duration_s(bad)


def test_gpu_preset_and_override():
    data = copy.deepcopy(TINY_SCENARIO)
    data["constellation"][0]["gpu"] = "h100-pcie"
    data["constellation"][1]["gpu"] = {"preset": "h100-sxm", "tdp_w": 600, "count": 8}
    s = scenario_from_dict(data)
    assert s.constellation[0].gpu.tdp_w == 350          # NVIDIA PB-11133-001
    assert s.constellation[1].gpu.tdp_w == 600
    assert s.constellation[1].gpu.t_shutdown_c == 92    # from the preset (nvidia-smi -q)


def test_defaults_merge_under_shell_settings():
    data = copy.deepcopy(TINY_SCENARIO)
    data["defaults"] = {"radiator": {"area_m2": 7.0, "sides": 1}, "gpu": {"count": 2}}
    s = scenario_from_dict(data)
    assert s.constellation[0].radiator.area_m2 == 7.0
    assert s.constellation[1].radiator.area_m2 == 1.0   # the shell's own value wins
    assert s.constellation[1].radiator.sides == 1
    assert all(sh.gpu.count == 2 for sh in s.constellation)


def _problems(data):
    with pytest.raises(ConfigError) as info:
        scenario_from_dict(data, source="bad.yaml")
    return str(info.value)


@pytest.mark.parametrize("path, value, field", [
    ("dt_s", 0, "dt_s"),
    ("dt_s", -10, "dt_s"),
    ("constellation.0.walker.altitude_km", 149, "constellation.0.walker.altitude_km"),
    ("constellation.0.walker.altitude_km", 40001, "constellation.0.walker.altitude_km"),
    ("constellation.0.walker.inclination_deg", 181, "constellation.0.walker.inclination_deg"),
    ("constellation.0.walker.inclination_deg", -1, "constellation.0.walker.inclination_deg"),
    ("constellation.1.radiator.area_m2", -1, "constellation.1.radiator.area_m2"),
    ("constellation.1.radiator.colour", "black", "constellation.1.radiator.colour"),
    ("constellation.0.walker.planes", "six", "constellation.0.walker.planes"),
    ("epoch", "yesterday", "epoch"),
    ("record.every_s", 1, "record"),
])
def test_bad_values_name_the_field(path, value, field):
    data = copy.deepcopy(TINY_SCENARIO)
    set_dotted(data, path, value)
    message = _problems(data)
    assert message.startswith("bad.yaml: ")
    assert field in message


def test_shell_needs_exactly_one_orbit():
    data = copy.deepcopy(TINY_SCENARIO)
    data["constellation"][0]["sso"] = {"altitude_km": 600}
    assert "exactly one of" in _problems(data)


def test_missing_tle_file_names_the_field(tmp_path):
    data = copy.deepcopy(TINY_SCENARIO)
    data["constellation"] = [{"tle": {"path": "nowhere.tle"}}]
    with pytest.raises(ConfigError) as info:
        scenario_from_dict(data, source="x.yaml", base_dir=tmp_path)
    assert "constellation.0.tle.path" in str(info.value)
    assert "nowhere.tle" in str(info.value)


def test_set_overrides_and_typos(tiny_scenario_file):
    s = load_scenario(tiny_scenario_file, ["constellation.1.radiator.area_m2=2.5", "seed=11"])
    assert s.constellation[1].radiator.area_m2 == 2.5 and s.seed == 11
    with pytest.raises(ConfigError) as info:
        load_scenario(tiny_scenario_file, ["constellation.5.radiator.area_m2=2"])
    assert "constellation.5" in str(info.value)
    with pytest.raises(ConfigError) as info:
        load_scenario(tiny_scenario_file, ["constellation.0.radiatr.area_m2=2"])
    assert "constellation.0.radiatr" in str(info.value)


def test_resolved_yaml_round_trips(tiny_scenario_file):
    import yaml
    s = load_scenario(tiny_scenario_file)
    again = scenario_from_dict(yaml.safe_load(s.resolved_yaml()))
    assert again.model_dump() == s.model_dump()


def test_shipped_configs_validate():
    from pathlib import Path
    configs = sorted((Path(__file__).resolve().parents[2] / "configs").glob("*.yaml"))
    scenarios = [c for c in configs if "campaign" not in c.name]
    assert len(scenarios) >= 4
    for path in scenarios:
        load_scenario(path)


def test_zero_durations_only_where_they_mean_something():
    """`reselect_every_s: 0` means every tick and a demand may start at the epoch ("0s");
    a scenario duration of zero is still refused."""
    from sim.network.config import Crosslinks, Demand
    assert Crosslinks.model_validate({"reselect_every_s": 0}).reselect_every_s == 0
    assert Crosslinks.model_validate({"reselect_every_s": "0s"}).reselect_every_s == 0
    assert Demand.model_validate({"src": 0, "dst": 1, "size_gb": 1, "start": "0s"}).start == 0
    with pytest.raises(ValueError):
        parse_duration_s("0s")
