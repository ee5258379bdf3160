"""numba: the quiet tick of a training job (every member active and up, the whole ring up, nothing
discrete inside the tick) in one call. Anything else returns NOT_QUIET before writing, and
sim.workloads.training.schedule handles the tick segment by segment. Same equations as there:

    c_i = w_i / r_i,  T = max c_i + exposed,  steps = dt / T,
    useful_i = w_i·steps,  straggler_i = (max c − c_i)·r_i·steps,  communication_i = exposed·r_i·steps
"""
from __future__ import annotations

import numpy as np
from numba import njit

QUIET, NOT_QUIET, PROGRESS_DUE = 0, 1, 2
LINK_UP = 2
# the job's scalar state the tick kernel reads and advances (TrainingJob.st, float64)
(GATE, COMMITTED, SINCE_S, SINCE_STEPS, STEPS_COMPUTED, RUN_S, EXPOSED_S, NEXT_PROGRESS_S, EVERY_S, EVERY_STEPS,
 DETECT_STEP, REMAINING_S, ANY_FAILED) = range(13)
N_STATE = 13
# st[GATE]: which quiet tick may be tried (0 none: events pending, stalled, paused, recomputing, a member
# inactive); HOLD_*: a checkpoint write or a restart in progress, booked to its row of the ledger
GATE_NONE, GATE_RUN, GATE_HOLD_CHECKPOINT, GATE_HOLD_RESTART = 0.0, 1.0, 2.0, 3.0


@njit(cache=True)
def quiet_tick(dt_s, delivered, members, gpu_count, count_seen, usable, w, useful_cum,
               ring_j, ring_present, link_state, link_rate, fixed_bps,
               size_bytes, latency_s, overlap, to_checkpoint_s, to_checkpoint_steps, to_detect_steps,
               work, row_useful, row_straggler, row_comm, row_idle, gpu_utilisation, out):
    """Book one quiet tick; out = (steps, step time, exposed all-reduce time). QUIET or NOT_QUIET.
    `delivered` is indexed by satellite (the fleet's gpu_seconds_delivered_tick)."""
    n = members.size
    tc = 0.0
    for i in range(n):
        if gpu_count[members[i]] != count_seen[i]:
            return NOT_QUIET
        r = delivered[members[i]] * usable[i] / dt_s
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
        r = delivered[members[i]] * usable[i] / dt_s
        useful = w[i] * steps
        work[row_useful, k] += useful
        work[row_straggler, k] += steps * tc * r - useful
        work[row_comm, k] += steps * ex * r
        if usable[i] < 1.0:
            work[row_idle, k] += delivered[members[i]] * (1.0 - usable[i])
        useful_cum[i] += useful
        gpu_utilisation[k] = useful / delivered[members[i]]
    out[0] = steps
    out[1] = T
    out[2] = ex
    return QUIET


@njit(cache=True)
def hold_tick(t0_s, t1_s, dt_s, delivered, members, gpu_count, count_seen, usable, ring_j, ring_present, link_state,
              st, work, row_hold, row_idle, gpu_utilisation, out):
    """A quiet tick of a checkpoint write or a restart (every member up, the whole ring up, the
    write or restart not done inside the tick): the delivered GPU-seconds of the usable GPUs go
    to row_hold, those of GPUs lost for good to idle, as sim.workloads.training.schedule books
    them (rates d/dt·usable over the segment t1 − t0). QUIET, PROGRESS_DUE or NOT_QUIET."""
    n = members.size
    for i in range(n):
        if gpu_count[members[i]] != count_seen[i]:
            return NOT_QUIET
        if not delivered[members[i]] * usable[i] / dt_s > 0.0:
            return NOT_QUIET
    for h in range(ring_j.size):
        if not ring_present[h] or link_state[ring_j[h]] != LINK_UP:
            return NOT_QUIET
    if t0_s + st[REMAINING_S] <= t1_s:
        return NOT_QUIET
    s = t1_s - t0_s
    failed = st[ANY_FAILED] != 0.0
    for i in range(n):
        k = members[i]
        d = delivered[k]
        r = d / dt_s
        if failed:
            work[row_idle, k] += d * (1.0 - usable[i])
            r = r * usable[i]
        work[row_hold, k] += r * s
        gpu_utilisation[k] = 0.0
    st[REMAINING_S] = max(st[REMAINING_S] - s, 0.0)
    out[1] = np.nan
    if t1_s >= st[NEXT_PROGRESS_S]:
        return PROGRESS_DUE
    return QUIET


@njit(cache=True)
def train_tick(t0_s, dt_s, delivered, members, gpu_count, count_seen, usable, w, useful_cum,
               ring_j, ring_present, link_state, link_rate, fixed_bps, size_bytes, latency_s, overlap, st,
               work, row_useful, row_straggler, row_comm, row_idle, row_checkpoint, row_restart, gpu_utilisation, out):
    """The quiet tick t0_s .. t0_s + dt_s of one job with its scalar state in `st` (indices above):
    QUIET, PROGRESS_DUE (quiet, booked, and a progress row is due at its end) or NOT_QUIET (nothing written: the tick
    needs sim.workloads.training.schedule). st[GATE] says which quiet tick may be tried."""
    t1_s = t0_s + dt_s
    gate = st[GATE]
    if gate == GATE_NONE:
        return NOT_QUIET
    if gate != GATE_RUN:
        row_hold = row_checkpoint if gate == GATE_HOLD_CHECKPOINT else row_restart
        return hold_tick(t0_s, t1_s, dt_s, delivered, members, gpu_count, count_seen, usable, ring_j,
                         ring_present, link_state, st, work, row_hold, row_idle, gpu_utilisation, out)
    to_s = st[EVERY_S] - st[SINCE_S]
    to_steps = st[EVERY_STEPS] - st[SINCE_STEPS]
    to_detect = st[DETECT_STEP] - st[COMMITTED]
    code = quiet_tick(dt_s, delivered, members, gpu_count, count_seen, usable, w, useful_cum, ring_j, ring_present,
                      link_state, link_rate, fixed_bps, size_bytes, latency_s, overlap, to_s, to_steps, to_detect,
                      work, row_useful, row_straggler, row_comm, row_idle, gpu_utilisation, out)
    if code != QUIET:
        return NOT_QUIET
    steps = out[0]
    st[COMMITTED] += steps
    st[SINCE_S] += dt_s
    st[SINCE_STEPS] += steps
    st[STEPS_COMPUTED] += steps
    st[RUN_S] += dt_s
    st[EXPOSED_S] += steps * out[2]
    if t1_s >= st[NEXT_PROGRESS_S]:
        return PROGRESS_DUE
    return QUIET
