"""The HDF5 schema of one run: its layout, version and names, shared by the writer and readers.

Layout (DESIGN.md, "HDF5 schema of one run", schema_version 2; version-1 files, which have
no subsystem tables, stay readable):

    /                     attrs: odcsim_version, schema_version, created_utc, epoch_utc, seed,
                                 scenario_name, scenario_yaml, dt_s, ... and `complete` (set last)
    /satellites/<name>    one dataset per property, length N (a `units` attr where known)
    /timeseries/time      (T,) float64 seconds since the epoch, CF units, dimension scale `time`
    /timeseries/satellite (N,) int32 satellite ids, dimension scale `satellite`
    /timeseries/<field>   (T, N) float32, `units` attr, chunked along time, compressed
    /events               compound table EVENT_DTYPE sorted by time; attrs name the kinds
    /summary              attrs: scalar metrics, `<name>__units` beside each that has a unit
    /<subsystem>/<table>  compound tables a subsystem declares (Recorder.add_table); attrs are
                          the subsystem's, `<column>__units` beside each column that has a unit
    /daily/time           (D,) float64 seconds since the epoch of each day's end (the first tick
                          ending at or after each UTC midnight, and the run's last tick), CF
                          units, dimension scale `time`; absent with `record: {daily: false}`
    /daily/satellite      (N,) int32 satellite ids, dimension scale `satellite`
    /daily/<field>        (D, N) float64 value of every FleetState accumulator at each day's end,
                          `units` and `long_name` as the time series; a per-satellite table of
                          R rows (one per cause) is (D, R, N) with the scale /daily/<field>_row

/daily is an addition within schema_version 2: files without it read as "no daily rows".

Only sim.io imports h5py.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

SCHEMA_VERSION = 2
READABLE_SCHEMA_VERSIONS = (1, 2)   # version 2 added the per-subsystem tables
COMPLETE_ATTR = "complete"
TIME_DIM = "time"
SATELLITE_DIM = "satellite"
EVENTS_DIM = "events"
UNITS_SUFFIX = "__units"            # /summary and table attrs: `<name>__units` is name's unit

EVENT_DTYPE = np.dtype(
    [("t_s", "<f8"), ("sat", "<i4"), ("kind", "<i2"), ("a", "<f8"), ("b", "<f8"), ("c", "<f8")]
)
DAILY_GROUP = "daily"
ROW_DIM_SUFFIX = "_row"             # /daily/<field>_row: the row scale of a (D, R, N) field
# groups of the schema itself; every other group at the root is a subsystem's
RESERVED_GROUPS = ("timeseries", "events", "satellites", "summary", DAILY_GROUP)
TMP_SUFFIX = ".tmp"


@dataclass(frozen=True)
class DailyField:
    """One /daily dataset: its unit, long_name and, for a per-satellite table, its row count."""
    units: str
    long_name: str = ""
    rows: int = 0


class ResultFileError(Exception):
    """A result file is missing, unreadable, incomplete or of another schema version."""


def table_key(group: str, name: str) -> str:
    """How readers name the table /<group>/<name>: "<group>/<name>"."""
    return f"{group}/{name}"


def encode_attr(value):
    """A Python value as something h5py stores as an attribute; containers become JSON."""
    if isinstance(value, (dict, list, tuple)):
        return json.dumps(value)
    if isinstance(value, Path):
        return str(value)
    return value


def decode_attr(value):
    """An attribute as h5py returns it → a plain Python value (bytes → str, numpy → Python)."""
    if isinstance(value, bytes):
        return value.decode("utf-8")
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist() if value.ndim else value.item()
    return value
