"""The streaming Recorder: one run into one HDF5 file, in whole chunks (layout: sim.io.schema).

The Recorder writes `<path>.tmp` and renames it to `<path>` only after the completion mark
is written, so a file under its final name is always a whole run.
"""
from __future__ import annotations

import json
import os
import sys
from collections.abc import Mapping
from datetime import datetime, timezone
from pathlib import Path

import h5py
import numpy as np

from sim.core.timescale import iso_utc, parse_utc
from sim.io.atomic import acquire_lock, publish, release_lock
from sim.io.daily import DailyWriter
from sim.io.schema import (
    COMPLETE_ATTR,
    EVENT_DTYPE,
    EVENTS_DIM,
    SATELLITE_DIM,
    SCHEMA_VERSION,
    TIME_DIM,
    TMP_SUFFIX,
    DailyField,
    encode_attr,
)
from sim.io.tables import write_table

COMPRESSIONS = ("none", "lzf", "gzip")
TARGET_CHUNK_BYTES = 2 * 1024 * 1024  # one (chunk_rows, N) float32 chunk of a field
MAX_CHUNK_ROWS = 4096                  # small fleets: bound the rows a chunk (and buffer) holds
EVENT_BLOCK_ROWS = 16384               # events buffered before one write; also the chunk length
# Whole chunks are written once, so HDF5's chunk cache (8 MiB per dataset by default in HDF5 2)
# would only hold memory; RDCC_NBYTES = 0 writes (and compresses) each chunk at once.
RDCC_NBYTES = 0


def _compression_options(compression: str) -> dict:
    if compression == "none":
        return {}
    if compression == "lzf":
        return {"compression": "lzf", "shuffle": True}
    if compression == "gzip":
        return {"compression": "gzip", "compression_opts": 1, "shuffle": True}
    raise ValueError(f"compression must be one of {', '.join(COMPRESSIONS)}, not {compression!r}")


def default_chunk_rows(n_satellites: int, expected_rows: int | None = None) -> int:
    """Rows per chunk so that one (rows, N) float32 chunk is about TARGET_CHUNK_BYTES."""
    rows = TARGET_CHUNK_BYTES // (4 * max(n_satellites, 1))
    rows = min(max(rows, 1), MAX_CHUNK_ROWS)
    if expected_rows is not None:
        rows = min(rows, max(int(expected_rows), 1))
    return int(rows)


def cf_time_units(epoch_iso: str) -> str:
    """CF units of /timeseries/time, e.g. 'seconds since 2025-03-20T00:00:00Z'."""
    return f"seconds since {iso_utc(parse_utc(epoch_iso))}"


