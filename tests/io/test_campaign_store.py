"""The campaign index on disk: written whole and atomically, read back column for column, and
refused with the file named when it is missing, unreadable or not an index."""
from __future__ import annotations

import h5py
import numpy as np
import pytest

from sim.io.campaign_store import (
    INDEX_NAME,
    CampaignIndexError,
    error_path,
    index_path,
    read_index,
    remove_leftovers,
    shard_path,
    shard_relpath,
    shard_status,
    write_index,
)
from sim.io.schema import ResultFileError
from tests.io.run_files import write_run

COLUMNS = {
    "run_id": np.array(["r0000", "r0001", "r0002"], dtype=object),
    "seed": np.array([11, 12, 13], dtype=np.int64),
    "orbit": np.array(["walker", "sso", "walker"], dtype=object),
    "gpu_hours_delivered": np.array([1.5, np.nan, 2.25]),
}
ATTRS = {"campaign_name": "t", "plan_digest": "abc", "parameters": ["orbit"],
         "metric_units": {"gpu_hours_delivered": "GPU h"}, "n_runs": 3}


def _write(directory, links=None):
    (directory / "runs").mkdir(parents=True, exist_ok=True)
    write_index(index_path(directory), attrs=ATTRS, columns=COLUMNS, links=links or {})
    return index_path(directory)


def test_round_trip(tmp_path):
    write_run(shard_path(tmp_path, "r0000"))
    index = _write(tmp_path, {"r0000": shard_relpath("r0000")})
    assert index == tmp_path / INDEX_NAME and not (tmp_path / "campaign.h5.tmp").exists()
    attrs, columns, links = read_index(index)
    assert attrs["campaign_name"] == "t" and attrs["n_runs"] == 3
    assert attrs["parameters"] == '["orbit"]' and attrs["metric_units"] == '{"gpu_hours_delivered": "GPU h"}'
    assert list(columns) == list(COLUMNS)
    assert list(columns["run_id"]) == ["r0000", "r0001", "r0002"] and columns["run_id"].dtype == object
    np.testing.assert_array_equal(columns["seed"], COLUMNS["seed"])
    np.testing.assert_array_equal(columns["gpu_hours_delivered"], COLUMNS["gpu_hours_delivered"])
    assert links == {"r0000": "runs/r0000.h5"}
    with h5py.File(index, "r") as f:
        assert f["runs/r0000"].attrs["complete"]          # the external link resolves


def test_rewrite_replaces_the_whole_index(tmp_path):
    _write(tmp_path)
    write_index(index_path(tmp_path), attrs={**ATTRS, "n_runs": 4}, columns={"run_id": COLUMNS["run_id"]},
                links={})
    attrs, columns, _ = read_index(index_path(tmp_path))
    assert attrs["n_runs"] == 4 and list(columns) == ["run_id"]


@pytest.mark.parametrize("content, says", [
    (b"garbage" * 100, "not a readable campaign index (corrupt, truncated or not HDF5"),
    (b"", "not a readable campaign index"),
])
def test_unreadable_index_is_named(tmp_path, content, says):
    index = tmp_path / INDEX_NAME
    index.write_bytes(content)
    with pytest.raises(CampaignIndexError) as err:
        read_index(index)
    assert says in str(err.value) and str(index) in str(err.value)
    assert isinstance(err.value, ResultFileError)     # the CLI turns it into exit status 2


def test_truncated_and_foreign_files_are_not_indexes(tmp_path):
    index = _write(tmp_path)
    data = index.read_bytes()
    index.write_bytes(data[: len(data) // 2])
    with pytest.raises(CampaignIndexError, match="not a readable campaign index"):
        read_index(index)
    run = tmp_path / "run.h5"
    write_run(run)                                   # an HDF5 file, but a run, not an index
    with pytest.raises(CampaignIndexError, match="not a campaign index"):
        read_index(run)
    with pytest.raises(CampaignIndexError, match="no such file"):
        read_index(tmp_path / "elsewhere" / INDEX_NAME)


def test_shards_and_their_status(tmp_path):
    shard = shard_path(tmp_path, "r0007")
    assert shard == tmp_path / "runs" / "r0007.h5"
    assert error_path(shard) == tmp_path / "runs" / "r0007.error.txt"
    assert shard_status(shard) == "missing"
    write_run(shard)
    assert shard_status(shard) == "complete"
    shard.write_bytes(shard.read_bytes()[:1000])
    assert shard_status(shard) == "partial"
    (tmp_path / "runs" / "r0008.h5.tmp").write_bytes(b"x")
    remove_leftovers(tmp_path)
    assert sorted(p.name for p in (tmp_path / "runs").iterdir()) == ["r0007.h5"]
