"""Routes: shortest paths by latency (A*, sim.network.astar) and the routes kept for reuse.

A (src, dst) pair keeps its route for all its transfers, later ones too, while no element of
it (sim.network.ids) goes down and it is younger than routing.reoptimize_s. The element →
routes index lets a link going down find the routes it breaks; the resource → routes index
lets the flow allocation (sim.network.transfers) find the flows that share a capacity.
Latency pairs (routing.latency_pairs) are station pairs whose shortest path is tracked.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from sim.core.constants import SPEED_OF_LIGHT_M_S
from sim.network.astar import Router
from sim.network.ids import hop_keys

ROUTE_EVENTS = {
    "route_latency": "sat: first satellite (-1 none), a: latency pair index, b: one-way latency [s] (nan unreachable)",
}


@dataclass(eq=False)
class Route:
    """A route from node src to node dst, shared by every transfer of that pair that uses it and
    kept for the next ones while no element of it goes down."""
    src: int
    dst: int
    latency_s: float
    path: np.ndarray                    # node path
    resources: np.ndarray               # shared capacities crossed (resource ids)
    elements: tuple                     # element ids it relies on
    routed_t_s: float                   # when it was searched
    fresh_t_s: float                    # when latency_s was last computed
    hop_links: np.ndarray | None = None  # candidate-link index of each crosslink hop (candidate set `links_epoch`)
    links_epoch: int = -1
    users: set = field(default_factory=set)  # active transfers on it
    resource_set: frozenset = frozenset()
    kept: bool = True                   # still the pair's route for new transfers


class Routes:
    """Route searches, path checks and the kept routes of one network."""

    ROUTES_KEPT = 100_000

    def __init__(self, ids, links, contacts, fleet, routing):
        self.ids, self.links, self.contacts, self.fleet, self.routing = ids, links, contacts, fleet, routing
        self.kept: dict[tuple[int, int], Route] = {}     # (src, dst) → its route for new transfers
        self.index: dict[int, set[Route]] = {}           # element → routes kept or carrying transfers
        self.by_resource: dict[int, set[Route]] = {}     # resource → routes kept or carrying transfers
        self.shared: dict[int, set[Route]] = {}          # the entries of by_resource with ≥ 2 routes
        self.router: Router | None = None
        self._router_epoch = -1
        self._weight_s = None
        self.searches = 0
        self.reuses = 0
        self.latency_samples_s: list[float] = []

    def new_batch(self) -> None:
        """Link states and ranges may have changed since the last searches."""
        self._weight_s = None

    # ------------------------------------------------------------------ search and checks
    def _router_now(self) -> Router:
        links = self.links
        if self.router is None or self._router_epoch != links.epoch:  # adjacency of the candidate set
            self.router = Router(self.ids.n, links.a, links.b)
            self._router_epoch = links.epoch
        if self._weight_s is None:  # once per re-route batch: states and ranges are those of now
            self._weight_s = links.weight_s()
        return self.router

    def search(self, src: int, dst: int) -> tuple[float, np.ndarray | None, np.ndarray]:
        """Shortest path by latency from node src to node dst now: (latency [s], node path,
        resource ids); (inf, None, empty) when there is none."""
        ids, links, contacts = self.ids, self.links, self.contacts
        n, G, none = ids.n, ids.n_stations, (math.inf, None, np.zeros(0, np.int64))
        if src < n:
            start, start_cost = np.array([src]), np.zeros(1)
        else:
            start, start_cost = contacts.usable_contacts(src - n)
        if dst < n:
            goal, goal_cost, goal_m = np.array([dst]), np.zeros(1), self.fleet.r_eci_m[:, dst]
            ball_m = links.clear_radius_m if links is not None else 0.0
        else:
            g = dst - n - G
            goal, goal_cost = contacts.usable_contacts(g)
            goal_m = contacts.eci_m[:, g]
            # the downlink, at elevation ≥ the mask (≥ −5°), clears a ball just under the station
            dip_rad = math.radians(max(0.0, -contacts.stations.min_elevation_deg[g]) + 0.25)
            ball_m = min(links.clear_radius_m, float(np.linalg.norm(goal_m)) * math.cos(dip_rad)) \
                if links is not None else 0.0
        if links is None:  # ground only: a satellite path is a single satellite
            common = np.intersect1d(start, goal)
            if common.size == 0:
                return none
            cost = {int(s): c for s, c in zip(start, start_cost)}
            total = [cost[int(s)] + c for s, c in zip(goal, goal_cost) if int(s) in cost]
            k = int(np.argmin(total))
            latency, sats = float(total[k]), np.array([int(s) for s in goal if int(s) in cost][k:k + 1])
        else:
            latency, sats = self._router_now().route(self._weight_s, self.fleet.r_eci_m, start, start_cost, goal,
                                                     goal_cost, goal_m, 1.0 / SPEED_OF_LIGHT_M_S,
                                                     ball_m * (1.0 - 1e-6))
            if sats is None:
                return none
        path, resources = ids.route_ids(sats, src, dst)
        return latency, path, resources

    def intact(self, path: np.ndarray | None) -> bool:
        """Every hop of a node path is still up (crosslink UP, contact in view and usable)."""
        if path is None:
            return False
        n, G = self.ids.n, self.ids.n_stations
        sats = path[path < n]
        if sats.size > 1 and not self.links.all_up(hop_keys(sats, n)):
            return False
        if path[0] >= n and not self.contacts.is_up(path[0] - n, path[1]):
            return False
        if path[-1] >= n and not self.contacts.is_up(path[-1] - n - G, path[-2]):
            return False
        return True

    def latency_s(self, route: Route) -> float:
        """One-way latency along a route's intact path now [s]."""
        n, path, links = self.ids.n, route.path, self.links
        if route.links_epoch != (links.epoch if links is not None else 0) or route.hop_links is None:
            keys = hop_keys(path[path < n], n)
            route.hop_links = np.searchsorted(links.keys, keys) if keys.size else np.zeros(0, np.int64)
            route.links_epoch = links.epoch if links is not None else 0
        d_m = float(links.range_m[route.hop_links].sum()) if route.hop_links.size else 0.0
        if path[0] >= n:
            d_m += self.contacts.distance_m(path[0] - n, path[1])
        if path[-1] >= n:
            d_m += self.contacts.distance_m(path[-1] - n - self.ids.n_stations, path[-2])
        return d_m / SPEED_OF_LIGHT_M_S

    # ------------------------------------------------------------------ kept routes
    def route_for(self, src: int, dst: int, t_s: float, search: bool = False) -> Route | None:
        """The route of a transfer src → dst now: the kept route of the pair while no element of it
        went down since it was searched (and it is younger than routing.reoptimize_s), else a new
        A* search (search=True: unless searched at this instant), kept for the next transfers of
        the pair. None: no route."""
        key = (src, dst)
        route = self.kept.get(key)
        if route is not None and (not search or route.routed_t_s == t_s):
            reoptimize_s = self.routing.reoptimize_s
            if (reoptimize_s is None or t_s - route.routed_t_s < reoptimize_s) and self.intact(route.path):
                if route.fresh_t_s != t_s:
                    route.latency_s, route.fresh_t_s = self.latency_s(route), t_s
                self.reuses += 1
                return route
        if route is not None:
            self.evict(route)
        self.searches += 1
        latency, path, resources = self.search(src, dst)
        if path is None:
            return None
        route = Route(src, dst, latency, path, resources, self.ids.elements(path), t_s, t_s,
                      resource_set=frozenset(resources.tolist()))
        self.kept[key] = route
        self._index(route)
        if len(self.kept) > self.ROUTES_KEPT:  # forget the oldest kept route
            self.evict(next(iter(self.kept.values())))
        return route

    def drop(self, elements) -> set:
        """Stop reusing the routes that use a lost element; returns the transfers on them."""
        users: set = set()
        for e in np.atleast_1d(elements).tolist():
            routes = self.index.get(e)
            if routes:
                for route in list(routes):
                    users |= route.users
                    self.evict(route)
        return users

    def evict(self, route: Route) -> None:
        """The route is no longer reused; it stays indexed while transfers are on it."""
        key = (route.src, route.dst)
        if self.kept.get(key) is route:
            del self.kept[key]
        route.kept = False
        if not route.users:
            self.unindex(route)

    def _index(self, route: Route) -> None:
        for e in route.elements:
            self.index.setdefault(e, set()).add(route)
        for r in route.resource_set:
            routes = self.by_resource.setdefault(r, set())
            routes.add(route)
            if len(routes) == 2:
                self.shared[r] = routes

    def unindex(self, route: Route) -> None:
        """Leave the element and resource indexes (the route is neither kept nor in use)."""
        for e in route.elements:
            routes = self.index.get(e)
            if routes is not None:
                routes.discard(route)
                if not routes:
                    del self.index[e]
        for r in route.resource_set:
            routes = self.by_resource.get(r)
            if routes is not None:
                routes.discard(route)
                if len(routes) == 1:
                    del self.shared[r]
                elif not routes:
                    del self.by_resource[r]


