"""Settings of a `kind: training` job (a `workloads.jobs` entry)."""
from __future__ import annotations

from typing import Literal

from sim.config.base import Strict
from sim.workloads.members import Members


class TrainingJobConfig(Strict):
    kind: Literal["training"]
    name: str | None = None
    members: Members
