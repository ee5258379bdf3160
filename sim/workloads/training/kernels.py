"""numba: the quiet tick of a training job (every member active and up, the whole ring up, nothing
discrete inside the tick) in one call. Anything else returns NOT_QUIET before writing, and
sim.workloads.training.schedule handles the tick segment by segment. Same equations as there:

    c_i = w_i / r_i,  T = max c_i + exposed,  steps = dt / T,
    useful_i = w_i·steps,  straggler_i = (max c − c_i)·r_i·steps,  communication_i = exposed·r_i·steps
"""
from __future__ import annotations

import numpy as np
from numba import njit

QUIET, NOT_QUIET = 0, 1
LINK_UP = 2


@njit(cache=True)
def quiet_tick(dt_s, delivered, members, gpu_count, count_seen, usable, w, useful_cum,
               ring_j, ring_present, link_state, link_rate, fixed_bps,
               size_bytes, latency_s, overlap, to_checkpoint_s, to_checkpoint_steps, to_detect_steps,
               work, row_useful, row_straggler, row_comm, row_idle, gpu_utilisation, out):
    """Book one quiet tick; out = (steps, step time, exposed all-reduce time). QUIET or NOT_QUIET."""
    n = members.size
    tc = 0.0
    for i in range(n):
        if gpu_count[members[i]] != count_seen[i]:
            return NOT_QUIET
        r = delivered[i] * usable[i] / dt_s
        if not r > 0.0:
            return NOT_QUIET
        c = w[i] / r
        if c > tc:
            tc = c
    bottleneck = fixed_bps
    if ring_j.size > 0:
        bottleneck = np.inf
        for h in range(ring_j.size):
            j = ring_j[h]
            if not ring_present[h] or link_state[j] != LINK_UP:
                return NOT_QUIET
            if link_rate[j] < bottleneck:
                bottleneck = link_rate[j]
    ar = 0.0
    if n > 1 and bottleneck < np.inf:
        ar = 2.0 * (n - 1) / n * size_bytes * 8.0 / bottleneck + 2.0 * (n - 1) * latency_s
    ex = max((1.0 - overlap) * ar, ar - tc, 0.0)
    T = tc + ex
    steps = dt_s / T
    if not (to_checkpoint_s > dt_s and to_checkpoint_steps > steps and to_detect_steps > steps):
        return NOT_QUIET
    for i in range(n):
        k = members[i]
        r = delivered[i] * usable[i] / dt_s
        useful = w[i] * steps
        work[row_useful, k] += useful
        work[row_straggler, k] += steps * tc * r - useful
        work[row_comm, k] += steps * ex * r
        if usable[i] < 1.0:
            work[row_idle, k] += delivered[i] * (1.0 - usable[i])
        useful_cum[i] += useful
        gpu_utilisation[k] = useful / delivered[i]
    out[0] = steps
    out[1] = T
    out[2] = ex
    return QUIET
