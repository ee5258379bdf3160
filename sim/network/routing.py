"""Shortest paths by latency over the current link graph (scipy.sparse.csgraph.dijkstra),
from the sources that have demand only."""
from __future__ import annotations

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
