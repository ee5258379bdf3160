"""compare_runs (behind the golden check and `odcsim diff`): two runs of one scenario and seed
agree in every dataset and attribute; any changed byte or attribute is reported, by path."""
from __future__ import annotations

import shutil

import h5py
import numpy as np
import pytest
import yaml

from sim.config import load_scenario
from sim.core.simulation import Simulation
from sim.io.compare import compare_runs
from sim.io.schema import ResultFileError
from tests.conftest import TINY_SCENARIO, verification_data
from tests.io.run_files import JOBS, JOBS_ATTRS, write_run


@pytest.fixture(scope="module")
def two_runs(tmp_path_factory):
    out = tmp_path_factory.mktemp("compare")
    path = out / "tiny.yaml"
    path.write_text(yaml.safe_dump(TINY_SCENARIO))
    a = Simulation(load_scenario(path)).run(out / "a.h5").path
    b = Simulation(load_scenario(path)).run(out / "b.h5").path
    other_seed = Simulation(load_scenario(path, seed=8)).run(out / "seed8.h5").path
    return a, b, other_seed


def _copy(src, tmp_path, name="copy.h5"):
    dst = tmp_path / name
    shutil.copy(src, dst)
    return dst


def test_same_scenario_and_seed_no_difference(two_runs):
    a, b, _ = two_runs
    assert compare_runs(a, b) == []
    assert compare_runs(a, a) == []


def test_another_seed_is_reported(two_runs):
    a, _, other = two_runs
    found = compare_runs(a, other)
    assert "/: attribute 'seed' differs" in found


def test_a_changed_dataset_value_is_reported_with_where(two_runs, tmp_path):
    a, b, _ = two_runs
    b = _copy(b, tmp_path)
    with h5py.File(b, "r+") as f:
        soc = f["timeseries/soc"]
        before = soc[3, 2]
        soc[3, 2] = np.nextafter(before, np.float32(2.0))   # one ulp
    found = compare_runs(a, b)
    assert len(found) == 1
    assert found[0].startswith("/timeseries/soc: values differ (1 elements; first at (3, 2):")


def test_a_changed_shape_and_a_missing_dataset_are_reported(two_runs, tmp_path):
    a, b, _ = two_runs
    b = _copy(b, tmp_path)
    with h5py.File(b, "r+") as f:
        del f["satellites/a_m"]
        f["satellites/a_m"] = np.zeros(3)
        del f["satellites/e"]
    found = compare_runs(a, b)
    assert any(line.startswith("/satellites/a_m: shape/dtype (6,) float64 vs (3,) float64") for line in found)
    assert "/satellites/e: only in A" in found
    assert "/satellites/e: only in B" in compare_runs(b, a)


def test_a_changed_attribute_is_reported(two_runs, tmp_path):
    a, b, _ = two_runs
    b = _copy(b, tmp_path)
    with h5py.File(b, "r+") as f:
        f["summary"].attrs["gpu_hours_delivered"] = f["summary"].attrs["gpu_hours_delivered"] * (1 + 1e-15)
        f["timeseries/soc"].attrs["units"] = "%"
        f["events"].attrs["extra"] = 1
    assert compare_runs(a, b) == [
        "/events: attribute 'extra' only in B",
        "/summary: attribute 'gpu_hours_delivered' differs",
        "/timeseries/soc: attribute 'units' differs",
    ]


def test_writing_attributes_are_ignored_unless_asked(two_runs, tmp_path):
    a, b, _ = two_runs
    b = _copy(b, tmp_path)
    with h5py.File(b, "r+") as f:
        f.attrs["odcsim_version"] = "9.9.9"
        f.attrs["created_utc"] = "2000-01-01T00:00:00Z"
    assert compare_runs(a, b) == []
    assert compare_runs(a, b, ignore_attrs=frozenset()) == ["/: attribute 'created_utc' differs",
                                                           "/: attribute 'odcsim_version' differs"]


def test_scenario_yaml_is_compared_as_yaml(two_runs, tmp_path):
    a, b, _ = two_runs
    b = _copy(b, tmp_path)
    with h5py.File(b, "r+") as f:
        settings = yaml.safe_load(f.attrs["scenario_yaml"])
        f.attrs["scenario_yaml"] = yaml.safe_dump(settings, default_flow_style=True, sort_keys=True)
        assert f.attrs["scenario_yaml"] != h5py.File(a, "r").attrs["scenario_yaml"]
    assert compare_runs(a, b) == []            # other text, the same settings
    with h5py.File(b, "r+") as f:
        settings["dt_s"] = settings["dt_s"] + 1
        f.attrs["scenario_yaml"] = yaml.safe_dump(settings)
    assert compare_runs(a, b) == ["/: attribute 'scenario_yaml' differs"]
    with h5py.File(b, "r+") as f:
        f.attrs["scenario_yaml"] = "key: [unclosed"
    assert compare_runs(a, b) == ["/: attribute 'scenario_yaml' differs"]


def test_subsystem_tables_are_compared(tmp_path):
    write_run(tmp_path / "a.h5", tables={("jobs", "log"): (JOBS, JOBS_ATTRS)})
    write_run(tmp_path / "b.h5", tables={("jobs", "log"): (JOBS, JOBS_ATTRS)})
    changed = JOBS.copy()
    changed["gpu_hours"][1] += 1.0
    write_run(tmp_path / "c.h5", tables={("jobs", "log"): (changed, JOBS_ATTRS)})
    relabelled = JOBS.copy()
    relabelled["label"][2] = "train-b"
    write_run(tmp_path / "e.h5", tables={("jobs", "log"): (relabelled, JOBS_ATTRS)})
    write_run(tmp_path / "d.h5")
    assert compare_runs(tmp_path / "a.h5", tmp_path / "b.h5") == []
    assert compare_runs(tmp_path / "a.h5", tmp_path / "c.h5") == [
        "/jobs/log: values differ in column gpu_hours (1 elements; first at (1,): 40.0 vs 41.0)"]
    assert compare_runs(tmp_path / "a.h5", tmp_path / "e.h5")[0].startswith(
        "/jobs/log: values differ in column label (1 elements; first at (2,)")
    assert compare_runs(tmp_path / "a.h5", tmp_path / "d.h5") == ["/jobs: only in A", "/jobs/log: only in A"]


def test_a_version_1_file_compares_with_itself_and_a_bad_file_is_named(tmp_path):
    v1 = verification_data("v1_starcloud1_1h.h5")
    assert compare_runs(v1, _copy(v1, tmp_path)) == []
    bad = tmp_path / "bad.h5"
    bad.write_bytes(b"not hdf5")
    with pytest.raises(ResultFileError, match="bad.h5"):
        compare_runs(v1, bad)
