"""What happens at the discrete moments of a training job: a member goes down or comes back, an
interruption, an SDC, the SPE's onset and end, a checkpoint due or written, a restart done, a
corruption found. Each changes the job's mode and books (a rollback moves useful work to
`rollback`); sim.workloads.training.schedule calls these at their exact times inside a tick.
"""
from __future__ import annotations

import math

import numpy as np

from sim.workloads.ledger import CAUSE
from sim.workloads.training.checkpoints import Saved

INTERRUPT, SDC, SDC_DETECTED, SPE_ONSET, SPE_END = 1, 2, 3, 4, 5
HW_RESET, HW_LOST = 6, 7   # a hardware fault of the faults subsystem on a member: transient, permanent
FAIL_INTERRUPT, FAIL_DOWN, FAIL_DEVICE, FAIL_PARTITION = 1, 2, 3, 4
ROLLBACK_FAILURE, ROLLBACK_SDC = 1, 2
USEFUL, IDLE, CHECKPOINT, ROLLBACK = CAUSE["useful"], CAUSE["idle"], CAUSE["checkpoint"], CAUSE["rollback"]
RESTART_C, STRAGGLER, COMM, RECOMPUTE_C = (CAUSE["restart"], CAUSE["straggler"], CAUSE["communication"],
                                          CAUSE["sdc_recompute"])
RUN, STALLED, CKPT, RESTART, PAUSE, RECOMPUTE = 0, 1, 2, 3, 4, 5
MODE_NAMES = "0 running, 1 stalled, 2 checkpointing, 3 restarting, 4 paused (SPE), 5 recomputing (SDC)"


def mode_code(job) -> int:
    if job.mode == RUN:
        return STALLED if job.stalled or not job.active.any() else (RECOMPUTE if job.recompute_s > 0 else RUN)
    return job.mode


def running(job) -> bool:
    return job.mode == RUN and not job.stalled and bool(job.active.any())


def interval(job) -> tuple[float | None, int | None]:
    """(compute seconds, steps) between checkpoints now: one of them is None."""
    cfg = job.config
    if cfg.spe.action == "protect" and job.spe_active:
        return cfg.spe.every_s, None
    return cfg.checkpoint.every_s, cfg.checkpoint.every_steps


# ------------------------------------------------------------------ membership and policy
def membership(job, t_s: float, up: np.ndarray, lost: np.ndarray, partitioned) -> None:
    policy = job.config.policy
    m = job.jc.members
    if policy == "elastic":
        drop = job.active & (~up | lost)
        if drop.any():
            job.active[drop] = False
            job.rejoin_at[drop] = math.inf
            job.counts["members_dropped"] += int(drop.sum())
            job.jc.emit("train_member_dropped", t_s, m[drop], float(job.active.sum()), job.committed)
            job.set_shares()
            if not job.active.any():
                rollback(job, t_s, job.store.latest(), ROLLBACK_FAILURE)   # every replica is gone
            elif job.mode == CKPT:
                job.remaining_s = job.config.write_s(int(job.active.sum()))
        back = ~job.active & up & (job.rejoin_at == math.inf)
        job.rejoin_at[back] = t_s + job.config.restart_s
        job.rejoin_at[~job.active & ~up] = math.inf
        return
    if lost.any():
        crash(job, t_s, FAIL_DEVICE, int(np.flatnonzero(lost)[0]))
    down = ~up
    if policy == "wait":
        stalled = bool(down.any())
        if stalled != job.stalled:
            job.jc.emit("train_stall", t_s, -1, 1.0 if stalled else 0.0, float(down.sum()))
            job.stalled = stalled
    elif down.any() and job.mode != PAUSE:   # a paused job is relaunched when it resumes
        if job.mode == RESTART:
            job.remaining_s = job.config.restart_s    # the relaunch waits for the whole allocation
        else:
            first = int(np.flatnonzero(down)[0])
            cause = FAIL_PARTITION if partitioned is not None and partitioned[first] else FAIL_DOWN
            crash(job, t_s, cause, first)


