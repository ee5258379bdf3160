"""Open one run's result file for analysis: xarray time series, pandas events and tables.

    run = open_run("results/quickstart.h5")
    run.timeseries["t_junction_k"].sel(satellite=0).plot()
    run.events[run.events.kind_name == "throttle_change"]
    run.tables["<subsystem>/<table>"]        # a subsystem's own table (schema_version 2)
    run.daily["dose_rad"]                    # every accumulator at each day's end (None without /daily)
"""
from __future__ import annotations

import json
from functools import cached_property
from pathlib import Path

import numpy as np
import pandas as pd
import xarray as xr
import yaml

from sim.io import hdf5
from sim.io.hdf5 import ResultFileError

__all__ = ["RunResult", "open_run", "ResultFileError"]


class RunResult:
    """One complete result file. The time series stay on disk until used; call `close()`
    (or use `with open_run(path) as run:`) to release the file."""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        hdf5.check_result_file(self.path)
        self.attrs: dict = hdf5.read_attrs(self.path)
        try:
            self.timeseries: xr.Dataset = xr.open_dataset(
                self.path, group="timeseries", engine="h5netcdf"
            )
        except (OSError, ValueError, KeyError) as exc:
            raise ResultFileError(f"{self.path}: cannot open /timeseries with xarray ({exc})") from None

    @property
    def epoch(self) -> pd.Timestamp:
        """Scenario epoch as a timezone-naive UTC timestamp (as xarray decodes the times)."""
        text = self.attrs.get("epoch_utc") or self.timeseries["time"].encoding["units"].split("since")[1]
        stamp = pd.Timestamp(text.strip())
        return stamp.tz_convert(None) if stamp.tzinfo is not None else stamp

    @property
    def t_s(self) -> np.ndarray:
        """Row times in seconds since the epoch."""
        return ((self.timeseries["time"].values - self.epoch.to_datetime64())
                / np.timedelta64(1, "s")).astype(np.float64)

    @cached_property
    def daily(self) -> xr.Dataset | None:
        """/daily as xarray (dims time, satellite; a per-cause table adds `<field>_row`): every
        accumulator at each day's end; None for a file without it (`record: {daily: false}`)."""
        if not hdf5.has_daily(self.path):
            return None
        try:
            return xr.open_dataset(self.path, group="daily", engine="h5netcdf")
        except (OSError, ValueError, KeyError) as exc:
            raise ResultFileError(f"{self.path}: cannot open /daily with xarray ({exc})") from None

    @cached_property
    def summary(self) -> dict:
        return hdf5.read_summary(self.path)

    @cached_property
    def summary_units(self) -> dict[str, str]:
        return hdf5.read_summary_units(self.path)

    @cached_property
    def event_kinds(self) -> dict[int, tuple[str, str]]:
        """Kind code -> (name, what a, b, c hold)."""
        return hdf5.read_event_kinds(self.path)

    @cached_property
    def events(self) -> pd.DataFrame:
        """Columns t_s, time (datetime64, UTC), sat, kind, kind_name, a, b, c; sorted by time."""
        table, names = hdf5.read_events(self.path)
        frame = pd.DataFrame({name: table[name] for name in table.dtype.names})
        frame.insert(1, "time", self.epoch + pd.to_timedelta(frame["t_s"], unit="s"))
        kind_names = frame["kind"].map(lambda code: names.get(int(code), f"kind_{code}"))
        frame.insert(frame.columns.get_loc("kind") + 1, "kind_name", kind_names.astype(object))
        return frame

    @cached_property
    def satellites(self) -> pd.DataFrame:
        """One row per satellite; a (3, N) property becomes columns name_0, name_1, name_2."""
        columns = {}
        for name, values in hdf5.read_satellites(self.path).items():
            if values.ndim == 1:
                columns[name] = values
            elif values.ndim == 2:
                for i, row in enumerate(values):
                    columns[f"{name}_{i}"] = row
        return pd.DataFrame(columns)

    @cached_property
    def tables(self) -> dict[str, pd.DataFrame]:
        """The subsystems' own tables, "<subsystem>/<table>" -> DataFrame with one column per
        field (a field of shape (k,) becomes columns name_0 .. name_{k-1}); the table's
        attributes, `<column>__units` among them, are in the frame's `attrs`. {} for a file of
        schema_version 1, which has none."""
        attrs = hdf5.read_table_attrs(self.path)
        out = {}
        for key, rows in hdf5.read_tables(self.path).items():
            columns = {}
            for name in rows.dtype.names:
                values = rows[name]
                if values.ndim == 1:
                    columns[name] = values
                else:
                    for i in range(values.shape[1]):
                        columns[f"{name}_{i}"] = values[:, i]
            frame = pd.DataFrame(columns)
            frame.attrs.update(attrs.get(key, {}))
            out[key] = frame
        return out

    @property
    def schema_version(self) -> int:
        return int(self.attrs["schema_version"])

    @cached_property
    def config(self) -> dict:
        """The resolved scenario embedded in the file (root attr scenario_yaml)."""
        text = self.attrs.get("scenario_yaml")
        if not text:
            return {}
        try:
            return yaml.safe_load(text) or {}
        except yaml.YAMLError as exc:
            raise ResultFileError(f"{self.path}: scenario_yaml is not valid YAML ({exc})") from None

    @property
    def shell_names(self) -> list[str]:
        """Shell id -> name, from root attr shell_names (JSON list), else 'shell <id>'."""
        raw = self.attrs.get("shell_names")
        if isinstance(raw, str):
            try:
                return [str(name) for name in json.loads(raw)]
            except json.JSONDecodeError:
                pass
        elif isinstance(raw, (list, tuple)):
            return [str(name) for name in raw]
        shells = self.satellites["shell"] if "shell" in self.satellites else np.zeros(1, int)
        return [f"shell {i}" for i in range(int(np.max(shells)) + 1)]

    def close(self) -> None:
        self.timeseries.close()
        if self.__dict__.get("daily") is not None:
            self.__dict__["daily"].close()

    def __enter__(self) -> "RunResult":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def __repr__(self) -> str:
        sizes = dict(self.timeseries.sizes)
        return (f"RunResult({str(self.path)!r}, scenario={self.attrs.get('scenario_name')!r}, "
                f"time={sizes.get('time')}, satellite={sizes.get('satellite')})")


def open_run(path: str | Path) -> RunResult:
    """Open a complete result file; raises ResultFileError naming the file if it is not one."""
    return RunResult(path)
