"""Reading one run's HDF5 file (layout: sim.io.schema; writing: sim.io.recorder).

Every reader opens the file, checks it is a complete result file of a readable schema version
(1 or 2) and raises ResultFileError naming the file otherwise. Version-1 files have no
subsystem tables: `read_tables` gives {} for them.

The writer's names are re-exported here, so `from sim.io.hdf5 import Recorder` keeps working.
"""
from __future__ import annotations

import json
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

import h5py
import numpy as np

from sim.core.timescale import iso_utc, parse_utc
from sim.io.recorder import COMPRESSIONS, EVENT_BLOCK_ROWS, Recorder, cf_time_units, default_chunk_rows  # noqa: F401
from sim.io.schema import (  # noqa: F401
    COMPLETE_ATTR,
    DAILY_GROUP,
    EVENT_DTYPE,
    READABLE_SCHEMA_VERSIONS,
    RESERVED_GROUPS,
    ROW_DIM_SUFFIX,
    SATELLITE_DIM,
    SCHEMA_VERSION,
    TIME_DIM,
    UNITS_SUFFIX,
    ResultFileError,
    decode_attr,
    table_key,
)


def open_hdf5(path, what: str = "result file", error: type[Exception] = ResultFileError) -> h5py.File:
    """`path` opened read-only, or `error` saying why not (missing, a directory, or not a
    readable HDF5 file); `what` names what the file should have been."""
    path = Path(path)
    if not path.exists():
        raise error(f"{path}: no such file")
    if path.is_dir():
        raise error(f"{path}: is a directory, not a {what}")
    try:
        return h5py.File(path, "r")
    except OSError as exc:
        raise error(f"{path}: not a readable {what} (corrupt, truncated or not HDF5; HDF5 says: {exc})") from None


@contextmanager
def open_result(path, *, require_complete: bool = True):
    """Open a result file for reading, or raise ResultFileError saying what is wrong with it."""
    path = Path(path)
    f = open_hdf5(path)
    try:
        if require_complete:
            version = f.attrs.get("schema_version")
            if version is None:
                raise ResultFileError(f"{path}: not an odcsim result file (no schema_version attribute)")
            if int(version) not in READABLE_SCHEMA_VERSIONS:
                raise ResultFileError(
                    f"{path}: schema_version {int(version)}, this odcsim reads schema_version "
                    f"{', '.join(map(str, READABLE_SCHEMA_VERSIONS))}"
                )
            if not bool(f.attrs.get(COMPLETE_ATTR, False)):
                raise ResultFileError(
                    f"{path}: incomplete result file: no completion mark "
                    f"(the run was interrupted or is still being written)"
                )
        try:
            yield f
        except (OSError, KeyError, RuntimeError) as exc:
            raise ResultFileError(f"{path}: unreadable content ({type(exc).__name__}: {exc})") from None
    finally:
        f.close()


def check_result_file(path) -> None:
    """Raise ResultFileError unless `path` is a complete result file of a readable schema version."""
    with open_result(path):
        pass


def is_complete(path) -> bool:
    """True if `path` is a result file of a readable schema version with its completion mark
    (what check_result_file accepts); never raises."""
    try:
        check_result_file(path)
    except Exception:
        return False
    return True


def read_attrs(path) -> dict:
    """Root attributes, decoded to Python values."""
    with open_result(path) as f:
        return {key: decode_attr(value) for key, value in f.attrs.items()}


def read_event_kinds(path) -> dict[int, tuple[str, str]]:
    """Event kind code -> (name, meaning of the a, b, c columns)."""
    with open_result(path) as f:
        return _event_kinds(f)


def _event_kinds(f) -> dict[int, tuple[str, str]]:
    attrs = f["events"].attrs
    names = json.loads(decode_attr(attrs.get("kind_names", "{}")))
    return {
        int(code): (name, decode_attr(attrs.get(f"meaning_{name}", "")))
        for code, name in names.items()
    }


def read_events(path) -> tuple[np.ndarray, dict[int, str]]:
    """The /events table (structured array of EVENT_DTYPE, sorted by t_s) and code -> name."""
    with open_result(path) as f:
        table = f["events"][...]
        return table, {code: name for code, (name, _) in _event_kinds(f).items()}


def read_satellites(path) -> dict[str, np.ndarray]:
    """Every /satellites dataset as an array, by name."""
    with open_result(path) as f:
        return {name: dset[...] for name, dset in f["satellites"].items()}


