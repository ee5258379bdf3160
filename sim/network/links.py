"""Optical crosslinks: the candidate set, each link's state, and its events.

A candidate link (sim.network.topology) is IDLE while infeasible, ACQUIRING for a drawn
pointing-acquisition-tracking time once it becomes feasible, then UP until its geometry fails
(margin crossing 0, sim.network.geometry), a random failure (MTBF) or a re-selection of the
`nearest` candidates takes its terminal. Acquisitions and failures are SimPy timeouts that
carry the link's generation, so a timeout of a link that changed state since is ignored.

Terminals (the faults subsystem, `set_terminal_faults`): terminal k of satellite s is the one
serving the k-th candidate link of s in the candidates' order (their sorted keys). A link is
down while a terminal at either end is down, or either satellite has all its terminals down;
it acquires again (a drawn acquisition time) once both are back and it is feasible.
"""
from __future__ import annotations

import math
from typing import Callable

import numpy as np

from sim.core.constants import R_EARTH_EQUATORIAL_M, SECONDS_PER_HOUR, SPEED_OF_LIGHT_M_S
from sim.core.numerics import parallel_chunk
from sim.network import tick, topology
from sim.network.ids import keys_of, pairs_of

IDLE, ACQUIRING, UP = 0, 1, 2
DOWN_GEOMETRY, DOWN_FAILURE, DOWN_RESELECTED, DOWN_REENTRY, DOWN_TERMINAL = 0, 1, 2, 3, 4

LINK_EVENTS = {
    "link_acquiring": "a: other satellite, b: range [km]",
    "link_up": "a: other satellite, b: acquisition time [s]",
    "link_down": "a: other satellite, b: cause (0 geometry, 1 failure, 2 terminal reassigned, 3 re-entry, "
                 "4 terminal fault)",
}


def call_at(env, t_s: float, callback: Callable, *args) -> None:
    """callback(t_s, *args) at simulation time t_s (now if t_s is past)."""
    ev = env.timeout(max(t_s - env.now, 0.0))
    ev.callbacks.append(lambda _ev: callback(t_s, *args))


