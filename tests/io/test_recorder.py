"""The streaming Recorder: exact round trips, chunking, event order, fixed buffers, atomic
completion, subsystem tables, and the xarray/h5netcdf contract of /timeseries.

Reference for the time axis: the CF conventions ("seconds since <epoch>") as decoded by
xarray, checked against an independent numpy datetime64 sum epoch + t_s.
"""
from __future__ import annotations

import json

import h5py
import numpy as np
import pytest
import xarray as xr

from sim.io import hdf5
from sim.io.recorder import EVENT_BLOCK_ROWS, Recorder, cf_time_units, default_chunk_rows
from sim.io.schema import COMPLETE_ATTR, EVENT_DTYPE, RESERVED_GROUPS, SCHEMA_VERSION
from tests.io.run_files import (
    CHUNK_ROWS,
    FIELDS,
    JOBS,
    JOBS_ATTRS,
    KINDS,
    SCENARIO_YAML,
    SUMMARY,
    SUMMARY_UNITS,
    N,
    T,
    make_recorder,
    write_run,
)


@pytest.mark.parametrize("compression", ["none", "lzf", "gzip"])
def test_round_trip_is_exact(tmp_path, compression):
    path = tmp_path / "run.h5"
    t_s, data = write_run(path, compression)
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
    write_run(path)
    attrs = hdf5.read_attrs(path)
    for key in ("odcsim_version", "schema_version", "created_utc", "epoch_utc", "seed",
                "scenario_name", "scenario_yaml", "dt_s"):
        assert key in attrs, key
    assert attrs["schema_version"] == SCHEMA_VERSION == 2
    assert attrs[COMPLETE_ATTR] is True
    assert attrs["scenario_yaml"] == SCENARIO_YAML
    assert json.loads(attrs["shell_names"]) == ["low", "high"]
    assert hdf5.read_summary(path) == SUMMARY
    assert hdf5.read_summary_units(path) == SUMMARY_UNITS
    assert hdf5.read_event_kinds(path) == KINDS
    with h5py.File(path, "r") as f:
        assert f["events"].attrs["kind_2"] == "throttle_change"
        assert f["events"].attrs["meaning_throttle_change"] == KINDS[2][1]


def test_epoch_is_written_in_utc_whatever_the_offset_given(tmp_path):
    assert cf_time_units("2025-03-20T14:30:00+02:00") == "seconds since 2025-03-20T12:30:00Z"
    assert cf_time_units("2025-03-20T12:30:00.250") == "seconds since 2025-03-20T12:30:00.250000Z"
    with Recorder(tmp_path / "offset.h5", root_attrs={}, satellites={}, fields={"soc": "1"},
                  n_satellites=1, epoch_iso="2025-03-20T14:30:00+02:00") as rec:
        rec.append_row(0.0, {"soc": np.ones(1)})
    with h5py.File(tmp_path / "offset.h5", "r") as f:
        assert f.attrs["epoch_utc"] == "2025-03-20T12:30:00Z"
        assert f["timeseries/time"].attrs["units"] == "seconds since 2025-03-20T12:30:00Z"


def test_events_are_sorted_by_time(tmp_path):
    path = tmp_path / "run.h5"
    write_run(path)
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
    with make_recorder(path) as rec:
        rec.append_row(0.0, {name: np.zeros(N) for name in FIELDS})
        half = count // 2
        rec.add_events(t_s[:half], order[:half].astype(int) % N, 1, a=order[:half])
        rec.add_events(t_s[half:], order[half:].astype(int) % N, 1, a=order[half:])
        rec.close({})
    events, _ = hdf5.read_events(path)
    expected = np.argsort(t_s, kind="stable")
    np.testing.assert_array_equal(events["a"], order[expected])
    assert np.all(np.diff(events["t_s"]) >= 0)


def test_events_behind_the_horizon_are_written_sorted_without_a_sort_at_close(tmp_path):
    """Ticks emit events inside their own span in any order; with the horizon at each tick's
    start the file is numpy's stable argsort of the insertion order, and the Recorder never
    needed the whole table in memory to get there."""
    path = tmp_path / "run.h5"
    rng = np.random.default_rng(3)
    dt_s, ticks, per_tick = 10.0, 400, 150   # 60,000 events: several buffer blocks
    with make_recorder(path) as rec:
        rec.append_row(0.0, {name: np.zeros(N) for name in FIELDS})
        all_t, all_a = [], []
        for k in range(1, ticks + 1):
            rec.events_horizon_s = (k - 1) * dt_s
            t_s = (k - 1) * dt_s + np.floor(rng.random(per_tick) * 4) * dt_s / 4   # ties, any order
            a = np.arange(len(all_a) * per_tick, (len(all_a) + 1) * per_tick, dtype=np.float64)
            rec.add_events(t_s, 0, 1, a=a)
            all_t.append(t_s)
            all_a.append(a)
        assert rec._events_sorted
        rec.close({})
    events, _ = hdf5.read_events(path)
    t_s, a = np.concatenate(all_t), np.concatenate(all_a)
    np.testing.assert_array_equal(events["a"], a[np.argsort(t_s, kind="stable")])


