"""The work ledger: where the GPU-seconds the hardware delivered went, per satellite.

Every tick each satellite's delivered GPU-seconds (`gpu_seconds_delivered_tick`, the payload's
level × working GPUs × dt) are booked to exactly one or several WORK_CAUSES; a rollback later
moves booked useful work to `rollback`. So at any time, per satellite,

    Σ_causes ledger = Σ_ticks delivered      (to rounding)
"""
from __future__ import annotations

import numpy as np

from sim.core.fleet import FieldSpec

WORK_CAUSES = ("useful", "idle", "checkpoint", "rollback", "restart", "straggler", "communication",
               "sdc_recompute")
CAUSE = {name: i for i, name in enumerate(WORK_CAUSES)}
FIELD = FieldSpec("work_gpu_s", "f8", "s", "delivered GPU time by workload cause (rows "
                  "sim.workloads.ledger.WORK_CAUSES)", "accumulator", rows=len(WORK_CAUSES))


class Ledger:
    """Books on the FleetState array `work_gpu_s` (len(WORK_CAUSES), N), GPU-seconds."""

    def __init__(self, fleet):
        self.gpu_s = fleet.work_gpu_s

    def book(self, cause: str, sats: np.ndarray, gpu_s) -> None:
        """Add `gpu_s` (a scalar or one value per satellite) to `cause` of distinct satellites."""
        self.gpu_s[CAUSE[cause], sats] += gpu_s

    def move(self, source: str, target: str, sats: np.ndarray, gpu_s) -> None:
        """Re-book GPU-seconds already booked to `source` as `target` (e.g. useful → rollback)."""
        self.gpu_s[CAUSE[source], sats] -= gpu_s
        self.gpu_s[CAUSE[target], sats] += gpu_s

    def total(self, cause: str, sats=slice(None)) -> float:
        return float(self.gpu_s[CAUSE[cause], sats].sum())
