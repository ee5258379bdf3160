"""numba: one tick of an eo job (sim.workloads.eo.job, steps 1-5) in two halves around the downlink
budget, and both in one call when no contact event arrived for the tick:

    before_budget  capture, store (main, then the bent-pipe shadow), the GPU work and its books
    after_budget   downlink and freed storage (main, then shadow), the next tick's utilisation

Codes: EVENTS (a pipeline began dropping or freed storage: Python emits the events from the
pipelines' lists), ROW (a downlink table row is due), FULL (contact events arrived: the job's
`step` runs the tick, the budget between events in Python).
"""
from __future__ import annotations

from numba import njit

from sim.workloads.eo import downlink, kernels

FULL, EVENTS, ROW = 1, 4, 8
# the job's scalar state (EoJob.st, float64)
HELD_TICKS, NEXT_ROW_S = range(2)
N_STATE = 2
# the table prepare fills per tick: the Sun's unit vector and cos, sin GMST at the tick end
SUN_X, SUN_Y, SUN_Z, COS_GMST, SIN_GMST = range(5)
N_TABLE = 5


@njit(cache=True, error_model="numpy")
def store(pipe, captured, t_capture_s):
    """One pipeline's store (pipe: Pipeline.kernel_args()); returns how many members began
    dropping (listed in the pipeline's `began`)."""
    total, n_full, store_args = pipe[0], pipe[1], pipe[2]
    for m in range(captured.shape[0]):
        total[m] += captured[m]
    n = kernels.store_tick(captured, t_capture_s, *store_args)
    n_full[0] += n
    return n


@njit(cache=True, error_model="numpy")
def freed(pipe):
    """How many members marked full can store a frame again (listed in the pipeline's `freed`)."""
    n_full, freed_args = pipe[1], pipe[4]
    if n_full[0] == 0:
        return 0
    n = kernels.freed_tick(*freed_args)
    n_full[0] -= n
    return n


@njit(cache=True, error_model="numpy")
def _downlink(pipe, budget, t1_s):
    kernels.downlink_tick(budget, pipe[5], t1_s, *pipe[3])
    return freed(pipe)


@njit(cache=True, error_model="numpy")
def before_budget(t0_s, dt_s, row, delivered, table, see_args, main, shadow, process, members, delivered_m,
                  delivered_acc, u, budget, work, row_useful, row_idle, n_events):
    """Steps 1-3. n_events[0..1]: members that began dropping (main, shadow)."""
    captured = kernels.see_and_capture(members, see_args[0], table[row, SUN_X], table[row, SUN_Y], table[row, SUN_Z],
                                       table[row, COS_GMST], table[row, SIN_GMST], *see_args[1:])
    t_capture_s = t0_s + 0.5 * dt_s
    code = 0
    n_events[0] = store(main, captured, t_capture_s)
    n_events[1] = 0
    if shadow is not None:
        n_events[1] = store(shadow, captured, t_capture_s)
    if n_events[0] or n_events[1]:
        code = EVENTS
    for m in range(members.size):
        delivered_m[m] = delivered[members[m]]
        delivered_acc[m] += delivered_m[m]
    if process is not None:
        gpu_s_per_frame, keep, gpu_busy_s, process_args = process
        for m in range(members.size):
            budget[m] = delivered_m[m] * u[m]
        spent = kernels.process_tick(budget, gpu_s_per_frame, keep, *process_args)
        for m in range(members.size):
            gpu_busy_s[m] += spent[m]
        for m in range(members.size):
            work[row_useful, members[m]] += spent[m]
        for m in range(members.size):
            work[row_idle, members[m]] += delivered_m[m] - spent[m]
    else:
        for m in range(members.size):
            work[row_idle, members[m]] += delivered_m[m]
    return code


@njit(cache=True, error_model="numpy")
def after_budget(t0_s, dt_s, st, budget, main, shadow, utilisation, members, n_events):
    """Steps 4-5 with the downlink budget in `budget`. n_events[2..3]: members freed (main, shadow)."""
    t1_s = t0_s + dt_s
    code = 0
    n_events[2] = _downlink(main, budget, t1_s)
    n_events[3] = 0
    if shadow is not None:
        n_events[3] = _downlink(shadow, budget, t1_s)
    if n_events[2] or n_events[3]:
        code = EVENTS
    if utilisation is not None:
        st[HELD_TICKS] += kernels.utilisation_tick(members, t1_s, dt_s, *utilisation)
    if t1_s + 1e-9 >= st[NEXT_ROW_S]:
        code |= ROW
    return code


@njit(cache=True, error_model="numpy")
def eo_tick(step, row, t0_s, dt_s, delivered, st, contact_events, table, see_args, main, shadow, process, members,
            delivered_m, delivered_acc, u, budget, work, row_useful, row_idle, n_events, rate_now, contact_s,
            capacity_bytes, utilisation):
    if contact_events[0] != 0.0:
        return FULL
    code = before_budget(t0_s, dt_s, row, delivered, table, see_args, main, shadow, process, members, delivered_m,
                         delivered_acc, u, budget, work, row_useful, row_idle, n_events)
    downlink.budget_tick(rate_now, dt_s, budget, contact_s)
    for m in range(budget.size):
        capacity_bytes[m] += budget[m]
    return code | after_budget(t0_s, dt_s, st, budget, main, shadow, utilisation, members, n_events)
