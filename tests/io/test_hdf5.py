"""Result files: the streaming Recorder, the readers and the xarray/h5netcdf contract.

Reference for the time axis: the CF conventions ("seconds since <epoch>") as decoded by
xarray, checked against an independent numpy datetime64 sum epoch + t_s.
"""
from __future__ import annotations

import json
import shutil

import h5py
import numpy as np
import pytest
import xarray as xr

from sim.analysis import open_run
from sim.io import hdf5
from sim.io.hdf5 import (
    COMPLETE_ATTR,
    EVENT_BLOCK_ROWS,
    EVENT_DTYPE,
    SCHEMA_VERSION,
    Recorder,
    ResultFileError,
)

N = 5
T = 250
CHUNK_ROWS = 64  # 250 rows = 3 whole chunks + a partial one of 58
EPOCH = "2025-03-20T12:00:00Z"
FIELDS = {"soc": "1", "t_junction_k": "K", "lat_deg": "deg"}
KINDS = {
    1: ("eclipse_entry", "a: illumination after, b: unused, c: unused"),
    2: ("throttle_change", "a: old level, b: new level, c: T_j [K]"),
}
SCENARIO_YAML = "name: tiny\nfleet:\n  n: 5\nrecord:\n  every_s: 60\n"


def _root_attrs(**extra):
    attrs = dict(odcsim_version="0.1.0", epoch_utc=EPOCH, seed=7, scenario_name="tiny",
                 scenario_yaml=SCENARIO_YAML, dt_s=10.0, shell_names=["low", "high"])
    attrs.update(extra)
    return attrs


def _recorder(path, compression="lzf", chunk_rows=CHUNK_ROWS, **extra):
    return Recorder(
        path, root_attrs=_root_attrs(**extra),
        satellites={"shell": np.array([0, 0, 1, 1, 1], np.int32), "a_m": np.linspace(6.9e6, 7.0e6, N)},
        satellite_units={"a_m": "m"}, fields=FIELDS, n_satellites=N, epoch_iso=EPOCH,
        event_kinds=KINDS, compression=compression, chunk_rows=chunk_rows,
    )


def _data(seed=1):
    rng = np.random.default_rng(seed)
    t_s = 60.0 * np.arange(T) + 0.5
    return t_s, {name: rng.normal(300.0, 20.0, (T, N)) for name in FIELDS}


def _write_run(path, compression="lzf"):
    t_s, data = _data()
    with _recorder(path, compression) as rec:
        for i, t in enumerate(t_s):
            rec.append_row(t, {name: values[i] for name, values in data.items()})
        rec.add_events(t_s=[50.0, 10.0, 30.0], sat=[1, 2, 3], kind=1, a=[0.0, 0.5, 1.0])
        rec.add_events(t_s=20.0, sat=4, kind=2, a=1.0, b=0.9, c=361.0)
        rec.close({"gpu_hours_delivered": 12.5, "shutdowns": 3, "verdict": "ok"},
                  {"gpu_hours_delivered": "GPU h", "shutdowns": "1"})
    return t_s, data


@pytest.mark.parametrize("compression", ["none", "lzf", "gzip"])
def test_round_trip_is_exact(tmp_path, compression):
    path = tmp_path / "run.h5"
    t_s, data = _write_run(path, compression)
    assert path.exists() and not (tmp_path / "run.h5.tmp").exists()
    with h5py.File(path, "r") as f:
        np.testing.assert_array_equal(f["timeseries/time"][...], t_s)
        np.testing.assert_array_equal(f["timeseries/satellite"][...], np.arange(N))
        for name, units in FIELDS.items():
            dset = f[f"timeseries/{name}"]
            assert dset.dtype == np.float32 and dset.shape == (T, N)
            assert dset.chunks == (CHUNK_ROWS, N)
            assert dset.compression == (None if compression == "none" else compression)
            assert dset.attrs["units"] == units
            np.testing.assert_array_equal(dset[...], data[name].astype(np.float32))
        assert f["satellites/a_m"].attrs["units"] == "m"
    sats = hdf5.read_satellites(path)
    np.testing.assert_array_equal(sats["shell"], [0, 0, 1, 1, 1])


def test_root_attrs_summary_and_event_kinds(tmp_path):
    path = tmp_path / "run.h5"
    _write_run(path)
    attrs = hdf5.read_attrs(path)
    for key in ("odcsim_version", "schema_version", "created_utc", "epoch_utc", "seed",
                "scenario_name", "scenario_yaml", "dt_s"):
        assert key in attrs, key
    assert attrs["schema_version"] == SCHEMA_VERSION
    assert attrs[COMPLETE_ATTR] is True
    assert attrs["scenario_yaml"] == SCENARIO_YAML
    assert json.loads(attrs["shell_names"]) == ["low", "high"]
    assert hdf5.read_summary(path) == {"gpu_hours_delivered": 12.5, "shutdowns": 3, "verdict": "ok"}
    assert hdf5.read_summary_units(path) == {"gpu_hours_delivered": "GPU h", "shutdowns": "1"}
    assert hdf5.read_event_kinds(path) == KINDS
    with h5py.File(path, "r") as f:
        assert f["events"].attrs["kind_2"] == "throttle_change"
        assert f["events"].attrs["meaning_throttle_change"] == KINDS[2][1]


