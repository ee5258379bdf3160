"""Workloads: the jobs the GPUs run, advanced every tick after the payload.

Each job books its members' delivered GPU-seconds in the work ledger and sets their GPU
utilisation for the next tick; satellites that run no job book theirs as idle and run at idle
utilisation. Job kinds are found through JOB_KINDS (kind -> "module:Class").

The tick kernel (sim.workloads.tick) books a training job's quiet tick and the idle satellites
in numba; a job whose `tick_args()` is None (inference, EO), and a training job on a tick that
is not quiet, run their Python `step` in `after_tick` for that tick. GPUs a job loses for good
are counted per satellite in the FleetState field `gpus_lost_workload` (the hardware still
counts them as working: the payload keeps delivering their GPU-seconds, the job books them idle).
"""
from __future__ import annotations

import importlib

import numpy as np

from sim.core.fleet import FieldSpec
from sim.core.subsystem import Context, Subsystem, TickKernel
from sim.workloads import ledger, tick
from sim.workloads.job import Job, JobContext
from sim.workloads.members import resolve, shell_ranges

JOB_KINDS = {
    "training": "sim.workloads.training.job:TrainingJob",
    "inference": "sim.workloads.inference.job:InferenceJob",
    "eo": "sim.workloads.eo.job:EoJob",
}


def job_class(kind: str) -> type[Job]:
    module, _, name = JOB_KINDS[kind].partition(":")
    return getattr(importlib.import_module(module), name)


class Workloads(Subsystem):
    """The jobs of the `workloads:` section."""

    name = "workloads"
    section = "workloads"
    requires = ("gpu_state",)
    uses = ("network", "radiation", "sdc", "sdc_detected", "rad_gpu_reset", "sefi", "sel", "device_lost",
            "fault_start")
    provides = ("work",)
    fields = (ledger.FIELD,
              FieldSpec("gpus_lost_workload", "i4", "1", "GPUs the workload lost for good (permanent hardware "
                        "interruptions) that gpu_count still counts as working", "state"))

    @classmethod
    def event_kinds(cls, scenario) -> dict[str, str]:
        kinds: dict[str, str] = {}
        for kind in dict.fromkeys(job.kind for job in scenario.workloads.jobs):
            kinds.update(job_class(kind).events)
        return kinds

    def __init__(self, ctx: Context):
        super().__init__(ctx)
        self.ledger = ledger.Ledger(ctx.fleet)
        services = ctx.services
        ranges = shell_ranges(ctx.scenario)
        assigned = np.zeros(ctx.fleet.n, dtype=bool)
        self.jobs: list[Job] = []
        for cfg in ctx.scenario.workloads.jobs:
            members = resolve(cfg.members, ranges)
            assigned[members] = True
            jc = JobContext(ctx, cfg.name, members, self.ledger, ctx.rng(f"{self.name}.{cfg.name}"),
                            network=services.get("network") if "network" in services else None,
                            radiation=services.get("radiation") if "radiation" in services else None)
            self.jobs.append(job_class(cfg.kind)(cfg, jc))
        self.unassigned = np.flatnonzero(~assigned).astype(np.int64)
        ctx.fleet.gpu_utilisation[self.unassigned] = 0.0
        self.job_flags = np.zeros(len(self.jobs), np.int64)
        self.python_jobs = np.array([job.tick_kind == tick.PYTHON for job in self.jobs], np.int8)
        self._args, self._args_key = None, None
        self.provide("work", self)

    def start(self) -> None:
        for job in self.jobs:
            job.start()

    # ------------------------------------------------------------------ the tick kernel
    def _tick_args(self) -> tuple:
        """What sim.workloads.tick.workloads_tick reads after (step, row, t0_s, dt_s): built again
        after the jobs' Python work (after_tick, and SimPy between blocks: prepare) or when an
        array of another subsystem a job reads was replaced (Job.tick_key), else the same tuple
        (the driver asks for it at every return to Python)."""
        key = tuple(job.tick_key() for job in self.jobs)
        if self._args is None or key != self._args_key:
            self._args, self._args_key = self._build_tick_args(), key
        return self._args

    def _build_tick_args(self) -> tuple:
        f = self.ctx.fleet
        of_kind = [tuple((j, *job.tick_args()) for j, job in enumerate(self.jobs) if job.tick_kind == kind) or None
                   for kind in (tick.TRAINING, tick.INFERENCE, tick.EO)]
        return (f.gpu_seconds_delivered_tick, f.work_gpu_s, self.unassigned, ledger.CAUSE["idle"], self.python_jobs,
                self.job_flags, *of_kind)

    def _prepare(self, first_step: int, last_step: int) -> None:
        self._args = None
        for job in self.jobs:
            job.prepare(first_step, last_step)

    def _after_tick(self, step: int, flag: int) -> None:
        """The Python part of a tick: each flagged job's `step`, or what follows its quiet tick."""
        self._args = None
        dt_s = self.ctx.dt_s
        t0_s = step * dt_s - dt_s
        delivered = self.ctx.fleet.gpu_seconds_delivered_tick
        for job, code in zip(self.jobs, self.job_flags.tolist()):
            if code & tick.FULL:
                job.step(t0_s, dt_s, delivered[job.jc.members])
            elif code:
                job.after_quiet(t0_s + dt_s, code)

    def tick_kernel(self) -> TickKernel:
        return TickKernel(function=tick.workloads_tick, args=self._tick_args, prepare=self._prepare,
                          after_tick=self._after_tick)

    def summary(self) -> dict[str, tuple[float, str]]:
        out = {}
        for job in self.jobs:
            out.update({f"{job.jc.name}.{k}": v for k, v in job.summary().items()})
        return out

    def tables(self) -> dict:
        out = {}
        for job in self.jobs:
            out.update({f"{job.jc.name}/{k}": v for k, v in job.tables().items()})
        return out

