"""Numerical rules every concept shares: one crossing formula, one rotation by GMST, one
serial/parallel policy.

Kernel modules may import this module (and `sim.core.constants`) and nothing else of odcsim.
"""
import math

import numpy as np
from numba import get_num_threads, njit

# ---------------------------------------------------------------- threshold crossings


@njit(cache=True, inline="always", error_model="numpy")
def crossing_direction(before, after, threshold):
    """−1 where a quantity falls through `threshold` in a tick (before ≥ threshold > after),
    +1 where it rises through it (before < threshold ≤ after), 0 otherwise."""
    if before >= threshold and after < threshold:
        return -1
    if before < threshold and after >= threshold:
        return 1
    return 0


@njit(cache=True, inline="always", error_model="numpy")
def crossing_offset_s(dt_s, before, after, threshold):
    """The one crossing formula: how long after the tick start the straight line from `before`
    to `after` (dt_s later) meets `threshold`. Branch-free, for vectorised loops: meaningful
    only where `crossing_direction` is non-zero (elsewhere any finite value)."""
    span = before - after
    return dt_s * (before - threshold) / (span if span != 0.0 else 1.0)


@njit(cache=True, inline="always", error_model="numpy")
def interpolated_time_s(t0_s, dt_s, before, after, threshold):
    """t0_s + `crossing_offset_s`: the crossing time where there is a crossing."""
    return t0_s + crossing_offset_s(dt_s, before, after, threshold)


@njit(cache=True, inline="always", error_model="numpy")
def crossing_time_s(t0_s, dt_s, before, after, threshold):
    """The crossing time where the line meets `threshold` inside the tick, else the tick end."""
    offset_s = crossing_offset_s(dt_s, before, after, threshold)
    if before == after or not (offset_s >= 0.0 and offset_s <= dt_s):
        offset_s = dt_s
    return t0_s + offset_s


@njit(cache=True, error_model="numpy")
def crossings_range(lo, hi, before, after, threshold, t0_s, dt_s, direction, t_cross_s):
    """`crossing_direction` and `interpolated_time_s` for elements lo..hi-1 of two arrays;
    t_cross_s is written everywhere (meaningful only where direction != 0). Returns the
    number of crossings."""
    count = 0
    for i in range(np.uint64(lo), np.uint64(hi)):
        b = before[i]
        a = after[i]
        d = crossing_direction(b, a, threshold)
        direction[i] = d
        t_cross_s[i] = interpolated_time_s(t0_s, dt_s, b, a, threshold)
        count += d * d
    return count


# ---------------------------------------------------------------- Earth rotation


@njit(cache=True, inline="always", error_model="numpy")
def earth_fixed_to_inertial(x, y, z, cos_gmst, sin_gmst):
    """A vector of the Earth-fixed frame in the inertial frame of date: rotation by +GMST
    about z (polar motion and the equation of the equinoxes ignored)."""
    return cos_gmst * x - sin_gmst * y, sin_gmst * x + cos_gmst * y, z


@njit(cache=True, inline="always", error_model="numpy")
def inertial_to_earth_fixed(x, y, z, cos_gmst, sin_gmst):
    """The inverse of `earth_fixed_to_inertial`: rotation by −GMST about z."""
    return cos_gmst * x + sin_gmst * y, cos_gmst * y - sin_gmst * x, z


@njit(cache=True, error_model="numpy")
def rotate_to_inertial(xyz_earth_fixed, cos_gmst, sin_gmst, out):
    """`earth_fixed_to_inertial` for (3, M) vectors, into `out`."""
    for j in range(xyz_earth_fixed.shape[1]):
        out[0, j], out[1, j], out[2, j] = earth_fixed_to_inertial(
            xyz_earth_fixed[0, j], xyz_earth_fixed[1, j], xyz_earth_fixed[2, j], cos_gmst, sin_gmst)
    return out


# ---------------------------------------------------------------- serial or parallel

# A parallel launch costs 2–100 µs on a busy 2-core machine, more than the whole tick of a few
# hundred satellites; below MIN_CHUNK items a kernel runs serially. Above, it cuts the work into
# two chunks per thread of at least MIN_CHUNK (each chunk has a few µs of fixed cost).
MIN_CHUNK = 1024


def parallel_chunk(n_items: int, min_chunk: int = MIN_CHUNK) -> int:
    """Items per work chunk of a parallel kernel over `n_items`, or 0 where the serial variant
    should run (fewer than `min_chunk` items, or one thread). Results never depend on it."""
    threads = get_num_threads()
    if n_items < min_chunk or threads < 2:
        return 0
    items = 2 * threads
    return max(min_chunk, (n_items + items - 1) // items)


def chunk_count(n_items: int, chunk: int) -> int:
    return (n_items + chunk - 1) // chunk if chunk > 0 else 1


TWO_PI = 2.0 * math.pi


# A binary min-heap in two caller-owned arrays (keys and payloads), for graph searches in numba.
@njit(cache=True, error_model="numpy")
def heap_push(heap_f, heap_node, size, f, node):
    """Push (f, node) onto the binary min-heap held in heap_f/heap_node[:size]; the new size."""
    k = size
    heap_f[k] = f
    heap_node[k] = node
    while k > 0:
        parent = (k - 1) >> 1
        if heap_f[parent] <= heap_f[k]:
            break
        heap_f[parent], heap_f[k] = heap_f[k], heap_f[parent]
        heap_node[parent], heap_node[k] = heap_node[k], heap_node[parent]
        k = parent
    return size + 1


@njit(cache=True, error_model="numpy")
def heap_pop(heap_f, heap_node, size):
    """Pop the smallest f of the binary min-heap heap_f/heap_node[:size]: (f, node, new size)."""
    f = heap_f[0]
    node = heap_node[0]
    size -= 1
    heap_f[0] = heap_f[size]
    heap_node[0] = heap_node[size]
    k = 0
    while True:
        left = 2 * k + 1
        if left >= size:
            break
        child = left
        if left + 1 < size and heap_f[left + 1] < heap_f[left]:
            child = left + 1
        if heap_f[k] <= heap_f[child]:
            break
        heap_f[child], heap_f[k] = heap_f[k], heap_f[child]
        heap_node[child], heap_node[k] = heap_node[k], heap_node[child]
        k = child
    return f, node, size


@njit(cache=True)
def python_tick(step, row, t0_s, dt_s):
    """The tick kernel of a subsystem that advances in Python (sim.core.blocks): flag every tick."""
    return 1