def test_events_are_sorted_by_time(tmp_path):
    path = tmp_path / "run.h5"
    _write_run(path)
    events, kinds = hdf5.read_events(path)
    assert events.dtype == EVENT_DTYPE
    np.testing.assert_array_equal(events["t_s"], [10.0, 20.0, 30.0, 50.0])
    np.testing.assert_array_equal(events["sat"], [2, 4, 3, 1])
    throttle = events[events["kind"] == 2][0]
    assert (throttle["a"], throttle["b"], throttle["c"]) == (1.0, 0.9, 361.0)
    assert kinds == {1: "eclipse_entry", 2: "throttle_change"}


def test_event_sort_across_blocks_is_stable(tmp_path):
    """More events than one buffer block, in decreasing time with ties: the file must hold
    numpy's stable argsort of the insertion order (the independent reference)."""
    path = tmp_path / "run.h5"
    count = 2 * EVENT_BLOCK_ROWS + 123
    t_s = np.repeat(np.arange(count // 3 + 1, dtype=np.float64)[::-1], 3)[:count]
    order = np.arange(count, dtype=np.float64)
    with _recorder(path) as rec:
        rec.append_row(0.0, {name: np.zeros(N) for name in FIELDS})
        half = count // 2
        rec.add_events(t_s[:half], order[:half].astype(int) % N, 1, a=order[:half])
        rec.add_events(t_s[half:], order[half:].astype(int) % N, 1, a=order[half:])
        rec.close({})
    events, _ = hdf5.read_events(path)
    expected = np.argsort(t_s, kind="stable")
    np.testing.assert_array_equal(events["a"], order[expected])
    assert np.all(np.diff(events["t_s"]) >= 0)


def test_xarray_h5netcdf_contract(tmp_path):
    path = tmp_path / "run.h5"
    t_s, data = _write_run(path)
    with xr.open_dataset(path, group="timeseries", engine="h5netcdf") as ds:
        assert ds["t_junction_k"].dims == ("time", "satellite")
        assert ds["time"].dtype.kind == "M"
        expected = np.datetime64("2025-03-20T12:00:00") + (t_s * 1e9).astype("timedelta64[ns]")
        np.testing.assert_array_equal(ds["time"].values, expected)
        np.testing.assert_array_equal(ds["satellite"].values, np.arange(N))
        np.testing.assert_array_equal(ds["soc"].values, data["soc"].astype(np.float32))
        assert ds["soc"].attrs["units"] == "1"


def test_open_run(tmp_path):
    path = tmp_path / "run.h5"
    t_s, data = _write_run(path)
    with open_run(path) as run:
        assert run.path == path
        assert dict(run.timeseries.sizes) == {"time": T, "satellite": N}
        np.testing.assert_allclose(run.t_s, t_s)
        events = run.events
        assert list(events.columns) == ["t_s", "time", "sat", "kind", "kind_name", "a", "b", "c"]
        assert list(events["kind_name"]) == ["eclipse_entry", "throttle_change", "eclipse_entry",
                                             "eclipse_entry"]
        assert events["time"].iloc[0] == np.datetime64("2025-03-20T12:00:10")
        assert run.config == {"name": "tiny", "fleet": {"n": 5}, "record": {"every_s": 60}}
        assert list(run.satellites["shell"]) == [0, 0, 1, 1, 1]
        assert run.summary["shutdowns"] == 3
        assert run.shell_names == ["low", "high"]
        assert run.attrs["seed"] == 7


def test_describe_names_what_the_file_holds(tmp_path):
    path = tmp_path / "run.h5"
    _write_run(path)
    text = hdf5.describe(path)
    for expected in ("N = 5", "T = 250 rows", "t_junction_k [K]", "eclipse_entry (kind 1): 3",
                     "throttle_change (kind 2): 1", "gpu_hours_delivered  12.5 GPU h",
                     f"{len(SCENARIO_YAML)} characters", "2025-03-20T12:00:00.500000Z"):
        assert expected in text, expected
    assert "every_s" not in text  # the YAML itself is not printed


def test_long_scenario_yaml_attribute(tmp_path):
    """Over 64 KiB, an attribute needs dense storage (HDF5 1.8 file format)."""
    path = tmp_path / "run.h5"
    text = "# padding\n" * 20000
    with _recorder(path, scenario_yaml=text) as rec:
        rec.append_row(0.0, {name: np.zeros(N) for name in FIELDS})
        rec.close({})
    assert hdf5.read_attrs(path)["scenario_yaml"] == text


def test_exception_inside_with_leaves_no_file(tmp_path):
    path = tmp_path / "run.h5"
    with pytest.raises(RuntimeError, match="boom"):
        with _recorder(path) as rec:
            for i in range(100):
                rec.append_row(float(i), {name: np.ones(N) for name in FIELDS})
            raise RuntimeError("boom")
    assert list(tmp_path.iterdir()) == []


def test_abort_keeps_an_earlier_complete_file(tmp_path):
    path = tmp_path / "run.h5"
    _write_run(path)
    before = path.read_bytes()
    rec = _recorder(path)
    rec.append_row(0.0, {name: np.ones(N) for name in FIELDS})
    assert rec.tmp_path.exists()
    assert not hdf5.is_complete(rec.tmp_path)  # open for writing: never raises
    rec.abort()
    assert not rec.tmp_path.exists()
    assert path.read_bytes() == before


def test_append_row_rejects_bad_rows(tmp_path):
    with _recorder(tmp_path / "run.h5") as rec:
        rec.append_row(10.0, {name: np.ones(N) for name in FIELDS})
        with pytest.raises(ValueError, match="increase"):
            rec.append_row(10.0, {name: np.ones(N) for name in FIELDS})
        with pytest.raises(ValueError, match="lat_deg"):
            rec.append_row(20.0, {"soc": np.ones(N), "t_junction_k": np.ones(N)})
        rec.abort()
    with pytest.raises(ValueError, match="compression"):
        _recorder(tmp_path / "other.h5", compression="zstd")


def test_buffers_do_not_grow_with_duration(tmp_path):
    rec = _recorder(tmp_path / "run.h5")
    expected = (len(FIELDS) * CHUNK_ROWS * N * 4 + CHUNK_ROWS * 8
                + EVENT_BLOCK_ROWS * EVENT_DTYPE.itemsize)
    assert rec.buffer_nbytes == expected
    for i in range(20 * CHUNK_ROWS + 7):
        rec.append_row(float(i), {name: np.ones(N) for name in FIELDS})
        rec.add_events(float(i), i % N, 1)
        assert rec._buffered_rows < CHUNK_ROWS
    rec.add_events(np.arange(3 * EVENT_BLOCK_ROWS, dtype=float), 0, 1)
    assert rec.buffer_nbytes == expected
    assert rec._buffered_events < EVENT_BLOCK_ROWS
    assert rec.rows == 20 * CHUNK_ROWS + 7
    rec.abort()


def test_default_chunk_is_a_few_megabytes():
    rows = hdf5.default_chunk_rows(10_000)
    assert 1 <= rows * 10_000 * 4 / 2**20 <= 4
    assert hdf5.default_chunk_rows(5, expected_rows=100) == 100


# ---- bad files ---------------------------------------------------------------------------


def _assert_bad(path, match):
    with pytest.raises(ResultFileError, match=match) as info:
        hdf5.read_attrs(path)
    assert str(path) in str(info.value)
    with pytest.raises(ResultFileError):
        open_run(path)
    assert hdf5.is_complete(path) is False


def test_missing_file(tmp_path):
    _assert_bad(tmp_path / "nothing.h5", "no such file")


def test_garbage_file(tmp_path):
    path = tmp_path / "garbage.h5"
    path.write_bytes(b"this is not HDF5 at all\n" * 100)
    _assert_bad(path, "not a readable HDF5 file")


def test_truncated_file(tmp_path):
    path = tmp_path / "run.h5"
    _write_run(path)
    cut = tmp_path / "cut.h5"
    cut.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    _assert_bad(cut, "corrupt or truncated")


def test_file_without_completion_mark(tmp_path):
    path = tmp_path / "run.h5"
    _write_run(path)
    with h5py.File(path, "r+") as f:
        del f.attrs[COMPLETE_ATTR]
    _assert_bad(path, "no completion mark")


def test_interrupted_writer_copy_is_incomplete(tmp_path):
    """A copy of the temporary file taken mid-run (as a crash would leave it)."""
    rec = _recorder(tmp_path / "run.h5")
    for i in range(3 * CHUNK_ROWS):
        rec.append_row(float(i), {name: np.ones(N) for name in FIELDS})
    rec._file.flush()
    copy = tmp_path / "copy.h5"
    shutil.copy(rec.tmp_path, copy)
    rec.abort()
    with pytest.raises(ResultFileError, match="copy.h5"):
        hdf5.read_summary(copy)
    assert hdf5.is_complete(copy) is False


def test_wrong_schema_version(tmp_path):
    path = tmp_path / "run.h5"
    _write_run(path)
    with h5py.File(path, "r+") as f:
        f.attrs["schema_version"] = 99
    _assert_bad(path, "schema_version 99")