class LatencyPairs:
    """The station pairs of routing.latency_pairs: their shortest path, refreshed with the
    routes, and a route_latency event whenever it is recomputed (nan while unreachable)."""

    def __init__(self, nodes: list[tuple[int, int]], routes: Routes, events):
        self.nodes = nodes
        self.routes, self.events = routes, events
        self.paths: list[np.ndarray | None] = [None] * len(nodes)
        self.elements: list[frozenset] = [frozenset()] * len(nodes)

    def __len__(self) -> int:
        return len(self.nodes)

    def using(self, elements) -> list[int]:
        """The elements (of those given) that a pair's current path relies on."""
        return [e for e in map(int, np.atleast_1d(elements)) if any(e in pe for pe in self.elements)]

    def any_unreachable(self) -> bool:
        return any(p is None for p in self.paths)

    def update(self, t_s: float, refresh: bool, lost: set) -> None:
        """Search again the pairs that need it: all on a refresh, else those without a path or
        whose path used a lost element and is broken."""
        routes = self.routes
        for p, (s, d) in enumerate(self.nodes):
            path = self.paths[p]
            check = not lost.isdisjoint(self.elements[p])
            if refresh or path is None or (check and not routes.intact(path)):
                latency, path, _ = routes.search(s, d)
                if not refresh and path is None and self.paths[p] is None:
                    continue  # still unreachable: nothing new to report
                self.paths[p] = path
                self.elements[p] = frozenset(routes.ids.elements(path))
                first = int(path[1]) if path is not None and path.size > 2 else -1
                self.events.emit("route_latency", t_s, first, p, latency if path is not None else math.nan)
                if path is not None:
                    routes.latency_samples_s.append(latency)
