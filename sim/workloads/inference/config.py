"""Settings of a `kind: inference` job (a `workloads.jobs` entry)."""
from __future__ import annotations

from typing import Literal

from sim.config.base import Strict
from sim.workloads.members import Members


class InferenceJobConfig(Strict):
    kind: Literal["inference"]
    name: str | None = None
    members: Members
