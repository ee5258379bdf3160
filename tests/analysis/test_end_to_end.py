"""End to end: scenario YAML → SimPy run → HDF5 → read back with xarray, as a user does."""
import subprocess
import sys
from pathlib import Path

import h5py
import numpy as np
import pytest
import xarray as xr

from sim.cli import main
from sim.config import load_scenario
from sim.core.simulation import Simulation

PROJECT = Path(__file__).resolve().parents[2]
SPINE_FIELDS = ["lat_deg", "lon_deg", "alt_km", "illumination", "soc", "p_solar_w", "p_load_w",
                "t_junction_k", "t_payload_k", "t_radiator_k", "throttle_level"]
SPINE_SUMMARY = ["gpu_hours_available", "gpu_hours_delivered", "throttled_fraction", "eclipse_fraction",
                 "min_soc", "max_t_junction_k", "energy_generated_wh", "energy_consumed_wh", "shutdowns"]


@pytest.fixture(scope="module")
def quickstart_2h(tmp_path_factory):
    out = tmp_path_factory.mktemp("e2e") / "quickstart.h5"
    code = main(["run", str(PROJECT / "configs" / "quickstart.yaml"), "--until", "2h", "-o", str(out),
                 "--quiet"])
    assert code == 0
    return out


def test_quickstart_file_follows_the_schema(quickstart_2h):
    with h5py.File(quickstart_2h, "r") as f:
        for attr in ("odcsim_version", "schema_version", "created_utc", "epoch_utc", "seed",
                     "scenario_name", "scenario_yaml", "dt_s"):
            assert attr in f.attrs, attr
        assert f.attrs["seed"] == 1
        n = f["satellites/id"].shape[0]
        assert n == 6 * 8 + 12
        t = f["timeseries/time"][:]
        assert t[0] == 0 and t[-1] == 7200 and np.allclose(np.diff(t), 60)
        for name in SPINE_FIELDS:
            ds = f["timeseries"][name]
            assert ds.shape == (t.size, n) and ds.dtype == np.float32 and "units" in ds.attrs
        for name in SPINE_SUMMARY:
            assert name in f["summary"].attrs, name
        events = f["events"][:]
        assert np.all(np.diff(events["t_s"]) >= 0)


def test_quickstart_reads_back_with_xarray(quickstart_2h):
    ds = xr.open_dataset(quickstart_2h, group="timeseries", engine="h5netcdf")
    assert ds["t_junction_k"].dims == ("time", "satellite")
    assert np.issubdtype(ds["time"].dtype, np.datetime64)
    assert ds["time"].values[0] == np.datetime64("2026-03-20T00:00:00")
    alt = ds["alt_km"].values
    assert np.all((alt > 530) & (alt < 680))
    ds.close()


def test_story_of_the_quickstart(quickstart_2h):
    """The walker shell sees eclipses; the dawn–dusk shell, at the equinox, does not."""
    with h5py.File(quickstart_2h, "r") as f:
        s = dict(f["summary"].attrs)
    assert s["shell.walker550.eclipse_fraction"] > 0.2
    assert s["shell.dawn_dusk650.eclipse_fraction"] == pytest.approx(0.0, abs=1e-6)
    assert s["shell.walker550.min_soc"] < s["shell.dawn_dusk650.min_soc"]


def _datasets(path):
    out = {}
    with h5py.File(path, "r") as f:
        f.visititems(lambda name, obj: out.__setitem__(name, obj[()]) if isinstance(obj, h5py.Dataset) else None)
        out["summary"] = dict(f["summary"].attrs)
    return out


def test_same_seed_same_datasets(tmp_path, tiny_scenario_file):
    scenario = load_scenario(tiny_scenario_file)
    a = Simulation(scenario).run(tmp_path / "a.h5").path
    b = Simulation(load_scenario(tiny_scenario_file)).run(tmp_path / "b.h5").path
    da, db = _datasets(a), _datasets(b)
    assert da.keys() == db.keys()
    for key in da:
        if key == "summary":
            assert da[key] == db[key]
        else:
            np.testing.assert_array_equal(da[key], db[key], err_msg=key)


def test_info_and_report(quickstart_2h, tmp_path, capsys):
    assert main(["info", str(quickstart_2h)]) == 0
    assert "t_junction_k" in capsys.readouterr().out
    assert main(["report", str(quickstart_2h), "-o", str(tmp_path / "figs")]) == 0
    assert len(list((tmp_path / "figs").glob("*.png"))) >= 4


def test_existing_output_is_not_overwritten(quickstart_2h, capsys):
    before = quickstart_2h.stat().st_mtime_ns
    code = main(["run", str(PROJECT / "configs" / "quickstart.yaml"), "-o", str(quickstart_2h), "--quiet"])
    assert code == 2 and "already exists" in capsys.readouterr().err
    assert quickstart_2h.stat().st_mtime_ns == before


def test_corrupt_result_exits_2(tmp_path, capsys):
    bad = tmp_path / "bad.h5"
    bad.write_bytes(b"\x89HDF\r\n\x1a\n" + b"\0" * 100)
    assert main(["info", str(bad)]) == 2
    assert "bad.h5" in capsys.readouterr().err


def test_module_entry_point_runs():
    done = subprocess.run([sys.executable, "-m", "sim", "--version"], capture_output=True, text=True)
    assert done.returncode == 0 and "odcsim" in done.stdout