class Recorder:
    """Streams one run into `<path>.tmp` in whole chunks; `close` renames it to `path`.

    Memory is fixed at construction: one (chunk_rows, N) float32 buffer per field, one block of
    EVENT_BLOCK_ROWS events and, with `daily_fields`, one (chunk_days, N) float64 buffer per
    /daily field (sim.io.daily), whatever the duration. Without `daily_fields` there is no /daily.
    """

    def __init__(
        self,
        path: str | os.PathLike,
        *,
        root_attrs: Mapping,
        satellites: Mapping[str, np.ndarray],
        fields: Mapping[str, str],
        n_satellites: int,
        epoch_iso: str,
        event_kinds: Mapping[int, tuple[str, str]] | None = None,
        compression: str = "lzf",
        chunk_rows: int | None = None,
        satellite_units: Mapping[str, str] | None = None,
        satellite_ids: np.ndarray | None = None,
        expected_rows: int | None = None,
        field_dtypes: Mapping[str, str] | None = None,
        field_attrs: Mapping[str, Mapping[str, str]] | None = None,
        daily_fields: Mapping[str, DailyField] | None = None,
        expected_days: int | None = None,
        chunk_days: int | None = None,
    ):
        self.path = Path(path)
        self.tmp_path = self.path.with_name(self.path.name + TMP_SUFFIX)
        self.n_satellites = int(n_satellites)
        self.fields = dict(fields)
        # float32 unless a field asks for more (e.g. float64 state vectors); extra attrs per field
        self.field_dtypes = {name: np.dtype((field_dtypes or {}).get(name, np.float32)) for name in self.fields}
        self.field_attrs = {name: dict((field_attrs or {}).get(name, {})) for name in self.fields}
        for reserved in (TIME_DIM, SATELLITE_DIM):
            if reserved in self.fields:
                raise ValueError(f"{reserved!r} is a dimension of /timeseries, not a field name")
        self.epoch_iso = iso_utc(parse_utc(epoch_iso))
        self.event_kinds: dict[int, tuple[str, str]] = {}
        for code, (name, meaning) in (event_kinds or {}).items():
            self.register_event_kind(code, name, meaning)
        self.chunk_rows = int(chunk_rows) if chunk_rows else default_chunk_rows(
            self.n_satellites, expected_rows
        )
        if self.chunk_rows < 1:
            raise ValueError(f"chunk_rows must be at least 1, not {chunk_rows}")
        filters = _compression_options(compression)
        self.compression = compression
        self._table_filters = filters

        n = self.n_satellites
        self._buffers = {name: np.empty((self.chunk_rows, n), self.field_dtypes[name]) for name in self.fields}
        self._time_buffer = np.empty(self.chunk_rows, np.float64)
        self._buffered_rows = 0
        self._rows_written = 0
        self._last_t_s = -np.inf
        self._event_buffer = np.empty(EVENT_BLOCK_ROWS, EVENT_DTYPE)
        self._buffered_events = 0
        self._events_written = 0
        self._events_max_t_s = -np.inf
        # no event emitted from now on is earlier than this (Simulation: the current tick's start)
        self.events_horizon_s = -np.inf
        self._events_sorted = True
        self._closed = False
        self._daily: DailyWriter | None = None
        self._daily_spec = (daily_fields, expected_days, chunk_days)

        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = acquire_lock(self.path)   # one writer per output (sim.io.atomic)
        # v108: attributes over 64 KiB (a long scenario_yaml) go to dense storage
        try:
            self._file = h5py.File(self.tmp_path, "w", libver=("v108", "latest"), rdcc_nbytes=RDCC_NBYTES)
        except BaseException:
            release_lock(self._lock)
            raise
        try:
            self._write_header(root_attrs, satellites, satellite_units or {}, satellite_ids, filters)
        except BaseException:
            self.abort()
            raise

    # -- set-up ----------------------------------------------------------------------------

    def _write_header(self, root_attrs, satellites, satellite_units, satellite_ids, filters):
        f = self._file
        n = self.n_satellites
        attrs = dict(root_attrs)
        attrs.setdefault("odcsim_version", getattr(sys.modules.get("sim"), "__version__", "unknown"))
        attrs.setdefault("epoch_utc", self.epoch_iso)
        attrs["schema_version"] = SCHEMA_VERSION
        attrs["created_utc"] = iso_utc(datetime.now(timezone.utc).replace(microsecond=0))
        for key, value in attrs.items():
            if value is not None:
                f.attrs[key] = encode_attr(value)

        group = f.create_group("satellites")
        for name, values in satellites.items():
            values = np.asarray(values)
            if values.dtype.kind == "U":
                values = values.astype(h5py.string_dtype())
            dset = group.create_dataset(name, data=values)
            if name in satellite_units:
                dset.attrs["units"] = satellite_units[name]

        series = f.create_group("timeseries")
        time = series.create_dataset(
            TIME_DIM, shape=(0,), maxshape=(None,), dtype=np.float64, chunks=(self.chunk_rows,)
        )
        time.attrs["units"] = f"seconds since {self.epoch_iso}"
        time.attrs["calendar"] = "standard"
        time.attrs["long_name"] = "simulation time"
        time.make_scale(TIME_DIM)
        ids = np.arange(n, dtype=np.int32) if satellite_ids is None else np.asarray(satellite_ids)
        if ids.shape != (n,):
            raise ValueError(f"satellite_ids has shape {ids.shape}, expected ({n},)")
        sats = series.create_dataset(SATELLITE_DIM, data=ids.astype(np.int32))
        sats.attrs["long_name"] = "satellite id"
        sats.make_scale(SATELLITE_DIM)
        self._time = time
        self._datasets = {}
        for name, units in self.fields.items():
            dset = series.create_dataset(
                name, shape=(0, n), maxshape=(None, n), dtype=self.field_dtypes[name],
                chunks=(self.chunk_rows, max(n, 1)), **filters,
            )
            dset.attrs["units"] = units
            for key, value in self.field_attrs[name].items():
                dset.attrs[key] = value
            dset.dims[0].attach_scale(time)
            dset.dims[1].attach_scale(sats)
            self._datasets[name] = dset

        events = f.create_dataset(
            "events", shape=(0,), maxshape=(None,), dtype=EVENT_DTYPE,
            chunks=(EVENT_BLOCK_ROWS,), **filters,
        )
        # a 1-D table that is its own dimension scale keeps h5netcdf from inventing phony dims
        events.make_scale(EVENTS_DIM)
        self._events = events
        self._write_event_kind_attrs()
        f.create_group("summary")
        daily_fields, expected_days, chunk_days = self._daily_spec
        if daily_fields is not None:
            self._daily = DailyWriter(f, daily_fields, n_satellites=n, satellite_ids=ids,
                                      time_units=time.attrs["units"], filters=filters,
                                      expected_days=expected_days, chunk_days=chunk_days)

    def register_event_kind(self, code: int, name: str, meaning: str) -> None:
        """Name an event kind code and say what its a, b, c columns hold."""
        code = int(code)
        known = self.event_kinds.get(code)
        if known is not None and known[0] != name:
            raise ValueError(f"event kind code {code} is already {known[0]!r}, cannot also be {name!r}")
        self.event_kinds[code] = (str(name), str(meaning))
        if hasattr(self, "_events"):
            self._write_event_kind_attrs()

    def _write_event_kind_attrs(self) -> None:
        attrs = self._events.attrs
        attrs["columns"] = (
            "t_s: time [s since epoch], sat: satellite id (-1 fleet-wide), kind: event kind code, "
            "a, b, c: kind-specific values (see meaning_<name>)"
        )
        attrs["kind_names"] = json.dumps({str(c): n for c, (n, _) in sorted(self.event_kinds.items())})
        for code, (name, meaning) in self.event_kinds.items():
            attrs[f"kind_{code}"] = name
            attrs[f"meaning_{name}"] = meaning

    # -- streaming -------------------------------------------------------------------------

    @property
    def buffer_nbytes(self) -> int:
        """Bytes held in the row, event and daily buffers (constant for the Recorder's life)."""
        rows = sum(b.nbytes for b in self._buffers.values()) + self._time_buffer.nbytes
        return rows + self._event_buffer.nbytes + (self._daily.buffer_nbytes if self._daily else 0)

    @property
    def rows(self) -> int:
        """Rows appended so far (written plus buffered)."""
        return self._rows_written + self._buffered_rows

    def append_row(self, t_s: float, values: Mapping[str, np.ndarray]) -> None:
        """Buffer one time-series row: `values[name]` is an (N,) array for every field."""
        t_s = float(t_s)
        if not t_s > self._last_t_s:
            raise ValueError(f"row times must increase: {t_s} s after {self._last_t_s} s")
        i = self._buffered_rows
        for name, buffer in self._buffers.items():
            try:
                buffer[i] = values[name]
            except KeyError:
                raise ValueError(f"row at t = {t_s} s has no value for field {name!r}") from None
        self._time_buffer[i] = t_s
        self._last_t_s = t_s
        self._buffered_rows = i + 1
        if self._buffered_rows == self.chunk_rows:
            self._flush_rows()

    @property
    def daily_rows(self) -> int:
        """/daily rows appended so far (0 without daily fields)."""
        return self._daily.rows if self._daily else 0

    def append_daily(self, t_s: float, values: Mapping[str, np.ndarray]) -> None:
        """Buffer one /daily row (a day's end): `values[name]` is the (N,) or (R, N) array of every
        daily field; a Recorder made without `daily_fields` refuses it."""
        if self._daily is None:
            raise ValueError("this Recorder writes no /daily (made without daily_fields)")
        self._daily.append(t_s, values)

    def _flush_rows(self) -> None:
        count = self._buffered_rows
        if count == 0:
            return
        start, stop = self._rows_written, self._rows_written + count
        self._time.resize((stop,))
        self._time.write_direct(self._time_buffer, np.s_[0:count], np.s_[start:stop])
        for name, dset in self._datasets.items():
            dset.resize((stop, self.n_satellites))
            dset.write_direct(self._buffers[name], np.s_[0:count], np.s_[start:stop])
        self._rows_written = stop
        self._buffered_rows = 0

    def add_events(self, t_s, sat, kind, a=np.nan, b=np.nan, c=np.nan) -> None:
        """Append events; each argument is an array or a scalar broadcast to the others."""
        columns = (t_s, sat, kind, a, b, c)
        if not all(isinstance(col, np.ndarray) and col.ndim == 1 for col in columns) or \
                len({col.shape[0] for col in columns}) != 1:
            columns = np.broadcast_arrays(
                np.atleast_1d(np.asarray(t_s, np.float64)), np.atleast_1d(np.asarray(sat)),
                np.atleast_1d(np.asarray(kind)), np.atleast_1d(np.asarray(a, np.float64)),
                np.atleast_1d(np.asarray(b, np.float64)), np.atleast_1d(np.asarray(c, np.float64)),
            )
        if columns[0].ndim != 1:
            raise ValueError("event columns must be scalars or 1-D arrays")
        total = columns[0].shape[0]
        done = 0
        while done < total:
            start = self._buffered_events
            take = min(EVENT_BLOCK_ROWS - start, total - done)
            block = self._event_buffer[start:start + take]
            for name, column in zip(EVENT_DTYPE.names, columns):
                block[name] = column[done:done + take]
            self._buffered_events += take
            done += take
            if self._buffered_events == EVENT_BLOCK_ROWS:
                self._flush_events()

    def _flush_events(self, final: bool = False) -> None:
        """Write the buffered events in time order. Before the end only those earlier than
        `events_horizon_s` are written (the rest may still be joined by earlier ones), so the
        table stays sorted without a sort of all of it at close."""
        count = self._buffered_events
        if count == 0:
            return
        block = self._event_buffer[:count]
        block[:] = block[np.argsort(block["t_s"], kind="stable")]
        ready = count if final else int(np.searchsorted(block["t_s"], self.events_horizon_s, side="left"))
        if ready == 0:
            ready = count   # one tick filled the buffer: write it; the close sorts if it must
        written = block[:ready]
        if written["t_s"][0] < self._events_max_t_s:
            self._events_sorted = False  # an earlier block holds later events: sort at close
        self._events_max_t_s = max(self._events_max_t_s, written["t_s"][-1])
        start, stop = self._events_written, self._events_written + ready
        self._events.resize((stop,))
        self._events[start:stop] = written
        self._events_written = stop
        self._event_buffer[:count - ready] = block[ready:]
        self._buffered_events = count - ready

    # -- finishing -------------------------------------------------------------------------

    def add_table(self, group: str, name: str, rows: np.ndarray, attrs: Mapping | None = None) -> None:
        """A subsystem's own table, written as the compound dataset /<group>/<name>
        (sim.io.tables.write_table says how)."""
        write_table(self._file, group, name, rows, attrs, self._table_filters)

    def close(self, summary: Mapping | None = None, summary_units: Mapping[str, str] | None = None) -> Path:
        """Flush, write the summary and the completion mark, and rename the file into place."""
        if self._closed:
            raise RuntimeError(f"Recorder for {self.path} is already closed")
        try:
            self._flush_rows()
            self._flush_events(final=True)
            if self._daily is not None:
                self._daily.flush()
            if not self._events_sorted:
                table = self._events[...]
                self._events[...] = table[np.argsort(table["t_s"], kind="stable")]
            self._write_event_kind_attrs()
            group = self._file["summary"]
            for name, value in (summary or {}).items():
                group.attrs[name] = encode_attr(value)
            for name, units in (summary_units or {}).items():
                group.attrs[f"{name}__units"] = units
            self._file.attrs[COMPLETE_ATTR] = True
            self._file.close()
            publish(self.tmp_path, self.path)
        except BaseException:
            self.abort()
            raise
        self._closed = True
        release_lock(self._lock)
        return self.path

    def abort(self) -> None:
        """Close and delete the temporary file; the final path is never touched."""
        self._closed = True
        try:
            if self._file.id.valid:
                self._file.close()
        except Exception:
            pass
        try:
            os.remove(self.tmp_path)
        except FileNotFoundError:
            pass
        release_lock(self._lock)

    def __enter__(self) -> "Recorder":
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if self._closed:
            return
        if exc_type is not None:
            self.abort()
        else:
            self.close()

