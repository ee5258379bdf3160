"""numba: one tick of every serving satellite's queue, as counts.

Each member has `slots` = concurrency × working GPUs request streams. A stream runs one request
for its service time S = context / prefill rate + generated × TPOT at full clock (TPOT =
concurrency / decode rate), stretched by 1/level at a lower clock, `level` being the rate the
payload delivered at (delivered GPU-s / (working GPUs × dt) = 1/(s/clock + 1 − s) with the job's
clock-sensitive share s, sim.payload.gpu.throughput_fraction): the member keeps a work clock
W (full-clock seconds per stream, advancing by level × dt) and a ring of completion counts by
W bin (`ring_dt`), so nothing is stored per request. Requests are split into size classes
(multinomially) when they start; their latencies are known then and are added to fixed-bin
histograms (sim.workloads.inference.hist):

    TTFT = path + wait + prefill / level,   TPOT = TPOT_full / level,
    end-to-end = TTFT + generated × TPOT + path (the reply comes back the same way)

A member that cannot queue this tick (nothing waiting and in service + arrivals ≤ slots) takes
its arrivals at once, spread evenly over the tick (the fast path); otherwise the tick is walked
in steps of `delta` (queue.resolution_s): arrivals fall multinomially into the steps and join a
FIFO ring of counts by arrival step, completions free streams, the oldest requests start, and
those waiting longer than max_wait are dropped. Exponential service (a validation mode) frees
each busy stream with probability 1 − exp(−level·delta/S) per step and always walks the tick.

The busy share (time-average in service / slots) is the members' GPU utilisation for the next
tick and splits their delivered GPU-seconds into useful and idle in the work ledger. Only the
members with requests (the active list) are visited; the others cost nothing but the caller's
one vectorised booking of every member's delivered time as idle.
"""
from __future__ import annotations

import math

import numpy as np
from numba import njit

from sim.workloads.inference import rand
from sim.workloads.inference.hist import LO_S, N_BINS, PER_DECADE

BUSY, QLEN, QHEAD, REL, ASSIGNED = range(5)      # rows of the integer state
W, LAT, LAT_SUM = range(3)                       # rows of the float state
# job totals (sums)
SERVED, MET, TIMEOUT, TTFT_SUM, TPOT_SUM, E2E_SUM, WAIT_SUM, USEFUL_S, IDLE_S, IN_SERVICE, WAITING = range(11)
N_SUMS = 11
# parameters (par)
P_DT, P_DELTA, P_RING_DT, P_MAX_WAIT_STEPS, P_TPOT, P_SLO_TTFT, P_SLO_TPOT, P_EXPONENTIAL, P_STEPS, P_CONC = range(10)
N_PAR = 10
FAST_SPREAD = 10  # a fast-path tick's starts are spread over at most this many instants


@njit(cache=True, error_model="numpy")
def _bin(x):
    if x < LO_S:
        return 0
    b = int(math.log10(x / LO_S) * PER_DECADE) + 1
    return b if b < N_BINS - 1 else N_BINS - 1


@njit(cache=True, error_model="numpy")
def _record(hist, sums, nc, c, wait_s, lat_s, level, cls_prefill_s, cls_gen, par):
    tpot = par[P_TPOT] / level
    ttft = lat_s + wait_s + cls_prefill_s[c] / level
    e2e = ttft + cls_gen[c] * tpot + lat_s
    hist[0, _bin(ttft)] += nc
    hist[1, _bin(tpot)] += nc
    hist[2, _bin(e2e)] += nc
    hist[3, _bin(wait_s)] += nc
    sums[SERVED] += nc
    sums[TTFT_SUM] += nc * ttft
    sums[TPOT_SUM] += nc * tpot
    sums[E2E_SUM] += nc * e2e
    sums[WAIT_SUM] += nc * wait_s
    if ttft <= par[P_SLO_TTFT] and tpot <= par[P_SLO_TPOT]:
        sums[MET] += nc


@njit(cache=True, error_model="numpy")
def _split(rng, n, cls_p, out):
    """Multinomial(n, cls_p) into out."""
    k = cls_p.size
    rem = n
    left = 1.0
    for c in range(k - 1):
        x = 0
        if rem > 0:
            p = min(1.0, max(0.0, cls_p[c] / left)) if left > 0.0 else 1.0
            x = rand.binomial(rng, rem, p)
        out[c] = x
        rem -= x
        left -= cls_p[c]
    out[k - 1] = rem


