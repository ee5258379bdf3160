"""The terminal budget of candidate crosslinks as a kernel (sim.network.topology.limit_terminals)."""
from __future__ import annotations

from numba import njit


@njit(cache=True, error_model="numpy")
def keep_within_terminals(a, b, used, max_terminals, keep):
    """Candidates (a[j], b[j]) in priority order: keep[j] where both ends still have a free
    terminal (used: terminals taken so far per satellite, updated)."""
    for j in range(a.size):
        if used[a[j]] < max_terminals and used[b[j]] < max_terminals:
            used[a[j]] += 1
            used[b[j]] += 1
            keep[j] = True
    return keep
