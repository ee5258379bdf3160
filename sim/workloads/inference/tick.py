"""numba: one tick of an inference job, whole (the workloads tick kernel's part for the job, and
the job's `step`, are this one call):

    arrivals (drawn ahead, Gamma renewal, or the trace) → candidates (a search every refresh_s,
    else checked; a station left without one searched again) → kernel.job_tick

Returns 0, or the bits EVENTS (a station's reachability changed: Python emits the event),
PROGRESS (a progress row is due), FULL (the arrivals drawn ahead do not cover the tick, or the
job's arrays were replaced: Python redoes nothing, the job's `step` runs the tick).
"""
from __future__ import annotations

import numpy as np
from numba import njit

from sim.workloads.inference import dispatch, kernel, reach

POISSON, GAMMA, TRACE = 0, 1, 2
FULL, EVENTS, PROGRESS = 1, 4, 8
# the job's scalar state (InferenceJob.st, float64)
TICKS, LAST_SEARCH_S, QUERY, SEARCHES, PROGRESS_NEXT_S, DIRTY = range(6)
N_STATE = 6


@njit(cache=True)
def trace_before(t_s, period_s, x_s):
    """Requests of the periodic trace replay before time x_s (from the trace's start)."""
    laps = np.floor(x_s / period_s)
    return np.int64(laps) * t_s.size + np.searchsorted(t_s, x_s - laps * period_s)


@njit(cache=True)
def trace_counts(t_s, period_s, offset_s, t0_s, dt_s, counts):
    t1_s = t0_s + dt_s
    for g in range(counts.size):
        counts[g] = trace_before(t_s, period_s, offset_s[g] + t1_s) - trace_before(t_s, period_s, offset_s[g] + t0_s)


@njit(cache=True)
def update_candidates(t1_s, st, refresh_s, rows, stale, net_g, view_sat, view_n, r_eci_m, station_eci_m, indptr,
                      neighbour, edge_link, link_state, link_range_m, link_up, member_of, k_max, max_lat_s, dist,
                      entry, stamp, closed, heap_d, heap_v, cand_m, cand_lat, cand_entry, cand_n, valid, margin,
                      usable):
    """Every station searched again when refresh_s has passed since the last search, else the
    candidates checked and the stations left without one searched (Reachability.update)."""
    G = net_g.size
    if t1_s - st[LAST_SEARCH_S] >= refresh_s:
        st[LAST_SEARCH_S] = t1_s
        n = G
        for s in range(G):
            rows[s] = s
    else:
        if not reach.check(net_g, margin, usable, cand_entry, cand_n, valid, stale):
            return
        n = 0
        for s in range(G):
            if stale[s]:
                rows[n] = s
                n += 1
    sel = rows[:n]
    st[QUERY] = reach.refresh(sel, net_g[sel], view_sat, view_n, r_eci_m, station_eci_m, indptr, neighbour, edge_link,
                              link_state, link_range_m, link_up, member_of, k_max, max_lat_s, dist, entry, stamp,
                              closed, np.int64(st[QUERY]), heap_d, heap_v, cand_m, cand_lat, cand_entry, cand_n)
    st[SEARCHES] += n
    for x in range(n):
        for j in range(valid.shape[1]):
            valid[sel[x], j] = True


@njit(cache=True, error_model="numpy")
def inference_tick(step, t0_s, dt_s, delivered, st, arrival_kind, counts, drawn, drawn_first, gamma_rng, next_s,
                   shape, scale, trace_t_s, period_s, offset_s, reach_args, job_args, members, delivered_m,
                   progress_every_s):
    if st[DIRTY] != 0.0:
        return FULL
    t1_s = t0_s + dt_s
    if arrival_kind == POISSON:
        r = step - drawn_first
        if r < 0 or r >= drawn.shape[0]:
            return FULL
        counts[:] = drawn[r]
    elif arrival_kind == GAMMA:
        dispatch.gamma_counts(gamma_rng, next_s, t1_s, shape, scale, counts)
    else:
        trace_counts(trace_t_s, period_s, offset_s, t0_s, dt_s, counts)
    update_candidates(t1_s, st, *reach_args)
    for m in range(members.size):
        delivered_m[m] = delivered[members[m]]
    changed = kernel.job_tick(np.int64(st[TICKS]), counts, *job_args)
    st[TICKS] += 1.0
    code = EVENTS if changed else 0
    if t1_s >= st[PROGRESS_NEXT_S] - 1e-9:
        code |= PROGRESS
    return code