@njit(cache=True, error_model="numpy")
def _complete_at(ring, m, rel, w_done, ring_dt, nc):
    b = int(w_done / ring_dt + 0.5)
    if b <= rel:
        b = rel + 1
    ring[m, b % ring.shape[1]] += nc


@njit(cache=True, error_model="numpy")
def _fast(rng, m, n, level, slots, ist, fst, ring, par, cls_p, cls_s, cls_prefill_s, cls_gen, split, hist, sums):
    """All n arrivals start at once (no wait), spread evenly over the tick. Returns the busy
    stream-seconds of the tick."""
    dt, ring_dt = par[P_DT], par[P_RING_DT]
    w0 = fst[W, m]
    span = level * dt
    rel = ist[REL, m]
    area = ist[BUSY, m] * dt
    if n > 0:
        _split(rng, n, cls_p, split)
        lat = fst[LAT, m]
        jn = min(max(1, int(span / ring_dt)), FAST_SPREAD)
        for c in range(cls_p.size):
            nc = split[c]
            if nc == 0:
                continue
            _record(hist, sums, nc, c, 0.0, lat, level, cls_prefill_s, cls_gen, par)
            if nc <= jn:
                for i in range(nc):
                    u = (i + 0.5) / nc
                    _complete_at(ring, m, rel, w0 + u * span + cls_s[c], ring_dt, 1)
                    area += (1.0 - u) * dt
            else:
                for j in range(jn):
                    cnt = (nc * (j + 1)) // jn - (nc * j) // jn
                    u = (j + 0.5) / jn
                    _complete_at(ring, m, rel, w0 + u * span + cls_s[c], ring_dt, cnt)
                    area += cnt * (1.0 - u) * dt
        ist[BUSY, m] += n
    b_end = int(math.floor((w0 + span) / ring_dt))
    r = ring.shape[1]
    done = 0
    for b in range(rel + 1, b_end + 1):
        cnt = ring[m, b % r]
        if cnt:
            f = min(max((b * ring_dt - w0) / span, 0.0), 1.0) if span > 0.0 else 1.0
            area -= cnt * (1.0 - f) * dt
            done += cnt
            ring[m, b % r] = 0
    ist[REL, m] = max(rel, b_end)
    ist[BUSY, m] -= done
    fst[W, m] = w0 + span
    return area


@njit(cache=True, error_model="numpy")
def _walk(rng, m, n, level, slots, k0, ist, fst, ring, qring, par, cls_p, cls_s, cls_prefill_s, cls_gen,
          split, hist, sums):
    """The tick in steps of delta with a FIFO queue. Returns the busy stream-seconds of the tick."""
    delta, ring_dt = par[P_DELTA], par[P_RING_DT]
    steps = int(par[P_STEPS])
    max_wait = int(par[P_MAX_WAIT_STEPS])
    exponential = par[P_EXPONENTIAL] > 0.0
    q_size = qring.shape[1]
    r = ring.shape[1]
    lat = fst[LAT, m]
    area = 0.0
    rem = n
    p_done = min(level * delta / cls_s[0], 1.0) if exponential else 0.0  # geometric service of mean S/level
    for j in range(steps):
        k = k0 + j
        a = 0
        if rem > 0:
            a = rand.binomial(rng, rem, 1.0 / (steps - j))
            rem -= a
        fst[W, m] += level * delta
        if exponential:
            if ist[BUSY, m] > 0 and p_done > 0.0:
                ist[BUSY, m] -= rand.binomial(rng, ist[BUSY, m], p_done)
        else:
            b_end = int(math.floor(fst[W, m] / ring_dt))
            for b in range(ist[REL, m] + 1, b_end + 1):
                ist[BUSY, m] -= ring[m, b % r]
                ring[m, b % r] = 0
            ist[REL, m] = max(ist[REL, m], b_end)
        if a > 0:
            if ist[QLEN, m] == 0:
                ist[QHEAD, m] = k
            qring[m, k % q_size] += a
            ist[QLEN, m] += a
        while ist[QLEN, m] > 0 and k - ist[QHEAD, m] > max_wait:  # waited too long: dropped
            h = ist[QHEAD, m] % q_size
            x = qring[m, h]
            qring[m, h] = 0
            ist[QLEN, m] -= x
            sums[TIMEOUT] += x
            ist[QHEAD, m] += 1
        free = slots - ist[BUSY, m]
        while free > 0 and ist[QLEN, m] > 0:
            h = ist[QHEAD, m] % q_size
            x = qring[m, h]
            if x == 0:
                ist[QHEAD, m] += 1
                continue
            take = min(free, x)
            wait_s = (k - ist[QHEAD, m]) * delta
            _split(rng, take, cls_p, split)
            for c in range(cls_p.size):
                nc = split[c]
                if nc:
                    _record(hist, sums, nc, c, wait_s, lat, level, cls_prefill_s, cls_gen, par)
                    if not exponential:
                        _complete_at(ring, m, ist[REL, m], fst[W, m] + cls_s[c], ring_dt, nc)
            qring[m, h] -= take
            ist[QLEN, m] -= take
            ist[BUSY, m] += take
            free -= take
        if ist[QLEN, m] == 0:
            ist[QHEAD, m] = k + 1
        area += ist[BUSY, m] * delta
    return area


