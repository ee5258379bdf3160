"""Ageing over the mission (`lifetime.ageing:`), driven by the lifetime subsystem.

Every tick the battery's discharge half-cycles are counted from the payload's SOC
(sim.lifetime.ageing_kernels.count_half_cycles, in the lifetime tick kernel sim.lifetime.tick);
every `update_every_s` the capacity Q = Q0 · (1 − f_eol · damage − a √age) and, where the
radiation subsystem is on, the array efficiency η = η0 · (1 − C log10(1 + D/D_x)) are written
into the payload's packed hardware
(`Payload.set_parameter`; the stored energy is scaled with the capacity, so the SOC is kept).
The per-year array degradation of the payload (array_retention) multiplies on top.
Every `table_every_s` a row of /lifetime/capacity: installed and working GPUs (working: the
GPUs left after radiation's device losses, re-entries and the training job's permanent losses,
on satellites whose host is not lost),
mean battery capacity, mean battery and array retention.
"""
from __future__ import annotations

import numpy as np

from sim.core.constants import SECONDS_PER_JULIAN_YEAR
from sim.lifetime import ageing_kernels as k
from sim.lifetime.tick import FLAG_AGEING, FLAG_TABLE

TABLE_DTYPE = [("t_s", "f8"), ("installed_gpus", "i8"), ("working_gpus", "i8"), ("battery_capacity_wh_mean", "f8"),
               ("battery_retention_mean", "f8"), ("array_retention_mean", "f8")]
TABLE_UNITS = {"t_s": "s", "installed_gpus": "1", "working_gpus": "1", "battery_capacity_wh_mean": "W h",
               "battery_retention_mean": "1", "array_retention_mean": "1"}


def working_gpus(fleet) -> np.ndarray:
    """Working GPUs per satellite: gpu_count (lowered by device losses and re-entry) less the
    training job's permanent losses (FleetState `gpus_lost_workload`, where the workloads
    subsystem declares it; at least 0), 0 where the GPUs are held down for good (a lost host:
    gpu_down_until_s = inf). The field is looked up at every call: the workloads subsystem is
    built after this one, so it is not there yet at the epoch's row (when it is 0 anyway)."""
    count = fleet.gpu_count.astype(np.int64)
    if "gpus_lost_workload" in fleet.specs:
        count = np.maximum(count - fleet.gpus_lost_workload.astype(np.int64), 0)
    return np.where(np.isinf(fleet.gpu_down_until_s), 0, count)


class Ageing:
    def __init__(self, ctx, cfg, payload):
        f = self.fleet = ctx.fleet
        self.ctx, self.cfg, self.payload = ctx, cfg, payload
        dt = ctx.dt_s
        self.k_update = max(1, round(cfg.update_every_s / dt))
        self.k_table = max(1, round(cfg.table_every_s / dt))
        self.capacity_bol_wh = np.array(f.battery_capacity_wh, dtype=float)
        self.efficiency_bol = np.array(f.array_efficiency, dtype=float)
        self.peak = np.array(f.soc, dtype=float)
        self.trough = np.array(f.soc, dtype=float)
        self.falling = np.zeros(f.n, dtype=np.int8)
        self.damage = np.zeros(f.n)
        self.dod_sum = np.zeros(f.n)
        self.n_half = np.zeros(f.n, dtype=np.int64)
        self.retention = np.ones(f.n)
        self.dose_retention = np.ones(f.n)
        self.dose = getattr(f, "dose_rad", None) if "radiation" in ctx.services else None
        self.rows: list[tuple] = [self._row(0.0)]

    def tick_args(self) -> tuple:
        """The tick kernel's ageing arguments (sim.lifetime.tick.lifetime_tick after ageing_on):
        the cadences, the SOC and the counter's arrays (mutated in place), the battery constants."""
        b = self.cfg.battery
        return (self.k_update, self.k_table, self.fleet.soc, self.peak, self.trough, self.falling, self.damage,
                self.dod_sum, self.n_half, b.ref_dod, b.dod_exponent, b.min_half_cycle_dod)

    def after_tick(self, flag: int, t_s: float) -> None:
        """The Python of a flagged tick, after the kernel counted its half-cycles."""
        if flag & FLAG_AGEING:
            self.update(t_s)
        if flag & FLAG_TABLE:
            self.rows.append(self._row(t_s))

    def update(self, t_s: float) -> None:
        f, b = self.fleet, self.cfg.battery
        k.battery_retention_all(self.damage, b.cycles_to_eol_at_ref_dod, b.eol_fade, b.calendar_fade_per_sqrt_year,
                                b.age_years + t_s / SECONDS_PER_JULIAN_YEAR, self.retention)
        capacity = self.capacity_bol_wh * self.retention
        old = f.battery_capacity_wh
        idx = np.flatnonzero(capacity != old)
        if idx.size:
            scale = np.divide(capacity[idx], old[idx], out=np.zeros(idx.size), where=old[idx] > 0.0)
            f.battery_energy_wh[idx] *= scale
            self.payload.set_parameter("battery_capacity_wh", idx, capacity[idx])
        if self.dose is not None:
            a = self.cfg.array
            self.dose_retention[:] = k.array_dose_retention(self.dose, a.dose_coefficient, a.dose_x_rad)
            efficiency = self.efficiency_bol * self.dose_retention
            idx = np.flatnonzero(efficiency != f.array_efficiency)
            if idx.size:
                self.payload.set_parameter("array_efficiency", idx, efficiency[idx])

    def array_retention(self, t_s: float) -> np.ndarray:
        """The payload's per-year retention (1 − d)^years at t_s times the dose retention."""
        from sim.payload.power import array_degradation_factor
        f = self.fleet
        years = np.asarray(f.array_age_years, dtype=float) + t_s / SECONDS_PER_JULIAN_YEAR
        per_year = np.vectorize(array_degradation_factor.py_func, otypes=[float])   # the payload's rule, daily
        return per_year(np.asarray(f.array_degradation_per_year, dtype=float), years) * self.dose_retention

    def _row(self, t_s: float) -> tuple:
        f = self.fleet
        return (t_s, int(f.gpu_count_installed.sum()), int(working_gpus(f).sum()), float(f.battery_capacity_wh.mean()),
                float(self.retention.mean()), float(self.array_retention(t_s).mean()))

    def table(self, elapsed_s: float):
        rows = self.rows + ([self._row(elapsed_s)] if self.rows[-1][0] < elapsed_s else [])  # the run's end
        return np.array(rows, dtype=TABLE_DTYPE), {f"{c}__units": u for c, u in TABLE_UNITS.items()}

    def summary(self) -> dict[str, tuple[float, str]]:
        f = self.fleet
        installed = float(f.gpu_count_installed.sum())
        working = float(working_gpus(f).sum())
        n_half = float(self.n_half.sum())
        return {
            "installed_gpus": (installed, "1"),
            "working_gpus_end": (working, "1"),
            "working_gpu_fraction_end": (working / installed if installed else 0.0, "1"),
            "battery_retention_end_mean": (float(self.retention.mean()), "1"),
            "battery_retention_end_min": (float(self.retention.min()), "1"),
            "battery_half_cycles_mean": (n_half / max(f.n, 1), "1"),
            "battery_dod_mean": (float(self.dod_sum.sum()) / n_half if n_half else 0.0, "1"),
            "array_radiation_retention_end_mean": (float(self.dose_retention.mean()), "1"),
            "array_retention_end_mean": (float(self.array_retention(self.ctx.elapsed_s).mean()), "1"),
        }
