"""Settings of a `kind: eo` job (a `workloads.jobs` entry)."""
from __future__ import annotations

from typing import Literal

from sim.config.base import Strict
from sim.workloads.members import Members


class EoJobConfig(Strict):
    kind: Literal["eo"]
    name: str | None = None
    members: Members
