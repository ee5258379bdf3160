"""Threshold crossings inside a tick, with times interpolated linearly."""
from numba import njit, prange


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
