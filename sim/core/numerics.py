"""Threshold crossings inside a tick, with times interpolated linearly."""
import numpy as np
from numba import njit, prange


@njit(cache=True, error_model="numpy")
def crossings_range(lo, hi, before, after, threshold, t0_s, dt_s, direction, t_cross_s):
    """`threshold_crossings` on elements lo..hi-1, branch-free so that the loop vectorises:
    t_cross_s is written everywhere (meaningful only where direction != 0). Returns the count."""
    count = 0
    for i in range(np.uint64(lo), np.uint64(hi)):
        b = before[i]
        a = after[i]
        falling = (b >= threshold) & (a < threshold)
        rising = (b < threshold) & (a >= threshold)
        d = -1 if falling else (1 if rising else 0)
        direction[i] = d
        span = b - a
        t_cross_s[i] = t0_s + dt_s * (b - threshold) / (span if span != 0.0 else 1.0)
        count += d * d
    return count


@njit(parallel=True, cache=True)
def threshold_crossings(before, after, threshold, t0_s, dt_s, direction, t_cross_s):
    """For each element: direction −1 where `before ≥ threshold > after` (falling), +1 where
    `before < threshold ≤ after` (rising), else 0; t_cross_s the linearly interpolated time.
    Returns the number of crossings."""
    count = 0
    for i in prange(before.size):
        b = before[i]
        a = after[i]
        d = 0
        if b >= threshold and a < threshold:
            d = -1
        elif b < threshold and a >= threshold:
            d = 1
        direction[i] = d
        if d != 0:
            t_cross_s[i] = t0_s + dt_s * (b - threshold) / (b - a)
            count += 1
    return count
