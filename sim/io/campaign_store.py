"""A campaign directory on disk: the shards and the index `campaign.h5`.

    <dir>/runs/<run_id>.h5         one complete run each (a run file, sim.io.schema)
    <dir>/runs/<run_id>.error.txt  the traceback of a run that raised
    <dir>/campaign.h5              the index:

    /                 attrs: odcsim_version, campaign_name, campaign_yaml, plan_digest,
                             parameters (JSON list), metrics (JSON list), metric_units (JSON)
    /table/<column>   one 1-D dataset per column of the run table, all of length n_runs;
                      attr `columns` on /table gives their order. Strings are UTF-8.
    /runs/<run_id>    h5py ExternalLink to runs/<run_id>.h5 (complete runs only)

The index is rewritten whole, to `campaign.h5.tmp`, then renamed: a reader or a crash never
sees half an index. Shards are the truth; the index can always be rebuilt from them.
"""
from __future__ import annotations

import json
import os
from pathlib import Path

import h5py
import numpy as np

from sim.io.atomic import LOCK_SUFFIX, publish
from sim.io.hdf5 import is_complete, open_hdf5, read_summary, read_summary_units
from sim.io.schema import TMP_SUFFIX, ResultFileError, decode_attr, encode_attr

INDEX_NAME = "campaign.h5"
RUNS_DIR = "runs"
TABLE_GROUP = "table"
RUNS_GROUP = "runs"
PLAN_DIGEST_ATTR = "plan_digest"


class CampaignIndexError(ResultFileError):
    """A campaign index that is missing, unreadable or not a campaign index."""


def index_path(directory: str | os.PathLike) -> Path:
    return Path(directory) / INDEX_NAME


def shard_relpath(run_id: str) -> str:
    """A run's shard relative to the campaign directory (also the index's link target)."""
    return f"{RUNS_DIR}/{run_id}.h5"


def shard_path(directory: str | os.PathLike, run_id: str) -> Path:
    return Path(directory) / shard_relpath(run_id)


def error_path(shard: str | os.PathLike) -> Path:
    """Where the traceback of the run whose shard is `shard` goes."""
    shard = Path(shard)
    return shard.with_name(f"{shard.stem}.error.txt")


def remove_leftovers(directory: str | os.PathLike) -> None:
    """Delete the temporary files and output locks an interrupted writer left in runs/ (called
    only while this process holds the campaign lock, so no live writer owns them)."""
    for pattern in (f"*{TMP_SUFFIX}", f"*{LOCK_SUFFIX}"):
        for tmp in (Path(directory) / RUNS_DIR).glob(pattern):
            tmp.unlink(missing_ok=True)


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
    tmp = path.with_name(path.name + TMP_SUFFIX)
    try:
        _write_index_file(tmp, attrs, columns, links)
        publish(tmp, path)
    except BaseException:   # disk full, Ctrl-C: the last whole index stays, no half one beside it
        tmp.unlink(missing_ok=True)
        raise


def _write_index_file(tmp: Path, attrs: dict, columns: dict[str, np.ndarray], links: dict[str, str]) -> None:
    with h5py.File(tmp, "w") as f:
        for key, value in attrs.items():
            f.attrs[key] = encode_attr(value)
        table = f.create_group(TABLE_GROUP)
        table.attrs["columns"] = json.dumps(list(columns))
        for name, values in columns.items():
            table.create_dataset(name, data=_column_array(values))
        runs = f.create_group(RUNS_GROUP)
        for run_id, shard in links.items():
            runs[run_id] = h5py.ExternalLink(str(shard), "/")


def read_index(path: str | os.PathLike) -> tuple[dict, dict[str, np.ndarray], dict[str, str]]:
    """(root attrs, columns in order, run id -> linked shard path) of a campaign index.
    Raises CampaignIndexError naming the file if it is missing, unreadable or not an index."""
    path = Path(path)
    f = open_hdf5(path, "campaign index", CampaignIndexError)
    try:
        with f:
            attrs = {key: decode_attr(value) for key, value in f.attrs.items()}
            if PLAN_DIGEST_ATTR not in attrs or TABLE_GROUP not in f or RUNS_GROUP not in f:
                raise CampaignIndexError(f"{path}: not a campaign index (no {PLAN_DIGEST_ATTR}, "
                                         f"/{TABLE_GROUP} or /{RUNS_GROUP})")
            table = f[TABLE_GROUP]
            columns = {}
            for name in json.loads(decode_attr(table.attrs["columns"])):
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
    except (OSError, KeyError, ValueError, RuntimeError) as exc:
        raise CampaignIndexError(f"{path}: unreadable campaign index ({type(exc).__name__}: {exc})") from None
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
