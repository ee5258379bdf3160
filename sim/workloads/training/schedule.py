"""One tick of a training job: membership and policy at the tick start, then segments between
the discrete things that happen inside the tick, each booked analytically.

A tick is split at the exact times of the events that arrived for it (interruptions, SDCs,
SPE onset/end; `job.pending`) and of the job's own transitions (a checkpoint due, a write or
a restart finished, the step the detector finds a corruption at, an elastic member rejoining,
an SDC recompute done). Work per segment is O(members) NumPy; a quiet tick is one segment.
"""
from __future__ import annotations

import math

import numpy as np

from sim.workloads.training import kernels
from sim.workloads.training.policy import (
    CHECKPOINT,
    CKPT,
    COMM,
    IDLE,
    RECOMPUTE_C,
    RESTART,
    RESTART_C,
    RUN,
    STRAGGLER,
    USEFUL,
    handle_event,
    handle_internal,
    interval,
    membership,
    mode_code,
    running,
)

MAX_SEGMENTS = 100_000


def advance_tick(job, t0_s: float, dt_s: float, delivered: np.ndarray) -> None:
    t1_s = t0_s + dt_s
    job.sync()
    code = quiet(job, t0_s, dt_s)
    if code != kernels.NOT_QUIET:
        job.after_quiet(t1_s, code)
        return
    acc, m = job.acc, job.jc.members
    acc[:] = 0.0
    job.busy[:] = 0.0
    count = job.jc.fleet.gpu_count[m]
    lost = count < job.count
    if lost.any() or (count > job.count).any():
        job.count[:] = count   # in place: the tick kernel holds the array
    rates = delivered / dt_s
    if job.failed.any():
        acc[IDLE] += delivered * (1.0 - job.usable)
        rates = rates * job.usable
    arc, bottleneck = job.ring.state()
    up = rates > 0.0
    partitioned = None
    if arc is not None:
        partitioned = up & ~arc
        up &= arc
    job._rates, job._bottleneck, job._cache = rates, bottleneck, None
    membership(job, t0_s, up, lost, partitioned)

    events = sorted(job.pending) if job.pending else ()
    job.pending = []
    cursor, k = t0_s, 0
    for _ in range(MAX_SEGMENTS):
        t_ev = max(events[k][0], cursor) if k < len(events) else math.inf
        due_s, what = next_internal(job, cursor)
        t_int = cursor + due_s
        if t_ev <= t_int and t_ev <= t1_s:
            book(job, t_ev - cursor)
            cursor = t_ev
            _, code, pos = events[k]
            k += 1
            handle_event(job, cursor, code, pos)
        elif t_int <= t1_s:
            book(job, t_int - cursor)
            cursor = t_int
            handle_internal(job, cursor, what)
        else:
            book(job, t1_s - cursor)
            break
    else:
        raise RuntimeError(f"training job {job.jc.name!r}: more than {MAX_SEGMENTS} segments in one tick")

    f = job.jc.fleet
    f.gpu_utilisation[m] = np.where(delivered > 0.0, job.busy / np.maximum(delivered, 1e-300), f.gpu_utilisation[m])
    job.jc.ledger.gpu_s[:, m] += acc
    if t1_s >= job.next_progress_s:
        progress_row(job, t1_s, job.timing(rates, bottleneck)[0] if running(job) else math.nan)
    job.sync()


def quiet(job, t0_s: float, dt_s: float) -> int:
    """The quiet tick in one kernel call (sim.workloads.training.kernels.train_tick, the same call
    the subsystem's tick kernel makes): QUIET, PROGRESS_DUE, or NOT_QUIET with nothing done."""
    return kernels.train_tick(t0_s, dt_s, job.jc.fleet.gpu_seconds_delivered_tick, *job.tick_args())


def progress_row(job, t1_s: float, step_time_s: float) -> None:
    job.progress.append((t1_s, job.committed, step_time_s, job.steps_computed, int(job.active.sum()),
                         mode_code(job)))
    job.next_progress_s = (math.floor(t1_s / job.progress_every_s) + 1) * job.progress_every_s


# ------------------------------------------------------------------ time to the next transition
def next_internal(job, cursor: float) -> tuple[float, str]:
    due, what = math.inf, ""
    if job.config.policy == "elastic":
        r = float(job.rejoin_at.min())
        if r < math.inf:
            due, what = max(r - cursor, 0.0), "rejoin"
    if job.mode == RUN:
        if not running(job):
            return due, what
        if job.recompute_s > 0.0:
            return (job.recompute_s, "recomputed") if job.recompute_s < due else (due, what)
        T = job.timing(job._rates, job._bottleneck)[0]
        every_s, every_steps = interval(job)
        c = max(every_s - job.since_s, 0.0) if every_s is not None else max(every_steps - job.since_steps, 0.0) * T
        if c < due:
            due, what = c, "checkpoint"
        if job.corrupt_t_s is not None and job.detect_step < math.inf:
            d = max(job.detect_step - job.committed, 0.0) * T
            if d < due:
                due, what = d, "detect"
    elif job.mode == CKPT and not job.stalled or job.mode == RESTART:
        if job.remaining_s < due:
            due, what = job.remaining_s, ("written" if job.mode == CKPT else "restarted")
    return due, what


# ------------------------------------------------------------------ booking a segment
def book(job, s: float) -> None:
    if s <= 0.0:
        return
    acc, rates, act = job.acc, job._rates, job.active
    mode = job.mode
    if job.config.policy == "elastic" and not act.all():
        rejoining = ~act & (job.rejoin_at < math.inf)
        acc[RESTART_C] += rates * rejoining * s
        acc[IDLE] += rates * (~act & ~rejoining) * s
        r = rates * act
    else:
        r = rates
    if mode == RUN:
        if not running(job):
            acc[IDLE] += r * s
        elif job.recompute_s > 0.0:
            acc[RECOMPUTE_C] += r * s
            job.busy += r * s
            job.recompute_s = max(job.recompute_s - s, 0.0)
        else:
            T, tc, ex = job.timing(rates, job._bottleneck)
            steps = s / T
            useful = job.w * steps
            acc[USEFUL] += useful
            job.useful_cum += useful
            job.busy += useful
            acc[STRAGGLER] += steps * tc * r - useful
            if ex > 0.0:
                acc[COMM] += steps * ex * r
            job.committed += steps
            job.since_s += s
            job.since_steps += steps
            job.steps_computed += steps
            job.run_s += s
            job.exposed_s += steps * ex
    elif mode == CKPT:
        acc[IDLE if job.stalled else CHECKPOINT] += r * s
        if not job.stalled:
            job.remaining_s = max(job.remaining_s - s, 0.0)
    elif mode == RESTART:
        acc[RESTART_C] += r * s
        job.remaining_s = max(job.remaining_s - s, 0.0)
    else:   # PAUSE
        acc[IDLE] += r * s


