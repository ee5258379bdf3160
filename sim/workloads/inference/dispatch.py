"""numba: Gamma renewal arrivals per station, and the placement of each station's requests on
its reachable candidates.

Placement (per tick, stations in a rotating order so none is always first): the valid candidates
of a station (sim.workloads.inference.reach) with free slots are ranked by the policy and filled
in that order up to their free slots (slots − in service − queued − placed this tick); what is
left queues at the first-ranked candidate.

    nearest       lowest one-way path latency
    coolest       lowest GPU junction temperature (ties: latency)
    least_loaded  water-filling: the requests go where (in service + queued)/slots is lowest,
                  levelling the candidates' load
"""
from __future__ import annotations

import math

import numpy as np
from numba import njit

NEAREST, COOLEST, LEAST_LOADED = 0, 1, 2
POLICY = {"nearest": NEAREST, "coolest": COOLEST, "least_loaded": LEAST_LOADED}


@njit(cache=True, error_model="numpy")
def gamma_counts(rng, next_s, t1_s, shape, scale, counts):
    """Arrivals of a Gamma(shape, scale) renewal process per station before t1_s; next_s holds each
    station's next arrival time and is advanced past t1_s."""
    for g in range(next_s.size):
        c = 0
        t = next_s[g]
        while t < t1_s:
            c += 1
            t += rng.gamma(shape, scale)
        next_s[g] = t
        counts[g] = c


@njit(cache=True, error_model="numpy")
def _level(busy, qlen, assigned, slots, m):
    return (busy[m] + qlen[m] + assigned[m]) / slots[m]


@njit(cache=True, error_model="numpy")
def place(first, admitted, cand_m, cand_lat, cand_n, valid, policy, slots, busy, qlen, members, t_junction_k,
          assigned, lat_sum, placed, rejected, st_lat_sum, reachable, order, share):
    """Place each station's admitted requests of the tick on its candidates (assigned[m] += count,
    lat_sum[m] += count × latency); stations with no valid candidate with slots reject them.
    t_junction_k is the fleet's (members maps member → satellite).
    order and share are scratch of the candidate width. Per station: placed, rejected,
    st_lat_sum (count × latency) and reachable (1 if any candidate served it)."""
    n_st = admitted.size
    for p in range(n_st):
        s = (first + p) % n_st
        k = 0
        for j in range(cand_n[s]):  # valid candidates with slots, by latency
            if valid[s, j] and slots[cand_m[s, j]] > 0:
                order[k] = j
                k += 1
        reachable[s] = 1 if k > 0 else 0
        a = admitted[s]
        if a == 0:
            continue
        if k == 0:
            rejected[s] += a
            continue
        if policy == COOLEST:  # insertion sort by junction temperature (stable: latency breaks ties)
            for x in range(1, k):
                j = order[x]
                t = t_junction_k[members[cand_m[s, j]]]
                y = x - 1
                while y >= 0 and t_junction_k[members[cand_m[s, order[y]]]] > t:
                    order[y + 1] = order[y]
                    y -= 1
                order[y + 1] = j
        if policy == LEAST_LOADED:
            _water_fill(s, a, k, order, cand_m, slots, busy, qlen, assigned, share)
        else:
            left = a
            for x in range(k):
                m = cand_m[s, order[x]]
                free = slots[m] - busy[m] - qlen[m] - assigned[m]
                take = min(max(free, 0), left)
                share[x] = take
                left -= take
                assigned[m] += take
            share[0] += left
            assigned[cand_m[s, order[0]]] += left
        for x in range(k):
            c = share[x]
            if c > 0:
                j = order[x]
                lat_sum[cand_m[s, j]] += c * cand_lat[s, j]
                st_lat_sum[s] += c * cand_lat[s, j]
        placed[s] += a


@njit(cache=True, error_model="numpy")
def _water_fill(s, a, k, order, cand_m, slots, busy, qlen, assigned, share):
    """Split a requests over candidates order[:k] so that their (load + share)/slots levels out:
    the water level h with Σ max(0, h − level_i)·slots_i = a, floors, the remainder one each to
    the lowest levels."""
    for x in range(1, k):  # by level
        j = order[x]
        lv = _level(busy, qlen, assigned, slots, cand_m[s, j])
        y = x - 1
        while y >= 0 and _level(busy, qlen, assigned, slots, cand_m[s, order[y]]) > lv:
            order[y + 1] = order[y]
            y -= 1
        order[y + 1] = j
    cap = 0.0
    h = 0.0
    used = k
    for x in range(k):  # the level reaches candidate x before a is spent?
        m = cand_m[s, order[x]]
        lv = _level(busy, qlen, assigned, slots, m)
        if x > 0 and lv * cap - _filled(s, x, order, cand_m, slots, busy, qlen, assigned) >= a:
            used = x
            break
        cap += slots[m]
    h = (a + _filled(s, used, order, cand_m, slots, busy, qlen, assigned)) / cap
    total = 0
    for x in range(used):
        m = cand_m[s, order[x]]
        c = int(math.floor(h * slots[m] - (busy[m] + qlen[m] + assigned[m]) + 1e-9))
        c = max(c, 0)
        share[x] = c
        total += c
    for x in range(k - used):
        share[used + x] = 0
    x = 0
    while total > a:  # float rounding: take back
        if share[x % used] > 0:
            share[x % used] -= 1
            total -= 1
        x += 1
    x = 0
    while total < a:
        share[x % used] += 1
        total += 1
        x += 1
    for x in range(k):
        assigned[cand_m[s, order[x]]] += share[x]


@njit(cache=True, error_model="numpy")
def _filled(s, x_end, order, cand_m, slots, busy, qlen, assigned):
    """Σ load of candidates order[:x_end] (requests in service, queued and placed)."""
    total = 0.0
    for x in range(x_end):
        m = cand_m[s, order[x]]
        total += busy[m] + qlen[m] + assigned[m]
    return total


def new_scratch(width: int) -> tuple[np.ndarray, np.ndarray]:
    return np.zeros(width, np.int64), np.zeros(width, np.int64)
