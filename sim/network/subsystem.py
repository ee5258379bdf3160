"""The network subsystem: a thin façade over crosslinks, contacts, routes and transfers.

Every tick the tick kernel (sim.network.tick.network_tick, the block contract of sim.core.subsystem)
evaluates all candidate crosslinks and all (station, satellite) elevations, each finding the
crossings inside the tick in the same pass, and flags the tick where Python must act: crossings
become events (after_tick), the periodic re-route is requested, the nearest-neighbour re-selection
runs. A quiet tick runs no Python. Acquisitions, random failures and transfer completions are SimPy
timeouts, so Python work is proportional to link changes. The transfers that need a route (new ones,
unroutable ones and those whose route lost an element) are routed once per instant, and everything
is refreshed every `routing.every_s`. The public API is in the package docstring (sim.network).
"""
from __future__ import annotations

import math
from typing import Callable

import numpy as np

from sim.core.constants import SECONDS_PER_DAY
from sim.core.subsystem import Subsystem, TickKernel
from sim.network import tick
from sim.network.contacts import CONTACT_EVENTS, Contacts
from sim.network.demands import resolve_demands, submit_scheduled
from sim.network.ids import NetworkIds
from sim.network.links import LINK_EVENTS, Crosslinks
from sim.network.routes import ROUTE_EVENTS, LatencyPairs, Routes
from sim.network.transfers import TRANSFER_EVENTS, Transfer, Transfers


