"""Economics: at the end of a run, the fleet's mass, launches, cost of ownership and $ per useful
GPU-hour over the mission, against a terrestrial comparator. No per-tick work.

The useful fraction is the run's goodput accounting (useful / available GPU-hours: useful from
the workloads, delivered where no workload is defined), taken to hold over
`economics.mission_years` (sim.lifetime.economics.cost).
"""
from __future__ import annotations

import math

import numpy as np

from sim.core.subsystem import Subsystem
from sim.lifetime.economics.cost import (
    COST_TERMS,
    HOURS_PER_YEAR,
    annuity_years,
    breakeven_launch_usd_per_kg,
    design_fleet,
    fleet_cost,
    mean_tdp_w,
    terrestrial_usd_per_useful_gpu_hour,
    usd_per_useful_gpu_hour,
)
from sim.lifetime.economics.mass import COMPONENTS

USD = "1"                 # UDUNITS has no currency: a dollar amount is a count, its name ends in _usd
USD_PER_GPU_HOUR = "h-1"  # dollars (a count) per GPU-hour


class Economics(Subsystem):
    name = "economics"
    section = "economics"
    requires = ("goodput",)

    def __init__(self, ctx):
        super().__init__(ctx)
        self._computed = None

    def _compute(self):
        if self._computed is not None:
            return self._computed
        scenario, fleet = self.ctx.scenario, self.ctx.fleet
        econ = scenario.economics
        counts = {shell.name: int(np.count_nonzero(fleet.shell == i)) for i, shell in enumerate(scenario.constellation)}
        designs = design_fleet(scenario, econ, counts)
        cost = fleet_cost(designs, econ)
        books = self.ctx.services.get("goodput").breakdown()
        goodput = books["useful"] / books["available"] if books["available"] > 0 else 0.0
        terrestrial = terrestrial_usd_per_useful_gpu_hour(mean_tdp_w(designs), econ.terrestrial, econ.discount_rate)
        self._computed = (designs, cost, goodput, terrestrial)
        return self._computed

    def summary(self) -> dict[str, tuple[float, str]]:
        designs, cost, goodput, terrestrial = self._compute()
        econ = self.ctx.scenario.economics
        orbital = usd_per_useful_gpu_hour(cost.tco_usd, cost.gpu_hours_pv, goodput)
        satellites = sum(d.satellites for d in designs)
        fleet_kg = sum(d.satellites * d.satellite_kg for d in designs)
        it_w = sum(d.satellites * d.it_power_w for d in designs)
        out = {
            "satellites": (float(satellites), "1"),
            "gpus": (float(cost.gpus), "1"),
            "it_power_w": (it_w, "W"),
            "satellite_mass_kg": (fleet_kg / satellites if satellites else 0.0, "kg"),
            "fleet_mass_kg": (fleet_kg, "kg"),
            "specific_mass_kg_per_kw": (fleet_kg / (it_w / 1e3) if it_w > 0 else math.inf, "kg kW-1"),
            "launches": (float(sum(d.launches.launches for d in designs)), "1"),
            "launch_usd_per_kg": (cost.usd_per_kg, "kg-1"),
            "launch_billed_equivalent_kg": (cost.launch_billed_kg_pv, "kg"),
            **{f"cost.{term}_usd": (cost.terms_usd[term], USD) for term in COST_TERMS},
            "tco_usd": (cost.tco_usd, USD),
            "mission_useful_gpu_hours": (cost.gpus * HOURS_PER_YEAR * econ.mission_years * goodput, "h"),
            "discounted_useful_gpu_hours": (cost.gpu_hours_pv * goodput, "h"),
            "usd_per_useful_gpu_hour": (orbital, USD_PER_GPU_HOUR),
            "terrestrial_usd_per_useful_gpu_hour": (terrestrial, USD_PER_GPU_HOUR),
            "cost_ratio_to_terrestrial": (orbital / terrestrial if terrestrial > 0 else math.inf, "1"),
            "breakeven_launch_usd_per_kg": (breakeven_launch_usd_per_kg(cost, goodput, terrestrial), "kg-1"),
            "mission_discount_years": (annuity_years(econ.mission_years, econ.discount_rate), "yr"),
        }
        return out

    def tables(self):
        designs, cost, _, _ = self._compute()
        width = max([len(d.name) for d in designs] + [1])
        mass = np.zeros(len(designs), dtype=[("shell", f"S{width}"), ("satellites", "i8"), ("it_power_w", "f8"),
                                             *[(f"{c}_kg", "f8") for c in COMPONENTS]])
        for row, d in zip(mass, designs):
            row["shell"], row["satellites"], row["it_power_w"] = d.name.encode(), d.satellites, d.it_power_w
            for c in COMPONENTS:
                row[f"{c}_kg"] = d.mass_kg[c]
        cost_rows = np.zeros(len(COST_TERMS), dtype=[("term", "S16"), ("present_value_usd", "f8")])
        for row, term in zip(cost_rows, COST_TERMS):
            row["term"], row["present_value_usd"] = term.encode(), cost.terms_usd[term]
        mass_attrs = {"it_power_w__units": "W", "satellites__units": "1",
                      **{f"{c}_kg__units": "kg" for c in COMPONENTS}}
        return {"mass": (mass, mass_attrs), "cost": (cost_rows, {"present_value_usd__units": USD})}
