"""Dataset-by-dataset comparison of two result files (`odcsim diff A.h5 B.h5`).

Two runs of the same scenario and seed must agree bit for bit in every dataset (DESIGN.md,
Determinism). This walks both files and reports every dataset that is missing on one side or
differs in shape, dtype or a single byte, and every attribute that differs, apart from the ones
that record when and by which version the file was written.
"""
from __future__ import annotations

from pathlib import Path

import h5py
import numpy as np
import yaml

from sim.io.hdf5 import _open_result

# attributes that describe the writing, not the run
WRITING_ATTRS = frozenset({"created_utc", "odcsim_version", "schema_version"})
# dimension-scale bookkeeping holds object references, which differ between any two files
REFERENCE_ATTRS = frozenset({"DIMENSION_LIST", "REFERENCE_LIST"})


def _walk(group: h5py.Group, prefix: str = "") -> dict[str, h5py.Dataset | h5py.Group]:
    items: dict[str, h5py.Dataset | h5py.Group] = {prefix or "/": group}
    for name in group:
        link = group.get(name, getlink=True)
        if isinstance(link, h5py.ExternalLink):
            continue
        obj = group[name]
        path = f"{prefix}/{name}"
        if isinstance(obj, h5py.Group):
            items.update(_walk(obj, path))
        else:
            items[path] = obj
    return items


# attributes holding YAML, compared as the settings they say, not as text
YAML_ATTRS = frozenset({"scenario_yaml", "campaign_yaml"})


def _same_value(a, b) -> bool:
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        a, b = np.asarray(a), np.asarray(b)
        return a.shape == b.shape and a.dtype == b.dtype and a.tobytes() == b.tobytes()
    if isinstance(a, float) and isinstance(b, float):
        return np.float64(a).tobytes() == np.float64(b).tobytes()
    return a == b


def _text(value) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


def _attr_differences(path: str, a, b, ignore: frozenset[str]) -> list[str]:
    out = []
    for key in sorted(set(a.attrs) | set(b.attrs)):
        if key in ignore or key in REFERENCE_ATTRS:
            continue
        if key not in a.attrs or key not in b.attrs:
            out.append(f"{path}: attribute {key!r} only in {'B' if key not in a.attrs else 'A'}")
        elif key in YAML_ATTRS and yaml.safe_load(_text(a.attrs[key])) == yaml.safe_load(_text(b.attrs[key])):
            continue
        elif not _same_value(a.attrs[key], b.attrs[key]):
            out.append(f"{path}: attribute {key!r} differs")
    return out


def compare_runs(path_a: str | Path, path_b: str | Path, *,
                 ignore_attrs: frozenset[str] = WRITING_ATTRS) -> list[str]:
    """Differences between two complete result files, one line each; empty when every dataset
    is byte-identical and every attribute outside `ignore_attrs` is equal."""
    with _open_result(path_a) as fa, _open_result(path_b) as fb:
        items_a, items_b = _walk(fa), _walk(fb)
        out = []
        for path in sorted(set(items_a) | set(items_b)):
            if path not in items_a or path not in items_b:
                out.append(f"{path}: only in {'B' if path not in items_a else 'A'}")
                continue
            a, b = items_a[path], items_b[path]
            out += _attr_differences(path, a, b, ignore_attrs)
            if isinstance(a, h5py.Group) or isinstance(b, h5py.Group):
                if type(a) is not type(b):
                    out.append(f"{path}: a group in one file, a dataset in the other")
                continue
            if a.shape != b.shape or a.dtype != b.dtype:
                out.append(f"{path}: shape/dtype {a.shape} {a.dtype} vs {b.shape} {b.dtype}")
                continue
            va, vb = a[()], b[()]
            if np.asarray(va).tobytes() != np.asarray(vb).tobytes():
                out.append(f"{path}: values differ{_first_difference(va, vb)}")
        return out


def _first_difference(a, b) -> str:
    a, b = np.asarray(a), np.asarray(b)
    if a.dtype.names:
        columns = [f"{name}{_first_difference(a[name], b[name])}" for name in a.dtype.names
                   if a[name].tobytes() != b[name].tobytes()]
        return f" in column {'; '.join(columns)}" if columns else ""
    if a.ndim == 0:
        return f" ({a[()]!r} vs {b[()]!r})"
    rows_a = a.reshape(a.size, 1).view(np.uint8)
    rows_b = b.reshape(b.size, 1).view(np.uint8)
    bad = np.flatnonzero((rows_a != rows_b).any(axis=1))
    if not bad.size:
        return ""
    i = int(bad[0])
    where = tuple(int(x) for x in np.unravel_index(i, a.shape))
    return f" ({bad.size} elements; first at {where}: {a.reshape(-1)[i]!r} vs {b.reshape(-1)[i]!r})"
