"""Shortest paths by latency over the current link graph (scipy.sparse.csgraph.dijkstra),
from the sources that have demand only."""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import dijkstra


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


def build_graph(n_nodes: int, src: np.ndarray, dst: np.ndarray, weight_s: np.ndarray) -> Graph:
    src = np.asarray(src, np.int64)
    dst = np.asarray(dst, np.int64)
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
    nodes = [dst]
    node = dst
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


class Router:
    """Point-to-point shortest paths by latency over the crosslinks, with the A* kernel
    sim.network.kernels.shortest_path: the adjacency (CSR over the candidate links, both
    directions) is built once per candidate set and reused; only the per-link weights change
    (d/c while up, inf while down), so a route costs the nodes A* settles, not a graph build
    and a Dijkstra over the whole fleet."""

    def __init__(self, n_sats: int, link_a: np.ndarray, link_b: np.ndarray):
        from sim.network.kernels import shortest_path
        self._kernel = shortest_path
        self.n = n = int(n_sats)
        L = link_a.size
        src = np.concatenate([link_a, link_b]).astype(np.int64)
        dst = np.concatenate([link_b, link_a]).astype(np.int64)
        link = np.concatenate([np.arange(L), np.arange(L)]).astype(np.int64)
        order = np.argsort(src, kind="stable")
        self.indptr = np.zeros(n + 1, np.int64)
        np.cumsum(np.bincount(src, minlength=n), out=self.indptr[1:])
        self.neighbour = np.ascontiguousarray(dst[order])
        self.edge_link = np.ascontiguousarray(link[order])
        self._dist_s = np.zeros(n)
        self._heur_s = np.zeros(n)
        self._goal_exit_s = np.zeros(n)
        self._pred = np.zeros(n, np.int64)
        self._seen = np.zeros(n, np.int64)
        self._closed = np.zeros(n, np.int64)
        self._is_goal = np.zeros(n, np.int64)
        self._heap_f = np.zeros(2 * L + n + 1)
        self._heap_node = np.zeros(2 * L + n + 1, np.int64)
        self._path = np.zeros(n, np.int64)
        self._query = 0
        self.queries = 0

    def route(self, link_weight_s: np.ndarray, pos_m: np.ndarray, start: np.ndarray, start_cost_s: np.ndarray,
              goal: np.ndarray, goal_cost_s: np.ndarray, goal_m: np.ndarray, inv_c_s_m: float,
              ball_radius_m: float) -> tuple[float, np.ndarray | None]:
        """(latency [s], satellite path) from any start satellite to any goal satellite, costs
        included; (inf, None) when unreachable. goal_m: the destination point (satellite or
        station position) in the frame of pos_m (3, N) [m]; ball_radius_m: a ball about the
        Earth's centre that every hop from a start satellite to goal_m clears (0: none)."""
        if start.size == 0 or goal.size == 0:
            return math.inf, None
        self._query += 1
        self.queries += 1
        latency, length = self._kernel(
            self.indptr, self.neighbour, self.edge_link, link_weight_s, pos_m, inv_c_s_m, float(ball_radius_m),
            np.ascontiguousarray(start, np.int64), np.ascontiguousarray(start_cost_s, float),
            np.ascontiguousarray(goal, np.int64), np.ascontiguousarray(goal_cost_s, float),
            np.ascontiguousarray(goal_m, float), self._query, self._dist_s, self._heur_s, self._pred, self._seen, self._closed,
            self._is_goal, self._goal_exit_s, self._heap_f, self._heap_node, self._path)
        if length == 0:
            return math.inf, None
        return float(latency), self._path[:length].copy()
