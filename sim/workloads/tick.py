"""numba: one tick of the workloads subsystem (the block contract's tick kernel).

Per job: a training job books its quiet tick (sim.workloads.training.kernels.train_tick), an
inference job runs its whole tick (sim.workloads.inference.tick), an EO job its whole tick
unless contact events arrived for it (sim.workloads.eo.tick); a kind without a kernel is left to
Python (its `step`). Jobs have disjoint members, so the order between them changes nothing. Then the satellites that run
no job book their delivered GPU-seconds as idle. `job_flags[j]` says what Python must do for job
j on this tick: 0 nothing, FULL its whole `step` (nothing of it was booked here), or the
kind's own codes for what follows a tick run here (Job.after_quiet). Returns 1 when any job
needs Python, else 0.
"""
from __future__ import annotations

from numba import njit

from sim.workloads.eo import tick as eo
from sim.workloads.inference import tick as inference
from sim.workloads.training import kernels as training

PYTHON, TRAINING, INFERENCE, EO = 0, 1, 2, 3      # Job.tick_kind
FULL = training.NOT_QUIET
assert FULL == inference.FULL == eo.FULL


@njit(cache=True)
def workloads_tick(step, row, t0_s, dt_s, delivered, work, unassigned, row_idle, python_jobs, job_flags, trainings,
                   inferences, eos):
    """python_jobs[j] = 1: job j runs in Python every tick. trainings, inferences, eos: one tuple per job
    of the kind, (job index, then the kind's kernel arguments after the tick's), or None for none."""
    for j in range(job_flags.size):
        job_flags[j] = FULL if python_jobs[j] else 0
    if trainings is not None:
        for tj in trainings:
            job_flags[tj[0]] = training.train_tick(t0_s, dt_s, delivered, *tj[1:])
    if inferences is not None:
        for ij in inferences:
            job_flags[ij[0]] = inference.inference_tick(step, t0_s, dt_s, delivered, *ij[1:])
    if eos is not None:
        for ej in eos:
            job_flags[ej[0]] = eo.eo_tick(step, row, t0_s, dt_s, delivered, *ej[1:])
    for i in range(unassigned.size):
        k = unassigned[i]
        work[row_idle, k] += delivered[k]
    for j in range(job_flags.size):
        if job_flags[j] != 0:
            return 1
    return 0
