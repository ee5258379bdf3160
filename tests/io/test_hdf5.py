"""Reading result files: the readers, subsystem tables, `odcsim info`, files of schema_version 1
and every way a file can be bad (each named in the error, never a traceback)."""
from __future__ import annotations

import shutil

import h5py
import numpy as np
import pytest

from sim.analysis import open_run
from sim.io import hdf5
from sim.io.schema import COMPLETE_ATTR, ResultFileError
from tests.conftest import verification_data
from tests.io.run_files import CHUNK_ROWS, FIELDS, JOBS, JOBS_ATTRS, SCENARIO_YAML, N, make_recorder, write_run

V1_FILE = verification_data("v1_starcloud1_1h.h5")   # written by odcsim before schema_version 2


def test_describe_names_what_the_file_holds(tmp_path):
    path = tmp_path / "run.h5"
    write_run(path)
    text = hdf5.describe(path)
    for expected in ("schema_version 2, complete", "N = 5", "T = 250 rows", "t_junction_k [K]",
                     "eclipse_entry (kind 1): 3", "throttle_change (kind 2): 1",
                     "gpu_hours_delivered  12.5 GPU h", f"{len(SCENARIO_YAML)} characters",
                     "2025-03-20T12:00:00.500000Z", "tables: 0"):
        assert expected in text, expected
    assert "every_s" not in text  # the YAML itself is not printed


# ---- subsystem tables ------------------------------------------------------------------------


def test_tables_read_back_with_their_columns_and_attrs(tmp_path):
    path = tmp_path / "run.h5"
    write_run(path, tables={("jobs", "log"): (JOBS, JOBS_ATTRS)})
    tables = hdf5.read_tables(path)
    assert list(tables) == ["jobs/log"]
    rows = tables["jobs/log"]
    assert rows.dtype.names == JOBS.dtype.names
    for name in ("job", "gpu_hours", "satellite"):
        assert rows.dtype[name] == JOBS.dtype[name]
        np.testing.assert_array_equal(rows[name], JOBS[name])
    assert list(rows["label"]) == ["train-a", "infer-b", "train-ä"]   # str, not bytes
    attrs = hdf5.read_table_attrs(path)["jobs/log"]
    assert attrs["gpu_hours__units"] == "GPU h" and attrs["long_name"] == "jobs run"
    assert attrs["policy"] == '{"kind": "fifo"}'


def test_info_lists_the_tables(tmp_path):
    path = tmp_path / "run.h5"
    two = np.zeros(4, dtype=[("t_s", "<f8"), ("miss_m", "<f4")])
    write_run(path, tables={("jobs", "log"): (JOBS, JOBS_ATTRS),
                            ("safety", "conjunctions"): (two, {"t_s__units": "s", "miss_m__units": "m"})})
    text = hdf5.describe(path)
    assert "tables: 2" in text
    assert "jobs/log  3 rows; columns: job, gpu_hours [GPU h], satellite, label" in text
    assert "safety/conjunctions  4 rows; columns: t_s [s], miss_m [m]" in text


def test_groups_of_the_schema_are_not_tables(tmp_path):
    path = tmp_path / "run.h5"
    write_run(path)
    assert hdf5.read_tables(path) == {}
    assert hdf5.read_table_attrs(path) == {}


# ---- files of schema_version 1 ---------------------------------------------------------------


def test_version_1_file_reads():
    attrs = hdf5.read_attrs(V1_FILE)
    assert attrs["schema_version"] == 1 and attrs["scenario_name"] == "starcloud1"
    assert hdf5.read_tables(V1_FILE) == {}
    summary = hdf5.read_summary(V1_FILE)
    assert summary["duration_s"] == 3600.0 and summary["satellites"] == 1
    assert hdf5.read_field_units(V1_FILE)["t_junction_k"] == "K"
    text = hdf5.describe(V1_FILE)
    assert "schema_version 1, complete" in text
    assert "T = 7 rows, t = 0 .. 3600 s (2025-11-15T00:00:00Z .. 2025-11-15T01:00:00Z, every 600 s)" in text
    assert "tables: 0" in text


# ---- bad files -------------------------------------------------------------------------------


def _assert_bad(path, match):
    with pytest.raises(ResultFileError, match=match) as info:
        hdf5.read_attrs(path)
    assert str(path) in str(info.value)
    with pytest.raises(ResultFileError):
        open_run(path)
    with pytest.raises(ResultFileError):
        hdf5.read_tables(path)
    assert hdf5.is_complete(path) is False


def test_missing_file(tmp_path):
    _assert_bad(tmp_path / "nothing.h5", "no such file")


def test_garbage_file(tmp_path):
    path = tmp_path / "garbage.h5"
    path.write_bytes(b"this is not HDF5 at all\n" * 100)
    _assert_bad(path, "not a readable result file")


def test_truncated_file(tmp_path):
    path = tmp_path / "run.h5"
    write_run(path)
    cut = tmp_path / "cut.h5"
    cut.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    _assert_bad(cut, "not a readable result file \\(corrupt, truncated or not HDF5")


def test_file_without_completion_mark(tmp_path):
    path = tmp_path / "run.h5"
    write_run(path)
    with h5py.File(path, "r+") as f:
        del f.attrs[COMPLETE_ATTR]
    _assert_bad(path, "no completion mark")


def test_interrupted_writer_copy_is_incomplete(tmp_path):
    """A copy of the temporary file taken mid-run (as a crash would leave it)."""
    rec = make_recorder(tmp_path / "run.h5")
    for i in range(3 * CHUNK_ROWS):
        rec.append_row(float(i), {name: np.ones(N) for name in FIELDS})
    rec._file.flush()
    copy = tmp_path / "copy.h5"
    shutil.copy(rec.tmp_path, copy)
    rec.abort()
    with pytest.raises(ResultFileError, match="copy.h5"):
        hdf5.read_summary(copy)
    assert hdf5.is_complete(copy) is False


@pytest.mark.parametrize("version", [0, 3, 99])
def test_unreadable_schema_version(tmp_path, version):
    path = tmp_path / "run.h5"
    write_run(path)
    with h5py.File(path, "r+") as f:
        f.attrs["schema_version"] = version
    _assert_bad(path, f"schema_version {version}, this odcsim reads schema_version 1, 2")


def test_both_readable_versions_are_accepted(tmp_path):
    path = tmp_path / "run.h5"
    write_run(path)
    for version in hdf5.READABLE_SCHEMA_VERSIONS:
        with h5py.File(path, "r+") as f:
            f.attrs["schema_version"] = version
        assert hdf5.is_complete(path)