class Crosslinks:
    """The candidate crosslinks of one run and their state arrays (index j of the sorted keys).

    on_lost(keys) is called when links that were UP go down, on_gained() when one comes up.
    """

    def __init__(self, config, scenario, fleet, env, events, rng, on_lost: Callable, on_gained: Callable):
        self.config = c = config
        self.fleet, self.env, self.events, self.rng = fleet, env, events, rng
        self.n = n = fleet.n
        self._on_lost, self._on_gained = on_lost, on_gained
        self.epoch = 0  # bumped whenever the candidate set changes
        self.max_range_m = c.max_range_km * 1e3
        self.clear_radius_m = R_EARTH_EQUATORIAL_M + c.grazing_altitude_km * 1e3
        self._max_slew_rad_s = math.radians(c.max_slew_rate_deg_s) if c.max_slew_rate_deg_s else 0.0
        r = c.rate
        self._rate_args = (r.max_gbps * 1e9, r.ref_gbps * 1e9, r.ref_range_km * 1e3,
                           r.dwdm.range_km * 1e3 if r.dwdm else -1.0, r.dwdm.rate_gbps * 1e9 if r.dwdm else 0.0)
        self._gen_seq = 0
        self.reselected = np.array([-math.inf])  # time of the last re-selection [s] (the tick kernel reads it)
        self.link_seconds = np.zeros(2)  # link-seconds UP, link-seconds feasible (accumulated per tick)
        self.has_reentry, self.reentered = False, np.zeros(n, np.int8)  # see Network.start
        self.acquisitions = 0
        self.failures = 0
        # faults held on each satellite's terminals ([:, k]) and on all of them ([:, -1]); see the docstring
        self.terminal_faults = np.zeros((n, c.max_terminals + 1), np.int32)
        if c.topology == "grid":  # the scenario check made sure there is a walker shell
            a_list, b_list = [], []
            for i, shell in enumerate(scenario.constellation):
                if shell.walker is None:
                    continue
                sel = np.flatnonzero(fleet.shell == i)
                seam_shift = c.seam_shift if c.seam_shift is not None else shell.walker.phasing
                # planes held in a band of local times do not close around the Earth
                seam = c.seam and (shell.walker.ltan_h is None or shell.walker.ltan_band_h >= 24.0)
                a, b = topology.grid_pairs(fleet.plane, fleet.slot, int(sel[0]), int(sel[-1]) + 1, seam=seam,
                                           seam_shift=seam_shift, cross_plane_shift=c.cross_plane_shift)
                a_list.append(a)
                b_list.append(b)
            keys = topology.unique_keys(keys_of(np.concatenate(a_list), np.concatenate(b_list), n))
            keys = np.sort(topology.limit_terminals(keys, n, c.max_terminals))
        elif c.topology == "pairs":
            p = np.array(c.pairs, dtype=np.int64)
            keys = topology.unique_keys(keys_of(p[:, 0], p[:, 1], n))
            keys = np.sort(topology.limit_terminals(keys, n, c.max_terminals))
        else:
            keys = np.zeros(0, np.int64)  # chosen from positions (_reselect)
        self._set_candidates(keys)

    def _set_candidates(self, keys: np.ndarray, old: dict | None = None) -> None:
        """State arrays for sorted keys; the state of keys already present is carried over."""
        L = keys.size
        self.keys = keys
        self.epoch += 1
        a, b = pairs_of(keys, self.n)
        self.a, self.b = np.ascontiguousarray(a), np.ascontiguousarray(b)
        self.state = np.zeros(L, np.int8)
        self.gen = np.zeros(L, np.int64)
        self.margins = np.full((2, L), -1.0)  # margins now: [cur[0]], a tick before: [1 − cur[0]]
        self.cur = np.zeros(1, np.int64)
        self.range_m = np.zeros(L)
        self.rate_bps = np.zeros(L)
        self.slew_rad_s = np.zeros(L)
        self._direction = np.zeros(L, np.int8)
        self._t_cross_s = np.zeros(L)
        self.slot_a, self.slot_b = topology.terminal_slots(self.a, self.b, self.n)
        self.blocked = np.zeros(L, bool)
        if old is not None and old["keys"].size and L:
            pos = np.searchsorted(old["keys"], keys)
            pos = np.minimum(pos, old["keys"].size - 1)
            kept = old["keys"][pos] == keys
            for name in ("state", "gen", "margin_prev"):
                getattr(self, name)[kept] = old[name][pos[kept]]

    @property
    def margin(self) -> np.ndarray:
        """Feasibility margin of every candidate now (≥ 0 feasible) [1]."""
        return self.margins[self.cur[0]]

    @property
    def margin_prev(self) -> np.ndarray:
        """The margins one tick before [1]."""
        return self.margins[1 - self.cur[0]]

    @property
    def up_link_seconds(self) -> float:
        return float(self.link_seconds[0])

    @property
    def feasible_link_seconds(self) -> float:
        return float(self.link_seconds[1])

    # ------------------------------------------------------------------ per tick
    def chunk(self) -> int:
        """Links per parallel work item of the geometry kernel (0: serial)."""
        return parallel_chunk(self.a.size)

    def geometry_args(self) -> tuple:
        """What sim.network.tick.links_geometry reads after (chunk, t0_s, dt_s)."""
        f = self.fleet
        return (self.has_reentry, self.reentered, f.r_eci_m, f.v_eci_m_s, self.a, self.b, self.max_range_m,
                self.clear_radius_m, self._max_slew_rad_s, *self._rate_args, self.range_m, self.rate_bps,
                self.slew_rad_s, self.margins, self.cur, self.state, UP, self._direction, self._t_cross_s)

    def _kernel(self, t0_s: float, dt_s: float) -> tuple[int, int, int]:
        """Geometry of every candidate at the fleet's positions now, and the crossings since
        margin_prev (sim.network.geometry, sim.network.tick)."""
        return tick.links_geometry(self.chunk(), t0_s, dt_s, *self.geometry_args())

    @property
    def reselects(self) -> bool:
        return self.config.topology == "nearest"

    def _reselect_if_due(self, t_s: float) -> None:
        if self.reselects and t_s - self.reselected[0] >= self.config.reselect_every_s:
            self._reselect(t_s)
            self.reselected[0] = t_s

    def initial(self) -> None:
        """The geometry at the epoch (no crossings: nothing was before)."""
        self._reselect_if_due(0.0)
        self._kernel(0.0, 0.0)

    def start(self) -> None:
        """Links feasible at the epoch start up (start_up) or begin acquiring."""
        feasible = np.flatnonzero(self.margin >= 0.0)
        feasible = feasible[~self.blocked[feasible]]
        if self.config.start_up:
            self.state[feasible] = UP
            self.events.emit("link_up", 0.0, self.a[feasible], self.b[feasible], 0.0)
            for j in feasible:
                self._schedule_failure(j, 0.0)
        else:
            self._begin_acquisition(feasible, np.zeros(feasible.size))

    def tick(self, t_s: float, dt_s: float) -> None:
        """One tick in Python (what sim.network.tick.network_tick does, with the re-selection)."""
        self.cur[0] = 1 - self.cur[0]
        self._reselect_if_due(t_s)
        n_cross, n_up, n_feasible = self._kernel(t_s - dt_s, dt_s)
        self.link_seconds[0] += dt_s * n_up
        self.link_seconds[1] += dt_s * n_feasible
        if n_cross:
            self._crossings()

    def _reselect(self, t_s: float) -> None:
        c = self.config
        current = self.keys[self.state != IDLE]
        keys = topology.nearest_keys(self.fleet.r_eci_m, c.k, self.max_range_m + c.reselect_margin_km * 1e3,
                                     c.max_terminals, current, self.reentered != 0 if self.has_reentry else None)
        if keys.size == self.keys.size and np.array_equal(keys, self.keys):
            return
        dropped = ~np.isin(self.keys, keys) & (self.state == UP)
        if dropped.any():
            idx = np.flatnonzero(dropped)
            self.events.emit("link_down", t_s, self.a[idx], self.b[idx], self._cause(idx, DOWN_RESELECTED))
            self._on_lost(self.keys[idx])
        old = {"keys": self.keys, "state": self.state, "gen": self.gen, "margin_prev": self.margin_prev}
        self._set_candidates(keys, old)
        if self.terminal_faults.any():
            self.apply_terminal_faults(t_s)

    # ------------------------------------------------------------------ events
    def _crossings(self) -> None:
        idx = tick.crossed(self._direction)
        rising = idx[self._direction[idx] > 0]
        falling = idx[self._direction[idx] < 0]
        if falling.size:
            was_up = falling[self.state[falling] == UP]
            if was_up.size:
                self.events.emit("link_down", self._t_cross_s[was_up], self.a[was_up], self.b[was_up],
                                 self._cause(was_up, DOWN_GEOMETRY))
                self._on_lost(self.keys[was_up])
            self.state[falling] = IDLE
            self._new_generation(falling)
        if rising.size:
            rising = rising[(self.state[rising] == IDLE) & ~self.blocked[rising]]
            self._begin_acquisition(rising, self._t_cross_s[rising])

    def _cause(self, idx: np.ndarray, cause: int):
        """The link_down cause of links idx: DOWN_REENTRY where an end has re-entered, else cause."""
        if not self.has_reentry:
            return cause
        gone = (self.reentered[self.a[idx]] != 0) | (self.reentered[self.b[idx]] != 0)
        return np.where(gone, DOWN_REENTRY, cause).astype(float)

    def _draw_acquisition_s(self, size: int) -> np.ndarray:
        a = self.config.acquisition
        if a.distribution == "fixed":
            return np.full(size, a.mean_s)
        if a.distribution == "uniform":
            return self.rng.uniform(a.min_s, a.max_s, size)
        return np.minimum(a.min_s + self.rng.exponential(a.mean_s, size), a.max_s)

    def _begin_acquisition(self, idx: np.ndarray, t_start_s: np.ndarray) -> None:
        if idx.size == 0:
            return
        self.state[idx] = ACQUIRING
        self._new_generation(idx)
        self.events.emit("link_acquiring", t_start_s, self.a[idx], self.b[idx], self.range_m[idx] / 1e3)
        for j, t0, dur in zip(idx, t_start_s, self._draw_acquisition_s(idx.size)):
            call_at(self.env, t0 + dur, self._acquired, self.keys[j], self.gen[j], dur)

    def _new_generation(self, idx: np.ndarray) -> None:
        """Invalidate pending timeouts of these links (generations are never reused)."""
        self.gen[idx] = self._gen_seq + 1 + np.arange(idx.size)
        self._gen_seq += idx.size

    def _index_of(self, key, gen) -> int | None:
        j = int(np.searchsorted(self.keys, key))
        if j < self.keys.size and self.keys[j] == key and self.gen[j] == gen:
            return j
        return None

    def _acquired(self, t_s: float, key, gen, duration_s: float) -> None:
        j = self._index_of(key, gen)
        if j is None or self.state[j] != ACQUIRING:
            return
        self.state[j] = UP
        self.acquisitions += 1
        self.events.emit("link_up", t_s, self.a[j], self.b[j], duration_s)
        self._schedule_failure(j, t_s)
        self._on_gained()

    def _schedule_failure(self, j: int, t_s: float) -> None:
        if self.config.mtbf_h is not None:
            call_at(self.env, t_s + self.rng.exponential(self.config.mtbf_h * SECONDS_PER_HOUR), self._failed,
                    self.keys[j], self.gen[j])

    def _failed(self, t_s: float, key, gen) -> None:
        j = self._index_of(key, gen)
        if j is None or self.state[j] != UP:
            return
        self.failures += 1
        self.events.emit("link_down", t_s, self.a[j], self.b[j], DOWN_FAILURE)
        self.state[j] = IDLE
        self._begin_acquisition(np.array([j]), np.array([t_s]))
        self._on_lost(self.keys[j:j + 1])

    # ------------------------------------------------------------------ terminal faults
    def _blocked_now(self) -> np.ndarray:
        """Links with a terminal down at either end (or a satellite with all terminals down)."""
        f, a, b = self.terminal_faults, self.a, self.b
        return (f[a, -1] > 0) | (f[b, -1] > 0) | (f[a, np.minimum(self.slot_a, f.shape[1] - 2)] > 0) | \
            (f[b, np.minimum(self.slot_b, f.shape[1] - 2)] > 0)

    def set_terminal_faults(self, t_s: float, sat: np.ndarray, terminal: np.ndarray, change: int) -> None:
        """Add (change +1) or clear (−1) faults on terminals (sat[k], terminal[k]); terminal −1:
        all of the satellite's terminals. Links that go down or may come up follow at once."""
        np.add.at(self.terminal_faults, (np.asarray(sat, np.int64), np.asarray(terminal, np.int64)), change)
        self.apply_terminal_faults(t_s)

    def apply_terminal_faults(self, t_s: float) -> None:
        blocked = self._blocked_now()
        down = np.flatnonzero(blocked & ~self.blocked)
        back = np.flatnonzero(self.blocked & ~blocked)
        self.blocked = blocked
        if down.size:
            was_up = down[self.state[down] == UP]
            if was_up.size:
                self.events.emit("link_down", t_s, self.a[was_up], self.b[was_up], DOWN_TERMINAL)
            self.state[down] = IDLE
            self._new_generation(down)
            if was_up.size:
                self._on_lost(self.keys[was_up])
        if back.size:
            back = back[(self.state[back] == IDLE) & (self.margin[back] >= 0.0)]
            self._begin_acquisition(back, np.full(back.size, t_s))

    # ------------------------------------------------------------------ what routing reads
    def hop_index(self, keys: np.ndarray) -> np.ndarray:
        """Candidate index of each crosslink key (valid where the key is a candidate)."""
        return np.minimum(np.searchsorted(self.keys, keys), self.keys.size - 1)

    def all_up(self, keys: np.ndarray) -> bool:
        """Every crosslink key is a candidate that is UP."""
        j = self.hop_index(keys)
        return bool(np.all(self.keys[j] == keys) and np.all(self.state[j] == UP))

    def weight_s(self) -> np.ndarray:
        """Hop latency of every candidate while UP, inf otherwise [s]."""
        return np.where(self.state == UP, self.range_m / SPEED_OF_LIGHT_M_S, np.inf)

    def up_per_satellite(self) -> np.ndarray:
        """Links UP at each satellite."""
        up = self.state == UP
        return np.bincount(self.a[up], minlength=self.n) + np.bincount(self.b[up], minlength=self.n)
