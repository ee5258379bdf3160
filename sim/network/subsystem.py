"""Network: optical crosslinks, ground contacts, routing and transfers.

Every tick one kernel call evaluates all candidate crosslinks (range, Earth line of sight
clearing the grazing altitude, slew rate) and one all (station, satellite) elevations, each
finding the crossings inside the tick in the same pass; crossings become events. Acquisitions,
random failures and transfer completions are SimPy timeouts, so Python work is proportional to
link changes. Routes (A* by latency, per demand) are searched for new transfers and broken
routes once per instant, and refreshed every `routing.every_s`; a (src, dst) pair keeps its
route for all its transfers, later ones too, while no element of it has gone down (Route). Flow rates are re-allocated
only for the flows connected (through shared resources) to those that changed.

Transfer API (for other subsystems: require the service `network` and take it from the context):

    network = ctx.services.get("network")
    transfer = network.submit_transfer(src, dst, size_bytes, on_done=None)

src and dst are a satellite index (int) or a ground-station name (str). Transfers share
link capacity max–min fairly, re-route when a link on their path goes down and wait
(rate 0) while no route exists; `on_done(transfer)` is called at completion, with
`transfer.done_t_s` set. `network.cancel_transfer(transfer)` drops one.

Scheduled demands (`network.transfers:` in the scenario) are submitted through the same API
by one SimPy process, at their start time and then every `every`. A link → routes index
(every crosslink and ground contact a route uses, as an element id) lets a link going down
check only the transfers (on those routes) and latency pairs whose route crosses it.
"""
from __future__ import annotations

import difflib
import heapq
import math
from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from sim.core.constants import R_EARTH_EQUATORIAL_M, SPEED_OF_LIGHT_M_S
from sim.core.subsystem import Subsystem

IDLE, ACQUIRING, UP = 0, 1, 2
DOWN_GEOMETRY, DOWN_FAILURE, DOWN_RESELECTED = 0, 1, 2


@dataclass(eq=False)
class Transfer:
    """Bytes moving from src to dst (graph nodes; see Network.node_of)."""
    id: int
    src: int
    dst: int
    size_bytes: float
    submitted_t_s: float
    on_done: Callable | None = None
    remaining_bytes: float = 0.0
    rate_bps: float = 0.0
    done_t_s: float | None = None
    path: np.ndarray | None = None      # node path, None while unroutable
    resources: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))  # shared capacities crossed
    latency_s: float = math.nan
    routed_t_s: float = math.nan        # when the current route was computed
    unposted_bytes: float = 0.0         # moved along `path` but not yet added to bytes_in / bytes_out
    elements: tuple = ()                # link index keys of the current path (Network._elements)
    settled_t_s: float = 0.0            # remaining_bytes is as of this time (bytes move lazily)
    alloc_stamp: int = 0                # rate assignment (finish-heap entries of older ones are stale)
    route: Route | None = None          # the shared route object (None while unroutable)


@dataclass(eq=False)
class Route:
    """A route from node src to node dst, shared by every transfer of that pair that uses it and
    kept for the next ones (Network._routes) while no element of it goes down."""
    src: int
    dst: int
    latency_s: float
    path: np.ndarray                    # node path
    resources: np.ndarray               # shared capacities crossed
    elements: tuple                     # link index keys (Network._elements)
    routed_t_s: float                   # when it was searched
    fresh_t_s: float                    # when latency_s was last computed
    hop_links: np.ndarray | None = None  # candidate-link index of each crosslink hop (link set `links_epoch`)
    links_epoch: int = -1
    users: set = field(default_factory=set)  # active transfers on it
    resource_set: frozenset = frozenset()
    kept: bool = True                   # still the pair's route for new transfers (Network._routes)


@dataclass(frozen=True)
class ScheduledDemand:
    """One resolved `network.transfers` entry (a ring expands into one per member)."""
    src: int            # graph nodes
    dst: int
    size_bytes: float
    start_s: float
    every_s: float | None
    count: int | None


LINK_EVENTS = {
    "link_acquiring": "a: other satellite, b: range [km]",
    "link_up": "a: other satellite, b: acquisition time [s]",
    "link_down": "a: other satellite, b: cause (0 geometry, 1 failure, 2 terminal reassigned)",
}
CONTACT_EVENTS = {
    "contact_start": "a: ground station index, b: 1 usable, 0 lost to cloud",
    "contact_end": "a: ground station index, b: 1 was usable, 0 was lost to cloud",
}
TRANSFER_EVENTS = {
    "transfer_done": "sat: source node, a: transfer id, b: duration [s]",
    "route_latency": "sat: first satellite (-1 none), a: latency pair index, b: one-way latency [s] (nan unreachable)",
}