@njit(cache=True, error_model="numpy")
def serve_tick(rng, k0, members, gpu_count, delivered_s, ist, fst, ring, qring, par, cls_p, cls_s,
               cls_prefill_s, cls_gen, split, hist, sums, utilisation, work, row_useful, row_idle, act, act_n, is_act):
    """Advance the queues of the active members act[:act_n[0]] (requests in service, queued or
    placed in ist[ASSIGNED] with fst[LAT_SUM]) over one tick, add the latencies, set their GPU
    utilisation (busy share; 0 once drained, when they leave the active list) and move their
    useful GPU-seconds (delivered × busy share) from `idle`, where the caller booked every
    member's delivered time, to `useful`. rng is the job's sim.workloads.inference.rand state.
    Returns the useful GPU-seconds of the tick."""
    dt = par[P_DT]
    conc = par[P_CONC]
    exponential = par[P_EXPONENTIAL] > 0.0
    in_service = 0
    waiting = 0
    useful_total = 0.0
    kept = 0
    for p in range(act_n[0]):
        m = act[p]
        i = members[m]
        d = delivered_s[m]
        count = gpu_count[i]
        level = d / (count * dt) if count > 0 and d > 0.0 else 0.0
        slots = int(conc * count) if level > 0.0 else 0
        n = ist[ASSIGNED, m]
        if n > 0:
            fst[LAT, m] = fst[LAT_SUM, m] / n
            ist[ASSIGNED, m] = 0
            fst[LAT_SUM, m] = 0.0
        if exponential or ist[QLEN, m] > 0 or ist[BUSY, m] + n > slots:
            area = _walk(rng, m, n, level, slots, k0, ist, fst, ring, qring, par, cls_p, cls_s, cls_prefill_s,
                         cls_gen, split, hist, sums)
        else:
            area = _fast(rng, m, n, level, slots, ist, fst, ring, par, cls_p, cls_s, cls_prefill_s, cls_gen,
                         split, hist, sums)
        share = min(max(area / (slots * dt), 0.0), 1.0) if slots > 0 else 0.0
        useful = d * share
        work[row_useful, i] += useful
        work[row_idle, i] -= useful
        useful_total += useful
        in_service += ist[BUSY, m]
        waiting += ist[QLEN, m]
        if ist[BUSY, m] == 0 and ist[QLEN, m] == 0:  # drained: idle from the next tick
            utilisation[i] = 0.0
            is_act[m] = False
        else:
            utilisation[i] = share
            act[kept] = m
            kept += 1
    act_n[0] = kept
    sums[USEFUL_S] += useful_total
    sums[IN_SERVICE] = in_service
    sums[WAITING] = waiting
    return useful_total


def new_state(n_members: int, queue_steps: int, ring_bins: int):
    """(integer state (5, M), float state (3, M), completion ring (M, R), queue ring (M, Q), active
    list (M), its length (1), active flags (M))."""
    return (np.zeros((5, n_members), np.int64), np.zeros((3, n_members)),
            np.zeros((n_members, ring_bins), np.int32), np.zeros((n_members, queue_steps), np.int32),
            np.zeros(n_members, np.int64), np.zeros(1, np.int64), np.zeros(n_members, np.bool_))