def crash(job, t_s: float, cause: int, pos: int, permanent: bool = False) -> None:
    job.counts["failures"] += 1
    sat = int(job.jc.members[pos]) if pos >= 0 else -1
    job.jc.emit("train_failure", t_s, sat, float(cause), job.committed, 1.0 if permanent else 0.0)
    rollback(job, t_s, job.store.latest(), ROLLBACK_FAILURE)
    enter_restart(job, t_s)


def rollback(job, t_s: float, saved: Saved, cause: int) -> None:
    # never more than is booked useful (the books and useful_cum differ by rounding only)
    booked = job.jc.ledger.gpu_s[USEFUL, job.jc.members] + job.acc[USEFUL]
    lost = np.clip(job.useful_cum - saved.useful_s, 0.0, np.maximum(booked, 0.0))
    job.acc[USEFUL] -= lost
    job.acc[ROLLBACK] += lost
    job.useful_cum[:] = saved.useful_s   # in place: the tick kernel holds the array
    steps_lost = job.committed - saved.step
    job.counts["rollbacks"] += 1
    job.counts["lost_steps"] += steps_lost
    job.jc.emit("train_rollback", t_s, -1, steps_lost, saved.step, float(cause))
    job.committed = saved.step
    job.store.discard_after(saved)
    job.pending_save = None
    job.since_s = job.since_steps = 0.0
    job.recompute_s = 0.0
    if not saved.corrupt:
        job.corrupt_t_s, job.detect_step = None, math.inf


def enter_restart(job, t_s: float) -> None:
    job.mode = RESTART
    job.remaining_s = job.config.restart_s
    job.restart_from_s = t_s
    job.counts["restarts"] += 1


def after_pause_point(job) -> int:
    return PAUSE if job.spe_active and job.config.spe.action == "pause" else RUN


def protect_history(job) -> None:
    """While `protect` checkpoints every spe.every_s, keep as many checkpoints as span the usual
    keep_last × interval, so that a corruption the detector misses a few times over still has a
    clean checkpoint behind it."""
    cfg = job.config
    keep = cfg.checkpoint.keep_last
    if cfg.spe.action == "protect" and job.spe_active:
        usual_s = cfg.checkpoint.every_s
        if usual_s is None:   # steps at full clock on every working GPU
            capacity = float((job.count * job.peak).sum())
            usual_s = cfg.checkpoint.every_steps * job.F / (cfg.model.mfu * capacity) if capacity > 0 else 0.0
        keep = max(keep, math.ceil(keep * usual_s / cfg.spe.every_s))
    job.store.set_keep(keep)


def start_checkpoint(job, t_s: float, verify: bool) -> None:
    cfg = job.config
    if verify and job.corrupt_t_s is not None and job.jc.rng.random() < cfg.sdc.detection_probability:
        detected(job, t_s, 0)
        return
    job.pending_save = Saved(t_s, job.committed, job.useful_cum.copy(), job.corrupt_t_s is not None)
    job.mode = CKPT
    job.remaining_s = cfg.write_s(int(job.active.sum()))
    job.since_s = job.since_steps = 0.0


def detected(job, t_s: float, checks: int) -> None:
    job.counts["sdc_detected"] += 1
    job.jc.emit("train_sdc_detected", t_s, -1, job.committed, job.committed - job.corrupt_step, float(checks))
    rollback(job, t_s, job.store.latest_before(job.corrupt_t_s), ROLLBACK_SDC)
    enter_restart(job, t_s)


