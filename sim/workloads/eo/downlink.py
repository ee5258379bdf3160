"""Downlink opportunities of the eo job's satellites, from the network's contact events.

A satellite downlinks while it has a usable ground contact (the network's contact_start with
b = 1 .. contact_end), through one contact at a time: the best rate among those open, each the
station's `rate_gbps` capped by the satellite's radio. The events carry their exact times inside
the tick, so the bytes a tick allows are the integral of that rate over the tick, piecewise
between events; a tick without events costs one vector operation.
"""
from __future__ import annotations

import numpy as np
from numba import njit

BITS_PER_BYTE = 8.0


@njit(cache=True, error_model="numpy")
def budget_tick(rate_now, dt_s, out, contact_s):
    for m in range(rate_now.shape[0]):
        out[m] = rate_now[m] * dt_s
        if rate_now[m] > 0.0:
            contact_s[m] += dt_s


class ContactTracker:
    """Per member, the usable contacts open now and the downlink bytes of each tick."""

    def __init__(self, contacts, events, members: np.ndarray, n_fleet: int, radio_bps: float | None):
        stations = contacts.stations
        rate_bps = np.asarray(stations.rate_bps, dtype=float)
        if radio_bps is not None:
            rate_bps = np.minimum(rate_bps, radio_bps)
        self.rate_bytes_s = rate_bps / BITS_PER_BYTE                  # per station
        self.slot = np.full(n_fleet, -1, dtype=np.int64)
        self.slot[members] = np.arange(members.size)
        self.open = np.zeros((stations.n, members.size), dtype=bool)
        self.rate_now = np.zeros(members.size)                        # bytes/s of the best open contact
        self.contact_s = np.zeros(members.size)                       # time with a usable contact
        self.capacity_bytes = np.zeros(members.size)                  # Σ of the budgets handed out
        self._pending: list[tuple[np.ndarray, np.ndarray, np.ndarray, int]] = []
        self.pending_flag = np.zeros(1)   # 1 while events wait: the tick kernel leaves the tick to Python
        events.subscribe("contact_start", self._on_start)
        events.subscribe("contact_end", self._on_end)

    def _keep(self, t_s, sat, a, b, opens: int) -> None:
        m = self.slot[sat]
        sel = (m >= 0) & (b > 0.5)        # usable contacts of members only
        if sel.any():
            self._pending.append((np.asarray(t_s)[sel], m[sel], np.asarray(a)[sel].astype(np.int64), opens))
            self.pending_flag[0] = 1.0

    def _on_start(self, t_s, sat, a, b, c) -> None:
        self._keep(t_s, sat, a, b, 1)

    def _on_end(self, t_s, sat, a, b, c) -> None:
        self._keep(t_s, sat, a, b, 0)

    def _best_rate(self, m: int) -> float:
        col = self.open[:, m]
        return float(self.rate_bytes_s[col].max()) if col.any() else 0.0

    def budget(self, t0_s: float, dt_s: float, out: np.ndarray) -> np.ndarray:
        """Bytes each member can downlink in the tick t0_s .. t0_s + dt_s (into `out`)."""
        budget_tick(self.rate_now, dt_s, out, self.contact_s)
        if self._pending:
            self._apply_events(t0_s, dt_s, out)
        self.capacity_bytes += out
        return out

    def _apply_events(self, t0_s: float, dt_s: float, out: np.ndarray) -> None:
        t = np.concatenate([p[0] for p in self._pending])
        m = np.concatenate([p[1] for p in self._pending])
        g = np.concatenate([p[2] for p in self._pending])
        opens = np.concatenate([np.full(p[0].size, p[3], dtype=np.int8) for p in self._pending])
        self._pending.clear()
        self.pending_flag[0] = 0.0
        order = np.lexsort((t, m))            # by member, then time (starts and ends in event order)
        t, m, g, opens = t[order], m[order], g[order], opens[order]
        t1_s = t0_s + dt_s
        bounds = np.flatnonzero(np.diff(m)) + 1
        for lo, hi in zip(np.concatenate(([0], bounds)), np.concatenate((bounds, [m.size]))):
            sat = int(m[lo])
            rate = self.rate_now[sat]
            cur, total, in_contact = t0_s, 0.0, 0.0
            for k in range(lo, hi):
                tk = min(max(float(t[k]), t0_s), t1_s)
                total += rate * (tk - cur)
                in_contact += (tk - cur) if rate > 0.0 else 0.0
                cur = tk
                self.open[g[k], sat] = bool(opens[k])
                rate = self._best_rate(sat)
            total += rate * (t1_s - cur)
            in_contact += (t1_s - cur) if rate > 0.0 else 0.0
            self.contact_s[sat] += in_contact - (dt_s if self.rate_now[sat] > 0.0 else 0.0)
            self.rate_now[sat] = rate
            out[sat] = total
