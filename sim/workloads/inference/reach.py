"""numba: which member satellites a ground station reaches, and at what one-way latency.

From a station, Dijkstra by latency over the crosslinks that are up, started from every
satellite in usable contact with the station (start cost: the uplink slant range / c; the
contacts are kept from the network's contact events, sim.workloads.inference.reachability). The first
`k` members settled within `max_lat_s` are the station's candidates, each with its latency and
the contact satellite its path enters by. Stations never relay; non-member satellites do.
"""
from __future__ import annotations

import math

import numpy as np
from numba import njit

from sim.core.constants import SPEED_OF_LIGHT_M_S
from sim.core.numerics import heap_pop, heap_push


@njit(cache=True, error_model="numpy")
def refresh(stations, net_g, view_sat, view_n, r_eci_m, station_eci_m, indptr, neighbour, edge_link, link_state,
            link_range_m, link_up, member_of, k_max, max_lat_s, dist, entry, stamp, closed, query0, heap_d, heap_v,
            cand_m, cand_lat, cand_entry, cand_n):
    """Candidates of each station in `stations` (job station indices; net_g their network station
    columns of station_eci_m), written to row s of cand_m (member index), cand_lat [s], cand_entry
    (contact satellite) and cand_n. The station's satellites in usable contact are
    view_sat[s, :view_n[s]] (view_update); a crosslink costs link_range_m / c while its state is
    link_up. Scratch dist, entry, stamp, closed (N) are stamped with query0 + position, never
    cleared; heaps hold ≥ N + 2·links entries. Returns the next free query stamp."""
    inv_c = 1.0 / SPEED_OF_LIGHT_M_S
    q = query0
    for p in range(stations.size):
        s = stations[p]
        g = net_g[p]
        q += 1
        size = 0
        gx = station_eci_m[0, g]
        gy = station_eci_m[1, g]
        gz = station_eci_m[2, g]
        for x in range(view_n[s]):
            i = view_sat[s, x]
            dx = r_eci_m[0, i] - gx
            dy = r_eci_m[1, i] - gy
            dz = r_eci_m[2, i] - gz
            d = math.sqrt(dx * dx + dy * dy + dz * dz) * inv_c
            if stamp[i] != q or d < dist[i]:
                stamp[i] = q
                dist[i] = d
                entry[i] = i
                size = heap_push(heap_d, heap_v, size, d, i)
        found = 0
        while size > 0 and found < k_max:
            d, u, size = heap_pop(heap_d, heap_v, size)
            if closed[u] == q or d > dist[u]:
                continue
            if d > max_lat_s:
                break
            closed[u] = q
            m = member_of[u]
            if m >= 0:
                cand_m[s, found] = m
                cand_lat[s, found] = d
                cand_entry[s, found] = entry[u]
                found += 1
            for e in range(indptr[u], indptr[u + 1]):
                j = edge_link[e]
                if link_state[j] != link_up:
                    continue
                v = neighbour[e]
                nd = d + link_range_m[j] * inv_c
                if stamp[v] != q or nd < dist[v]:
                    stamp[v] = q
                    dist[v] = nd
                    entry[v] = entry[u]
                    size = heap_push(heap_d, heap_v, size, nd, v)
        cand_n[s] = found
    return q


@njit(cache=True, error_model="numpy")
def check(net_g, margin, usable, cand_entry, cand_n, valid, stale):
    """valid[s, j]: candidate j of station s still enters by a contact in usable view now;
    stale[s]: the station had candidates and none is valid (search it again). Returns the number
    of stale stations."""
    n_stale = 0
    for s in range(cand_n.size):
        g = net_g[s]
        ok = 0
        for j in range(cand_n[s]):
            i = cand_entry[s, j]
            v = margin[g, i] >= 0.0 and usable[g, i]
            valid[s, j] = v
            ok += v
        bad = cand_n[s] > 0 and ok == 0
        stale[s] = bad
        n_stale += bad
    return n_stale


def csr(n: int, link_a: np.ndarray, link_b: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(indptr, neighbour, edge_link): both directions of every candidate crosslink, by satellite."""
    src = np.concatenate([link_a, link_b]).astype(np.int64)
    dst = np.concatenate([link_b, link_a]).astype(np.int64)
    link = np.concatenate([np.arange(link_a.size), np.arange(link_a.size)]).astype(np.int64)
    order = np.argsort(src, kind="stable")
    indptr = np.zeros(n + 1, np.int64)
    np.cumsum(np.bincount(src, minlength=n), out=indptr[1:])
    return indptr, np.ascontiguousarray(dst[order]), np.ascontiguousarray(link[order])


@njit(cache=True, error_model="numpy")
def view_update(view_sat, view_pos, view_n, job_station, net_station, sat, add):
    """Add (add=True) or remove satellites sat[x] to/from the in-view list of job station
    job_station[net_station[x]] (−1: not the job's). view_pos[s, i] is satellite i's position in
    view_sat[s] (−1: not in view), so an update costs O(1) whatever the fleet size (a scan of the
    list made every contact event cost O(satellites in view): O(N²) per tick over the fleet); a
    removal moves the list's last entry into the hole. Returns False when a list is full
    (nothing is lost: the caller grows view_sat and repeats the call)."""
    cap = view_sat.shape[1]
    for x in range(sat.size):
        s = job_station[net_station[x]]
        if s < 0:
            continue
        i = sat[x]
        at = view_pos[s, i]
        if add:
            if at < 0:
                if view_n[s] == cap:
                    return False
                view_sat[s, view_n[s]] = i
                view_pos[s, i] = view_n[s]
                view_n[s] += 1
        elif at >= 0:
            view_n[s] -= 1
            moved = view_sat[s, view_n[s]]
            view_sat[s, at] = moved
            view_pos[s, moved] = at
            view_pos[s, i] = -1
    return True
