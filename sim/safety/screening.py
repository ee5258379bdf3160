"""The pairs the safety kernels track (sim.safety.kernels.track_pairs) and the k-d tree screens
that choose them.

A screen (Python, on the ticks the kernel flags) finds every pair that can come inside the
radius that matters in the ticks until the next screen: with the relative speed bounded by
u_max over an interval T, a pair farther apart than radius + u_max·T at the screen cannot, so
the screen keeps the pairs within that margin (scipy cKDTree). The kernel then follows every
kept pair every tick. A pair's accumulators (minimum separation, time below the threshold,
closest approaches, encounter Pc) live under a pair id that survives re-screens; only the pairs
that can reach the Pc window before the next screen get a row of Monte Carlo hits.
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
        self.index: dict[tuple[int, int], int] = {}
        self.a, self.b = np.zeros(0, np.int64), np.zeros(0, np.int64)
        self._grow(64)
        self.cand_a = self.cand_b = self.cand_pair = self.cand_row = np.zeros(0, np.int64)
        self.hits = np.zeros((0, z.shape[0]), np.uint8)
        self.missed = np.zeros(1, np.int64)
        self.ev, self.n_ev = np.zeros((0, EV_COLUMNS)), np.zeros(1, np.int64)
        self.enc, self.n_enc = np.zeros((0, 4)), np.zeros(1, np.int64)
        self.events: list[np.ndarray] = []       # rows of ev, in order
        self.encounters: dict[tuple[int, int], float] = {}   # (pair, serial) -> Pc

    def _grow(self, capacity: int) -> None:
        old = len(self.a)
        fill = {"min_sep": np.inf, "t_min": 0.0, "below_s": 0.0, "max_pc": 0.0}
        for name, dtype in (("min_sep", float), ("t_min", float), ("below_s", float), ("max_pc", float),
                            ("n_close", np.int64), ("in_enc", np.int8), ("enc_serial", np.int64),
                            ("a", np.int64), ("b", np.int64)):
            new = np.full(capacity, fill.get(name, 0), dtype=dtype)
            if old:
                new[:old] = getattr(self, name)[:old]
            setattr(self, name, new)

    @property
    def n_pairs(self) -> int:
        return len(self.index)

    def _pair_ids(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        ids = np.empty(a.size, np.int64)
        for k, key in enumerate(zip(a.tolist(), b.tolist())):
            p = self.index.get(key)
            if p is None:
                p = len(self.index)
                if p >= len(self.min_sep):
                    self._grow(2 * len(self.min_sep))
                self.index[key] = p
                self.a[p], self.b[p] = key
            ids[k] = p
        return ids

    def set_candidates(self, a: np.ndarray, b: np.ndarray, with_row: np.ndarray, t_s: float) -> None:
        """Track pairs (a[k], b[k]) from now on; those with with_row[k] (and those in an encounter)
        get a row of hits. An encounter whose pair is no longer tracked ends here."""
        old_rows = {int(p): int(r) for p, r in zip(self.cand_pair, self.cand_row) if r >= 0}
        pids = self._pair_ids(np.asarray(a, np.int64), np.asarray(b, np.int64))
        kept = set(pids.tolist())
        for p, r in old_rows.items():   # encounters of pairs that leave the tracked set end now
            if self.in_enc[p] and p not in kept:
                self._end_encounter(p, self.hits[r])
        need = np.asarray(with_row, bool) | (self.in_enc[pids] == 1)
        rows = np.full(pids.size, -1, np.int64)
        rows[need] = np.arange(int(need.sum()))
        hits = np.zeros((int(need.sum()), self.z.shape[0]), np.uint8)
        for k in np.flatnonzero(need & (self.in_enc[pids] == 1)):
            r = old_rows.get(int(pids[k]))
            if r is not None:
                hits[rows[k]] = self.hits[r]
        self.cand_a, self.cand_b = np.asarray(a, np.int64).copy(), np.asarray(b, np.int64).copy()
        self.cand_pair, self.cand_row, self.hits = pids, rows, hits
        self.ev = np.zeros((pids.size, EV_COLUMNS))
        self.enc = np.zeros((pids.size, 4))

    def _end_encounter(self, p: int, hits_row: np.ndarray) -> None:
        pc = float(hits_row.sum()) / self.z.shape[0]
        self.max_pc[p] = max(self.max_pc[p], pc)
        self.encounters[(p, int(self.enc_serial[p]))] = pc
        self.in_enc[p] = 0

    def track_args(self) -> tuple:
        return (self.cand_a, self.cand_b, self.cand_pair, self.cand_row, self.cand_pair.size, self.threshold_m,
                self.window_m, self.hbr_m, self.sigma_a, self.sigma_b, self.z, self.hits, self.min_sep, self.t_min,
                self.below_s, self.n_close, self.in_enc, self.enc_serial, self.max_pc, self.missed, self.ev,
                self.n_ev, self.enc, self.n_enc)

    def collect(self) -> np.ndarray:
        """Take the closest approaches and ended encounters the kernel buffered this tick; the
        closest approaches (rows of ev) are returned."""
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
        for p, r in zip(self.cand_pair.tolist(), self.cand_row.tolist()):
            if r >= 0 and self.in_enc[p]:
                self._end_encounter(p, self.hits[r])

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


def cross_screen(r_a: np.ndarray, r_b: np.ndarray, radius_m: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Pairs (i of r_a (3, N), j of r_b (3, M)) closer than radius_m, sorted, and their distances."""
    from scipy.spatial import cKDTree
    fa = np.flatnonzero(np.isfinite(r_a).all(axis=0))
    fb = np.flatnonzero(np.isfinite(r_b).all(axis=0))
    if fa.size == 0 or fb.size == 0:
        return np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0)
    tree = cKDTree(r_b[:, fb].T)
    hits = tree.query_ball_point(r_a[:, fa].T, radius_m)
    ia = np.repeat(fa, [len(h) for h in hits])
    ib = fb[np.concatenate([np.sort(np.asarray(h, np.int64)) for h in hits])] if ia.size else np.zeros(0, np.int64)
    d = np.linalg.norm(r_a[:, ia] - r_b[:, ib], axis=0) if ia.size else np.zeros(0)
    return ia.astype(np.int64), ib.astype(np.int64), d
