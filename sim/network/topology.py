"""Candidate crosslinks: +Grid for Walker shells, k nearest within range, explicit pairs.

A candidate is a pair (a, b), a < b, identified by its crosslink key a·N + b
(sim.network.ids). Candidates are where terminals point; the per-tick kernel
(sim.network.geometry) decides which of them are feasible.
"""
from __future__ import annotations

import numpy as np

from sim.network.ids import keys_of, pairs_of
from sim.network.terminals import keep_within_terminals


def grid_pairs(plane: np.ndarray, slot: np.ndarray, start: int, stop: int, *, seam: bool = True,
               seam_shift: int = 0, cross_plane_shift: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """+Grid over satellites start..stop of one Walker shell (index = start + plane·S + slot):
    the next satellite in the plane and the same slot (+ cross_plane_shift) in the next plane;
    the last plane links to the first with seam_shift when `seam` (Hypatia's +Grid wraps)."""
    p = plane[start:stop]
    s = slot[start:stop]
    n_planes, n_slots = int(p.max()) + 1, int(s.max()) + 1
    idx = np.arange(start, stop)

    def at(pp, ss):
        return start + pp * n_slots + ss % n_slots

    a = [idx, idx[p < n_planes - 1]]
    b = [at(p, s + 1), at(p[p < n_planes - 1] + 1, s[p < n_planes - 1] + cross_plane_shift)]
    if seam and n_planes > 2:
        last = p == n_planes - 1
        a.append(idx[last])
        b.append(at(np.zeros(int(last.sum()), dtype=p.dtype), s[last] + seam_shift))
    return np.concatenate(a), np.concatenate(b)


def limit_terminals(keys: np.ndarray, n: int, max_terminals: int) -> np.ndarray:
    """Keep candidates in the given priority order while both ends have a free terminal."""
    if keys.size == 0:
        return keys
    a, b = pairs_of(keys, n)
    degree = np.zeros(n, dtype=np.int64)
    np.add.at(degree, a, 1)
    np.add.at(degree, b, 1)
    if degree.max() <= max_terminals:
        return keys
    keep = keep_within_terminals(np.ascontiguousarray(a, np.int64), np.ascontiguousarray(b, np.int64),
                                 np.zeros(n, dtype=np.int64), max_terminals, np.zeros(keys.size, dtype=np.bool_))
    return keys[keep]


def unique_keys(keys: np.ndarray) -> np.ndarray:
    """Unique keys, first occurrence order preserved (the priority order)."""
    _, first = np.unique(keys, return_index=True)
    return keys[np.sort(first)]


def nearest_keys(r_eci_m: np.ndarray, k: int, max_range_m: float, max_terminals: int,
                 current: np.ndarray | None = None, exclude: np.ndarray | None = None) -> np.ndarray:
    """k nearest neighbours within max_range_m of every satellite (scipy cKDTree), limited to
    max_terminals per satellite; links in `current` keep their terminals first (no churn),
    then the shortest. Satellites where `exclude` (bool, N) is true get no candidate and take
    no terminal. Returns sorted keys."""
    from scipy.spatial import cKDTree

    n = r_eci_m.shape[1]
    pts = np.ascontiguousarray(r_eci_m.T)
    dist, nb = cKDTree(pts).query(pts, k=min(k + 1, n), distance_upper_bound=max_range_m)
    dist, nb = np.atleast_2d(dist), np.atleast_2d(nb)
    ok = np.isfinite(dist)
    rows = np.broadcast_to(np.arange(n)[:, None], nb.shape)
    keys = keys_of(rows[ok], nb[ok], n)
    d = dist[ok][rows[ok] != nb[ok]]
    order = np.argsort(d, kind="stable")
    keys = keys[order]
    if current is not None and current.size:
        keys = np.concatenate([current[np.isin(current, keys)], keys])
    keys = unique_keys(keys)
    if exclude is not None and exclude.any():
        a, b = pairs_of(keys, n)
        keys = keys[~(exclude[a] | exclude[b])]
    return np.sort(limit_terminals(keys, n, max_terminals))


def terminal_slots(a: np.ndarray, b: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """The terminal each candidate link (a[j], b[j]) takes at either end: at satellite s, the k-th
    of its links in candidate order uses terminal k (sim.network.links, terminal faults)."""
    sat = np.concatenate([a, b]).astype(np.int64)
    order = np.lexsort((np.concatenate([np.arange(a.size), np.arange(b.size)]), sat))
    first = np.searchsorted(sat[order], sat[order], side="left")
    slot = np.empty(sat.size, np.int64)
    slot[order] = np.arange(sat.size) - first
    return slot[:a.size], slot[a.size:]
