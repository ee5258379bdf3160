"""Scenario sections register themselves; `data:` names a file shipped with odcsim."""
import copy
import subprocess
import sys

import pytest

from sim.config import ConfigError, scenario_from_dict
from sim.config.base import DATA_DIR, resolve_data_path
from sim.config.scenario import scenario_model
from sim.config.sections import SECTIONS
from tests.conftest import PROJECT_DIR, TINY_SCENARIO


def test_every_concept_section_is_a_field_of_the_root_model():
    assert {"network", "radiation"} <= set(SECTIONS)
    assert set(SECTIONS) <= set(scenario_model().model_fields)


def test_a_section_module_imported_first_is_not_left_out():
    """Importing a concept's section before sim.config once built the root model without it."""
    code = ("import sim.radiation.config, sim.config; "
            "print('radiation' in sim.config.Scenario.model_fields)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=PROJECT_DIR)
    assert out.stdout.strip() == "True", out.stderr


def test_data_names_resolve_to_the_shipped_files(tmp_path):
    assert resolve_data_path("data:noaa_spe_2010-2024.csv", tmp_path) == DATA_DIR / "noaa_spe_2010-2024.csv"
    assert resolve_data_path("stations.json", tmp_path) == tmp_path / "stations.json"
    assert (DATA_DIR / "SOURCE.md").exists()
    shipped = [p.relative_to(DATA_DIR).as_posix() for p in DATA_DIR.rglob("*") if p.is_file()]
    listed = (DATA_DIR / "SOURCE.md").read_text()
    for name in shipped:
        if not name.startswith("LICENSES/") and name != "SOURCE.md":
            stem = name.split("/")[-1].split("_")[0]
            assert stem in listed, f"{name} has no line in sim/data/SOURCE.md"


def test_registered_checks_run_at_validation(tmp_path):
    data = copy.deepcopy(TINY_SCENARIO)
    data["constellation"].append({"tle": {"path": "data:no_such_file.txt"}})
    with pytest.raises(ConfigError, match=r"constellation\.2\.tle\.path: file not found"):
        scenario_from_dict(data, source="bad.yaml", base_dir=tmp_path)
