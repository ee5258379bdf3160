"""Fleet design (satellites, mass, launches), total cost of ownership and $ per useful GPU-hour.

Money and GPU-hours after launch are discounted as uniform flows: a flow of X per year over Y
years is worth X·A(Y, r), A = (1 − (1+r)^−Y) / ln(1+r) (A = Y at r = 0). The orbital fleet:

    TCO = C_gpus + C_arrays + C_buses + C_launch + C_ground + A(Y, r)·(C_ops + C_replace)
    C_replace = f·Σ_shells n·(c_sat + launch billed per satellite)        (per year)
    $/useful GPU-h = TCO / (G · 8766 h · g · A(Y, r))

with G the installed GPUs and g the run's goodput fraction (useful / available GPU-hours), taken
to hold over the whole mission (an assumption: ageing and attrition change it over years).
The terrestrial comparator per GPU, its capex recovered over its life:

    $/useful GPU-h = [c_gpu / A(L_gpu, r) + c_fac·P / A(L_fac, r) + P·PUE·8766 h·p_e] / (8766 h · u)

with P the GPU board power (the same IT load as in orbit; host and network power are left out of
both), c_fac the facility capex per W of IT load and u its useful fraction.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

from sim.core.constants import DAYS_PER_JULIAN_YEAR
from sim.lifetime.economics.launch import Launches, launches_for, shell_orbit
from sim.lifetime.economics.mass import array_bol_w, it_power_w, satellite_mass_kg, total_kg

HOURS_PER_YEAR = DAYS_PER_JULIAN_YEAR * 24.0
COST_TERMS = ("gpus", "arrays", "buses", "launch", "ground_segment", "operations", "replacements")


def annuity_years(years: float, rate: float) -> float:
    """Present value of 1 per year flowing uniformly for `years` at the annual discount `rate`."""
    if rate == 0.0:
        return years
    rho = math.log1p(rate)
    return -math.expm1(-rho * years) / rho


@dataclass(frozen=True)
class ShellDesign:
    name: str
    satellites: int
    gpus_per_satellite: int
    tdp_w: float
    mass_kg: dict            # one satellite, by component
    it_power_w: float        # one satellite
    array_w: float           # one satellite, beginning of life
    inclination_deg: float
    launches: Launches

    @property
    def satellite_kg(self) -> float:
        return total_kg(self.mass_kg)


def design_fleet(scenario, econ, counts: dict[str, int]) -> list[ShellDesign]:
    """Each shell's design with `counts[shell name]` satellites (ValueError if the vehicle
    cannot carry one of them)."""
    vehicle = econ.launch.resolved()
    out = []
    for shell in scenario.constellation:
        mass = satellite_mass_kg(shell, scenario, econ)
        orbit = shell_orbit(shell)
        inclination = orbit[1] if orbit is not None else 0.0
        n = counts[shell.name]
        out.append(ShellDesign(shell.name, n, shell.gpu.count, shell.gpu.tdp_w, mass, it_power_w(shell),
                               array_bol_w(shell), inclination,
                               launches_for(vehicle, n, total_kg(mass), inclination)))
    return out


@dataclass(frozen=True)
class FleetCost:
    terms_usd: dict             # present values, COST_TERMS
    usd_per_kg: float           # the launch price the terms were computed at
    launch_billed_kg_pv: float  # kg billed at launch + the replacements' kg per year × A(Y, r)
    gpus: int
    gpu_hours_pv: float         # installed GPU-hours over the mission, discounted

    @property
    def tco_usd(self) -> float:
        return float(sum(self.terms_usd.values()))

    def tco_at_launch_price_usd(self, usd_per_kg):
        """TCO at another launch price (every launch cost is billed kg × $/kg); accepts arrays."""
        return self.tco_usd + self.launch_billed_kg_pv * (usd_per_kg - self.usd_per_kg)


def fleet_cost(designs: list[ShellDesign], econ) -> FleetCost:
    """Present-value costs of the fleet over the mission."""
    c, usd_per_kg = econ.costs, econ.launch.resolved().usd_per_kg
    a = annuity_years(econ.mission_years, econ.discount_rate)
    gpus = sum(d.satellites * d.gpus_per_satellite for d in designs)
    hardware = {
        "gpus": c.usd_per_gpu * gpus,
        "arrays": c.usd_per_array_w * sum(d.satellites * d.array_w for d in designs),
        "buses": c.usd_per_bus * sum(d.satellites for d in designs),
    }
    billed_kg = sum(d.launches.billed_kg for d in designs)
    f = c.replacement_fraction_per_year
    terms = {
        **hardware,
        "launch": billed_kg * usd_per_kg,
        "ground_segment": c.ground_segment_usd,
        "operations": a * c.operations_usd_per_year,
        "replacements": a * f * (sum(hardware.values()) + billed_kg * usd_per_kg),
    }
    return FleetCost(terms, usd_per_kg, billed_kg * (1.0 + a * f), gpus, gpus * HOURS_PER_YEAR * a)


def usd_per_useful_gpu_hour(tco_usd: float, gpu_hours_pv: float, goodput_fraction: float) -> float:
    useful = gpu_hours_pv * goodput_fraction
    return tco_usd / useful if useful > 0 else math.inf


def terrestrial_usd_per_useful_gpu_hour(tdp_w: float, terrestrial, rate: float) -> float:
    """The comparator's cost of one useful GPU-hour for a GPU of board power `tdp_w`."""
    t = terrestrial
    per_year = (t.usd_per_gpu / annuity_years(t.gpu_life_years, rate)
                + t.facility_usd_per_w * tdp_w / annuity_years(t.facility_life_years, rate)
                + tdp_w / 1000.0 * t.pue * HOURS_PER_YEAR * t.electricity_usd_per_kwh)
    return per_year / (HOURS_PER_YEAR * t.useful_fraction)


def mean_tdp_w(designs: list[ShellDesign]) -> float:
    gpus = sum(d.satellites * d.gpus_per_satellite for d in designs)
    if gpus == 0:
        return 0.0
    return sum(d.satellites * d.gpus_per_satellite * d.tdp_w for d in designs) / gpus


def breakeven_launch_usd_per_kg(cost: FleetCost, goodput_fraction: float, terrestrial_usd_h: float) -> float:
    """Launch price at which the orbital $/useful GPU-hour equals the terrestrial one (TCO is
    linear in the launch price); negative when even free launch does not reach parity."""
    if cost.launch_billed_kg_pv <= 0:
        return math.inf
    budget = terrestrial_usd_h * cost.gpu_hours_pv * goodput_fraction
    return (budget - cost.tco_at_launch_price_usd(0.0)) / cost.launch_billed_kg_pv
