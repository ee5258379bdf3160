"""The non-finite guard: the first NaN or infinity in a FleetState array (a numba scan, run at
each record step and at the end of a run, not per tick).

Kernel module: imports numpy and numba only.
"""
import numpy as np
from numba import njit


@njit(cache=True)
def first_nonfinite(values, infinite_ok):
    """Flat index of the first NaN (or, unless `infinite_ok`, infinity) of a contiguous 1-D
    array, or -1."""
    for i in range(values.shape[0]):
        v = values[i]
        if v != v or (not infinite_ok and not np.isfinite(v)):
            return i
    return -1


def first_nonfinite_index(array, infinite_ok: bool = False) -> tuple[int, ...] | None:
    """Index (in `array`'s shape) of its first non-finite element, or None; integer and boolean
    arrays are finite by construction."""
    array = np.asarray(array)
    if array.dtype.kind != "f" or array.size == 0:
        return None
    i = first_nonfinite(np.ascontiguousarray(array).reshape(-1), bool(infinite_ok))
    return None if i < 0 else tuple(int(k) for k in np.unravel_index(i, array.shape))
