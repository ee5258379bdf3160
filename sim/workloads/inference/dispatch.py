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

from sim.workloads.inference import rand

NEAREST, COOLEST, LEAST_LOADED = 0, 1, 2
POLICY = {"nearest": NEAREST, "coolest": COOLEST, "least_loaded": LEAST_LOADED}


@njit(cache=True, error_model="numpy")
def gamma_counts(rng, next_s, t1_s, shape, scale, counts):
    """Arrivals of a Gamma(shape, scale) renewal process per station before t1_s; next_s holds each
    station's next arrival time and is advanced past t1_s. rng: a sim.workloads.inference.rand state."""
    for g in range(next_s.size):
        c = 0
        t = next_s[g]
        while t < t1_s:
            c += 1
            t += rand.gamma(rng, shape, scale)
        next_s[g] = t
        counts[g] = c


@njit(cache=True, error_model="numpy")
def _activate(m, act, act_n, is_act):
    if not is_act[m]:
        is_act[m] = True
        act[act_n[0]] = m
        act_n[0] += 1


@njit(cache=True, error_model="numpy")
def place(first, admitted, cand_m, cand_lat, cand_n, valid, policy, conc, gpu_count, delivered_s, busy, qlen,
          assigned, members, t_junction_k, lat_sum, placed, rejected, st_lat_sum, reachable, order, share, cslots,
          act, act_n, is_act):
    """Place each station's admitted requests of the tick on its candidates (assigned[m] += count,
    lat_sum[m] += count × latency); stations with no valid candidate with slots reject them. A
    member's slots are conc × working GPUs while it delivers GPU time this tick (delivered_s > 0),
    else none. t_junction_k and gpu_count are the fleet's (members maps member → satellite).
    Members given requests join the active list act[:act_n[0]] (is_act). order, share, cslots
    are scratch of the candidate width. Per station: placed, rejected, st_lat_sum (count ×
    latency) and reachable (1 if any candidate could serve it)."""
    n_st = admitted.size
    for p in range(n_st):
        s = (first + p) % n_st
        k = 0
        for j in range(cand_n[s]):  # valid candidates with slots, by latency
            m = cand_m[s, j]
            if valid[s, j] and delivered_s[m] > 0.0 and gpu_count[members[m]] > 0:
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
        for x in range(k):
            cslots[x] = int(conc * gpu_count[members[cand_m[s, order[x]]]])
        if policy == LEAST_LOADED:
            _water_fill(s, a, k, order, cand_m, cslots, busy, qlen, assigned, share)
        else:
            left = a
            for x in range(k):
                m = cand_m[s, order[x]]
                take = min(max(cslots[x] - busy[m] - qlen[m] - assigned[m], 0), left)
                share[x] = take
                left -= take
                assigned[m] += take
            share[0] += left
            assigned[cand_m[s, order[0]]] += left
        for x in range(k):
            c = share[x]
            if c > 0:
                j = order[x]
                m = cand_m[s, j]
                lat_sum[m] += c * cand_lat[s, j]
                st_lat_sum[s] += c * cand_lat[s, j]
                _activate(m, act, act_n, is_act)
        placed[s] += a


@njit(cache=True, error_model="numpy")
def _level(busy, qlen, assigned, slots, m):
    return (busy[m] + qlen[m] + assigned[m]) / slots


@njit(cache=True, error_model="numpy")
def _water_fill(s, a, k, order, cand_m, cslots, busy, qlen, assigned, share):
    """Split a requests over candidates order[:k] (slots cslots[:k]) so that their (load +
    share)/slots levels out: the water level h with Σ max(0, h − level_i)·slots_i = a, floors,
    the remainder one each to the lowest levels."""
    for x in range(1, k):  # by level
        j = order[x]
        cs = cslots[x]
        lv = _level(busy, qlen, assigned, cs, cand_m[s, j])
        y = x - 1
        while y >= 0 and _level(busy, qlen, assigned, cslots[y], cand_m[s, order[y]]) > lv:
            order[y + 1] = order[y]
            cslots[y + 1] = cslots[y]
            y -= 1
        order[y + 1] = j
        cslots[y + 1] = cs
    cap = 0.0
    filled = 0.0
    used = k
    for x in range(k):  # does the level reach candidate x before a is spent?
        m = cand_m[s, order[x]]
        load = busy[m] + qlen[m] + assigned[m]
        if x > 0 and load / cslots[x] * cap - filled >= a:
            used = x
            break
        cap += cslots[x]
        filled += load
    h = (a + filled) / cap
    total = 0
    for x in range(used):
        m = cand_m[s, order[x]]
        c = max(int(math.floor(h * cslots[x] - (busy[m] + qlen[m] + assigned[m]) + 1e-9)), 0)
        share[x] = c
        total += c
    for x in range(used, k):
        share[x] = 0
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


def new_scratch(width: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    return np.zeros(width, np.int64), np.zeros(width, np.int64), np.zeros(width, np.int64)
