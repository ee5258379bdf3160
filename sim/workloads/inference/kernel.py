"""numba: the inference job's whole tick after the arrivals are drawn and the candidates checked,
in one call (one dispatch instead of a dozen NumPy operations on small arrays):

    admit (station link capacity) → place (dispatch.place) → book every member's delivered
    GPU-seconds as idle → serve the active members (serve.serve_tick, which moves their busy
    share to useful) → station reachability counts
"""
from __future__ import annotations

from numba import njit

from sim.workloads.inference import dispatch, serve


@njit(cache=True, error_model="numpy")
def job_tick(tick, counts, max_per_tick, arrived, rej_link, cand_m, cand_lat, cand_n, valid, policy, conc, gpu_count,
             delivered_s, ist, fst, members, t_junction_k, placed, rej_unreach, lat_sum, reachable, reach_ticks,
             was_reachable, order, share, cslots, act, act_n, is_act, rng, steps, ring, qring, par, cls_p, cls_s,
             cls_prefill_s, cls_gen, split, hist, sums, utilisation, work, row_useful, row_idle):
    """One tick of the job. counts: arrivals per job station. Returns the number of stations
    whose reachability changed (was_reachable keeps the previous tick's)."""
    admitted = counts.copy()
    for s in range(counts.size):
        a = min(counts[s], max_per_tick[s])
        admitted[s] = a
        arrived[s] += counts[s]
        rej_link[s] += counts[s] - a
    dispatch.place(tick, admitted, cand_m, cand_lat, cand_n, valid, policy, conc, gpu_count, delivered_s,
                   ist[serve.BUSY], ist[serve.QLEN], ist[serve.ASSIGNED], members, t_junction_k, fst[serve.LAT_SUM],
                   placed, rej_unreach, lat_sum, reachable, order, share, cslots, act, act_n, is_act)
    total = 0.0
    for m in range(members.size):
        work[row_idle, members[m]] += delivered_s[m]
        total += delivered_s[m]
    useful = serve.serve_tick(rng, tick * steps, members, gpu_count, delivered_s, ist, fst, ring, qring, par, cls_p,
                              cls_s, cls_prefill_s, cls_gen, split, hist, sums, utilisation, work, row_useful,
                              row_idle, act, act_n, is_act)
    sums[serve.IDLE_S] += total - useful
    changed = 0
    for s in range(reachable.size):
        reach_ticks[s] += reachable[s]
        if reachable[s] != was_reachable[s]:
            changed += 1
    return changed