def test_xarray_h5netcdf_contract(tmp_path):
    path = tmp_path / "run.h5"
    t_s, data = write_run(path, tables={("jobs", "log"): (JOBS, JOBS_ATTRS)})
    with xr.open_dataset(path, group="timeseries", engine="h5netcdf") as ds:
        assert ds["t_junction_k"].dims == ("time", "satellite")
        assert ds["time"].dtype.kind == "M"
        expected = np.datetime64("2025-03-20T12:00:00") + (t_s * 1e9).astype("timedelta64[ns]")
        np.testing.assert_array_equal(ds["time"].values, expected)
        np.testing.assert_array_equal(ds["satellite"].values, np.arange(N))
        np.testing.assert_array_equal(ds["soc"].values, data["soc"].astype(np.float32))
        assert ds["soc"].attrs["units"] == "1"


def test_long_scenario_yaml_attribute(tmp_path):
    """Over 64 KiB, an attribute needs dense storage (HDF5 1.8 file format)."""
    path = tmp_path / "run.h5"
    text = "# padding\n" * 20000
    with make_recorder(path, scenario_yaml=text) as rec:
        rec.append_row(0.0, {name: np.zeros(N) for name in FIELDS})
        rec.close({})
    assert hdf5.read_attrs(path)["scenario_yaml"] == text


def test_exception_inside_with_leaves_no_file(tmp_path):
    path = tmp_path / "run.h5"
    with pytest.raises(RuntimeError, match="boom"):
        with make_recorder(path) as rec:
            for i in range(100):
                rec.append_row(float(i), {name: np.ones(N) for name in FIELDS})
            raise RuntimeError("boom")
    assert list(tmp_path.iterdir()) == []


def test_abort_keeps_an_earlier_complete_file(tmp_path):
    path = tmp_path / "run.h5"
    write_run(path)
    before = path.read_bytes()
    rec = make_recorder(path)
    rec.append_row(0.0, {name: np.ones(N) for name in FIELDS})
    assert rec.tmp_path.exists()
    assert not hdf5.is_complete(rec.tmp_path)  # open for writing: never raises
    rec.abort()
    assert not rec.tmp_path.exists()
    assert path.read_bytes() == before


def test_append_row_rejects_bad_rows(tmp_path):
    with make_recorder(tmp_path / "run.h5") as rec:
        rec.append_row(10.0, {name: np.ones(N) for name in FIELDS})
        with pytest.raises(ValueError, match="increase"):
            rec.append_row(10.0, {name: np.ones(N) for name in FIELDS})
        with pytest.raises(ValueError, match="lat_deg"):
            rec.append_row(20.0, {"soc": np.ones(N), "t_junction_k": np.ones(N)})
        rec.abort()
    with pytest.raises(ValueError, match="compression"):
        make_recorder(tmp_path / "other.h5", compression="zstd")


def test_buffers_do_not_grow_with_duration(tmp_path):
    rec = make_recorder(tmp_path / "run.h5")
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
    rows = default_chunk_rows(10_000)
    assert 1 <= rows * 10_000 * 4 / 2**20 <= 4
    assert default_chunk_rows(5, expected_rows=100) == 100


# ---- subsystem tables (schema_version 2) -----------------------------------------------------


def test_a_table_is_a_compound_dataset_under_its_subsystem(tmp_path):
    path = tmp_path / "run.h5"
    empty = np.zeros(0, dtype=[("t_s", "<f8"), ("sat", "<i4")])
    write_run(path, tables={("jobs", "log"): (JOBS, JOBS_ATTRS), ("jobs", "none_yet"): (empty, {})})
    with h5py.File(path, "r") as f:
        dset = f["jobs/log"]
        assert dset.dtype.names == ("job", "gpu_hours", "satellite", "label")
        assert dset.dtype["gpu_hours"] == np.float64 and dset.dtype["satellite"] == np.int16
        assert h5py.check_string_dtype(dset.dtype["label"]).encoding == "utf-8"
        np.testing.assert_array_equal(dset["gpu_hours"], JOBS["gpu_hours"])
        assert [v.decode() for v in dset["label"]] == ["train-a", "infer-b", "train-ä"]
        assert dset.attrs["gpu_hours__units"] == "GPU h"
        assert json.loads(dset.attrs["policy"]) == {"kind": "fifo"}
        assert f["jobs/none_yet"].shape == (0,)


@pytest.mark.parametrize("group", RESERVED_GROUPS)
def test_a_reserved_group_is_refused(tmp_path, group):
    rec = make_recorder(tmp_path / "run.h5")
    with pytest.raises(ValueError, match=f"/{group} is part of the result schema"):
        rec.add_table(group, "log", JOBS)
    rec.abort()


def test_bad_tables_are_refused(tmp_path):
    rec = make_recorder(tmp_path / "run.h5")
    with pytest.raises(ValueError, match="structured array"):
        rec.add_table("jobs", "plain", np.arange(3.0))
    with pytest.raises(ValueError, match="one non-empty name"):
        rec.add_table("jobs/deeper", "log", JOBS)
    with pytest.raises(ValueError, match="one non-empty name"):
        rec.add_table("jobs", "", JOBS)
    with pytest.raises(ValueError, match="one non-empty name"):
        rec.add_table("jobs", "a//log", JOBS)
    rec.add_table("jobs", "log", JOBS)
    rec.add_table("jobs", "train/progress", JOBS)       # nested under the job
    with pytest.raises(ValueError, match="already written"):
        rec.add_table("jobs", "log", JOBS)
    rec.abort()
