"""Workloads: the jobs the GPUs run, advanced every tick after the payload.

Each job books its members' delivered GPU-seconds in the work ledger and sets their GPU
utilisation for the next tick; satellites that run no job book theirs as idle and run at idle
utilisation. Job kinds are found through JOB_KINDS (kind -> "module:Class").
"""
from __future__ import annotations

import importlib

import numpy as np

from sim.core.subsystem import Block, Context, Subsystem
from sim.workloads import ledger
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
    uses = ("network", "radiation", "sdc", "sdc_detected", "rad_gpu_reset", "sefi", "sel", "device_lost")
    provides = ("work",)
    fields = (ledger.FIELD,)

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
        self.unassigned = np.flatnonzero(~assigned)
        ctx.fleet.gpu_utilisation[self.unassigned] = 0.0
        self.provide("work", self)

    def start(self) -> None:
        for job in self.jobs:
            job.start()

    def advance(self, block: Block) -> None:
        fleet, dt_s = self.ctx.fleet, block.dt_s
        for step in block.steps():
            t0_s = step * dt_s - dt_s
            delivered = fleet.gpu_seconds_delivered_tick
            for job in self.jobs:
                job.step(t0_s, dt_s, delivered[job.jc.members])
            if self.unassigned.size:
                self.ledger.book("idle", self.unassigned, delivered[self.unassigned])

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
