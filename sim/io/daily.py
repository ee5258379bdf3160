"""/daily: every accumulator of every satellite at each day's end, streamed in whole chunks
(layout: sim.io.schema). The Recorder owns one DailyWriter and delegates `append_daily`.

Memory is fixed at construction: one (chunk_days, [R,] N) float64 buffer per field, whatever
the duration.
"""
from __future__ import annotations

from collections.abc import Mapping

import h5py
import numpy as np

from sim.io.schema import DAILY_GROUP, ROW_DIM_SUFFIX, SATELLITE_DIM, TIME_DIM, DailyField

TARGET_CHUNK_BYTES = 2 * 1024 * 1024   # one chunk of the widest field, about
MAX_CHUNK_DAYS = 64                    # small fleets: at most two months of rows buffered


def default_chunk_days(n_satellites: int, widest_rows: int = 0, expected_days: int | None = None) -> int:
    """Days per chunk so that one (days, R, N) float64 chunk of the widest field is about
    TARGET_CHUNK_BYTES (at least one day, at most MAX_CHUNK_DAYS or the expected days)."""
    days = TARGET_CHUNK_BYTES // (8 * max(n_satellites, 1) * max(widest_rows, 1))
    days = min(max(days, 1), MAX_CHUNK_DAYS)
    if expected_days is not None:
        days = min(days, max(int(expected_days), 1))
    return int(days)


class DailyWriter:
    """Creates /daily in an open file and streams rows into it."""

    def __init__(self, file: h5py.File, fields: Mapping[str, DailyField], *, n_satellites: int,
                 satellite_ids: np.ndarray, time_units: str, filters: dict,
                 expected_days: int | None = None, chunk_days: int | None = None):
        self.n = int(n_satellites)
        self.fields = dict(fields)
        widest = max((spec.rows for spec in self.fields.values()), default=0)
        self.chunk_days = int(chunk_days) if chunk_days else default_chunk_days(self.n, widest, expected_days)
        if self.chunk_days < 1:
            raise ValueError(f"chunk_days must be at least 1, not {chunk_days}")
        self._shapes = {name: ((spec.rows, self.n) if spec.rows else (self.n,)) for name, spec in self.fields.items()}
        self._buffers = {name: np.empty((self.chunk_days, *shape), np.float64) for name, shape in self._shapes.items()}
        self._time_buffer = np.empty(self.chunk_days, np.float64)
        self._buffered = 0
        self._written = 0
        self._last_t_s = -np.inf

        group = file.create_group(DAILY_GROUP)
        group.attrs["long_name"] = "every FleetState accumulator of every satellite at each day's end"
        group.attrs["day_end"] = ("the first tick ending at or after each UTC midnight after the epoch, "
                                  "and the run's last tick (its last, usually partial, day)")
        time = group.create_dataset(TIME_DIM, shape=(0,), maxshape=(None,), dtype=np.float64,
                                    chunks=(self.chunk_days,))
        time.attrs["units"] = time_units
        time.attrs["calendar"] = "standard"
        time.attrs["long_name"] = "time of the day's end"
        time.make_scale(TIME_DIM)
        sats = group.create_dataset(SATELLITE_DIM, data=np.asarray(satellite_ids, np.int32))
        sats.attrs["long_name"] = "satellite id"
        sats.make_scale(SATELLITE_DIM)
        self._time = time
        self._datasets = {}
        for name, spec in self.fields.items():
            shape = self._shapes[name]
            dset = group.create_dataset(name, shape=(0, *shape), maxshape=(None, *shape), dtype=np.float64,
                                        chunks=(self.chunk_days, *(max(s, 1) for s in shape)), **filters)
            dset.attrs["units"] = spec.units
            if spec.long_name:
                dset.attrs["long_name"] = spec.long_name
            dset.dims[0].attach_scale(time)
            if spec.rows:
                rows = group.create_dataset(name + ROW_DIM_SUFFIX, data=np.arange(spec.rows, dtype=np.int32))
                rows.attrs["long_name"] = f"row of {name} (its long_name says what the rows are)"
                rows.make_scale(name + ROW_DIM_SUFFIX)
                dset.dims[1].attach_scale(rows)
            dset.dims[len(shape)].attach_scale(sats)
            self._datasets[name] = dset

    @property
    def buffer_nbytes(self) -> int:
        return sum(b.nbytes for b in self._buffers.values()) + self._time_buffer.nbytes

    @property
    def rows(self) -> int:
        return self._written + self._buffered

    def append(self, t_s: float, values: Mapping[str, np.ndarray]) -> None:
        t_s = float(t_s)
        if not t_s > self._last_t_s:
            raise ValueError(f"daily row times must increase: {t_s} s after {self._last_t_s} s")
        i = self._buffered
        for name, buffer in self._buffers.items():
            try:
                value = values[name]
            except KeyError:
                raise ValueError(f"daily row at t = {t_s} s has no value for field {name!r}") from None
            if np.shape(value) != self._shapes[name]:
                raise ValueError(f"daily value of {name!r} has shape {np.shape(value)}, expected {self._shapes[name]}")
            buffer[i] = value
        self._time_buffer[i] = t_s
        self._last_t_s = t_s
        self._buffered = i + 1
        if self._buffered == self.chunk_days:
            self.flush()

    def flush(self) -> None:
        count = self._buffered
        if count == 0:
            return
        start, stop = self._written, self._written + count
        self._time.resize((stop,))
        self._time.write_direct(self._time_buffer, np.s_[0:count], np.s_[start:stop])
        for name, dset in self._datasets.items():
            dset.resize((stop, *self._shapes[name]))
            dset.write_direct(self._buffers[name], np.s_[0:count], np.s_[start:stop])
        self._written = stop
        self._buffered = 0
