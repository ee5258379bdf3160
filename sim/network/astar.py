"""A* shortest path by latency over the crosslink graph, and the router that keeps its
adjacency and scratch arrays between searches.

The heuristic is the length of the shortest way to the destination point that stays outside a
ball every remaining hop clears (`around_ball_m`), divided by c: admissible and consistent, so
the first goal settled under the bound is optimal.
"""
from __future__ import annotations

import math

import numpy as np
from numba import njit

from sim.core.numerics import heap_pop, heap_push


@njit(cache=True, fastmath=True, error_model="numpy")
def around_ball_m(px, py, pz, qx, qy, qz, radius_m):
    """Length of the shortest path from p to q that stays out of the ball of radius_m about
    the Earth's centre [m]: the straight line when it clears the ball, else the two tangent
    segments and the great-circle arc between them (a lower bound on any path whose hops
    clear that ball)."""
    rp = math.sqrt(px * px + py * py + pz * pz)
    rq = math.sqrt(qx * qx + qy * qy + qz * qz)
    c = (px * qx + py * qy + pz * qz) / max(rp * rq, 1e-300)
    theta = math.acos(min(max(c, -1.0), 1.0))
    alpha = math.acos(min(radius_m / max(rp, 1e-300), 1.0))
    beta = math.acos(min(radius_m / max(rq, 1e-300), 1.0))
    if theta <= alpha + beta:
        dx = px - qx
        dy = py - qy
        dz = pz - qz
        return math.sqrt(dx * dx + dy * dy + dz * dz)
    return (math.sqrt(max(rp * rp - radius_m * radius_m, 0.0)) + math.sqrt(max(rq * rq - radius_m * radius_m, 0.0))
            + radius_m * (theta - alpha - beta))


@njit(cache=True, error_model="numpy")
def shortest_path(indptr, neighbour, edge_link, link_weight_s, pos_m, inv_c_s_m, ball_radius_m,
                  start, start_cost_s, goal, goal_cost_s, goal_m, query,
                  dist_s, heur_s, pred, seen, closed, is_goal, goal_exit_s, heap_f, heap_node, path_out):
    """A* shortest path by latency over the crosslink graph (satellites only; stations never relay).

    Graph: CSR over satellites (indptr (N+1,), neighbour, edge_link: the candidate link of each
    directed entry); link_weight_s[link] is the hop latency d/c [s], inf while the link is down.
    The path starts at any satellite in `start` having already cost start_cost_s (0 for a
    satellite source; uplink d/c for a station) and ends at any satellite in `goal` plus
    goal_cost_s (0, or the downlink d/c). Heuristic: around_ball_m(r, goal_m, ball_radius_m)·inv_c,
    the shortest way to the destination point outside a ball every remaining hop clears
    (crosslinks clear R_E + grazing altitude; the last ground hop clears a ball just under its
    station). It is a distance in a metric space in which every hop costs exactly its own length,
    so it is admissible and consistent and the first goal settled under the bound is optimal.
    `query` must differ between calls (scratch arrays dist_s, heur_s, pred, seen, closed, is_goal,
    goal_exit_s of size N are stamped, never cleared); heap arrays hold ≥ len(start) + len(neighbour).
    Writes the satellite path into path_out; returns (latency_s, path length), (inf, 0) unreachable.
    """
    gx = goal_m[0]
    gy = goal_m[1]
    gz = goal_m[2]
    for k in range(goal.size):
        v = goal[k]
        if is_goal[v] != query or goal_cost_s[k] < goal_exit_s[v]:
            is_goal[v] = query
            goal_exit_s[v] = goal_cost_s[k]
    size = 0
    for k in range(start.size):
        v = start[k]
        if seen[v] != query or start_cost_s[k] < dist_s[v]:
            if seen[v] != query:
                heur_s[v] = around_ball_m(pos_m[0, v], pos_m[1, v], pos_m[2, v], gx, gy, gz, ball_radius_m) * inv_c_s_m
            seen[v] = query
            dist_s[v] = start_cost_s[k]
            pred[v] = -1
            size = heap_push(heap_f, heap_node, size, dist_s[v] + heur_s[v], v)
    best = math.inf
    best_node = -1
    while size > 0:
        f, u, size = heap_pop(heap_f, heap_node, size)
        if f >= best:
            break
        if closed[u] == query:
            continue
        closed[u] = query
        g = dist_s[u]
        if is_goal[u] == query and g + goal_exit_s[u] < best:
            best = g + goal_exit_s[u]
            best_node = u
        for e in range(indptr[u], indptr[u + 1]):
            w = link_weight_s[edge_link[e]]
            if w == math.inf:
                continue
            v = neighbour[e]
            ng = g + w
            if seen[v] != query:
                heur_s[v] = around_ball_m(pos_m[0, v], pos_m[1, v], pos_m[2, v], gx, gy, gz, ball_radius_m) * inv_c_s_m
            elif ng >= dist_s[v]:
                continue
            seen[v] = query
            dist_s[v] = ng
            pred[v] = u
            size = heap_push(heap_f, heap_node, size, ng + heur_s[v], v)
    if best_node < 0:
        return math.inf, 0
    length = 0
    u = best_node
    while u >= 0:
        path_out[length] = u
        length += 1
        u = pred[u]
    path_out[:length] = path_out[:length][::-1].copy()
    return best, length


class Router:
    """Point-to-point shortest paths by latency over the crosslinks with `shortest_path`: the
    adjacency (CSR over the candidate links, both directions) is built once per candidate set
    and reused; only the per-link weights change (d/c while up, inf while down), so a route
    costs the nodes A* settles, not a graph build and a Dijkstra over the whole fleet."""

    def __init__(self, n_sats: int, link_a: np.ndarray, link_b: np.ndarray):
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
        latency, length = shortest_path(
            self.indptr, self.neighbour, self.edge_link, link_weight_s, pos_m, inv_c_s_m, float(ball_radius_m),
            np.ascontiguousarray(start, np.int64), np.ascontiguousarray(start_cost_s, float),
            np.ascontiguousarray(goal, np.int64), np.ascontiguousarray(goal_cost_s, float),
            np.ascontiguousarray(goal_m, float), self._query, self._dist_s, self._heur_s, self._pred, self._seen,
            self._closed, self._is_goal, self._goal_exit_s, self._heap_f, self._heap_node, self._path)
        if length == 0:
            return math.inf, None
        return float(latency), self._path[:length].copy()