def read_satellite_units(path) -> dict[str, str]:
    with open_result(path) as f:
        return {
            name: decode_attr(dset.attrs["units"])
            for name, dset in f["satellites"].items() if "units" in dset.attrs
        }


def _values_and_units(attrs) -> tuple[dict, dict[str, str]]:
    """Split attributes into values and the `<name>__units` beside them."""
    values, units = {}, {}
    for key, value in attrs.items():
        if key.endswith(UNITS_SUFFIX):
            units[key[: -len(UNITS_SUFFIX)]] = decode_attr(value)
        else:
            values[key] = decode_attr(value)
    return values, units


def read_summary(path) -> dict:
    """The run's scalar metrics (the /summary attributes other than `<name>__units`)."""
    with open_result(path) as f:
        return _values_and_units(f["summary"].attrs)[0]


def read_summary_units(path) -> dict[str, str]:
    """Metric name -> unit, for the metrics that have one."""
    with open_result(path) as f:
        return _values_and_units(f["summary"].attrs)[1]


def read_field_units(path) -> dict[str, str]:
    """Time-series field name -> unit."""
    with open_result(path) as f:
        return _field_units(f)


def _field_units(f) -> dict[str, str]:
    series = f["timeseries"]
    return {
        name: decode_attr(dset.attrs.get("units", ""))
        for name, dset in series.items() if name not in (TIME_DIM, SATELLITE_DIM)
    }


# ---------------------------------------------------------------- /daily

def _daily_fields(f) -> dict[str, h5py.Dataset]:
    """/daily field name -> dataset ({} when the file has no /daily)."""
    group = f.get(DAILY_GROUP)
    if group is None:
        return {}
    return {name: dset for name, dset in group.items()
            if name not in (TIME_DIM, SATELLITE_DIM) and not name.endswith(ROW_DIM_SUFFIX)}


def has_daily(path) -> bool:
    """Whether the file holds /daily (runs with `record: {daily: false}` and older files do not)."""
    with open_result(path) as f:
        return DAILY_GROUP in f


def read_daily(path) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """/daily: the day-end times (s since the epoch) and every field's (D, N) or (D, R, N)
    float64 values, by name; (empty, {}) when the file has no /daily."""
    with open_result(path) as f:
        if DAILY_GROUP not in f:
            return np.empty(0), {}
        return f[DAILY_GROUP][TIME_DIM][...], {name: dset[...] for name, dset in _daily_fields(f).items()}


def read_daily_units(path) -> dict[str, str]:
    """/daily field name -> unit."""
    with open_result(path) as f:
        return {name: decode_attr(dset.attrs.get("units", "")) for name, dset in _daily_fields(f).items()}


# ---------------------------------------------------------------- subsystem tables (version 2)

def _table_datasets(f) -> dict[str, h5py.Dataset]:
    """"<subsystem>/<table>" -> dataset, for every compound dataset in a subsystem's group."""
    out = {}

    def collect(path: str, node) -> None:
        for name, child in node.items():
            if isinstance(child, h5py.Group):
                collect(f"{path}/{name}", child)
            elif isinstance(child, h5py.Dataset) and child.dtype.names is not None:
                out[table_key(path, name)] = child

    for group_name, group in f.items():
        if group_name not in RESERVED_GROUPS and isinstance(group, h5py.Group):
            collect(group_name, group)
    return out


def _table_rows(dset: h5py.Dataset) -> np.ndarray:
    """The rows of a table; variable-length text columns come back as str objects."""
    rows = dset[()]
    text = [n for n in rows.dtype.names if h5py.check_string_dtype(rows.dtype[n]) is not None]
    if not text:
        return rows
    rows = rows.astype([(n, object if n in text else rows.dtype[n]) for n in rows.dtype.names])
    for n in text:
        rows[n] = [v.decode("utf-8") if isinstance(v, bytes) else v for v in rows[n]]
    return rows


def read_tables(path) -> dict[str, np.ndarray]:
    """Every subsystem table, "<subsystem>/<table>" -> structured array (one field per column);
    {} for a version-1 file."""
    with open_result(path) as f:
        return {key: _table_rows(dset) for key, dset in _table_datasets(f).items()}


def read_table_attrs(path) -> dict[str, dict]:
    """"<subsystem>/<table>" -> the table's attributes (`<column>__units` among them)."""
    with open_result(path) as f:
        return {key: {k: decode_attr(v) for k, v in dset.attrs.items()}
                for key, dset in _table_datasets(f).items()}


# ---------------------------------------------------------------- odcsim info

