"""The upsets of one tick inside the tick kernel (numba), so that a tick with upsets needs no Python.

The radiation tick kernel flags a tick when some satellite's integrated hazard crosses its Exp(1)
threshold (sim.radiation.tick). `tick_upsets` then does in the kernel what the subsystem's Python
did for such a tick (sim.radiation.subsystem `_handle_upsets`): the further upsets past the first
and the next thresholds (sim.radiation.upsets.further_upsets), and the outcomes
(sim.radiation.upsets.upset_outcomes), with the uniforms taken in the same order from a buffer of
the radiation stream's doubles that Python fills (sim.radiation.upset_buffers), so every upset is
the one the Python path would have drawn. The events go to buffers Python emits at its next visit;
the tick is flagged only where Python must act in that tick: an event kind with subscribers
(FLUSH), a device lost (LOST: the total cross-sections are recomputed in Python), or a tick the
kernel leaves to Python whole (BAIL: a Poisson mean past the inversion limit, too few buffered
uniforms, or too little room in the event buffers), which changes no state before it returns.
"""
from __future__ import annotations

import numpy as np
from numba import njit

from sim.radiation.upsets import UNIFORMS_PER_UPSET, crossed_upsets, further_upsets, upset_outcomes

# return values of tick_upsets (bits; BAIL alone)
FLUSH, LOST, BAIL = 1, 2, 4
# positions in the `cursor` array: next unread uniform, uniforms in the buffer
NEXT, FILLED = 0, 1


@njit(cache=True, error_model="numpy")
def tick_upsets(step, t0_s, dt_s, scrub_interval_s, urgent, uniforms, cursor, threshold_scratch, ev, ev_sat, ev_n,
                lost_mark, redundancy, classes, weights, hi_unit, dose_factor, gpu_count, host_lost,
                proton_flux_cm2_s, dose_rad, throttle_level, gpu_on, down_until_start_s, gpu_down_until_s,
                gpu_down_since_s, down_seconds, counts_by_class, crossed, hazard_prev, hazard, next_threshold):
    """Every upset of tick `step` (t0_s .. t0_s + dt_s) on the satellites with crossed[i] != 0.

    uniforms[cursor[NEXT]:cursor[FILLED]] are the radiation stream's next doubles: 2 per crossed
    satellite (further upsets, next threshold), then UNIFORMS_PER_UPSET per upset, as the Python
    path draws them. Events are appended to ev, ev_sat, ev_n (the layout of upset_outcomes), which
    hold ev.shape[2] rows per code; urgent[code] != 0 for the codes whose kind has subscribers.
    lost_mark[i] is set where satellite i lost a device. scrub_interval_s <= 0: the time simulated
    so far (step · dt_s, at least 1 s). threshold_scratch: a float array of the fleet's size.
    The other arrays as upset_outcomes. Returns BAIL (nothing changed) or FLUSH | LOST bits."""
    idx, h0, h1, first = crossed_upsets(crossed, hazard_prev, hazard, next_threshold)
    n = idx.shape[0]
    start = cursor[NEXT]
    available = cursor[FILLED] - start
    if 2 * n > available:
        return BAIL
    extra = np.empty(n, dtype=np.int64)
    m, left = further_upsets(idx, h1, first, uniforms[start:start + 2 * n].copy().reshape((n, 2)),
                             threshold_scratch, extra)
    if left or 2 * n + UNIFORMS_PER_UPSET * m > available:
        return BAIL
    if ev_n.max() + 2 * m + n > ev.shape[2]:
        return BAIL
    for j in range(n):
        next_threshold[idx[j]] = threshold_scratch[idx[j]]
    u0 = start + 2 * n
    cursor[NEXT] = u0 + UNIFORMS_PER_UPSET * m
    draws = uniforms[u0:u0 + UNIFORMS_PER_UPSET * m].copy().reshape((m, UNIFORMS_PER_UPSET))
    scrub_s = scrub_interval_s if scrub_interval_s > 0.0 else max(step * dt_s, 1.0)
    urgent_before = 0
    for code in range(ev_n.shape[0]):
        urgent_before += ev_n[code] * urgent[code]
    lost = np.zeros(n, dtype=np.bool_)
    upset_outcomes(idx, extra, h0, h1, first, draws, t0_s, dt_s, scrub_s, redundancy, classes, weights, hi_unit,
                   dose_factor, gpu_count, host_lost, proton_flux_cm2_s, dose_rad, throttle_level, gpu_on,
                   down_until_start_s, gpu_down_until_s, gpu_down_since_s, down_seconds, np.empty(m),
                   ev, ev_sat, ev_n, counts_by_class, lost)
    flag = 0
    urgent_after = 0
    for code in range(ev_n.shape[0]):
        urgent_after += ev_n[code] * urgent[code]
    if urgent_after != urgent_before:
        flag |= FLUSH
    for j in range(n):
        if lost[j]:
            lost_mark[idx[j]] = 1
            flag |= LOST | FLUSH
    return flag