# ------------------------------------------------------------------ transitions
def handle_internal(job, t_s: float, what: str) -> None:
    cfg = job.config
    if what == "checkpoint":
        start_checkpoint(job, t_s, cfg.checkpoint.verify or (cfg.spe.action == "protect" and job.spe_active))
    elif what == "written":
        saved = job.pending_save
        job.store.add(saved)
        job.pending_save = None
        job.counts["checkpoints"] += 1
        job.jc.emit("train_checkpoint", t_s, -1, saved.step, t_s - saved.t_s, cfg.checkpoint_bytes)
        job.mode = after_pause_point(job)
    elif what == "restarted":
        job.mode = after_pause_point(job)
        job.set_shares()
        job.jc.emit("train_restart", t_s, -1, job.committed, t_s - job.restart_from_s)
    elif what == "detect":
        detected(job, t_s, job.checks_to_detect)
    elif what == "recomputed":
        job.recompute_s = 0.0
    elif what == "rejoin":
        back = job.rejoin_at <= t_s
        job.rejoin_at[back] = math.inf
        job.active[back] = True
        job.set_shares()
        job.jc.emit("train_member_rejoined", t_s, job.jc.members[back], float(job.active.sum()), job.committed)


def handle_event(job, t_s: float, code: int, pos: int) -> None:
    cfg, rng = job.config, job.jc.rng
    if code in (INTERRUPT, HW_RESET, HW_LOST):
        if code == INTERRUPT:
            cum = np.cumsum(job.installed)
            u = rng.random() * float(cum[-1])
            k = int(np.searchsorted(cum, u, side="right"))
            slot = u - (cum[k - 1] if k else 0)
        else:   # the faults subsystem drew the member; one of its GPUs, if any still works
            k, slot = pos, 0
        if not (slot < job.count[k] - job.failed[k] and job._rates[k] > 0.0):
            return   # a GPU that is down, lost or not working for the job
        job.counts["interruptions"] += 1
        permanent = code == HW_LOST if code != INTERRUPT else rng.random() < cfg.interruptions.permanent_fraction
        if permanent:
            job.failed[k] += 1
            job.counts["permanent_faults"] += 1
            job.jc.fleet.gpus_lost_workload[job.jc.members[k]] += 1   # visible to the fleet (lifetime)
            g = max(job.count[k] - job.failed[k], 0)
            job.usable[k] = g / job.count[k] if job.count[k] > 0 else 0.0
        if cfg.policy == "elastic":
            job.counts["failures"] += 1
            job.jc.emit("train_failure", t_s, int(job.jc.members[k]), float(FAIL_INTERRUPT), job.committed,
                        1.0 if permanent else 0.0)
            if job.active[k]:
                job.active[k] = False
                job.counts["members_dropped"] += 1
                job.jc.emit("train_member_dropped", t_s, int(job.jc.members[k]), float(job.active.sum()),
                            job.committed)
                job.set_shares()
                if not job.active.any():
                    rollback(job, t_s, job.store.latest(), ROLLBACK_FAILURE)
            job.rejoin_at[k] = t_s + cfg.restart_s
        else:
            crash(job, t_s, FAIL_INTERRUPT, k, permanent)
    elif code == SDC:
        if not (running(job) and job.active[pos]):
            return
        if rng.random() >= cfg.sdc.corrupt_probability:
            job.counts["sdc_masked"] += 1
            return
        job.counts["sdc_corruptions"] += 1
        if job.corrupt_t_s is None:
            p = cfg.sdc.detection_probability
            checks = int(rng.geometric(p)) if p > 0.0 else 0
            ce = cfg.sdc.check_every
            job.corrupt_t_s, job.corrupt_step = t_s, job.committed
            job.checks_to_detect = checks
            job.detect_step = (math.floor(job.committed / ce) + checks) * ce if checks else math.inf
    elif code == SDC_DETECTED:
        if running(job) and job.active[pos]:
            job.counts["sdc_recomputes"] += 1
            job.recompute_s += job.timing(job._rates, job._bottleneck)[0]
    elif code == SPE_ONSET:
        job.spe_active = True
        protect_history(job)
        if job.mode == RUN:
            if job.since_s > 0.0 or job.since_steps > 0.0:
                start_checkpoint(job, t_s, True)
            elif cfg.spe.action == "pause":
                job.mode = PAUSE
    elif code == SPE_END:
        job.spe_active = False
        protect_history(job)
        if job.mode == PAUSE:
            job.mode = RUN
