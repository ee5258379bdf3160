"""Subsystem tables: a subsystem's own compound dataset /<group>/<name> in a run file
(layout: sim.io.schema; the Recorder's `add_table` writes through here)."""
from __future__ import annotations

from collections.abc import Mapping

import h5py
import numpy as np

from sim.io.schema import RESERVED_GROUPS, encode_attr


def write_table(file: h5py.File, group: str, name: str, rows: np.ndarray, attrs: Mapping | None,
                filters: dict) -> None:
    """Write `rows`, a 1-D structured array (one field per column; text columns become UTF-8
    strings), as /<group>/<name>. `name` may hold `/` to nest (e.g. `<job>/progress`). `attrs`
    go on the dataset; by convention `<column>__units` gives a column's unit."""
    if not group or "/" in group or not name or any(not part for part in name.split("/")):
        raise ValueError(f"table /{group}/{name}: the group is one non-empty name, the table non-empty "
                         f"names separated by /")
    if group in RESERVED_GROUPS:
        raise ValueError(f"/{group} is part of the result schema, not a subsystem's group")
    rows = np.asarray(rows)
    if rows.dtype.names is None or rows.ndim != 1:
        raise ValueError(f"table /{group}/{name} must be a 1-D structured array")
    *inner, name = name.split("/")
    parent = file.require_group("/".join([group, *inner]))
    if name in parent:
        raise ValueError(f"table /{group}/{name} is already written")
    rows = _storable(rows)
    dataset = parent.create_dataset(
        name, data=rows, chunks=True if rows.size else None, **(filters if rows.size else {}))
    for key, value in (attrs or {}).items():
        dataset.attrs[key] = encode_attr(value)


def _storable(rows: np.ndarray) -> np.ndarray:
    """`rows` with its numpy text (`U`) columns as variable-length UTF-8, which HDF5 stores."""
    if not any(rows.dtype[n].kind == "U" for n in rows.dtype.names):
        return rows
    text = h5py.string_dtype("utf-8")
    dtype = np.dtype([(n, text if rows.dtype[n].kind == "U" else rows.dtype[n]) for n in rows.dtype.names])
    out = np.empty(rows.shape, dtype)
    for n in rows.dtype.names:
        out[n] = rows[n].astype(object) if rows.dtype[n].kind == "U" else rows[n]
    return out
