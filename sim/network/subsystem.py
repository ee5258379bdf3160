"""The network subsystem: a thin façade over crosslinks, contacts, routes and transfers.

Every tick one kernel call evaluates all candidate crosslinks and one all (station, satellite)
elevations, each finding the crossings inside the tick in the same pass; crossings become
events. Acquisitions, random failures and transfer completions are SimPy timeouts, so Python
work is proportional to link changes. The transfers that need a route (new ones, unroutable
ones and those whose route lost an element) are routed once per instant, and everything is
refreshed every `routing.every_s`. The public API is in the package docstring (sim.network).
"""
from __future__ import annotations

import math
from typing import Callable

import numpy as np

from sim.core.constants import SECONDS_PER_DAY
from sim.core.subsystem import Subsystem
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
        self._last_route_t_s = -math.inf
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
        self._request_reroute()
        return tr

    # ------------------------------------------------------------------ time
    def start(self) -> None:
        parts = [part for part in (self.links, self.contacts) if part is not None]
        for part in parts:  # the geometry at the epoch, then what is up at the epoch
            part.initial()
        for part in parts:
            part.start()
        if self.demands:
            self.env.process(submit_scheduled(self.env, self.demands, self._submit))
        if self.flows.active or len(self.pairs):
            self._request_reroute(refresh=True)

    def advance(self, block) -> None:
        every_s = self.config.routing.every_s
        for step in block.steps():
            t_s = self.ctx.clock.time_of_step(step)
            if self.links is not None:
                self.links.tick(t_s, block.dt_s)
            if self.contacts is not None:
                self.contacts.tick(t_s, block.dt_s)
            if (self.flows.active or len(self.pairs)) and t_s - self._last_route_t_s >= every_s:
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
            self._last_route_t_s = t_s
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