def format_value(value) -> str:
    """A metric or attribute value as `odcsim info` and the summary tables print it."""
    if isinstance(value, float):
        return f"{value:.6g}"
    return str(value)


def _file_size(path: Path) -> str:
    size = path.stat().st_size
    for unit in ("B", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return ""


def describe(path) -> str:
    """What `odcsim info` prints: attributes, sizes, fields, event counts, subsystem tables and
    the summary."""
    path = Path(path)
    with open_result(path) as f:
        attrs = {k: decode_attr(v) for k, v in f.attrs.items() if k != COMPLETE_ATTR}
        lines = [f"{path}  ({_file_size(path)}, schema_version {attrs['schema_version']}, complete)"]
        lines += _describe_attrs(attrs)
        lines += _describe_timeseries(f, attrs)
        lines += _describe_daily(f)
        lines += _describe_events(f)
        lines += _describe_tables(f)
        summary, units = _values_and_units(f["summary"].attrs)
        lines.append(f"summary: {len(summary)} metrics")
        width = max((len(k) for k in summary), default=0)
        for key in sorted(summary):
            unit = units.get(key, "")
            lines.append(f"  {key:<{width}}  {format_value(summary[key])}" + (f" {unit}" if unit else ""))
        return "\n".join(lines)


def _describe_attrs(attrs: dict) -> list[str]:
    lines = []
    width = max((len(k) for k in attrs), default=0)
    for key in sorted(attrs):
        value = attrs[key]
        if key == "scenario_yaml":
            name = attrs.get("scenario_name", "?")
            text = f"{len(str(value))} characters (resolved config of {name!r})"
        else:
            text = format_value(value)
            if len(text) > 100:
                text = text[:97] + "..."
        lines.append(f"  {key:<{width}}  {text}")
    return lines


def _describe_timeseries(f, attrs: dict) -> list[str]:
    series = f["timeseries"]
    n = series[SATELLITE_DIM].shape[0]
    lines = [f"satellites: N = {n}; properties: {', '.join(f['satellites'].keys()) or 'none'}"]
    time = series[TIME_DIM]
    rows = time.shape[0]
    if rows:
        first, last = float(time[0]), float(time[-1])
        epoch = parse_utc(str(attrs.get("epoch_utc", "1970-01-01T00:00:00")))
        start = iso_utc(epoch + timedelta(seconds=first))
        end = iso_utc(epoch + timedelta(seconds=last))
        step = ""
        if rows > 1:
            gaps = np.diff(time[...])
            low, high = float(gaps.min()), float(gaps.max())
            step = f", every {low:g} s" if low == high else f", every {low:g} .. {high:g} s"
        lines.append(f"timeseries: T = {rows} rows, t = {first:g} .. {last:g} s ({start} .. {end}{step})")
    else:
        lines.append("timeseries: T = 0 rows")
    units = _field_units(f)
    lines.append(f"  fields ({len(units)}): " + ", ".join(f"{k} [{u}]" for k, u in units.items()))
    return lines


def _describe_daily(f) -> list[str]:
    if DAILY_GROUP not in f:
        return ["daily: none"]
    time = f[DAILY_GROUP][TIME_DIM]
    span = f", t = {float(time[0]):g} .. {float(time[-1]):g} s" if time.shape[0] else ""
    fields = _daily_fields(f)
    units = ", ".join(f"{k} [{decode_attr(d.attrs.get('units', ''))}]" + (f" x{d.shape[1]}" if d.ndim == 3 else "")
                      for k, d in fields.items())
    return [f"daily: D = {time.shape[0]} day ends{span}", f"  fields ({len(fields)}): {units}"]


def _describe_events(f) -> list[str]:
    events = f["events"]
    kinds = _event_kinds(f)
    codes = events["kind"] if events.shape[0] else np.empty(0, np.int16)
    lines = [f"events: {events.shape[0]} in total"]
    present, counts = np.unique(codes, return_counts=True)
    for code, count in zip(present.tolist(), counts.tolist()):
        name = kinds.get(code, ("unregistered", ""))[0]
        lines.append(f"  {name} (kind {code}): {count}")
    return lines


def _describe_tables(f) -> list[str]:
    tables = _table_datasets(f)
    lines = [f"tables: {len(tables)}"]
    for key, dset in tables.items():
        units = _values_and_units(dset.attrs)[1]
        columns = ", ".join(f"{c} [{units[c]}]" if units.get(c) else c for c in dset.dtype.names)
        lines.append(f"  {key}  {dset.shape[0]} rows; columns: {columns}")
    return lines
