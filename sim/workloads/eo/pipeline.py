"""The frames of one set of satellites: stored raw (awaiting on-board processing), products
awaiting downlink, and what left (delivered, screened out, dropped for lack of storage).

Counts are integers per satellite (sim.workloads.eo.kernels), so the books balance exactly:
captured = delivered + screened + dropped + raw + products. The bent-pipe baseline is a
Pipeline without processing: raw frames go straight into the downlink queue.
"""
from __future__ import annotations

import numpy as np

from sim.workloads.eo import kernels, tick

LATENCY_BINS = 400
LATENCY_FIRST_S = 1.0
LATENCY_LAST_S = 30 * 86400.0


class Queue:
    """A ring of capture-time bins per satellite."""

    def __init__(self, m: int, bins: int):
        self.t = np.zeros((m, bins))
        self.n = np.zeros((m, bins), dtype=np.int64)
        self.head = np.zeros(m, dtype=np.int64)
        self.count = np.zeros(m, dtype=np.int64)

    @property
    def arrays(self):
        return self.t, self.n, self.head, self.count


class Pipeline:
    def __init__(self, m: int, frame_bytes: float, out_bytes: float, capacity_bytes: float, onboard: bool,
                 bin_s: float, bins: int):
        self.m, self.onboard = m, onboard
        self.frame_bytes, self.out_bytes, self.capacity_bytes = float(frame_bytes), float(out_bytes), \
            float(capacity_bytes)
        self.bin_s = float(bin_s)
        zeros_i = lambda: np.zeros(m, dtype=np.int64)  # noqa: E731
        self.captured, self.dropped, self.processed = zeros_i(), zeros_i(), zeros_i()
        self.screened, self.delivered = zeros_i(), zeros_i()
        self.n_raw, self.n_out = zeros_i(), zeros_i()
        self.sent = np.zeros(m)           # bytes of the head product already downlinked
        self.work = np.zeros(m)           # GPU-seconds already spent on the head raw frame
        self.keep_phase = np.zeros(m)
        self.bytes_down = np.zeros(m)
        self.gpu_busy_s = np.zeros(m)
        self.raw = Queue(m, bins) if onboard else None
        self.out = Queue(m, bins)
        self.edges_s = kernels.histogram_edges_s(LATENCY_BINS, LATENCY_FIRST_S, LATENCY_LAST_S)
        self.log_first = float(np.log(LATENCY_FIRST_S))
        self.log_step = float(np.log(LATENCY_LAST_S / LATENCY_FIRST_S) / (LATENCY_BINS - 2))
        self.hist = np.zeros(LATENCY_BINS, dtype=np.int64)
        self.latency_sum = np.zeros(1)
        self.full = np.zeros(m, dtype=np.bool_)
        self._n_full = np.zeros(1, dtype=np.int64)   # members marked full (an array: the tick kernel counts)
        cap = bins + 1
        self._chunk_t, self._chunk_n = np.zeros(cap), np.zeros(cap, dtype=np.int64)
        self._spent = np.zeros(m)
        self._listed = np.zeros(m, dtype=np.int64)     # members that began dropping this tick
        self._freed = np.zeros(m, dtype=np.int64)      # members freed this tick
        queue = self.raw if onboard else self.out
        # the kernels' arguments after the per-tick ones (the arrays never change identity)
        self._store_args = (self.frame_bytes, self.capacity_bytes, onboard, self.n_raw, self.n_out, self.out_bytes,
                            self.sent, self.bin_s, *queue.arrays, self.dropped, self.full, self._listed)
        self._freed_args = (self.full, self.n_raw, self.n_out, self.sent, self.frame_bytes, self.out_bytes,
                            self.capacity_bytes, self._freed)
        self._downlink_args = (self.sent, *self.out.arrays, self.n_out, self.delivered, self.bytes_down, self.hist,
                               self.log_first, self.log_step, self.latency_sum, self._chunk_t, self._chunk_n)
        if onboard:
            self._process_args = (self.work, *self.raw.arrays, self.n_raw, self.processed, self.screened,
                                  self.keep_phase, self.bin_s, *self.out.arrays, self.n_out, self._spent,
                                  self._chunk_t, self._chunk_n)

    # ------------------------------------------------------------------ one tick (sim.workloads.eo.tick)
    def kernel_args(self) -> tuple:
        """The pipeline as sim.workloads.eo.tick reads it."""
        return self.captured, self._n_full, self._store_args, self._downlink_args, self._freed_args, self.out_bytes

    def process_args(self, gpu_s_per_frame: np.ndarray, keep_fraction: float) -> tuple:
        return gpu_s_per_frame, float(keep_fraction), self.gpu_busy_s, self._process_args

    @property
    def n_full(self) -> int:
        return int(self._n_full[0])

    def began(self, n: int) -> np.ndarray:
        """The n members that began dropping in the tick."""
        return self._listed[:n].copy()

    def freed_members(self, n: int) -> np.ndarray:
        """The n members that were full and can store a frame again since the tick."""
        return self._freed[:n].copy()

    # the steps one at a time (what the tick kernel does in one call)
    def store(self, captured: np.ndarray, t_capture_s: float) -> np.ndarray | None:
        """Store the tick's frames where they fit; the members that began dropping (None: none)."""
        n = tick.store(self.kernel_args(), captured, t_capture_s)
        return self.began(n) if n else None

    def freed(self) -> np.ndarray | None:
        """Members that were full and can store a frame again (None: none)."""
        n = tick.freed(self.kernel_args())
        return self.freed_members(n) if n else None

    def process(self, budget_s: np.ndarray, gpu_s_per_frame: np.ndarray, keep_fraction: float) -> np.ndarray:
        """GPU-seconds used of each member's budget (the rest idles)."""
        kernels.process_tick(budget_s, gpu_s_per_frame, keep_fraction, *self._process_args)
        self.gpu_busy_s += self._spent
        return self._spent

    def downlink(self, budget_bytes: np.ndarray, t_s: float) -> None:
        kernels.downlink_tick(budget_bytes, self.out_bytes, t_s, *self._downlink_args)

    # ------------------------------------------------------------------ state
    def stored_bytes(self) -> np.ndarray:
        return self.n_raw * self.frame_bytes + self.n_out * self.out_bytes - self.sent

    @property
    def stored(self) -> np.ndarray:
        return self.n_raw + self.n_out

    def balance(self) -> int:
        """captured − (delivered + screened + dropped + stored): 0 by construction."""
        return int((self.captured - self.delivered - self.screened - self.dropped - self.stored).sum())

    def latency_percentile_s(self, q: float) -> float:
        return histogram_percentile(self.hist, self.edges_s, q)

    def latency_mean_s(self) -> float:
        total = int(self.delivered.sum())
        return float(self.latency_sum[0] / total) if total else float("nan")


def histogram_percentile(counts: np.ndarray, edges_s: np.ndarray, q: float) -> float:
    """The q-th percentile (0..100) of a histogram: linear inside the first bin [0, e1),
    geometric inside the log-spaced ones; the open last bin answers its lower edge; NaN if empty."""
    total = int(counts.sum())
    if total == 0:
        return float("nan")
    target = q / 100.0 * total
    cum = np.cumsum(counts)
    b = int(np.searchsorted(cum, target, side="left"))
    b = min(b, counts.size - 1)
    below = cum[b] - counts[b]
    share = (target - below) / counts[b] if counts[b] else 0.0
    lo, hi = edges_s[b], edges_s[b + 1]
    if not np.isfinite(hi):
        return float(lo)
    if lo <= 0.0:
        return float(lo + share * (hi - lo))
    return float(lo * (hi / lo) ** share)
