"""Transfers: bytes moving between nodes, their routes, and max–min fair flow rates.

A transfer takes the kept route of its (src, dst) pair (sim.network.routes), waits at rate 0
while there is none, and is re-routed when an element of its route goes down. Rates are
max–min fair over the shared capacities (sim.network.maxmin), re-allocated only for the flows
connected through shared resources to those that changed (Bertsekas & Gallager §6.5.2: the
allocation splits over connected components). Bytes move lazily: a transfer is settled when
its rate or path changes, when it ends and at each record. Completions are SimPy timeouts at
the earliest finish time of the current allocation.
"""
from __future__ import annotations

import heapq
import math
from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from sim.network import maxmin
from sim.network.links import UP, call_at
from sim.network.routes import Route

TRANSFER_EVENTS = {
    "transfer_done": "sat: source node, a: transfer id, b: duration [s]",
}


@dataclass(eq=False)
class Transfer:
    """Bytes moving from node src to node dst (sim.network.ids)."""
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
    settled_t_s: float = 0.0            # remaining_bytes is as of this time
    alloc_stamp: int = 0                # rate assignment (finish-heap entries of older ones are stale)
    route: Route | None = None          # the shared route (None while unroutable)


class Transfers:
    """The active transfers of one network, their bytes and their rates."""

    def __init__(self, ids, routes, links, stations, env, events, routing):
        self.ids, self.routes, self.links = ids, routes, links
        self.env, self.events, self.routing = env, events, routing
        self.active: list[Transfer] = []
        self.suspects: set[Transfer] = set()  # routed transfers whose route lost an element since the last re-route
        self.unrouted: set[Transfer] = set()
        self._next_id = 0
        self._flow_gen = 0
        self._cap_log: list = []  # (resource ids, capacities [bit/s]) of each allocation since the last full one
        self._finish_heap: list = []      # (finish time [s], id, alloc_stamp, transfer)
        self._drift_ref = None            # (link keys, rates, states) at the last drift check
        self._alloc_seq = 0
        n = ids.n
        self.bytes_in = np.zeros(n)
        self.bytes_out = np.zeros(n)
        self.bytes_moved = 0.0
        self.submitted = 0
        self.done = 0
        self.times_s: list[float] = []
        # (G, rate of a station edge, station total = rate × antennas) [bit/s]
        self._station_rates = (1, np.zeros(1), np.zeros(1)) if stations is None else \
            (stations.n, np.ascontiguousarray(stations.rate_bps, float),
             np.ascontiguousarray(stations.rate_bps * stations.antennas, float))

    def submit(self, src: int, dst: int, size_bytes: float, on_done: Callable | None = None) -> Transfer:
        """A new transfer between nodes, unrouted until the next re-route."""
        now = float(self.env.now)
        tr = Transfer(self._next_id, src, dst, float(size_bytes), now, on_done, remaining_bytes=float(size_bytes))
        self._next_id += 1
        self.submitted += 1
        tr.settled_t_s = now
        self.active.append(tr)
        self.unrouted.add(tr)
        return tr

    def cancel(self, transfer: Transfer) -> None:
        if transfer in self.active:
            self.settle_one(transfer, self.env.now)
            self._post_bytes(transfer)
            self.active.remove(transfer)
            seeds = [transfer.route]
            self._forget(transfer)
            transfer.alloc_stamp, transfer.rate_bps = -1, 0.0
            self.reallocate(self.env.now, seeds)

    def _index(self, tr: Transfer) -> None:
        if tr.route is not None:
            tr.route.users.add(tr)
        if tr.path is None:
            self.unrouted.add(tr)
        else:
            self.unrouted.discard(tr)

    def _forget(self, tr: Transfer) -> None:
        route = tr.route
        if route is not None and tr in route.users:
            route.users.discard(tr)
            if not route.users and not route.kept:
                self.routes.unindex(route)
        self.unrouted.discard(tr)

    # ------------------------------------------------------------------ routing
    def reroute(self, t_s: float, refresh: bool) -> tuple[bool, list]:
        """Route the transfers that need it now: new and unroutable ones, suspects whose route is
        broken and, on a refresh, those older than routing.reoptimize_s; on a refresh also the
        latency along every route kept. Returns (any route changed, the routes whose flows need a
        new allocation)."""
        reoptimize_s = self.routing.reoptimize_s
        routes = self.routes
        suspects, self.suspects = self.suspects, set()
        suspects = {tr for tr in suspects if tr.route is not None and tr in tr.route.users}  # still routed
        todo = self.active if refresh else sorted(suspects | self.unrouted, key=lambda tr: tr.id)
        changed = False
        seeds: list[Route | None] = []
        for tr in todo:
            stale = refresh and reoptimize_s is not None and t_s - tr.routed_t_s >= reoptimize_s
            if stale or tr.path is None or (tr in suspects and not routes.intact(tr.path)):
                self.settle_one(tr, t_s)
                self._post_bytes(tr)
                seeds.append(tr.route)
                self._forget(tr)
                self._alloc_seq += 1  # its rate is void (0 if no route is found; else re-allocated)
                tr.alloc_stamp, tr.rate_bps = self._alloc_seq, 0.0
                route = tr.route = routes.route_for(tr.src, tr.dst, t_s, search=stale)
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
                    route.latency_s, route.fresh_t_s = routes.latency_s(route), t_s
                tr.latency_s = route.latency_s
            else:
                continue
            if tr.path is not None:
                routes.latency_samples_s.append(tr.latency_s)
        return changed, seeds

    # ------------------------------------------------------------------ rates
    def _link_arrays(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        if self.links is None:
            return np.zeros(0, np.int64), np.zeros(0, np.int8), np.zeros(0)
        return self.links.keys, self.links.state, self.links.rate_bps

    def capacity_bps(self, resource: np.ndarray) -> np.ndarray:
        """Capacity of resource ids now [bit/s] (0 for a link that is not up)."""
        return maxmin.resource_capacities(np.ascontiguousarray(resource, np.int64), *self._link_arrays(), UP,
                                          self.ids.r1, self.ids.r3, self.ids.n, *self._station_rates,
                                          np.zeros(resource.size))

    def rates_drifted(self) -> bool:
        """A resource in use has another capacity now than at its last allocation. Capacities
        follow only the link rates and states (station rates are fixed): when both are as at the
        last check that found no drift, there is none (one comparison instead of a decode)."""
        if not self._cap_log:
            return False
        ref, links = self._drift_ref, self.links
        if links is not None and ref is not None and ref[0] is links.keys and \
                np.array_equal(ref[1], links.rate_bps) and np.array_equal(ref[2], links.state):
            return False
        ids, was = self._compact_cap_log()
        if ids.size == 0:
            return False
        drifted = not np.array_equal(self.capacity_bps(ids), was)
        if links is not None:  # after a drift the full re-allocation makes the current ones the reference
            self._drift_ref = (links.keys, links.rate_bps.copy(), links.state.copy())
        return drifted

    def _compact_cap_log(self) -> tuple[np.ndarray, np.ndarray]:
        """Resources of the routes carrying transfers that were allocated, and the capacity of
        each at its last allocation (the last entry of the log) [bit/s]; the log becomes that."""
        active = set().union(*(route.resource_set for route in {tr.route for tr in self.active}
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

    def _component(self, seeds) -> list[Transfer]:
        """Routed transfers connected to the resources of the seed routes through shared
        resources, in submission order: max–min fair rates of other flows cannot change."""
        group: set[Transfer] = set()
        routes: set[Route] = set()
        seen: set[int] = set()
        by_resource, shared = self.routes.by_resource, self.routes.shared
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

    def reallocate(self, t_s: float, seeds=None) -> None:
        """Max–min fair rates now: of every transfer (seeds None), or only of those connected to
        the resources of the seed routes (what a submission, completion or re-route can change)."""
        self._flow_gen += 1
        if seeds is None:
            group = self.active
            self._cap_log = []
        else:
            group = self._component(seeds)
        routed = []
        for tr in group:
            self.settle_one(tr, t_s)
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
            m = maxmin.allocate_flows(
                res, indptr, *self._link_arrays(), UP, self.ids.r1, self.ids.r3, self.ids.n, *self._station_rates,
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
            if len(heap) > 4 * len(self.active) + 64:  # drop stale entries
                self._finish_heap = [e for e in heap if e[2] == e[3].alloc_stamp]
                heapq.heapify(self._finish_heap)
        top = self._next_finish()
        if top is not None:
            call_at(self.env, top[0], self._flows_due, self._flow_gen)

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
            self.settle_one(tr, t_s)
            if not (top[0] <= t_s or tr.remaining_bytes <= 1e-9 * tr.size_bytes + 1e-6):
                break
            heapq.heappop(self._finish_heap)
            tr.alloc_stamp = -1
            done.append(tr)
        done.sort(key=lambda tr: tr.id)
        done_set = set(done)
        self.active = [tr for tr in self.active if tr not in done_set]
        seeds: list[Route | None] = []
        for tr in done:
            self._post_bytes(tr)
            seeds.append(tr.route)
            self._forget(tr)
            tr.remaining_bytes = 0.0
            tr.rate_bps = 0.0
            tr.done_t_s = t_s
            self.done += 1
            self.times_s.append(t_s - tr.submitted_t_s)
            self.events.emit("transfer_done", t_s, tr.src, tr.id, t_s - tr.submitted_t_s)
        self.reallocate(t_s, seeds)
        for tr in done:
            if tr.on_done is not None:
                tr.on_done(tr)

    # ------------------------------------------------------------------ bytes
    def settle_one(self, tr: Transfer, t_s: float) -> None:
        """Move a transfer's bytes at its current rate from its last settlement to t_s."""
        dt = t_s - tr.settled_t_s
        tr.settled_t_s = t_s
        if dt <= 0.0 or tr.rate_bps <= 0.0 or tr.path is None:
            return
        moved = min(tr.rate_bps * dt / 8.0, tr.remaining_bytes)
        tr.remaining_bytes -= moved
        tr.unposted_bytes += moved
        self.bytes_moved += moved

    def settle(self, t_s: float) -> None:
        for tr in self.active:
            self.settle_one(tr, t_s)

    def _post_bytes(self, tr: Transfer) -> None:
        """Add the bytes a transfer moved along its current path to bytes_in / bytes_out
        (relays count both); done before its path changes, when it ends and at each record."""
        if tr.unposted_bytes > 0.0 and tr.path is not None:
            n = self.ids.n
            sats = tr.path[tr.path < n]
            first, last = (1 if tr.path[0] >= n else 0), (1 if tr.path[-1] >= n else 0)
            self.bytes_out[sats[:sats.size - 1 + last]] += tr.unposted_bytes
            self.bytes_in[sats[1 - first:]] += tr.unposted_bytes
        tr.unposted_bytes = 0.0

    def take_bytes(self, t_s: float) -> tuple[np.ndarray, np.ndarray]:
        """Bytes in and out of each satellite since the last call (settled to t_s)."""
        self.settle(t_s)
        for tr in self.active:
            self._post_bytes(tr)
        out = self.bytes_in.copy(), self.bytes_out.copy()
        self.bytes_in[:] = 0.0
        self.bytes_out[:] = 0.0
        return out
