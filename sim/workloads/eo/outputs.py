"""What an eo job reports: the summary metrics and its tables.

- /workloads/<job>/downlink    every table_every_s: cumulative frames and bytes over the members
  (captured, processed, screened, dropped, delivered, stored, downlinked, the downlink capacity
  of the contacts) for the job and its bent-pipe shadow;
- /workloads/<job>/satellites  per member: frames, bytes, imaging and contact time, GPU time;
- /workloads/<job>/latency     the capture-to-ground latency histogram (frames per bin).
"""
from __future__ import annotations

import math

import numpy as np

from sim.core.constants import SECONDS_PER_HOUR
from sim.workloads.eo.tick import NEXT_ROW_S


class FrameBalanceError(RuntimeError):
    """captured ≠ delivered + screened + dropped + stored (an internal error, never bad input)."""


ROW = [("t_s", "f8", "s"), ("captured", "i8", "1"), ("processed", "i8", "1"), ("screened", "i8", "1"),
       ("dropped", "i8", "1"), ("delivered", "i8", "1"), ("stored", "i8", "1"), ("stored_bytes", "f8", "byte"),
       ("bytes_downlinked", "f8", "byte"), ("downlink_capacity_bytes", "f8", "byte"), ("gpu_busy_s", "f8", "s"),
       ("bentpipe_delivered", "i8", "1"), ("bentpipe_dropped", "i8", "1"), ("bentpipe_stored_bytes", "f8", "byte"),
       ("bentpipe_bytes_downlinked", "f8", "byte")]


def _units(fields) -> dict[str, str]:
    return {f"{name}__units": unit for name, _, unit in fields}


