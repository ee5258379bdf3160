"""The campaign index, `campaign.h5`: the campaign YAML, the run table and links to the shards.

    /                 attrs: odcsim_version, campaign_name, campaign_yaml, plan_digest,
                             parameters (JSON list), metrics (JSON list), metric_units (JSON)
    /table/<column>   one 1-D dataset per column of the run table, all of length n_runs;
                      attr `columns` on /table gives their order. Strings are UTF-8.
    /runs/<run_id>    h5py ExternalLink to runs/<run_id>.h5 (complete runs only)

The index is rewritten whole, to `campaign.h5.tmp`, then `os.replace`d: a reader or a crash
never sees half an index. Shards are the truth; the index can always be rebuilt from them.
"""
from __future__ import annotations

import json
import os
from pathlib import Path

import h5py
import numpy as np

from sim.io.hdf5 import is_complete, read_summary, read_summary_units  # noqa: F401  (re-exported)

INDEX_NAME = "campaign.h5"
TABLE_GROUP = "table"
RUNS_GROUP = "runs"


def _column_array(values: np.ndarray) -> np.ndarray:
    values = np.asarray(values)
    if values.dtype.kind in "OUS":
        return np.array([str(v) for v in values], dtype=h5py.string_dtype("utf-8"))
    return values


def write_index(path: str | os.PathLike, *, attrs: dict, columns: dict[str, np.ndarray],
                links: dict[str, str]) -> None:
    """Write the whole index atomically. `links` maps run id -> shard path relative to the
    index's directory."""
    path = Path(path)
    tmp = path.with_name(path.name + ".tmp")
    with h5py.File(tmp, "w") as f:
        for key, value in attrs.items():
            f.attrs[key] = json.dumps(value) if isinstance(value, (dict, list, tuple)) else value
        table = f.create_group(TABLE_GROUP)
        table.attrs["columns"] = json.dumps(list(columns))
        for name, values in columns.items():
            table.create_dataset(name, data=_column_array(values))
        runs = f.create_group(RUNS_GROUP)
        for run_id, shard in links.items():
            runs[run_id] = h5py.ExternalLink(str(shard), "/")
    with open(tmp, "rb") as fh:
        os.fsync(fh.fileno())
    os.replace(tmp, path)


def read_index(path: str | os.PathLike) -> tuple[dict, dict[str, np.ndarray], dict[str, str]]:
    """(root attrs, columns in order, run id -> linked shard path) of a campaign index."""
    with h5py.File(path, "r") as f:
        attrs = {}
        for key, value in f.attrs.items():
            if isinstance(value, bytes):
                value = value.decode()
            if isinstance(value, np.generic):
                value = value.item()
            attrs[key] = value
        table = f[TABLE_GROUP]
        columns = {}
        for name in json.loads(table.attrs["columns"]):
            data = table[name]
            if h5py.check_string_dtype(data.dtype) is not None:
                columns[name] = np.array(data.asstr()[()], dtype=object)
            else:
                columns[name] = data[()]
        links = {}
        for run_id in f[RUNS_GROUP]:
            link = f[RUNS_GROUP].get(run_id, getlink=True)
            if isinstance(link, h5py.ExternalLink):
                links[run_id] = link.filename
    return attrs, columns, links


def shard_status(path: str | os.PathLike) -> str:
    """'complete', 'missing' or 'partial' (unreadable, truncated or without the completion mark)."""
    path = Path(path)
    if not path.exists():
        return "missing"
    return "complete" if is_complete(path) else "partial"


def read_shard_summary(path: str | os.PathLike) -> tuple[dict[str, float], dict[str, str]]:
    """The scalar metrics of a complete shard and their units."""
    return read_summary(path), read_summary_units(path)
