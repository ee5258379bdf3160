"""The goodput accounting every run reports, per run and per shell:

    available (installed GPUs × time) = useful + Σ badput

Physical badput comes from the payload (power, thermal, radiation, lost_devices: what the
hardware did not deliver); the workload ledger splits what it delivered into useful and the
workload causes (idle, checkpoint, rollback, restart, straggler, communication,
sdc_recompute); without a `workloads:` section all of it is useful. Redundant execution (DMR,
TMR; radiation.mitigations.redundancy r) keeps 1/r of the useful work: the rest is
`redundancy`. The identity is checked to 1e-9 relative at the end of every run.
"""
from __future__ import annotations

import numpy as np

from sim.core.constants import SECONDS_PER_HOUR
from sim.core.subsystem import Subsystem
from sim.payload.accounting import BADPUT_CAUSES
from sim.workloads.ledger import CAUSE, WORK_CAUSES

IDENTITY_TOLERANCE = 1e-9
CAUSES = (*BADPUT_CAUSES, *WORK_CAUSES[1:], "redundancy")   # every cause of badput, in waterfall order
GPU_HOURS = "h"   # GPU-hours: hours of one GPU's time at full clock (UDUNITS has no GPU; the name says it)


class GoodputIdentityError(RuntimeError):
    """The books do not balance (an internal error, never bad input)."""


class Goodput(Subsystem):
    """Balances the books at the end of the run; always on."""

    name = "goodput"
    requires = ("gpu_state",)
    uses = ("work", "radiation")
    provides = ("goodput",)    # the books, for what is computed from them (economics)
    summary_prefix = ""

    def __init__(self, ctx):
        super().__init__(ctx)
        self.provide("goodput", self)

    def breakdown(self, sel=slice(None)) -> dict[str, float]:
        """GPU-seconds of the satellites `sel`: available, delivered, useful and every cause."""
        f, services = self.ctx.fleet, self.ctx.services
        out = {"available": float(f.gpu_seconds_available[sel].sum()),
               "delivered": float(f.gpu_seconds_delivered[sel].sum())}
        for k, cause in enumerate(BADPUT_CAUSES):
            out[cause] = float(f.gpu_badput_s[k, sel].sum())
        if "work" in services:
            for cause in WORK_CAUSES:
                out[cause] = float(f.work_gpu_s[CAUSE[cause], sel].sum())
        else:
            out.update({cause: 0.0 for cause in WORK_CAUSES})
            out["useful"] = out["delivered"]
        redundancy = services.get("radiation").redundancy if "radiation" in services else 1.0
        out["redundancy"] = out["useful"] * (1.0 - 1.0 / redundancy)
        out["useful"] -= out["redundancy"]
        return out

    def _metrics(self, sel, where: str) -> dict[str, tuple[float, str]]:
        b = self.breakdown(sel)
        booked = b["useful"] + sum(b[c] for c in CAUSES)
        if abs(booked - b["available"]) > IDENTITY_TOLERANCE * max(b["available"], 1.0):
            raise GoodputIdentityError(f"{where}: available {b['available']:.9g} GPU s but useful + badput "
                                       f"= {booked:.9g} GPU s")
        out = {"useful_gpu_hours": (b["useful"] / SECONDS_PER_HOUR, GPU_HOURS),
               "goodput_fraction": (b["useful"] / b["available"] if b["available"] > 0 else 0.0, "1")}
        out.update({f"badput.{c}_gpu_hours": (b[c] / SECONDS_PER_HOUR, GPU_HOURS) for c in CAUSES})
        return out

    def summary(self) -> dict[str, tuple[float, str]]:
        f = self.ctx.fleet
        out = self._metrics(slice(None), "fleet")
        for i, shell in enumerate(self.ctx.scenario.constellation):
            sel = np.flatnonzero(f.shell == i)
            out.update({f"shell.{shell.name}.{k}": v for k, v in self._metrics(sel, f"shell {shell.name}").items()})
        return out
