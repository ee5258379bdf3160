"""When the eo job lets its GPUs process frames (the `policy` of the job).

- immediate (the naive one): whenever frames wait;
- sunlit: only while the satellite is in sunlight (defer everything to the sunlit arc);
- power_aware: in sunlight always; in the Earth's shadow only while the battery keeps enough
  energy to carry the bus and the idle GPUs to the end of the eclipse above `soc_reserve`
  after this tick's processing at full power:

      E − [(P_bus + n·P_idle)·t_left + n·(P_max − P_idle)·dt] / η_discharge ≥ soc_reserve·C

  (n working GPUs now; P_bus, P_idle, P_max, C, η as set up), where t_left is the eclipse time
  still to come: the member's last full eclipse (from the payload's eclipse_entry/eclipse_exit
  events) minus the time since this one began; before a full eclipse has been seen, the
  longest eclipse of its circular orbit (β = 0, cylindrical shadow): T·asin(R_E/a)/π.
"""
from __future__ import annotations

import math

import numpy as np

from sim.core.constants import MU_EARTH_M3_S2, R_EARTH_EQUATORIAL_M
from sim.workloads.eo.kernels import POLICY_CODES


class Policy:
    """The policy's state: for power_aware, each member's eclipse timing from the payload's
    events; the rule itself is evaluated in sim.workloads.eo.kernels.utilisation_tick."""

    def __init__(self, name: str, soc_reserve: float, ctx, members: np.ndarray):
        f = ctx.fleet
        self.name, self.code, self.soc_reserve = name, POLICY_CODES[name], float(soc_reserve)
        a = f.a_m[members].astype(float)
        period = 2.0 * math.pi * np.sqrt(a ** 3 / MU_EARTH_M3_S2)
        self.eclipse_s = period * np.arcsin(np.minimum(R_EARTH_EQUATORIAL_M / a, 1.0)) / math.pi
        self.entry_s = np.full(members.size, np.nan)           # start of the current eclipse
        # hardware the rule reads, copied at set-up (parameters: fixed during a run)
        self.capacity_wh = np.asarray(f.battery_capacity_wh[members], dtype=float)
        self.bus_w = np.asarray(f.bus_power_w[members], dtype=float)
        self.gpu_idle_w = np.asarray(f.gpu_idle_w[members], dtype=float)
        self.gpu_extra_w = np.asarray(f.gpu_tdp_w[members] - f.gpu_idle_w[members], dtype=float)
        self.discharge_efficiency = np.asarray(f.discharge_efficiency[members], dtype=float)
        if name == "power_aware":
            self.slot = np.full(f.n, -1, dtype=np.int64)
            self.slot[members] = np.arange(members.size)
            ctx.events.subscribe("eclipse_entry", self._entry)
            ctx.events.subscribe("eclipse_exit", self._exit)

    def _entry(self, t_s, sat, a, b, c) -> None:
        m = self.slot[sat]
        sel = m >= 0
        self.entry_s[m[sel]] = np.asarray(t_s)[sel]

    def _exit(self, t_s, sat, a, b, c) -> None:
        m = self.slot[sat]
        sel = m >= 0
        m, t = m[sel], np.asarray(t_s)[sel]
        seen = ~np.isnan(self.entry_s[m])
        self.eclipse_s[m[seen]] = t[seen] - self.entry_s[m[seen]]
        self.entry_s[m] = np.nan