class Outputs:
    def __init__(self, job, duration_s: float, every_s: float):
        self.job = job
        self.every_s = float(every_s)
        n_rows = int(math.floor(duration_s / self.every_s + 1e-9)) + 2
        self.rows = np.zeros(n_rows, dtype=[(n, d) for n, d, _ in ROW])
        self.n_rows = 0
        self._next_t_s = self.every_s
        self._row(0.0)

    @property
    def _next_t_s(self) -> float:   # in the job's state array: the tick kernel tests it
        return float(self.job.st[NEXT_ROW_S])

    @_next_t_s.setter
    def _next_t_s(self, t_s: float) -> None:
        self.job.st[NEXT_ROW_S] = t_s

    def maybe_row(self, t_s: float) -> None:
        if t_s + 1e-9 >= self._next_t_s:
            self._row(t_s)
            while self._next_t_s <= t_s + 1e-9:
                self._next_t_s += self.every_s

    def _row(self, t_s: float) -> None:
        if self.n_rows >= self.rows.size:
            return
        job, p, s = self.job, self.job.main, self.job.shadow
        r = self.rows[self.n_rows]
        r["t_s"] = t_s
        r["captured"], r["processed"], r["screened"] = p.captured.sum(), p.processed.sum(), p.screened.sum()
        r["dropped"], r["delivered"], r["stored"] = p.dropped.sum(), p.delivered.sum(), p.stored.sum()
        r["stored_bytes"], r["bytes_downlinked"] = p.stored_bytes().sum(), p.bytes_down.sum()
        r["downlink_capacity_bytes"] = job.tracker.capacity_bytes.sum()
        r["gpu_busy_s"] = p.gpu_busy_s.sum()
        if s is not None:
            r["bentpipe_delivered"], r["bentpipe_dropped"] = s.delivered.sum(), s.dropped.sum()
            r["bentpipe_stored_bytes"], r["bentpipe_bytes_downlinked"] = s.stored_bytes().sum(), s.bytes_down.sum()
        self.n_rows += 1

    def final_row(self) -> None:
        t_s = self.job.jc.ctx.elapsed_s
        if self.n_rows == 0 or self.rows["t_s"][self.n_rows - 1] < t_s:
            self._row(t_s)

    # ------------------------------------------------------------------ summary
    def summary(self) -> dict[str, tuple[float, str]]:
        job, p, s = self.job, self.job.main, self.job.shadow
        for pipe, name in ((p, "job"), (s, "bent-pipe shadow")):
            if pipe is not None and pipe.balance() != 0:
                raise FrameBalanceError(f"eo job {job.jc.name!r} ({name}): captured − (delivered + screened + "
                                        f"dropped + stored) = {pipe.balance()} frames")
        fb = job.frame_bytes
        resolved = int(p.delivered.sum() + p.screened.sum())
        equivalent = resolved * fb                         # raw bytes of the frames whose fate is known
        products = float(p.delivered.sum()) * p.out_bytes  # bytes of the products that reached the ground
        down = float(p.bytes_down.sum())
        busy, delivered_s = float(p.gpu_busy_s.sum()), float(job.delivered_s.sum())
        out = {
            "frames_captured": (int(p.captured.sum()), "1"),
            "frames_processed": (int(p.processed.sum()), "1"),
            "frames_screened_out": (int(p.screened.sum()), "1"),
            "frames_dropped": (int(p.dropped.sum()), "1"),
            "frames_delivered": (int(p.delivered.sum()), "1"),
            "frames_stored": (int(p.stored.sum()), "1"),
            "frames_awaiting_processing": (int(p.n_raw.sum()), "1"),
            "frame_balance": (p.balance(), "1"),
            "bytes_captured": (float(p.captured.sum()) * fb, "byte"),
            "bytes_downlinked": (down, "byte"),
            "product_bytes_delivered": (products, "byte"),
            "bentpipe_equivalent_bytes": (equivalent, "byte"),
            "downlink_saved_fraction": (1.0 - products / equivalent if equivalent > 0 else math.nan, "1"),
            "downlink_capacity_bytes": (float(job.tracker.capacity_bytes.sum()), "byte"),
            "stored_bytes": (float(p.stored_bytes().sum()), "byte"),
            "latency_p50_s": (p.latency_percentile_s(50.0), "s"),
            "latency_p95_s": (p.latency_percentile_s(95.0), "s"),
            "latency_mean_s": (p.latency_mean_s(), "s"),
            "imaging_hours": (float(job.imaging_s.sum()) / SECONDS_PER_HOUR, "h"),
            "contact_hours": (float(job.tracker.contact_s.sum()) / SECONDS_PER_HOUR, "h"),
            "gpu_busy_fraction": (busy / delivered_s if delivered_s > 0 else 0.0, "1"),
        }
        if s is not None:
            clear = job.keep * float(s.delivered.sum())
            out.update({
                "bentpipe.frames_delivered": (int(s.delivered.sum()), "1"),
                "bentpipe.frames_dropped": (int(s.dropped.sum()), "1"),
                "bentpipe.frames_stored": (int(s.stored.sum()), "1"),
                "bentpipe.frame_balance": (s.balance(), "1"),
                "bentpipe.bytes_downlinked": (float(s.bytes_down.sum()), "byte"),
                "bentpipe.stored_bytes": (float(s.stored_bytes().sum()), "byte"),
                "bentpipe.latency_p50_s": (s.latency_percentile_s(50.0), "s"),
                "bentpipe.latency_p95_s": (s.latency_percentile_s(95.0), "s"),
                "bentpipe.latency_mean_s": (s.latency_mean_s(), "s"),
                "bentpipe.clear_frames_delivered": (clear, "1"),
                "clear_frames_gain": (float(p.delivered.sum()) / clear if clear > 0 else math.nan, "1"),
            })
        return out

    # ------------------------------------------------------------------ tables
    def tables(self) -> dict:
        self.final_row()
        job, p, s = self.job, self.job.main, self.job.shadow
        rows = self.rows[: self.n_rows].copy()
        sat_fields = [("sat", "i4", "1"), ("captured", "i8", "1"), ("processed", "i8", "1"),
                      ("screened", "i8", "1"), ("dropped", "i8", "1"), ("delivered", "i8", "1"),
                      ("stored", "i8", "1"), ("bytes_downlinked", "f8", "byte"), ("imaging_s", "f8", "s"),
                      ("contact_s", "f8", "s"), ("gpu_busy_s", "f8", "s"), ("gpu_delivered_s", "f8", "s"),
                      ("bentpipe_delivered", "i8", "1"), ("bentpipe_dropped", "i8", "1"),
                      ("bentpipe_bytes_downlinked", "f8", "byte")]
        sats = np.zeros(job.jc.members.size, dtype=[(n, d) for n, d, _ in sat_fields])
        sats["sat"] = job.jc.members
        for name, value in (("captured", p.captured), ("processed", p.processed), ("screened", p.screened),
                            ("dropped", p.dropped), ("delivered", p.delivered), ("stored", p.stored),
                            ("bytes_downlinked", p.bytes_down), ("imaging_s", job.imaging_s),
                            ("contact_s", job.tracker.contact_s), ("gpu_busy_s", p.gpu_busy_s),
                            ("gpu_delivered_s", job.delivered_s)):
            sats[name] = value
        if s is not None:
            sats["bentpipe_delivered"], sats["bentpipe_dropped"] = s.delivered, s.dropped
            sats["bentpipe_bytes_downlinked"] = s.bytes_down
        lat_fields = [("lower_s", "f8", "s"), ("upper_s", "f8", "s"), ("frames", "i8", "1"),
                      ("bentpipe_frames", "i8", "1")]
        lat = np.zeros(p.hist.size, dtype=[(n, d) for n, d, _ in lat_fields])
        lat["lower_s"], lat["upper_s"], lat["frames"] = p.edges_s[:-1], p.edges_s[1:], p.hist
        if s is not None:
            lat["bentpipe_frames"] = s.hist
        return {"downlink": (rows, _units(ROW)), "satellites": (sats, _units(sat_fields)),
                "latency": (lat, _units(lat_fields))}