class Network(Subsystem):
    """Crosslinks, ground contacts, routes and transfers; built when the scenario has `network:`."""

    name = "network"
    section = "network"
    requires = ("positions",)
    provides = ("network",)
    events = {**LINK_EVENTS, **CONTACT_EVENTS, **TRANSFER_EVENTS}

    @classmethod
    def event_kinds(cls, scenario) -> dict[str, str]:
        cfg = scenario.network
        return {**(LINK_EVENTS if cfg.crosslinks is not None else {}),
                **(CONTACT_EVENTS if cfg.ground_stations is not None else {}), **TRANSFER_EVENTS}

    def __init__(self, ctx):
        super().__init__(ctx)
        self.config = ctx.scenario.network
        from sim.network import kernels as links
        self._links = links
        self.env = ctx.env
        self.fleet = ctx.fleet
        self.n = ctx.fleet.n
        self.rng = ctx.rng(self.name)
        self.isl = self.config.crosslinks
        self._links_epoch = 0  # bumped whenever the candidate link set changes
        self._init_crosslinks()
        self._init_stations()
        self.provide("network", self)
        self.recorded_units = {"isl_up": "1", "ground_contact": "1", "bytes_in": "B", "bytes_out": "B"}
        # transfers and routing
        self.transfers: list[Transfer] = []
        self._next_transfer_id = 0
        self._flow_gen = 0
        self._route_pending = False
        self._route_full = False
        self._last_route_t_s = -math.inf
        self._router = None
        self._link_weight_s = None
        # resource id → routes with active transfers crossing it, and its capacity when last allocated [bit/s]
        self._by_resource: dict[int, set[Route]] = {}
        self._shared: dict[int, set[Route]] = {}  # the entries of _by_resource with ≥ 2 routes
        self._cap_log: list = []          # (resource ids, capacities [bit/s]) of each allocation since the last full one
        self._finish_heap: list = []      # (finish time [s], id, alloc_stamp, transfer)
        self._drift_ref = None            # (link keys, rates, states) at the last drift check
        self._alloc_seq = 0
        self.bytes_in = np.zeros(self.n)
        self.bytes_out = np.zeros(self.n)
        self.bytes_moved = 0.0
        self.transfers_done = 0
        self.latency_samples_s: list[float] = []
        # link → transfers index: element id (crosslink key, or N² + g·N + i for the contact of
        # station g with satellite i) → transfers whose route uses it
        self.index_links = True           # False: every route is checked on every loss (reference)
        self._lost: set[int] = set()      # elements lost since the last re-route (indexed mode)
        self._suspects: set[Transfer] = set()  # transfers whose route lost an element since then
        self._check_all = False
        self._unrouted: set[Transfer] = set()
        self.transfers_submitted = 0
        self.transfer_times_s: list[float] = []
        self._pairs = [(self._endpoint_node(a, True, f"network.routing.latency_pairs.{p}.0"),
                        self._endpoint_node(b, False, f"network.routing.latency_pairs.{p}.1"))
                       for p, (a, b) in enumerate(self.config.routing.latency_pairs)]
        self._pair_paths: list[np.ndarray | None] = [None] * len(self._pairs)
        self._pair_elements: list[frozenset] = [frozenset()] * len(self._pairs)
        # route reuse: (src, dst) → its last route, dropped when an element of it goes down;
        # element → the routes using it that are kept or carry transfers
        self._routes: dict[tuple[int, int], Route] = {}
        self._route_index: dict[int, set[Route]] = {}
        self.route_searches = 0
        self.route_reuses = 0
        self.demands = self._resolve_demands()
        st = self.stations  # (G, rate of a station edge, station total = rate × antennas) [bit/s]
        self._station_rates = (1, np.zeros(1), np.zeros(1)) if st is None else \
            (st.n, np.ascontiguousarray(st.rate_bps, float), np.ascontiguousarray(st.rate_bps * st.antennas, float))

    # ------------------------------------------------------------------ set-up
    def _init_crosslinks(self) -> None:
        c = self.isl
        if c is None:
            return
        from sim.network import topology
        self._topology = topology
        f, n = self.fleet, self.n
        if c.topology == "grid":
            a_list, b_list = [], []
            for i, shell in enumerate(self.ctx.scenario.constellation):
                if shell.walker is None:
                    continue
                sel = np.flatnonzero(f.shell == i)
                seam_shift = c.seam_shift if c.seam_shift is not None else shell.walker.phasing
                a, b = topology.grid_pairs(f.plane, f.slot, int(sel[0]), int(sel[-1]) + 1, seam=c.seam,
                                           seam_shift=seam_shift, cross_plane_shift=c.cross_plane_shift)
                a_list.append(a)
                b_list.append(b)
            if not a_list:
                raise ValueError("network.crosslinks.topology 'grid' needs at least one walker shell")
            keys = topology.unique_keys(topology.keys_of(np.concatenate(a_list), np.concatenate(b_list), n))
            keys = np.sort(topology.limit_terminals(keys, n, c.max_terminals))
        elif c.topology == "pairs":
            p = np.array(c.pairs, dtype=np.int64)
            if p.min() < 0 or p.max() >= n:
                raise ValueError(f"network.crosslinks.pairs: satellite index outside 0..{n - 1}")
            keys = topology.unique_keys(topology.keys_of(p[:, 0], p[:, 1], n))
            keys = np.sort(topology.limit_terminals(keys, n, c.max_terminals))
        else:
            keys = np.zeros(0, np.int64)  # chosen from positions each tick
        self._set_links(keys)
        self._max_range_m = c.max_range_km * 1e3
        self._clear_radius_m = R_EARTH_EQUATORIAL_M + c.grazing_altitude_km * 1e3
        self._max_slew_rad_s = math.radians(c.max_slew_rate_deg_s) if c.max_slew_rate_deg_s else 0.0
        r = c.rate
        self._rate_args = (r.max_gbps * 1e9, r.ref_gbps * 1e9, r.ref_range_km * 1e3,
                           r.dwdm.range_km * 1e3 if r.dwdm else -1.0, r.dwdm.rate_gbps * 1e9 if r.dwdm else 0.0)
        self._gen_seq = 0
        self._reselected_t_s = -math.inf
        self.up_link_seconds = 0.0
        self.feasible_link_seconds = 0.0
        self.acquisitions = 0
        self.failures = 0

    def _set_links(self, keys: np.ndarray, old: dict | None = None) -> None:
        """Candidate arrays for sorted keys; state of keys already present is carried over."""
        L = keys.size
        self.link_keys = keys
        self._router = None  # adjacency of the candidate set
        self._links_epoch += 1
        a, b = self._topology.pairs_of(keys, self.n)
        self.link_a, self.link_b = np.ascontiguousarray(a), np.ascontiguousarray(b)
        self.link_state = np.zeros(L, np.int8)
        self.link_gen = np.zeros(L, np.int64)
        self.link_margin = np.full(L, -1.0)
        self.link_margin_prev = np.full(L, -1.0)
        self.link_range_m = np.zeros(L)
        self.link_rate_bps = np.zeros(L)
        self.link_slew_rad_s = np.zeros(L)
        self._direction = np.zeros(L, np.int8)
        self._t_cross = np.zeros(L)
        if old is not None and old["keys"].size and L:
            pos = np.searchsorted(old["keys"], keys)
            pos = np.minimum(pos, old["keys"].size - 1)
            kept = old["keys"][pos] == keys
            for name in ("state", "gen", "margin_prev"):
                getattr(self, f"link_{name}")[kept] = old[name][pos[kept]]

    def _init_stations(self) -> None:
        g = self.config.ground_stations
        self.stations = None
        if g is None:
            return
        from sim.network.stations import build_stations
        try:
            st = build_stations(g, self.ctx.scenario.resolve_path)
        except FileNotFoundError as exc:
            from sim.config import ConfigError
            raise ConfigError("<scenario>", [("network.ground_stations.file", f"file not found: {exc.filename}")]) \
                from None
        self.stations = st
        self._station_ecef_m = st.ecef_m
        self._station_up_ecef = st.up
        self._sin_min_el = np.sin(np.radians(st.min_elevation_deg))
        G = st.n
        self.gs_margin = np.full((G, self.n), -1.0)
        self.gs_margin_prev = np.full((G, self.n), -1.0)
        self.gs_usable = np.zeros((G, self.n), bool)
        self._gs_direction = np.zeros(G * self.n, np.int8)
        self._gs_t_cross = np.zeros(G * self.n)
        self.contacts = 0

    def node_of(self, endpoint, *, as_source: bool) -> int:
        """Graph node of a satellite index or a ground-station name (its sending or receiving side)."""
        if isinstance(endpoint, (int, np.integer)):
            if not 0 <= int(endpoint) < self.n:
                raise ValueError(f"satellite index {endpoint} outside 0..{self.n - 1}")
            return int(endpoint)
        if self.stations is None:
            raise KeyError(f"{endpoint!r}: the scenario has no ground stations")
        g = self.stations.index(str(endpoint))
        return self.n + g if as_source else self.n + self.stations.n + g

    def _config_error(self, path: str, msg: str):
        from sim.config import ConfigError
        return ConfigError(self.ctx.scenario.name or "<scenario>", [(path, msg)])

    def _endpoint_node(self, endpoint, as_source: bool, path: str) -> int:
        """node_of for a configured endpoint; a bad index or name is a ConfigError naming `path`."""
        if isinstance(endpoint, (int, np.integer)):
            if not 0 <= int(endpoint) < self.n:
                raise self._config_error(path, f"satellite index {endpoint} outside 0..{self.n - 1}")
            return int(endpoint)
        if self.stations is None:
            raise self._config_error(path, f"no ground station {endpoint!r} (the scenario has no "
                                           "network.ground_stations)")
        if endpoint not in self.stations.names:
            close = difflib.get_close_matches(str(endpoint), self.stations.names, n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            raise self._config_error(path, f"no ground station {endpoint!r}{hint}")
        return self.node_of(endpoint, as_source=as_source)

    def _resolve_demands(self) -> list[ScheduledDemand]:
        out = []
        for k, d in enumerate(self.config.transfers):
            where = f"network.transfers.{k}"
            if d.ring is None:
                pairs = [(self._endpoint_node(d.src, True, f"{where}.src"),
                          self._endpoint_node(d.dst, False, f"{where}.dst"))]
            else:
                members = list(range(self.n)) if d.ring == "all" else \
                    [self._endpoint_node(m, True, f"{where}.ring.{j}") for j, m in enumerate(d.ring)]
                if len(members) < 2:
                    raise self._config_error(f"{where}.ring", "a ring needs at least two satellites")
                pairs = list(zip(members, members[1:] + members[:1]))
            count = d.count if d.count is not None else (None if d.every is not None else 1)
            out += [ScheduledDemand(s, t, d.bytes, d.start, d.every, count) for s, t in pairs]
        return out

    def _submit_scheduled(self):
        """SimPy process: submits the scheduled demands at start + k·every (one wake-up per
        instant with submissions, all of that instant's transfers together)."""
        heap = [(dem.start_s, k, 0) for k, dem in enumerate(self.demands)]
        heapq.heapify(heap)
        while heap:
            t_s = heap[0][0]
            if t_s > self.env.now:
                yield self.env.timeout(t_s - self.env.now)
            while heap and heap[0][0] <= t_s:
                _, k, done = heapq.heappop(heap)
                dem = self.demands[k]
                self._submit(dem.src, dem.dst, dem.size_bytes)
                done += 1
                if dem.every_s is not None and (dem.count is None or done < dem.count):
                    heapq.heappush(heap, (dem.start_s + done * dem.every_s, k, done))

    @property
    def n_nodes(self) -> int:
        return self.n + 2 * (self.stations.n if self.stations is not None else 0)

    # ------------------------------------------------------------------ geometry per tick
    def _geometry(self, t_s: float) -> None:
        f = self.fleet
        if self.isl is not None:
            if self.isl.topology == "nearest" and t_s - self._reselected_t_s >= self.isl.reselect_every_s:
                self._reselect(t_s)
                self._reselected_t_s = t_s
            isl = self._links.isl_geometry if self.link_a.size >= self._links.PARALLEL_MIN \
                else self._links.isl_geometry_serial
            isl(f.r_eci_m, f.v_eci_m_s, self.link_a, self.link_b, self._max_range_m, self._clear_radius_m,
                self._max_slew_rad_s, *self._rate_args, self.link_range_m, self.link_rate_bps, self.link_slew_rad_s,
                self.link_margin)
        if self.stations is not None:
            self._rotate_stations(t_s)
            elevation = self._links.ground_elevation_margin if self.gs_margin.size >= self._links.PARALLEL_MIN \
                else self._links.ground_elevation_margin_serial
            elevation(f.r_eci_m, self._station_eci_m, self._station_up, self._sin_min_el, self.gs_margin)

    def _rotate_stations(self, t_s: float) -> None:
        """Station positions and local verticals in the inertial frame at t_s (GMST rotation)."""
        from sim.network.stations import rotate_z
        gmst = self.ctx.clock.at(t_s).gmst_rad
        self._station_eci_m = np.ascontiguousarray(rotate_z(self._station_ecef_m, gmst))
        self._station_up = np.ascontiguousarray(rotate_z(self._station_up_ecef, gmst))

    def _reselect(self, t_s: float) -> None:
        c = self.isl
        current = self.link_keys[self.link_state != IDLE]
        keys = self._topology.nearest_keys(self.fleet.r_eci_m, c.k, self._max_range_m + c.reselect_margin_km * 1e3,
                                           c.max_terminals, current)
        if keys.size == self.link_keys.size and np.array_equal(keys, self.link_keys):
            return
        dropped = ~np.isin(self.link_keys, keys) & (self.link_state == UP)
        if dropped.any():
            idx = np.flatnonzero(dropped)
            self.ctx.events.emit("link_down", t_s, self.link_a[idx], self.link_b[idx], DOWN_RESELECTED)
            self._topology_changed(elements=self.link_keys[idx])
        old = {"keys": self.link_keys, "state": self.link_state, "gen": self.link_gen,
               "margin_prev": self.link_margin_prev}
        self._set_links(keys, old)

    def start(self) -> None:
        self._geometry(0.0)
        log = self.ctx.events
        if self.isl is not None:
            feasible = np.flatnonzero(self.link_margin >= 0.0)
            if self.isl.start_up:
                self.link_state[feasible] = UP
                log.emit("link_up", 0.0, self.link_a[feasible], self.link_b[feasible], 0.0)
                for j in feasible:
                    self._schedule_failure(j, 0.0)
            else:
                self._begin_acquisition(feasible, np.zeros(feasible.size))
        if self.stations is not None:
            g, i = np.nonzero(self.gs_margin >= 0.0)
            self._contacts_start(g, i, np.zeros(g.size))
        if self.demands:
            self.env.process(self._submit_scheduled())
        if self.transfers or self._pairs:
            self._request_reroute(refresh=True)

    def advance(self, block) -> None:
        for step in block.steps():
            self._tick(self.ctx.clock.time_of_step(step), block.dt_s)

    def _tick(self, t_s: float, dt_s: float) -> None:
        f, k, t0_s = self.fleet, self._links, t_s - dt_s
        if self.isl is not None:
            self.link_margin_prev, self.link_margin = self.link_margin, self.link_margin_prev
            if self.isl.topology == "nearest" and t_s - self._reselected_t_s >= self.isl.reselect_every_s:
                self._reselect(t_s)
                self._reselected_t_s = t_s
            args = (f.r_eci_m, f.v_eci_m_s, self.link_a, self.link_b, self._max_range_m, self._clear_radius_m,
                    self._max_slew_rad_s, *self._rate_args, self.link_range_m, self.link_rate_bps,
                    self.link_slew_rad_s, self.link_margin_prev, self.link_margin, self.link_state, UP, t0_s,
                    dt_s, self._direction, self._t_cross)
            if self.link_a.size >= k.PARALLEL_MIN:
                n_cross, n_up, n_feasible = k.isl_tick(*args)
            else:
                n_cross, n_up, n_feasible = k.isl_tick_range(0, self.link_a.size, *args)
            self.up_link_seconds += dt_s * n_up
            self.feasible_link_seconds += dt_s * n_feasible
            if n_cross:
                self._link_crossings()
        if self.stations is not None:
            self.gs_margin_prev, self.gs_margin = self.gs_margin, self.gs_margin_prev
            self._rotate_stations(t_s)
            args = (f.r_eci_m, self._station_eci_m, self._station_up, self._sin_min_el, self.gs_margin_prev,
                    self.gs_margin, t0_s, dt_s, self._gs_direction, self._gs_t_cross)
            n_cross = k.ground_tick(*args) if self.gs_margin.size >= k.PARALLEL_MIN else \
                k.ground_tick_range(0, self.n, *args)
            if n_cross:
                self._contact_crossings()
        if (self.transfers or self._pairs) and t_s - self._last_route_t_s >= self.config.routing.every_s:
            self._request_reroute(refresh=True)

    # ------------------------------------------------------------------ crosslink events
    def _link_crossings(self) -> None:
        idx = np.flatnonzero(self._direction)
        rising = idx[self._direction[idx] > 0]
        falling = idx[self._direction[idx] < 0]
        if falling.size:
            was_up = falling[self.link_state[falling] == UP]
            if was_up.size:
                self.ctx.events.emit("link_down", self._t_cross[was_up], self.link_a[was_up], self.link_b[was_up],
                                     DOWN_GEOMETRY)
                self._topology_changed(elements=self.link_keys[was_up])
            self.link_state[falling] = IDLE
            self._new_generation(falling)
        if rising.size:
            rising = rising[self.link_state[rising] == IDLE]
            self._begin_acquisition(rising, self._t_cross[rising])

    def _draw_acquisition_s(self, size: int) -> np.ndarray:
        a = self.isl.acquisition
        if a.distribution == "fixed":
            return np.full(size, a.mean_s)
        if a.distribution == "uniform":
            return self.rng.uniform(a.min_s, a.max_s, size)
        return np.minimum(a.min_s + self.rng.exponential(a.mean_s, size), a.max_s)

    def _begin_acquisition(self, idx: np.ndarray, t_start_s: np.ndarray) -> None:
        if idx.size == 0:
            return
        self.link_state[idx] = ACQUIRING
        self._new_generation(idx)
        self.ctx.events.emit("link_acquiring", t_start_s, self.link_a[idx], self.link_b[idx],
                             self.link_range_m[idx] / 1e3)
        for j, t0, dur in zip(idx, t_start_s, self._draw_acquisition_s(idx.size)):
            self._at(t0 + dur, self._acquired, self.link_keys[j], self.link_gen[j], dur)

    def _new_generation(self, idx: np.ndarray) -> None:
        """Invalidate pending timeouts of these links (generations are never reused)."""
        self.link_gen[idx] = self._gen_seq + 1 + np.arange(idx.size)
        self._gen_seq += idx.size

    def _at(self, t_s: float, callback, *args) -> None:
        ev = self.env.timeout(max(t_s - self.env.now, 0.0))
        ev.callbacks.append(lambda _ev: callback(t_s, *args))

    def _link_index(self, key, gen) -> int | None:
        j = int(np.searchsorted(self.link_keys, key))
        if j < self.link_keys.size and self.link_keys[j] == key and self.link_gen[j] == gen:
            return j
        return None

    def _acquired(self, t_s: float, key, gen, duration_s: float) -> None:
        j = self._link_index(key, gen)
        if j is None or self.link_state[j] != ACQUIRING:
            return
        self.link_state[j] = UP
        self.acquisitions += 1
        self.ctx.events.emit("link_up", t_s, self.link_a[j], self.link_b[j], duration_s)
        self._schedule_failure(j, t_s)
        self._topology_changed(lost=False)

    def _schedule_failure(self, j: int, t_s: float) -> None:
        if self.isl.mtbf_h is not None:
            self._at(t_s + self.rng.exponential(self.isl.mtbf_h * 3600.0), self._failed, self.link_keys[j],
                     self.link_gen[j])

    def _failed(self, t_s: float, key, gen) -> None:
        j = self._link_index(key, gen)
        if j is None or self.link_state[j] != UP:
            return
        self.failures += 1
        self.ctx.events.emit("link_down", t_s, self.link_a[j], self.link_b[j], DOWN_FAILURE)
        self.link_state[j] = IDLE
        self._begin_acquisition(np.array([j]), np.array([t_s]))
        self._topology_changed(elements=self.link_keys[j:j + 1])

    # ------------------------------------------------------------------ ground contacts
    def _contacts_start(self, g: np.ndarray, i: np.ndarray, t_s: np.ndarray) -> None:
        if g.size == 0:
            return
        p = self.stations.clear_sky_probability[g]
        usable = self.rng.random(g.size) < p
        self.gs_usable[g, i] = usable
        self.contacts += g.size
        self.ctx.events.emit("contact_start", t_s, i, g, usable.astype(float))
        if usable.any():
            self._topology_changed(lost=False)

    def _contact_crossings(self) -> None:
        n = self.n
        flat = np.flatnonzero(self._gs_direction)
        direction = self._gs_direction[flat]
        g, i = np.divmod(flat, n)
        start = direction > 0
        self._contacts_start(g[start], i[start], self._gs_t_cross[flat[start]])
        end = ~start
        if end.any():
            ge, ie = g[end], i[end]
            usable = self.gs_usable[ge, ie]
            self.ctx.events.emit("contact_end", self._gs_t_cross[flat[end]], ie, ge, usable.astype(float))
            self.gs_usable[ge, ie] = False
            if usable.any():
                self._topology_changed(elements=n * n + ge[usable] * n + ie[usable])

    # ------------------------------------------------------------------ routing and transfers
    def submit_transfer(self, src, dst, size_bytes: float, on_done: Callable | None = None) -> Transfer:
        """Start moving size_bytes from src to dst (satellite index or station name) now."""
        if not size_bytes > 0:
            raise ValueError(f"size_bytes must be positive, got {size_bytes}")
        return self._submit(self.node_of(src, as_source=True), self.node_of(dst, as_source=False), size_bytes,
                            on_done)

    def _submit(self, src: int, dst: int, size_bytes: float, on_done: Callable | None = None) -> Transfer:
        tr = Transfer(self._next_transfer_id, src, dst, float(size_bytes), float(self.env.now), on_done,
                      remaining_bytes=float(size_bytes))
        self._next_transfer_id += 1
        self.transfers_submitted += 1
        tr.settled_t_s = float(self.env.now)
        self.transfers.append(tr)
        self._unrouted.add(tr)
        self._request_reroute()
        return tr

    def cancel_transfer(self, transfer: Transfer) -> None:
        if transfer in self.transfers:
            self._settle_one(transfer, self.env.now)
            self._post_bytes(transfer)
            self.transfers.remove(transfer)
            seeds = [transfer.route]
            self._forget(transfer)
            transfer.alloc_stamp, transfer.rate_bps = -1, 0.0
            self._reallocate(self.env.now, seeds)

    # -- the link → transfers index
    def _elements(self, path: np.ndarray | None) -> tuple:
        """Element ids a node path relies on: crosslink keys a·N + b (a < b) and, for a ground
        hop, N² + g·N + i (station g, satellite i)."""
        if path is None:
            return ()
        n = self.n
        sats = path[path < n]
        out = (np.minimum(sats[:-1], sats[1:]) * n + np.maximum(sats[:-1], sats[1:])).tolist()
        if path[0] >= n:
            out.append(n * n + (int(path[0]) - n) * n + int(path[1]))
        if path[-1] >= n:
            out.append(n * n + (int(path[-1]) - n - self.stations.n) * n + int(path[-2]))
        return tuple(out)

    @property
    def _by_element(self) -> dict[int, set[Transfer]]:
        """element → the transfers whose route uses it (derived from the route index)."""
        out: dict[int, set[Transfer]] = {}
        for e, routes in self._route_index.items():
            users = set().union(*(route.users for route in routes))
            if users:
                out[e] = users
        return out

    def _index(self, tr: Transfer) -> None:
        tr.elements = tr.route.elements if tr.route is not None else ()
        if tr.route is not None:
            tr.route.users.add(tr)
        if tr.path is None:
            self._unrouted.add(tr)
        else:
            self._unrouted.discard(tr)

    def _forget(self, tr: Transfer) -> None:
        route = tr.route
        if route is not None and tr in route.users:
            route.users.discard(tr)
            if not route.users and not route.kept:
                self._unindex_route(route)
        tr.elements = ()
        self._unrouted.discard(tr)

    def _topology_changed(self, lost: bool = True, elements=None) -> None:
        """A link or usable contact went down (lost) or came up. Losses re-route the demands
        whose path used it (elements: the ids lost, see _elements; None: unknown, check every
        route); gains only matter to demands that have no route."""
        if lost:
            if elements is None:
                for route in list(self._routes.values()):
                    self._evict(route)
            if elements is None or not self.index_links:
                if elements is not None:
                    self._drop_routes(elements)
                self._check_all = True
                if self.transfers or self._pairs:
                    self._request_reroute()
                return
            users = self._drop_routes(elements)
            hit = [e for e in map(int, np.atleast_1d(elements)) if any(e in pe for pe in self._pair_elements)]
            if hit:
                self._lost.update(hit)
            if users:
                self._suspects |= users
            if users or hit:
                self._request_reroute()
        elif self._unrouted or any(p is None for p in self._pair_paths):
            self._request_reroute()

    def _drop_routes(self, elements) -> set[Transfer]:
        """Stop reusing the routes that use a lost element; returns the transfers on them."""
        users: set[Transfer] = set()
        index = self._route_index
        for e in np.atleast_1d(elements).tolist():
            routes = index.get(e)
            if routes:
                for route in list(routes):
                    users |= route.users
                    self._evict(route)
        return users

    def _evict(self, route: Route) -> None:
        """The route is no longer reused; it stays indexed while transfers are on it."""
        key = (route.src, route.dst)
        if self._routes.get(key) is route:
            del self._routes[key]
        route.kept = False
        if not route.users:
            self._unindex_route(route)

    def _index_route(self, route: Route) -> None:
        """Enter a route in the element → routes and resource → routes indexes (while it is kept
        or carries transfers)."""
        index = self._route_index
        for e in route.elements:
            index.setdefault(e, set()).add(route)
        by_resource, shared = self._by_resource, self._shared
        for r in route.resource_set:
            routes = by_resource.setdefault(r, set())
            routes.add(route)
            if len(routes) == 2:
                shared[r] = routes

    def _unindex_route(self, route: Route) -> None:
        index = self._route_index
        for e in route.elements:
            routes = index.get(e)
            if routes is not None:
                routes.discard(route)
                if not routes:
                    del index[e]
        by_resource = self._by_resource
        for r in route.resource_set:
            routes = by_resource.get(r)
            if routes is not None:
                routes.discard(route)
                if len(routes) == 1:
                    del self._shared[r]
                elif not routes:
                    del by_resource[r]

    def _route_for(self, src: int, dst: int, t_s: float, search: bool = False) -> Route | None:
        """The route of a transfer src → dst now: the kept route of the pair while no element of it
        went down since it was searched (and it is younger than routing.reoptimize_s), else a new
        A* search (search=True: unless searched at this instant), kept for the next transfers of
        the pair. None: no route."""
        key = (src, dst)
        route = self._routes.get(key)
        if route is not None and (not search or route.routed_t_s == t_s):
            reoptimize_s = self.config.routing.reoptimize_s
            if (reoptimize_s is None or t_s - route.routed_t_s < reoptimize_s) and self._path_intact(route.path):
                if route.fresh_t_s != t_s:
                    route.latency_s, route.fresh_t_s = self._path_latency_s(route), t_s
                self.route_reuses += 1
                return route
        if route is not None:
            self._evict(route)
        self.route_searches += 1
        latency, path, resources = self._route(src, dst)
        if path is None:
            return None
        route = Route(src, dst, latency, path, resources, self._elements(path), t_s, t_s,
                      resource_set=frozenset(resources.tolist()))
        self._routes[key] = route
        self._index_route(route)
        if len(self._routes) > self.ROUTES_KEPT:  # forget the oldest kept route
            self._evict(next(iter(self._routes.values())))
        return route

    ROUTES_KEPT = 100_000

    def _request_reroute(self, refresh: bool = False) -> None:
        self._route_full |= refresh
        if not self._route_pending:
            self._route_pending = True
            self.env.timeout(0.0).callbacks.append(lambda _ev: self._reroute())

    def build_graph(self):
        """The current directed graph as a scipy sparse matrix (for inspection and tests; routing
        itself uses the A* kernel): nodes 0..N-1 satellites, N+g station g sending, N+G+g
        station g receiving (stations never relay); weights d/c [s]."""
        from sim.network.routing import build_graph
        src, dst, dist_m = [], [], []
        if self.isl is not None:
            up = np.flatnonzero(self.link_state == UP)
            a, b = self.link_a[up], self.link_b[up]
            src += [a, b]
            dst += [b, a]
            dist_m += [self.link_range_m[up]] * 2
        G = 0
        if self.stations is not None:
            G = self.stations.n
            g, i = np.nonzero((self.gs_margin >= 0.0) & self.gs_usable)
            d = np.linalg.norm(self.fleet.r_eci_m[:, i] - self._station_eci_m[:, g], axis=0)
            src += [self.n + g, i]
            dst += [i, self.n + G + g]
            dist_m += [d, d]
        cat = (lambda x, dt: np.concatenate(x).astype(dt) if x else np.zeros(0, dt))
        return build_graph(self.n + 2 * G, cat(src, np.int64), cat(dst, np.int64),
                           cat(dist_m, float) / SPEED_OF_LIGHT_M_S)

    # -- resources shared by flows: int64 ids, decoded into capacities at each allocation
    # ISL hop u→v over link key k: 2k + (u > v); station g's edge to/from satellite i:
    # R1 + g·N + i (uplink) / R2 + g·N + i (downlink); station totals R3 + g / R3 + G + g.
    def _resource_bases(self) -> tuple[int, int, int]:
        n, G = self.n, (self.stations.n if self.stations is not None else 0)
        r1 = 2 * n * n
        return r1, r1 + G * n, r1 + 2 * G * n

    def _link_arrays(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        if self.isl is None:
            return np.zeros(0, np.int64), np.zeros(0, np.int8), np.zeros(0)
        return self.link_keys, self.link_state, self.link_rate_bps


    def _usable_contacts(self, g: int) -> tuple[np.ndarray, np.ndarray]:
        """Satellites in usable contact with station g and the hop latency to each [s]."""
        i = np.flatnonzero((self.gs_margin[g] >= 0.0) & self.gs_usable[g])
        d = np.sqrt(((self.fleet.r_eci_m[:, i] - self._station_eci_m[:, g:g + 1]) ** 2).sum(axis=0))
        return i, d / SPEED_OF_LIGHT_M_S

    def _route(self, src: int, dst: int) -> tuple[float, np.ndarray | None, np.ndarray]:
        """Shortest path by latency from node src to node dst now: (latency [s], node path,
        resource ids); (inf, None, empty) when there is none."""
        n, none = self.n, (math.inf, None, np.zeros(0, np.int64))
        G = self.stations.n if self.stations is not None else 0
        if src < n:
            start, start_cost = np.array([src]), np.zeros(1)
        else:
            start, start_cost = self._usable_contacts(src - n)
        if dst < n:
            goal, goal_cost, goal_m = np.array([dst]), np.zeros(1), self.fleet.r_eci_m[:, dst]
            ball_m = self._clear_radius_m if self.isl is not None else 0.0
        else:
            g = dst - n - G
            goal, goal_cost = self._usable_contacts(g)
            goal_m = self._station_eci_m[:, g]
            # the downlink, at elevation ≥ the mask (≥ −5°), clears a ball just under the station
            dip_rad = math.radians(max(0.0, -self.stations.min_elevation_deg[g]) + 0.25)
            ball_m = min(self._clear_radius_m, float(np.linalg.norm(goal_m)) * math.cos(dip_rad)) \
                if self.isl is not None else 0.0
        if self.isl is None:  # ground only: a satellite path is a single satellite
            common = np.intersect1d(start, goal)
            if common.size == 0:
                return none
            cost = {int(s): c for s, c in zip(start, start_cost)}
            total = [cost[int(s)] + c for s, c in zip(goal, goal_cost) if int(s) in cost]
            k = int(np.argmin(total))
            latency, sats = float(total[k]), np.array([int(s) for s in goal if int(s) in cost][k:k + 1])
        else:
            latency, sats = self._router_now().route(self._link_weight_s, self.fleet.r_eci_m, start, start_cost,
                                                     goal, goal_cost, goal_m, 1.0 / SPEED_OF_LIGHT_M_S,
                                                     ball_m * (1.0 - 1e-6))
            if sats is None:
                return none
        r1, r2, r3 = self._resource_bases()
        u, v = sats[:-1], sats[1:]
        res = [2 * (np.minimum(u, v) * n + np.maximum(u, v)) + (u > v)]
        nodes = [sats]
        if src >= n:
            g = src - n
            res.append(np.array([r1 + g * n + sats[0], r3 + g]))
            nodes.insert(0, np.array([src]))
        if dst >= n:
            g = dst - n - G
            res.append(np.array([r2 + g * n + sats[-1], r3 + G + g]))
            nodes.append(np.array([dst]))
        return latency, np.concatenate(nodes), np.concatenate(res).astype(np.int64)

    def _router_now(self):
        if self._router is None:
            from sim.network.routing import Router
            self._router = Router(self.n, self.link_a, self.link_b)
        if self._link_weight_s is None:  # once per re-route batch: states and ranges are those of now
            self._link_weight_s = np.where(self.link_state == UP, self.link_range_m / SPEED_OF_LIGHT_M_S, np.inf)
        return self._router

    def _path_intact(self, path: np.ndarray | None) -> bool:
        """Every hop of a node path is still up (ISL state UP, contact in view and usable)."""
        if path is None:
            return False
        n = self.n
        sats = path[path < n]
        if sats.size > 1:
            keys = np.minimum(sats[:-1], sats[1:]) * n + np.maximum(sats[:-1], sats[1:])
            j = np.minimum(np.searchsorted(self.link_keys, keys), self.link_keys.size - 1)
            if not (np.all(self.link_keys[j] == keys) and np.all(self.link_state[j] == UP)):
                return False
        G = self.stations.n if self.stations is not None else 0
        if path[0] >= n:
            g, i = path[0] - n, path[1]
            if not (self.gs_usable[g, i] and self.gs_margin[g, i] >= 0.0):
                return False
        if path[-1] >= n:
            g, i = path[-1] - n - G, path[-2]
            if not (self.gs_usable[g, i] and self.gs_margin[g, i] >= 0.0):
                return False
        return True

    def _path_latency_s(self, tr: Route) -> float:
        """One-way latency along a route's intact path now [s]."""
        n, path = self.n, tr.path
        if tr.links_epoch != self._links_epoch or tr.hop_links is None:
            sats = path[path < n]
            keys = np.minimum(sats[:-1], sats[1:]) * n + np.maximum(sats[:-1], sats[1:])
            tr.hop_links = np.searchsorted(self.link_keys, keys) if keys.size else np.zeros(0, np.int64)
            tr.links_epoch = self._links_epoch
        d_m = float(self.link_range_m[tr.hop_links].sum()) if tr.hop_links.size else 0.0
        if path[0] >= n:
            d_m += float(np.linalg.norm(self.fleet.r_eci_m[:, path[1]] - self._station_eci_m[:, path[0] - n]))
        if path[-1] >= n:
            g = path[-1] - n - self.stations.n
            d_m += float(np.linalg.norm(self.fleet.r_eci_m[:, path[-2]] - self._station_eci_m[:, g]))
        return d_m / SPEED_OF_LIGHT_M_S

    def _reroute(self) -> None:
        """Route the demands that need it now: new transfers, unroutable ones and those whose
        route lost a hop. On the periodic refresh (routing.every_s) also: latencies along the
        routes kept, routes older than routing.reoptimize_s, the latency pairs' shortest paths,
        and the flow allocation with the current link rates."""
        self._route_pending = False
        refresh, self._route_full = self._route_full, False
        check_all, self._check_all = self._check_all, False
        lost, self._lost = self._lost, set()
        t_s = self.env.now
        self._link_weight_s = None
        reoptimize_s = self.config.routing.reoptimize_s
        if refresh:
            self._last_route_t_s = t_s
        suspects, self._suspects = self._suspects, set()
        suspects = {tr for tr in suspects if tr.route is not None and tr in tr.route.users}  # still routed
        if refresh or check_all:
            todo = self.transfers
        else:  # only what lost a hop or has no route, in submission order
            todo = sorted(suspects | self._unrouted, key=lambda tr: tr.id)
        changed = False
        seeds: list[Route | None] = []  # routes whose resources' flows need a new allocation
        for tr in todo:
            stale = refresh and reoptimize_s is not None and t_s - tr.routed_t_s >= reoptimize_s
            check = check_all or tr in suspects
            if stale or tr.path is None or (check and not self._path_intact(tr.path)):
                self._settle_one(tr, t_s)
                self._post_bytes(tr)
                seeds.append(tr.route)
                self._forget(tr)
                self._alloc_seq += 1  # its rate is void (0 if no route is found; else re-allocated)
                tr.alloc_stamp, tr.rate_bps = self._alloc_seq, 0.0
                route = tr.route = self._route_for(tr.src, tr.dst, t_s, search=stale)
                if route is None:
                    tr.latency_s, tr.path, tr.resources = math.inf, None, np.zeros(0, np.int64)
                else:
                    tr.latency_s, tr.path, tr.resources = route.latency_s, route.path, route.resources
                tr.routed_t_s = route.routed_t_s if route is not None else t_s
                self._index(tr)
                seeds.append(tr.route)
                changed = True
            elif refresh:
                route = tr.route
                if route.fresh_t_s != t_s:
                    route.latency_s, route.fresh_t_s = self._path_latency_s(route), t_s
                tr.latency_s = route.latency_s
            else:
                continue
            if tr.path is not None:
                self.latency_samples_s.append(tr.latency_s)
        for p, (s, d) in enumerate(self._pairs):
            path = self._pair_paths[p]
            check = check_all or not lost.isdisjoint(self._pair_elements[p])
            if refresh or path is None or (check and not self._path_intact(path)):
                latency, path, _ = self._route(s, d)
                if not refresh and path is None and self._pair_paths[p] is None:
                    continue  # still unreachable: nothing new to report
                self._pair_paths[p] = path
                self._pair_elements[p] = frozenset(self._elements(path))
                first = int(path[1]) if path is not None and path.size > 2 else -1
                self.ctx.events.emit("route_latency", t_s, first, p, latency if path is not None else math.nan)
                if path is not None:
                    self.latency_samples_s.append(latency)
        if refresh and self._rates_drifted():
            self._reallocate(t_s)  # link rates changed with range: every flow
        elif changed:
            self._reallocate(t_s, seeds)

    def _rates_drifted(self) -> bool:
        """A resource in use has another capacity now than at its last allocation. Capacities
        follow only the link rates and states (station rates are fixed): when both are as at the
        last check that found no drift, there is none (one comparison instead of a decode)."""
        if not self._cap_log:
            return False
        ref = self._drift_ref
        if self.isl is not None and ref is not None and ref[0] is self.link_keys and \
                np.array_equal(ref[1], self.link_rate_bps) and np.array_equal(ref[2], self.link_state):
            return False
        ids, was = self._compact_cap_log()
        if ids.size == 0:
            return False
        drifted = not np.array_equal(self._capacity_bps(ids), was)
        if self.isl is not None:  # after a drift the full re-allocation makes the current ones the reference
            self._drift_ref = (self.link_keys, self.link_rate_bps.copy(), self.link_state.copy())
        return drifted

    def _compact_cap_log(self) -> tuple[np.ndarray, np.ndarray]:
        """Resources of the routes carrying transfers that were allocated, and the capacity of
        each at its last allocation (the last entry of the log) [bit/s]; the log becomes that."""
        active = set().union(*(route.resource_set for route in {tr.route for tr in self.transfers}
                               if route is not None and route.users))
        if not active or not self._cap_log:
            self._cap_log = []
            return np.zeros(0, np.int64), np.zeros(0)
        ids = np.concatenate([e[0] for e in self._cap_log])[::-1]
        ids, last = np.unique(ids, return_index=True)
        was = np.concatenate([e[1] for e in self._cap_log])[::-1][last]
        keep = np.isin(ids, np.fromiter(active, np.int64, len(active)))
        ids, was = ids[keep], was[keep]
        self._cap_log = [(ids, was)]
        return ids, was

    def _capacity_bps(self, resource: np.ndarray) -> np.ndarray:
        """Capacity of resource ids now [bit/s] (0 for a link that is not up)."""
        r1, r2, r3 = self._resource_bases()
        cap = np.zeros(resource.size)
        isl = resource < r1
        if isl.any():
            key = resource[isl] // 2
            j = np.minimum(np.searchsorted(self.link_keys, key), self.link_keys.size - 1)
            ok = (self.link_keys[j] == key) & (self.link_state[j] == UP)
            cap[isl] = np.where(ok, self.link_rate_bps[j], 0.0)
        if self.stations is not None:
            n, G = self.n, self.stations.n
            edge = (resource >= r1) & (resource < r3)
            g = ((resource[edge] - r1) % (G * n)) // n
            cap[edge] = self.stations.rate_bps[g]
            total = resource >= r3
            g = (resource[total] - r3) % G
            cap[total] = self.stations.rate_bps[g] * self.stations.antennas[g]
        return cap

    def _component(self, seeds) -> list[Transfer]:
        """Routed transfers connected to the resources of the seed routes through shared
        resources, in submission order: max–min fair rates of other flows cannot change
        (Bertsekas & Gallager §6.5.2: the allocation splits over connected components)."""
        group: set[Transfer] = set()
        routes: set[Route] = set()
        seen: set[int] = set()
        by_resource, shared = self._by_resource, self._shared
        for seed in seeds:
            if seed is not None and not seed.resource_set <= seen:
                seen |= seed.resource_set
                if seed.kept or seed.users:  # indexed: its own resources lead only to itself
                    routes.add(seed)
                    for r in shared.keys() & seed.resource_set:
                        routes |= shared[r]
                else:
                    for r in by_resource.keys() & seed.resource_set:
                        routes |= by_resource[r]
        stack = list(routes)
        while stack:  # only resources of two or more routes carrying transfers link them
            route = stack.pop()
            if not route.users:
                continue
            group |= route.users
            new = route.resource_set - seen
            seen |= new
            for r in shared.keys() & new:
                for other in shared[r]:
                    if other not in routes:
                        routes.add(other)
                        stack.append(other)
        return sorted(group, key=lambda tr: tr.id)

    def _reallocate(self, t_s: float, seeds=None) -> None:
        """Max–min fair rates now: of every transfer (seeds None), or only of those connected to
        the resources of the seed routes (what a submission, completion or re-route can change)."""
        self._flow_gen += 1
        if seeds is None:
            group = self.transfers
            self._cap_log = []
        else:
            group = self._component(seeds)
        routed = []
        for tr in group:
            self._settle_one(tr, t_s)
            self._alloc_seq += 1
            tr.alloc_stamp, tr.rate_bps = self._alloc_seq, 0.0
            if tr.path is not None:
                routed.append(tr)
        if routed:
            indptr = np.zeros(len(routed) + 1, np.int64)
            np.cumsum([tr.resources.size for tr in routed], out=indptr[1:])
            res = np.concatenate([tr.resources for tr in routed])
            ids, cap, inverse = np.empty(res.size, np.int64), np.empty(res.size), np.empty(res.size, np.int64)
            rates = np.zeros(len(routed))
            m = self._links.allocate_flows(
                res, indptr, *self._link_arrays(), UP, *self._resource_bases()[::2], self.n, *self._station_rates,
                1e-12, ids, cap, inverse, rates, np.empty(res.size), np.empty(res.size, np.int64),
                np.empty(len(routed), np.bool_))
            self._cap_log.append((ids[:m], cap[:m]))
            if len(self._cap_log) > 1024:
                self._compact_cap_log()
            heap = self._finish_heap
            for tr, rate in zip(routed, rates.tolist()):
                tr.rate_bps = rate
                if rate > 0.0:
                    heapq.heappush(heap, (t_s + tr.remaining_bytes * 8.0 / rate, tr.id, tr.alloc_stamp, tr))
            if len(heap) > 4 * len(self.transfers) + 64:  # drop stale entries
                self._finish_heap = [e for e in heap if e[2] == e[3].alloc_stamp]
                heapq.heapify(self._finish_heap)
        top = self._next_finish()
        if top is not None:
            self._at(top[0], self._flows_due, self._flow_gen)

    def _next_finish(self):
        """The earliest valid finish-heap entry, or None."""
        heap = self._finish_heap
        while heap and heap[0][2] != heap[0][3].alloc_stamp:
            heapq.heappop(heap)
        return heap[0] if heap else None

    def _flows_due(self, t_s: float, gen: int) -> None:
        if gen != self._flow_gen:
            return
        done = []
        while (top := self._next_finish()) is not None:
            tr = top[3]
            self._settle_one(tr, t_s)
            if not (top[0] <= t_s or tr.remaining_bytes <= 1e-9 * tr.size_bytes + 1e-6):
                break
            heapq.heappop(self._finish_heap)
            tr.alloc_stamp = -1
            done.append(tr)
        done.sort(key=lambda tr: tr.id)
        done_set = set(done)
        self.transfers = [tr for tr in self.transfers if tr not in done_set]
        seeds: list[Route | None] = []
        for tr in done:
            self._post_bytes(tr)
            seeds.append(tr.route)
            self._forget(tr)
            tr.remaining_bytes = 0.0
            tr.rate_bps = 0.0
            tr.done_t_s = t_s
            self.transfers_done += 1
            self.transfer_times_s.append(t_s - tr.submitted_t_s)
            self.ctx.events.emit("transfer_done", t_s, tr.src, tr.id, t_s - tr.submitted_t_s)
        self._reallocate(t_s, seeds)
        for tr in done:
            if tr.on_done is not None:
                tr.on_done(tr)

    def _settle_one(self, tr: Transfer, t_s: float) -> None:
        """Move a transfer's bytes at its current rate from its last settlement to t_s."""
        dt = t_s - tr.settled_t_s
        tr.settled_t_s = t_s
        if dt <= 0.0 or tr.rate_bps <= 0.0 or tr.path is None:
            return
        moved = min(tr.rate_bps * dt / 8.0, tr.remaining_bytes)
        tr.remaining_bytes -= moved
        tr.unposted_bytes += moved
        self.bytes_moved += moved

    def _settle(self, t_s: float) -> None:
        """Settle every transfer to t_s (bytes move lazily: per transfer when its rate or path
        changes, when it ends, and here at each record)."""
        for tr in self.transfers:
            self._settle_one(tr, t_s)

    def _post_bytes(self, tr: Transfer) -> None:
        """Add the bytes a transfer moved along its current path to bytes_in / bytes_out
        (relays count both); done before its path changes, when it ends and at each record."""
        if tr.unposted_bytes > 0.0 and tr.path is not None:
            sats = tr.path[tr.path < self.n]
            first, last = (1 if tr.path[0] >= self.n else 0), (1 if tr.path[-1] >= self.n else 0)
            self.bytes_out[sats[:sats.size - 1 + last]] += tr.unposted_bytes
            self.bytes_in[sats[1 - first:]] += tr.unposted_bytes
        tr.unposted_bytes = 0.0

    # ------------------------------------------------------------------ outputs
    def record(self, t_s: float) -> dict[str, np.ndarray]:
        self._settle(t_s)
        for tr in self.transfers:
            self._post_bytes(tr)
        isl_up = np.zeros(self.n)
        if self.isl is not None:
            up = self.link_state == UP
            isl_up += np.bincount(self.link_a[up], minlength=self.n) + np.bincount(self.link_b[up], minlength=self.n)
        contact = np.zeros(self.n)
        if self.stations is not None:
            contact = ((self.gs_margin >= 0.0) & self.gs_usable).sum(axis=0).astype(float)
        out = {"isl_up": isl_up, "ground_contact": contact, "bytes_in": self.bytes_in.copy(),
               "bytes_out": self.bytes_out.copy()}
        self.bytes_in[:] = 0.0
        self.bytes_out[:] = 0.0
        return out

    def summary(self) -> dict[str, tuple[float, str]]:
        self._settle(self.env.now)
        days = max(self.ctx.elapsed_s, 1e-9) / 86400.0
        times = np.asarray(self.transfer_times_s)
        out = {"bytes_moved": (self.bytes_moved, "B"),
               "transfers_submitted": (self.transfers_submitted, "1"),
               "transfers_done": (self.transfers_done, "1"),
               "transfer_time_mean_s": (float(times.mean()) if times.size else math.nan, "s"),
               "transfer_time_p95_s": (float(np.percentile(times, 95)) if times.size else math.nan, "s")}
        if self.isl is not None:
            avail = self.up_link_seconds / self.feasible_link_seconds if self.feasible_link_seconds else 0.0
            out.update({
                "link_availability": (avail, "1"),
                "acquisitions_per_satellite_day": (self.acquisitions / (self.n * days), "1/d"),
                "link_failures": (self.failures, "1"),
                "candidate_links": (int(self.link_keys.size), "1"),
            })
        if self.stations is not None:
            out["contacts"] = (self.contacts, "1")
        lat = np.asarray(self.latency_samples_s)
        out["path_latency_mean_ms"] = (float(lat.mean() * 1e3) if lat.size else math.nan, "ms")
        out["path_latency_p95_ms"] = (float(np.percentile(lat, 95) * 1e3) if lat.size else math.nan, "ms")
        return out