class Network(Subsystem):
    """Crosslinks, ground contacts, routes and transfers; built when the scenario has `network:`."""

    name = "network"
    section = "network"
    requires = ("positions",)
    provides = ("network",)
    events = {**LINK_EVENTS, **CONTACT_EVENTS, **TRANSFER_EVENTS, **ROUTE_EVENTS}

    @classmethod
    def event_kinds(cls, scenario) -> dict[str, str]:
        cfg = scenario.network
        return {**(LINK_EVENTS if cfg.crosslinks is not None else {}),
                **(CONTACT_EVENTS if cfg.ground_stations is not None else {}), **TRANSFER_EVENTS, **ROUTE_EVENTS}

    def __init__(self, ctx):
        super().__init__(ctx)
        self.config = cfg = ctx.scenario.network
        self.env = ctx.env
        self.n = n = ctx.fleet.n
        rng = ctx.rng(self.name)
        lost, gained = (lambda elements: self._elements_lost(elements)), (lambda: self._elements_gained())
        self.links = None if cfg.crosslinks is None else \
            Crosslinks(cfg.crosslinks, ctx.scenario, ctx.fleet, ctx.env, ctx.events, rng, lost, gained)
        self.contacts = None if cfg.ground_stations is None else \
            Contacts(cfg.ground_stations, ctx.scenario, ctx.fleet, ctx.clock, ctx.events, rng, lost, gained)
        stations = self.contacts.stations if self.contacts is not None else None
        self.ids = NetworkIds(n, stations.names if stations is not None else None)
        self.routes = Routes(self.ids, self.links, self.contacts, ctx.fleet, cfg.routing)
        self.flows = Transfers(self.ids, self.routes, self.links, stations, ctx.env, ctx.events, cfg.routing)
        self.pairs = LatencyPairs([(self.ids.node_of(a, as_source=True), self.ids.node_of(b, as_source=False))
                                   for a, b in cfg.routing.latency_pairs], self.routes, ctx.events)
        self.demands = resolve_demands(cfg.transfers, self.ids)
        self._route_pending = False
        self._route_full = False
        # [time of the last full re-route [s], 1 when something may need the periodic one] (the kernel reads it)
        self._route_clock = np.array([-math.inf, 0.0])
        self._args, self._args_key = (), None
        # [row, cos_col], [row, cos_col + 1]: cos, sin of GMST at each tick of the block (row 0: _table_first)
        self._gmst, self._cos_col, self._table_first = np.zeros((1, 2)), 0, 1
        self._lost: set[int] = set()  # elements of latency-pair paths lost since the last re-route
        self.provide("network", self)
        self.recorded_units = {"isl_up": "1", "ground_contact": "1", "bytes_in": "byte", "bytes_out": "byte"}
        self.recorded_attrs = {name: {"long_name": text} for name, text in (
            ("isl_up", "crosslinks up"), ("ground_contact", "ground stations in contact"),
            ("bytes_in", "bytes received since the previous record"),
            ("bytes_out", "bytes sent since the previous record"))}

    # ------------------------------------------------------------------ the API
    def submit_transfer(self, src, dst, size_bytes: float, on_done: Callable | None = None) -> Transfer:
        """Start moving size_bytes from src to dst (satellite index or station name) now."""
        if not size_bytes > 0:
            raise ValueError(f"size_bytes must be positive, got {size_bytes}")
        return self._submit(self.ids.node_of(src, as_source=True), self.ids.node_of(dst, as_source=False),
                            size_bytes, on_done)

    def cancel_transfer(self, transfer: Transfer) -> None:
        """Drop a transfer (its bytes so far stay counted); no effect on one that ended."""
        self.flows.cancel(transfer)

    def node_of(self, endpoint, *, as_source: bool) -> int:
        return self.ids.node_of(endpoint, as_source=as_source)

    @property
    def active_transfers(self) -> list[Transfer]:
        return self.flows.active

    def _submit(self, src: int, dst: int, size_bytes: float, on_done: Callable | None = None) -> Transfer:
        tr = self.flows.submit(src, dst, size_bytes, on_done)
        self._route_clock[1] = 1.0
        self._request_reroute()
        return tr

    # ------------------------------------------------------------------ faults (sim.faults acts through these)
    def set_stations_up(self, stations, up: bool) -> None:
        """Ground stations (indices) down or back up now: no usable contact while down."""
        self.contacts.set_stations_up(self.env.now, np.asarray(stations, np.int64), up)

    def set_terminal_faults(self, sat, terminal, change: int) -> None:
        """Add (+1) or clear (−1) a fault on terminals (sat[k], terminal[k]); terminal −1: all of the
        satellite's terminals. A link is down while a terminal at either end is (sim.network.links)."""
        self.links.set_terminal_faults(self.env.now, sat, terminal, change)

    # ------------------------------------------------------------------ time
    @property
    def _last_route_t_s(self) -> float:
        return float(self._route_clock[0])

    def start(self) -> None:
        parts = [part for part in (self.links, self.contacts) if part is not None]
        for part in parts:  # the lifetime subsystem's field, allocated after this one was built
            part.has_reentry, part.reentered = tick.reentered_of(self.ctx.fleet)
        for part in parts:  # the geometry at the epoch, then what is up at the epoch
            part.initial()
        for part in parts:
            part.start()
        if self.demands:
            self.env.process(submit_scheduled(self.env, self.demands, self._submit))
        if self.flows.active or len(self.pairs):
            self._route_clock[1] = 1.0
            self._request_reroute(refresh=True)

    # the block contract: one tick in the kernel, Python only where it flags the tick
    def tick_kernel(self) -> TickKernel:
        return TickKernel(function=tick.network_tick, args=self._tick_args, prepare=self._prepare,
                          after_tick=self._after_tick)

    def _prepare(self, first_step: int, last_step: int) -> None:
        """cos and sin of GMST at the end of each tick of the block (row 0: first_step), for the
        stations; the core's clock_table where it is provided (the same numbers as ctx.clock.at)."""
        if self.contacts is None:
            return
        table = self.ctx.services.get("clock_table") if "clock_table" in self.ctx.services else None
        self._table_first = first_step
        if isinstance(table, np.ndarray) and table.ndim == 2 and table.shape[1] >= 6:
            self._gmst, self._cos_col = table, 4  # sim.orbits.tick.CLOCK_COS_GMST, CLOCK_SIN_GMST
            return
        rows = last_step - first_step + 1
        if self._gmst.shape[0] < rows:
            self._gmst = np.zeros((max(rows, self.ctx.max_block_ticks), 2))
        clock = self.ctx.clock
        for row in range(rows):
            now = clock.at(clock.time_of_step(first_step + row))
            self._gmst[row] = now.cos_gmst, now.sin_gmst

    def _tick_args(self) -> tuple:
        """What tick.network_tick reads after (step, row, t0_s, dt_s); built again only when an
        array or scalar in it was replaced (a new candidate set, another table, a setting)."""
        f, links = self.ctx.fleet, self.links
        key = (links.epoch if links is not None else 0, id(self._gmst), self._cos_col, self.config.routing.every_s,
               id(f.r_eci_m), id(f.v_eci_m_s), id(getattr(f, "reentered", None)),
               links.config.reselect_every_s if links is not None else 0.0)
        if self._args_key != key:
            self._args, self._args_key = self._build_tick_args(), key
        return self._args

    def _build_tick_args(self) -> tuple:
        f, links, contacts, none = self.ctx.fleet, self.links, self.contacts, tick.EMPTY
        has_reentry, reentered = tick.reentered_of(f)
        reselect = links is not None and links.reselects
        head = (f.r_eci_m, f.v_eci_m_s, has_reentry, reentered, self._route_clock, self.config.routing.every_s,
                reselect, links.reselected if links is not None else none["clock"],
                links.config.reselect_every_s if reselect else math.inf)
        if links is not None:
            link_args = (True, links.chunk(), *links.geometry_args()[4:], links.link_seconds)
        else:
            link_args = (False, 0, *tick.no_link_args())
        if contacts is not None:
            contact_args = (True, contacts.chunk(), self._gmst, self._cos_col, *contacts.geometry_args()[3:])
        else:
            contact_args = (False, 0, self._gmst, 0, *tick.no_contact_args(f.n))
        return head + link_args + contact_args

    def _after_tick(self, step: int, flag: int) -> None:
        """The Python of a flagged tick, in the order of the tick: link crossings, contact
        crossings, the periodic re-route."""
        t_s, dt_s = self.ctx.clock.time_of_step(step), self.ctx.dt_s
        if flag & tick.WHOLE_TICK:
            if self.links is not None:
                self.links.tick(t_s, dt_s)
            if self.contacts is not None:  # GMST from the block's table, as the kernel reads it
                row, c = step - self._table_first, self._cos_col
                self.contacts.tick(t_s, dt_s, (self._gmst[row, c], self._gmst[row, c + 1]))
            flag = tick.REROUTE_DUE
        if flag & tick.LINK_CROSSINGS:
            self.links._crossings()
        if flag & tick.CONTACT_CROSSINGS:
            self.contacts._crossings()
        if flag & tick.REROUTE_DUE:
            if not (self.flows.active or len(self.pairs)):
                self._route_clock[1] = 0.0  # nothing to route until the next submission
            elif t_s - self._last_route_t_s >= self.config.routing.every_s:
                self._request_reroute(refresh=True)

    # ------------------------------------------------------------------ topology changes and re-routes
    def _elements_lost(self, elements) -> None:
        """Elements (sim.network.ids) went down: the routes using them are no longer reused, and
        the transfers and latency pairs on them are checked at the next re-route."""
        users = self.routes.drop(elements)
        hit = self.pairs.using(elements)
        if hit:
            self._lost.update(hit)
        if users:
            self.flows.suspects |= users
        if users or hit:
            self._request_reroute()

    def _elements_gained(self) -> None:
        """A link or usable contact came up: it matters only to what has no route."""
        if self.flows.unrouted or self.pairs.any_unreachable():
            self._request_reroute()

    def _request_reroute(self, refresh: bool = False) -> None:
        self._route_full |= refresh
        if not self._route_pending:
            self._route_pending = True
            self.env.timeout(0.0).callbacks.append(lambda _ev: self._reroute())

    def _reroute(self) -> None:
        """Route what needs it now; on the periodic refresh (routing.every_s) also the latencies
        along the routes kept, routes older than routing.reoptimize_s, the latency pairs'
        shortest paths, and the flow allocation with the current link rates."""
        self._route_pending = False
        refresh, self._route_full = self._route_full, False
        lost, self._lost = self._lost, set()
        t_s = self.env.now
        self.routes.new_batch()
        if refresh:
            self._route_clock[0] = t_s
        changed, seeds = self.flows.reroute(t_s, refresh)
        self.pairs.update(t_s, refresh, lost)
        if refresh and self.flows.rates_drifted():
            self.flows.reallocate(t_s)  # link rates changed with range: every flow
        elif changed:
            self.flows.reallocate(t_s, seeds)

    # ------------------------------------------------------------------ outputs
    def record(self, t_s: float) -> dict[str, np.ndarray]:
        bytes_in, bytes_out = self.flows.take_bytes(t_s)
        isl_up = np.zeros(self.n)
        if self.links is not None:
            isl_up += self.links.up_per_satellite()
        contact = np.zeros(self.n)
        if self.contacts is not None:
            contact = self.contacts.in_contact().sum(axis=0).astype(float)
        return {"isl_up": isl_up, "ground_contact": contact, "bytes_in": bytes_in, "bytes_out": bytes_out}

    def summary(self) -> dict[str, tuple[float, str]]:
        flows = self.flows
        flows.settle(self.env.now)
        days = max(self.ctx.elapsed_s, 1e-9) / SECONDS_PER_DAY
        times = np.asarray(flows.times_s)
        out = {"bytes_moved": (flows.bytes_moved, "byte"),
               "transfers_submitted": (flows.submitted, "1"),
               "transfers_done": (flows.done, "1"),
               "transfer_time_mean_s": (float(times.mean()) if times.size else math.nan, "s"),
               "transfer_time_p95_s": (float(np.percentile(times, 95)) if times.size else math.nan, "s")}
        links = self.links
        if links is not None:
            avail = links.up_link_seconds / links.feasible_link_seconds if links.feasible_link_seconds else 0.0
            out.update({
                "link_availability": (avail, "1"),
                "acquisitions_per_satellite_day": (links.acquisitions / (self.n * days), "1/d"),
                "link_failures": (links.failures, "1"),
                "candidate_links": (int(links.keys.size), "1"),
            })
        if self.contacts is not None:
            out["contacts"] = (self.contacts.contacts, "1")
        lat = np.asarray(self.routes.latency_samples_s)
        out["path_latency_mean_ms"] = (float(lat.mean() * 1e3) if lat.size else math.nan, "ms")
        out["path_latency_p95_ms"] = (float(np.percentile(lat, 95) * 1e3) if lat.size else math.nan, "ms")
        return out
