"""The pairs the safety kernels track (sim.safety.kernels.track_pairs) and the k-d tree screens
that choose them.

A screen (Python, on the ticks the kernel flags) finds every pair that can come inside the
radius that matters in the ticks until the next screen: with the relative speed bounded by
u_max over an interval T, a pair farther apart than radius + u_max·T at the screen cannot, so
the screen keeps the pairs within that margin (scipy cKDTree). The kernel then follows every
kept pair every tick. A pair's accumulators (minimum separation, time below the threshold,
closest approaches, encounter Pc) live under a pair id that survives re-screens; a pair in an
encounter holds a row of Monte Carlo hits from a pool that grows when a quarter is left.
"""
from __future__ import annotations

import numpy as np

from sim.safety.kernels import EV_COLUMNS


class PairSet:
    """Tracked pairs (a: fleet satellite, b: fleet satellite or catalogue object), their
    accumulators and the kernel's buffers."""

    def __init__(self, threshold_m: float, window_m: float, hbr_m: float, sigma_a, sigma_b, z: np.ndarray):
        self.threshold_m, self.window_m, self.hbr_m = float(threshold_m), float(window_m), float(hbr_m)
        self.sigma_a, self.sigma_b = np.asarray(sigma_a, float), np.asarray(sigma_b, float)
        self.z = z
        self._keys, self._ids = np.zeros(0, np.int64), np.zeros(0, np.int64)
        self.n_pairs = 0
        self.a, self.b = np.zeros(0, np.int64), np.zeros(0, np.int64)
        self._grow(64)
        self.cand_a = self.cand_b = self.cand_pair = np.zeros(0, np.int64)
        self.hits = np.zeros((0, z.shape[0]), np.uint8)
        self.free, self.n_free = np.zeros(0, np.int64), np.zeros(1, np.int64)
        self.grow_pool(32)
        self.missed = np.zeros(1, np.int64)
        self.ev, self.n_ev = np.zeros((0, EV_COLUMNS)), np.zeros(1, np.int64)
        self.enc, self.n_enc = np.zeros((0, 4)), np.zeros(1, np.int64)
        self.events: list[np.ndarray] = []       # rows of ev, in order
        self.encounters: dict[tuple[int, int], float] = {}   # (pair, serial) -> Pc

    def _grow(self, capacity: int) -> None:
        old = len(self.a)
        fill = {"min_sep": np.inf, "t_min": 0.0, "below_s": 0.0, "max_pc": 0.0, "pair_row": -1}
        for name, dtype in (("min_sep", float), ("t_min", float), ("below_s", float), ("max_pc", float),
                            ("n_close", np.int64), ("in_enc", np.int8), ("enc_serial", np.int64),
                            ("a", np.int64), ("b", np.int64), ("pair_row", np.int64)):
            new = np.full(capacity, fill.get(name, 0), dtype=dtype)
            if old:
                new[:old] = getattr(self, name)[:old]
            setattr(self, name, new)

    def _pair_ids(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        """The pair ids of (a[k], b[k]), new pairs numbered in their order here (vectorised: the
        keys a·2³² + b kept sorted beside their ids)."""
        q = (a << 32) + b
        pos = np.searchsorted(self._keys, q)
        found = pos < self._keys.size
        found[found] = self._keys[pos[found]] == q[found]
        ids = np.empty(q.size, np.int64)
        ids[found] = self._ids[pos[found]]
        new_keys, first = np.unique(q[~found], return_index=True)
        if new_keys.size:
            order = np.argsort(first, kind="stable")          # number new pairs as they come
            new_ids = np.empty(new_keys.size, np.int64)
            new_ids[order] = self.n_pairs + np.arange(new_keys.size)
            total = self.n_pairs + new_keys.size
            if total > len(self.min_sep):
                self._grow(max(2 * len(self.min_sep), total))
            self.a[new_ids], self.b[new_ids] = new_keys >> 32, new_keys & 0xFFFFFFFF
            ids[~found] = new_ids[np.searchsorted(new_keys, q[~found])]
            keys, idx = np.concatenate([self._keys, new_keys]), np.concatenate([self._ids, new_ids])
            order = np.argsort(keys, kind="stable")
            self._keys, self._ids = keys[order], idx[order]
            self.n_pairs = total
        return ids

    def grow_pool(self, rows: int | None = None) -> None:
        """Double the pool of hits rows (or make it `rows`); the new rows are free."""
        old = self.hits.shape[0]
        size = rows if rows is not None else 2 * old
        hits = np.zeros((size, self.z.shape[0]), np.uint8)
        hits[:old] = self.hits
        free = np.zeros(size, np.int64)
        n = int(self.n_free[0])
        free[:n] = self.free[:n]
        free[n:n + size - old] = np.arange(size - 1, old - 1, -1)
        self.hits, self.free = hits, free
        self.n_free[0] = n + size - old

    def set_candidates(self, a: np.ndarray, b: np.ndarray, t_s: float) -> None:
        """Track pairs (a[k], b[k]) from now on; an encounter whose pair is no longer tracked ends."""
        pids = self._pair_ids(np.asarray(a, np.int64), np.asarray(b, np.int64))
        kept = np.zeros(max(self.n_pairs, 1), bool)
        kept[pids] = True
        for p in self.cand_pair[~kept[self.cand_pair]].tolist():
            if self.in_enc[p]:
                self._end_encounter(p)
        self.cand_a, self.cand_b = np.asarray(a, np.int64).copy(), np.asarray(b, np.int64).copy()
        self.cand_pair = pids
        self.ev = np.zeros((pids.size, EV_COLUMNS))
        self.enc = np.zeros((pids.size, 4))

    def _end_encounter(self, p: int) -> None:
        row = int(self.pair_row[p])
        pc = float(self.hits[row].sum()) / self.z.shape[0]
        self.max_pc[p] = max(self.max_pc[p], pc)
        self.encounters[(p, int(self.enc_serial[p]))] = pc
        self.in_enc[p] = 0
        self.free[self.n_free[0]] = row
        self.n_free[0] += 1
        self.pair_row[p] = -1

    def track_args(self) -> tuple:
        return (self.cand_a, self.cand_b, self.cand_pair, self.cand_pair.size, self.threshold_m, self.window_m,
                self.hbr_m, self.sigma_a, self.sigma_b, self.z, self.hits, self.pair_row, self.free, self.n_free,
                self.min_sep, self.t_min, self.below_s, self.n_close, self.in_enc, self.enc_serial, self.max_pc,
                self.missed, self.ev, self.n_ev, self.enc, self.n_enc)

    def collect(self) -> np.ndarray:
        """Take the closest approaches and ended encounters the kernel buffered this tick (the
        closest approaches, rows of ev, are returned) and grow the pool where it runs low."""
        if self.n_free[0] < max(8, self.free.shape[0] // 4):
            self.grow_pool()
        for pair, serial, pc, _ in self.enc[:self.n_enc[0]]:
            self.encounters[(int(pair), int(serial))] = float(pc)
        self.n_enc[0] = 0
        rows = self.ev[:self.n_ev[0]].copy()
        self.n_ev[0] = 0
        if rows.size:
            self.events.append(rows)
        return rows

    def finish(self) -> None:
        """End the encounters still open (at the end of the run)."""
        for p in np.flatnonzero(self.in_enc[:self.n_pairs]).tolist():
            self._end_encounter(p)

    def event_rows(self) -> tuple[np.ndarray, np.ndarray]:
        """(rows of every closest approach, their Pc: that of the encounter around it, 0 without one)."""
        rows = np.concatenate(self.events) if self.events else np.zeros((0, EV_COLUMNS))
        pc = np.array([self.encounters.get((int(r[0]), int(r[4])), 0.0) if r[4] >= 0 else 0.0 for r in rows])
        return rows, pc

    def pairs(self) -> dict[str, np.ndarray]:
        n = self.n_pairs
        return {"a": self.a[:n], "b": self.b[:n], "min_separation_m": self.min_sep[:n], "t_min_s": self.t_min[:n],
                "seconds_below_threshold": self.below_s[:n], "close_approaches": self.n_close[:n],
                "max_pc": self.max_pc[:n]}


def fleet_screen(r_m: np.ndarray, radius_m: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Pairs i < j of positions r_m (3, N) closer than radius_m, and their distances (k-d tree)."""
    from scipy.spatial import cKDTree
    finite = np.flatnonzero(np.isfinite(r_m).all(axis=0))
    pts = r_m[:, finite].T
    pairs = cKDTree(pts).query_pairs(radius_m, output_type="ndarray") if finite.size > 1 else np.zeros((0, 2), int)
    pairs = pairs[np.lexsort((pairs[:, 1], pairs[:, 0]))] if pairs.size else pairs.reshape(0, 2)
    d = np.linalg.norm(pts[pairs[:, 0]] - pts[pairs[:, 1]], axis=1) if pairs.size else np.zeros(0)
    return finite[pairs[:, 0]], finite[pairs[:, 1]], d


def cross_screen(r_a: np.ndarray, r_b: np.ndarray, radius_m: float) -> tuple[np.ndarray, np.ndarray]:
    """Pairs (i of r_a (3, N), j of r_b (3, M)) closer than radius_m, sorted (k-d trees of both)."""
    from scipy.spatial import cKDTree
    fa = np.flatnonzero(np.isfinite(r_a).all(axis=0))
    fb = np.flatnonzero(np.isfinite(r_b).all(axis=0))
    if fa.size == 0 or fb.size == 0:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    close = cKDTree(r_a[:, fa].T).sparse_distance_matrix(cKDTree(r_b[:, fb].T), radius_m, output_type="ndarray")
    ia, ib = fa[close["i"]], fb[close["j"]]
    order = np.lexsort((ib, ia))
    return ia[order].astype(np.int64), ib[order].astype(np.int64)


def linear_reach(r_a, v_a, r_b, v_b, interval_s: float, radius_m: float) -> np.ndarray:
    """Which pairs (columns of the (3, K) states at a screen) can come within radius_m in the
    next interval_s (sim.safety.kernels.linear_reach), with G = 2μ/r³ at 100 km below the lowest
    of them."""
    from sim.core.constants import MU_EARTH_M3_S2
    from sim.safety.kernels import linear_reach as reach
    if r_a.shape[1] == 0:
        return np.zeros(0, bool)
    r_low = max(min(np.sqrt((r_a * r_a).sum(axis=0)).min(), np.sqrt((r_b * r_b).sum(axis=0)).min()) - 100e3, 6.0e6)
    out = np.zeros(r_a.shape[1], np.bool_)
    reach(np.ascontiguousarray(r_a), np.ascontiguousarray(v_a), np.ascontiguousarray(r_b), np.ascontiguousarray(v_b),
          interval_s, radius_m, 2.0 * MU_EARTH_M3_S2 / r_low ** 3, out)
    return out
