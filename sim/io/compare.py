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

from sim.io.hdf5 import open_result

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


# scenario keys that say how a run was computed, not what: results do not depend on them
EXECUTION_KEYS = ("run",)


def _settings(text) -> object:
    data = yaml.safe_load(_text(text))
    if isinstance(data, dict):
        data = {k: v for k, v in data.items() if k not in EXECUTION_KEYS}
    return data


def _same_yaml(a, b) -> bool:
    """The same settings, whatever the formatting and the execution keys (`run:`, e.g. the
    block length); text that is not YAML compares as text."""
    try:
        return _settings(a) == _settings(b)
    except yaml.YAMLError:
        return False


def _attr_differences(path: str, a, b, ignore: frozenset[str]) -> list[str]:
    out = []
    for key in sorted(set(a.attrs) | set(b.attrs)):
        if key in ignore or key in REFERENCE_ATTRS:
            continue
        if key not in a.attrs or key not in b.attrs:
            out.append(f"{path}: attribute {key!r} only in {'B' if key not in a.attrs else 'A'}")
        elif key in YAML_ATTRS and _same_yaml(a.attrs[key], b.attrs[key]):
            continue
        elif not _same_value(a.attrs[key], b.attrs[key]):
            out.append(f"{path}: attribute {key!r} differs")
    return out


def compare_runs(path_a: str | Path, path_b: str | Path, *,
                 ignore_attrs: frozenset[str] = WRITING_ATTRS) -> list[str]:
    """Differences between two complete result files, one line each; empty when every dataset
    is byte-identical and every attribute outside `ignore_attrs` is equal."""
    with open_result(path_a) as fa, open_result(path_b) as fb:
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
            va, vb = np.asarray(a[()]), np.asarray(b[()])
            if not _same_data(va, vb):
                out.append(f"{path}: values differ{_first_difference(va, vb)}")
        return out


def _same_data(a: np.ndarray, b: np.ndarray) -> bool:
    """Byte-identical; text (variable-length strings, held as objects) compares by content."""
    if a.dtype.names:
        return all(_same_data(a[name], b[name]) for name in a.dtype.names)
    if a.dtype.hasobject:
        return a.shape == b.shape and a.tolist() == b.tolist()
    return a.tobytes() == b.tobytes()


def _first_difference(a, b) -> str:
    a, b = np.asarray(a), np.asarray(b)
    if a.dtype.names:
        columns = [f"{name}{_first_difference(a[name], b[name])}" for name in a.dtype.names
                   if not _same_data(a[name], b[name])]
        return f" in column {'; '.join(columns)}" if columns else ""
    if a.ndim == 0:
        return f" ({_shown(a[()])!r} vs {_shown(b[()])!r})"
    if a.dtype.hasobject:
        differs = np.array([x != y for x, y in zip(a.reshape(-1), b.reshape(-1))], dtype=bool)
    else:
        differs = (a.reshape(a.size, 1).view(np.uint8) != b.reshape(b.size, 1).view(np.uint8)).any(axis=1)
    bad = np.flatnonzero(differs)
    if not bad.size:
        return ""
    i = int(bad[0])
    where = tuple(int(x) for x in np.unravel_index(i, a.shape))
    return f" ({bad.size} elements; first at {where}: {_shown(a.reshape(-1)[i])!r} vs {_shown(b.reshape(-1)[i])!r})"


def _shown(value):
    return value.item() if isinstance(value, np.generic) else value
