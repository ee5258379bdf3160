"""Reference implementations the network tests (and benchmarks/bench_network.py) compare
production with; none of them is used by sim/.

- `max_min_fair`: progressive filling (Bertsekas & Gallager, Data Networks, 2nd ed., 1992,
  §6.5.2) in plain Python, independent of the numba kernel sim.network.maxmin.
- `build_graph` / `shortest_paths` / `path_nodes` / `path_edges`: the whole graph as a scipy
  sparse matrix and scipy.sparse.csgraph.dijkstra, against the A* router.
- `network_graph(net)`: the current graph of a Network (stations as separate sending and
  receiving nodes), for those.
- `check_every_route(net)`: makes every loss of a link or contact check every transfer's and
  latency pair's route, instead of only those the element index names.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import dijkstra

from sim.core.constants import SPEED_OF_LIGHT_M_S
from sim.network.links import UP


def max_min_fair(capacity, flow_resources, rel_tol: float = 1e-12) -> np.ndarray:
    """Rates of flows (unit of capacity) given the resource indices each one crosses; a flow
    with none gets 0 (no route). Raise all unfrozen flows equally until a resource saturates,
    freeze the flows through it, repeat."""
    capacity = np.asarray(capacity, float)
    flows = [list(map(int, r)) for r in flow_resources]
    rates = np.zeros(len(flows))
    remaining = capacity.copy()
    active = {f for f, r in enumerate(flows) if r}
    tol = rel_tol * max(1.0, float(capacity.max()) if capacity.size else 1.0)
    while active:
        users = {}
        for f in active:
            for r in flows[f]:
                users[r] = users.get(r, 0) + 1
        tightest = min(users, key=lambda r: remaining[r] / users[r])
        delta = max(0.0, remaining[tightest] / users[tightest])
        for f in active:
            rates[f] += delta
        for r, k in users.items():
            remaining[r] -= delta * k
        saturated = {r for r in users if remaining[r] <= tol} or {tightest}
        active = {f for f in active if saturated.isdisjoint(flows[f])}
    return rates


@dataclass
class Graph:
    """Directed graph; edge e goes src[e] → dst[e] with latency weight_s[e] [s]."""
    n_nodes: int
    src: np.ndarray
    dst: np.ndarray
    weight_s: np.ndarray
    matrix: csr_matrix
    keys: np.ndarray      # src·n_nodes + dst, sorted
    order: np.ndarray     # edge index of each sorted key


def build_graph(n_nodes: int, src, dst, weight_s) -> Graph:
    src, dst = np.asarray(src, np.int64), np.asarray(dst, np.int64)
    weight_s = np.asarray(weight_s, float)
    matrix = csr_matrix((weight_s, (src, dst)), shape=(n_nodes, n_nodes))
    keys = src * n_nodes + dst
    order = np.argsort(keys, kind="stable")
    return Graph(n_nodes, src, dst, weight_s, matrix, keys[order], order)


def shortest_paths(graph: Graph, sources) -> tuple[np.ndarray, np.ndarray]:
    """Latency [s] and predecessor rows, one per source (−9999 where unreachable)."""
    sources = np.atleast_1d(np.asarray(sources, np.int64))
    if graph.src.size == 0:
        dist = np.full((sources.size, graph.n_nodes), np.inf)
        dist[np.arange(sources.size), sources] = 0.0
        return dist, np.full((sources.size, graph.n_nodes), -9999, np.int32)
    dist, pred = dijkstra(graph.matrix, directed=True, indices=sources, return_predecessors=True)
    return np.atleast_2d(dist), np.atleast_2d(pred)


def path_nodes(pred_row: np.ndarray, src: int, dst: int) -> np.ndarray | None:
    """Nodes src … dst from a predecessor row; None when dst is unreachable."""
    if src == dst:
        return np.array([src])
    nodes, node = [dst], dst
    while node != src:
        node = int(pred_row[node])
        if node < 0:
            return None
        nodes.append(node)
    return np.array(nodes[::-1])


def path_edges(graph: Graph, nodes: np.ndarray) -> np.ndarray:
    """Edge indices along a node path."""
    keys = nodes[:-1].astype(np.int64) * graph.n_nodes + nodes[1:]
    return graph.order[np.searchsorted(graph.keys, keys)]


def network_graph(net) -> Graph:
    """The current directed graph of a Network: nodes as sim.network.ids (satellites, stations
    sending, stations receiving); weights d/c [s]."""
    src, dst, dist_m = [], [], []
    if net.links is not None:
        up = np.flatnonzero(net.links.state == UP)
        a, b = net.links.a[up], net.links.b[up]
        src += [a, b]
        dst += [b, a]
        dist_m += [net.links.range_m[up]] * 2
    n, G = net.n, net.ids.n_stations
    if net.contacts is not None:
        g, i = np.nonzero(net.contacts.in_contact())
        d = np.linalg.norm(net.ctx.fleet.r_eci_m[:, i] - net.contacts.eci_m[:, g], axis=0)
        src += [n + g, i]
        dst += [i, n + G + g]
        dist_m += [d, d]
    def cat(x, dt):
        return np.concatenate(x).astype(dt) if x else np.zeros(0, dt)

    return build_graph(n + 2 * G, cat(src, np.int64), cat(dst, np.int64), cat(dist_m, float) / SPEED_OF_LIGHT_M_S)


def check_every_route(net) -> None:
    """From now on every loss of a link or usable contact makes the next re-route check every
    transfer's route and every latency pair's path (the behaviour without an element index)."""
    lost = net._elements_lost

    def every_route(elements):
        lost(elements)
        net.flows.suspects |= {tr for tr in net.flows.active if tr.route is not None}
        for elements_of_pair in net.pairs.elements:
            net._lost |= elements_of_pair
        if net.flows.active or len(net.pairs):
            net._request_reroute()

    net._elements_lost = every_route


def transfers_by_element(net) -> dict[int, set]:
    """element → the transfers whose route uses it, from the route index."""
    out: dict[int, set] = {}
    for e, routes in net.routes.index.items():
        users = set().union(*(route.users for route in routes))
        if users:
            out[e] = users
    return out
