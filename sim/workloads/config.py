"""Scenario section `workloads:` — the jobs the GPUs run.

    workloads:
      jobs:
        - {kind: training, name: llm, members: {shell: cluster}, model: {...}, checkpoint: {...}}
        - {kind: inference, name: chat, members: {shell: shell1}, ...}
        - {kind: eo, name: imaging, members: {shell: eo}, ...}

Each job kind's own settings are in sim/workloads/<kind>/config.py. A satellite belongs to at
most one job; satellites in no job are idle (their delivered GPU time is booked as idle).
"""
from __future__ import annotations

from typing import Annotated, Union

from pydantic import Field, model_validator

from sim.config import sections
from sim.config.base import Strict
from sim.config.sections import scenario_check, scenario_section
from sim.workloads.eo.config import EoJobConfig
from sim.workloads.inference.config import InferenceJobConfig
from sim.workloads.members import member_problems, shell_ranges
from sim.workloads.training.config import TrainingJobConfig

sections.UNION_TAGS.update({"training", "inference", "eo"})
JobConfig = Annotated[Union[TrainingJobConfig, InferenceJobConfig, EoJobConfig], Field(discriminator="kind")]


@scenario_section("workloads")
class WorkloadsConfig(Strict):
    jobs: list[JobConfig] = Field(min_length=1)

    @model_validator(mode="after")
    def _names(self):
        for i, job in enumerate(self.jobs):
            if job.name is None:
                job.name = f"{job.kind}{i}"
        names = [j.name for j in self.jobs]
        if len(set(names)) != len(names):
            raise ValueError(f"job names must be unique, got {names}")
        return self


@scenario_check
def workload_members(scenario) -> list[tuple[str, str]]:
    """Members name existing shells and satellites, and no satellite is in two jobs."""
    cfg = scenario.workloads
    if cfg is None:
        return []
    ranges = shell_ranges(scenario)
    if ranges is None:
        return []  # the orbits check reports the unreadable TLE file
    problems, owner = [], {}
    for j, job in enumerate(cfg.jobs):
        where = f"workloads.jobs.{j}.members"
        found, ids = member_problems(job.members, ranges, where)
        problems += found
        if found:
            continue
        shared = sorted(int(i) for i in ids if int(i) in owner)
        if shared:
            problems.append((where, f"satellites {shared[:5]}{' ...' if len(shared) > 5 else ''} already run "
                                    f"job {owner[shared[0]]!r}; a satellite runs one job"))
        owner.update({int(i): job.name for i in ids})
    return problems
