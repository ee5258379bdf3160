"""Power faults: a solar-array string or a battery cell lost for good, through the payload's
parameters (Payload.set_parameter, the way lifetime ageing changes them).

With `of` = n strings in parallel, k strings lost leave the array efficiency at
η·(1 − k/n) (the dead strings still absorb sunlight, so the array's heat balance sees the power
not converted); with n cells, k cells lost leave the capacity at C·(1 − k/n), the stored energy
scaled with it (the lost cells' charge goes with them, so the SOC is kept).
"""
from __future__ import annotations

import numpy as np


class PowerFaults:
    def __init__(self, cfg, fleet, payload):
        from sim.faults.config import KIND_CODE
        self.fleet, self.payload = fleet, payload
        entries = cfg.entries()
        # n strings / cells of each entry that loses them (column `entry` of the timeline)
        self.of = np.array([f.of or 0 for _, f in entries], float)
        self.codes = {KIND_CODE["array_string"]: "array", KIND_CODE["battery_cell"]: "battery"}
        self.on = payload is not None and any(f.of for _, f in entries)
        if self.on:
            self.efficiency_bol = fleet.array_efficiency.astype(float).copy()
            self.capacity_bol_wh = fleet.battery_capacity_wh.astype(float).copy()
            self.lost = {"array": np.zeros(fleet.n), "battery": np.zeros(fleet.n)}  # Σ 1/n lost per satellite

    def apply(self, rows: np.ndarray) -> None:
        """The power faults that start now (rows of the timeline)."""
        if not self.on or rows.size == 0:
            return
        f = self.fleet
        for code, part in self.codes.items():
            r = rows[rows["kind"] == code]
            if r.size == 0:
                continue
            np.add.at(self.lost[part], r["sat"], 1.0 / self.of[r["entry"]])
            idx = np.unique(r["sat"])
            left = np.maximum(1.0 - self.lost[part][idx], 0.0)
            if part == "array":
                self.payload.set_parameter("array_efficiency", idx, self.efficiency_bol[idx] * left)
            else:
                capacity = self.capacity_bol_wh[idx] * left
                old = f.battery_capacity_wh[idx].astype(float)
                scale = np.divide(capacity, old, out=np.zeros(idx.size), where=old > 0.0)
                f.battery_energy_wh[idx] *= scale
                self.payload.set_parameter("battery_capacity_wh", idx, capacity)
