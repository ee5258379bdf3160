"""Node, element and resource ids of the network: the one owner of every numbering.

With N satellites and G ground stations:

nodes      graph vertices: 0..N-1 satellites; N + g station g sending; N + G + g station g
           receiving (stations never relay).
elements   what can go down under a route: the crosslink a–b (a < b) is its key a·N + b;
           the contact of station g with satellite i is N² + g·N + i.
resources  capacities that flows share: a crosslink hop u → v over key k is 2k + (u > v) (each
           direction has its own capacity); station g's edge with satellite i is R1 + g·N + i
           (uplink) or R2 + g·N + i (downlink); the station totals are R3 + g (sending) and
           R3 + G + g (receiving), with R1 = 2N², R2 = R1 + G·N, R3 = R1 + 2G·N.
           sim.network.maxmin decodes them into capacities.

`endpoint_problem` says why a configured or submitted endpoint names no node; the scenario
check (sim.network.config) and `NetworkIds.node_of` both use it.
"""
from __future__ import annotations

import difflib

import numpy as np


def keys_of(a: np.ndarray, b: np.ndarray, n: int) -> np.ndarray:
    """Crosslink keys of satellite pairs (a, b), either order; pairs with a == b dropped."""
    lo, hi = np.minimum(a, b), np.maximum(a, b)
    keep = lo != hi
    return lo[keep].astype(np.int64) * n + hi[keep]


def pairs_of(keys: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """The satellites (a, b), a < b, of crosslink keys."""
    return (keys // n).astype(np.int64), (keys % n).astype(np.int64)


def hop_keys(sats: np.ndarray, n: int) -> np.ndarray:
    """Crosslink keys of the hops of a satellite path."""
    return np.minimum(sats[:-1], sats[1:]) * n + np.maximum(sats[:-1], sats[1:])


def contact_elements(g, i, n: int):
    """Element ids of the contacts of stations g with satellites i."""
    return n * n + g * n + i


def endpoint_problem(endpoint, n_sats: int, station_names: list[str] | None) -> str | None:
    """Why `endpoint` (a satellite index or a ground-station name) names no node, or None.
    station_names None: the scenario has no ground stations."""
    if isinstance(endpoint, (int, np.integer)):
        if not 0 <= int(endpoint) < n_sats:
            return f"satellite index {endpoint} outside 0..{n_sats - 1}"
        return None
    if station_names is None:
        return f"no ground station {endpoint!r} (the scenario has no network.ground_stations)"
    if endpoint not in station_names:
        close = difflib.get_close_matches(str(endpoint), station_names, n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        return f"no ground station {endpoint!r}{hint}"
    return None


class NetworkIds:
    """The numbering of one network: N satellites and the named ground stations (None: none)."""

    def __init__(self, n_sats: int, station_names: list[str] | None = None):
        self.n = n = int(n_sats)
        self.station_names = list(station_names) if station_names is not None else None
        self.n_stations = G = len(self.station_names) if station_names is not None else 0
        self._station_index = {name: g for g, name in enumerate(self.station_names or ())}
        self.r1 = 2 * n * n
        self.r2 = self.r1 + G * n
        self.r3 = self.r1 + 2 * G * n

    @property
    def n_nodes(self) -> int:
        return self.n + 2 * self.n_stations

    def node_of(self, endpoint, *, as_source: bool) -> int:
        """Graph node of a satellite index or a ground-station name (its sending or receiving
        side); ValueError (index) or KeyError (name) when it names none."""
        problem = endpoint_problem(endpoint, self.n, self.station_names)
        if problem is not None:
            raise (ValueError if isinstance(endpoint, (int, np.integer)) else KeyError)(problem)
        if isinstance(endpoint, (int, np.integer)):
            return int(endpoint)
        g = self._station_index[endpoint]
        return self.n + g if as_source else self.n + self.n_stations + g

    def elements(self, path: np.ndarray | None) -> tuple:
        """Element ids a node path relies on (its crosslinks and ground contacts)."""
        if path is None:
            return ()
        n = self.n
        out = hop_keys(path[path < n], n).tolist()
        if path[0] >= n:
            out.append(contact_elements(int(path[0]) - n, int(path[1]), n))
        if path[-1] >= n:
            out.append(contact_elements(int(path[-1]) - n - self.n_stations, int(path[-2]), n))
        return tuple(out)

    def route_ids(self, sats: np.ndarray, src: int, dst: int) -> tuple[np.ndarray, np.ndarray]:
        """(node path, resource ids) of a satellite path from node src to node dst."""
        n, G = self.n, self.n_stations
        u, v = sats[:-1], sats[1:]
        res = [2 * (np.minimum(u, v) * n + np.maximum(u, v)) + (u > v)]
        nodes = [sats]
        if src >= n:
            g = src - n
            res.append(np.array([self.r1 + g * n + sats[0], self.r3 + g]))
            nodes.insert(0, np.array([src]))
        if dst >= n:
            g = dst - n - G
            res.append(np.array([self.r2 + g * n + sats[-1], self.r3 + G + g]))
            nodes.append(np.array([dst]))
        return np.concatenate(nodes), np.concatenate(res).astype(np.int64)
