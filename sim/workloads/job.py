"""What a job kind implements, and what it is given.

A job runs on its member satellites (no satellite belongs to two jobs). Every tick, after the
payload has advanced, the Workloads subsystem calls `step(t0_s, dt_s, delivered_s)` with the
GPU-seconds each member's hardware delivered in the tick (clock level × working GPUs × dt); the
job books every one of them in the ledger (useful, straggler, checkpoint, ...) and may set the
members' `gpu_utilisation` for the next tick (idle GPUs draw idle power). Steps, requests and
frames advance analytically per tick; SimPy events only for what is discrete (checkpoints,
failures, rollbacks, restarts, corruption detected).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

from sim.workloads.ledger import Ledger


@dataclass
class JobContext:
    """What a job reaches: the simulation context, its members, the ledger, its own random
    stream, and the optional services (None where the scenario lacks them)."""

    ctx: Any                   # sim.core.subsystem.Context
    name: str
    members: np.ndarray        # satellite indices, ascending
    ledger: Ledger
    rng: np.random.Generator
    network: Any = None        # the `network` service (sim.network.subsystem.Network) or None
    radiation: Any = None      # the `radiation` service or None

    @property
    def fleet(self):
        return self.ctx.fleet

    def emit(self, kind: str, t_s, sat, a=0.0, b=0.0, c=0.0) -> None:
        self.ctx.events.emit(kind, t_s, sat, a, b, c)


class Job:
    """Base class of the job kinds; `kind` is the `kind:` of its scenario entry."""

    kind: ClassVar[str] = ""
    events: ClassVar[dict[str, str]] = {}
    # which part of the subsystem's tick kernel (sim.workloads.tick) runs the kind's tick: PYTHON
    # (none: `step` runs in Python every tick), or a kind that defines tick_args() and after_quiet()
    tick_kind: ClassVar[int] = 0

    def __init__(self, config, jc: JobContext):
        self.config = config
        self.jc = jc

    def start(self) -> None:
        """Start SimPy processes (once, before the run)."""

    def step(self, t0_s: float, dt_s: float, delivered_s: np.ndarray) -> None:
        """Book the members' delivered GPU-seconds of the tick t0_s .. t0_s + dt_s."""
        self.jc.ledger.book("useful", self.jc.members, delivered_s)

    def tick_key(self) -> tuple:
        """Identities of the arrays of other subsystems tick_args() hands out that they may
        replace (not only change in place): a new key makes the subsystem fetch tick_args() again."""
        return ()

    def prepare(self, first_step: int, last_step: int) -> None:
        """Fill what the tick kernel reads for ticks first_step .. last_step (before tick_args)."""

    def after_quiet(self, t1_s: float, code: int) -> None:
        """What follows a tick the kernel booked, for the kernel's non-zero code other than FULL."""

    def summary(self) -> dict[str, tuple[float, str]]:
        """The job's metrics (the subsystem prefixes them with the job's name)."""
        return {}

    def tables(self) -> dict[str, Any]:
        """The job's tables, written to /workloads/<job name>/<table>."""
        return {}
