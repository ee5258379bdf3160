"""Max–min fair sharing of capacity between flows (progressive filling, Bertsekas & Gallager,
Data Networks, 2nd ed., 1992, §6.5.2): raise every unfrozen flow's rate equally until some
resource saturates, freeze the flows through it, repeat.

`allocate_flows` is one re-allocation of the network in one call: it numbers the resource ids
the flows cross (sim.network.ids), decodes their capacities and runs `max_min_fair_csr`.
"""
from __future__ import annotations

import math

import numpy as np
from numba import njit


@njit(cache=True, error_model="numpy")
def max_min_fair_csr(capacity, indptr, resource, tol, rates, remaining, count, active):
    """Progressive filling (Bertsekas & Gallager §6.5.2) over flows in CSR form: flow f crosses
    resource[indptr[f]:indptr[f+1]]. Writes rates (F,); remaining (R,), count (R,) int64 and
    active (F,) bool are work arrays. Per bottleneck level O(F + R + entries)."""
    n_flows = indptr.size - 1
    n_res = capacity.size
    for r in range(n_res):
        remaining[r] = capacity[r]
        count[r] = 0
    n_active = 0
    for f in range(n_flows):
        rates[f] = 0.0
        active[f] = indptr[f + 1] > indptr[f]
        if active[f]:
            n_active += 1
            for e in range(indptr[f], indptr[f + 1]):
                count[resource[e]] += 1
    while n_active > 0:
        delta = math.inf
        tightest = -1
        for r in range(n_res):
            if count[r] > 0:
                share = remaining[r] / count[r]
                if share < delta:
                    delta = share
                    tightest = r
        if delta < 0.0:
            delta = 0.0
        for f in range(n_flows):
            if active[f]:
                rates[f] += delta
        for r in range(n_res):
            if count[r] > 0:
                remaining[r] -= delta * count[r]
        frozen = 0
        for f in range(n_flows):
            if not active[f]:
                continue
            hit = False
            for e in range(indptr[f], indptr[f + 1]):
                if remaining[resource[e]] <= tol:
                    hit = True
                    break
            if hit:
                active[f] = False
                frozen += 1
        if frozen == 0:  # numerical guard: freeze the flows of the tightest resource
            for f in range(n_flows):
                if active[f]:
                    for e in range(indptr[f], indptr[f + 1]):
                        if resource[e] == tightest:
                            active[f] = False
                            frozen += 1
                            break
        # recount from the flows still active
        for r in range(n_res):
            count[r] = 0
        n_active = 0
        for f in range(n_flows):
            if active[f]:
                n_active += 1
                for e in range(indptr[f], indptr[f + 1]):
                    count[resource[e]] += 1


@njit(cache=True, inline="always", error_model="numpy")
def _capacity(r, link_keys, link_state, link_rate_bps, up, r1, r3, n_sats, n_stations, station_rate_bps,
              station_total_bps):
    """Capacity of resource id r now [bit/s] (sim.network.ids): a crosslink hop 2·key + direction
    < r1 has the link's rate while its state == up, else 0; a station edge r1 ≤ r < r3 the
    station's rate; a station total ≥ r3 rate × antennas (station_total_bps)."""
    if r < r1:
        n_links = link_keys.size
        if n_links > 0:
            key = r // 2
            j = min(np.searchsorted(link_keys, key), n_links - 1)
            if link_keys[j] == key and link_state[j] == up:
                return link_rate_bps[j]
        return 0.0
    if r < r3:
        return station_rate_bps[((r - r1) % (n_stations * n_sats)) // n_sats]
    return station_total_bps[(r - r3) % n_stations]


@njit(cache=True, error_model="numpy")
def resource_capacities(ids, link_keys, link_state, link_rate_bps, up, r1, r3, n_sats, n_stations,
                        station_rate_bps, station_total_bps, capacity):
    """`_capacity` of every resource id in ids, into capacity [bit/s]."""
    for u in range(ids.size):
        capacity[u] = _capacity(ids[u], link_keys, link_state, link_rate_bps, up, r1, r3, n_sats, n_stations,
                                station_rate_bps, station_total_bps)
    return capacity


@njit(cache=True, error_model="numpy")
def allocate_flows(resource, indptr, link_keys, link_state, link_rate_bps, up, r1, r3, n_sats, n_stations,
                   station_rate_bps, station_total_bps, rel_tol, ids, capacity, inverse, rates, remaining, count,
                   active):
    """One re-allocation of a group of flows in one call: the resource ids the flows cross
    (flow f: resource[indptr[f]:indptr[f+1]], network resource ids) are numbered in sorted order
    (ids (U,) as np.unique, inverse as its return_inverse), decoded into capacities [bit/s] by
    `_capacity`, then max_min_fair_csr with tol = rel_tol·max(1, max capacity). Returns U;
    writes rates (F,)."""
    order = np.argsort(resource, kind="mergesort")
    m = -1
    prev = 0
    for k in range(order.size):
        r = resource[order[k]]
        if m < 0 or r != prev:
            m += 1
            ids[m] = r
            prev = r
        inverse[order[k]] = m
    n_unique = m + 1
    top = 1.0
    for u in range(n_unique):
        c = _capacity(ids[u], link_keys, link_state, link_rate_bps, up, r1, r3, n_sats, n_stations,
                      station_rate_bps, station_total_bps)
        capacity[u] = c
        if c > top:
            top = c
    max_min_fair_csr(capacity[:n_unique], indptr, inverse, rel_tol * top, rates, remaining, count, active)
    return n_unique
