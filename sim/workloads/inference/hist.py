"""Fixed-bin latency histograms: log-spaced bins from LO_S to 10**DECADES · LO_S, PER_DECADE to a
decade (bin width 2.3 %), bin 0 below LO_S (an exact 0, e.g. no wait) and the last above the range.

The kernels (sim.workloads.inference.serve) add counts; percentiles are read here, interpolated
log-linearly inside the bin that holds them.
"""
from __future__ import annotations

import math

import numpy as np

LO_S = 1e-4
PER_DECADE = 100
DECADES = 9
N_BINS = PER_DECADE * DECADES + 2          # [0, LO), the log bins, [HI, inf)
KINDS = ("ttft", "tpot", "e2e", "wait")    # rows of a job's histogram array


def new() -> np.ndarray:
    return np.zeros((len(KINDS), N_BINS), np.int64)


def edges_s() -> np.ndarray:
    """Bin edges [s], N_BINS + 1 of them (0 first, inf last)."""
    inner = LO_S * 10.0 ** (np.arange(PER_DECADE * DECADES + 1) / PER_DECADE)
    return np.concatenate([[0.0], inner, [math.inf]])


def percentile(counts: np.ndarray, q: float) -> float:
    """The q-th percentile (0..100) of one histogram row [s]; nan when it is empty."""
    total = counts.sum()
    if total <= 0:
        return math.nan
    target = q / 100.0 * total
    cum = np.cumsum(counts)
    b = int(np.searchsorted(cum, target, side="left"))
    b = min(b, counts.size - 1)
    below = cum[b] - counts[b]
    frac = (target - below) / counts[b] if counts[b] else 0.0
    e = edges_s()
    lo, hi = e[b], e[b + 1]
    if b == 0:
        return 0.0 if frac <= 0.0 or lo == 0.0 else lo
    if not math.isfinite(hi):
        return lo
    return float(lo * (hi / lo) ** frac)
