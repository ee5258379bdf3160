"""`odcsim size`: from a mass budget or an IT-power target and a scenario's hardware, the fleet.

The scenario's shells are the design: a budget buys them in the proportions of the scenario's
fleet (one shell: whole satellites of it). A mass budget buys floor(k·N_i) satellites of shell i,
k = M / Σ N_i m_i; a power target needs ceil(k·N_i), k = P / Σ N_i P_IT,i. No run: GPU-hours
are installed hours (goodput 1), and the mission is `economics.mission_years`.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass

from sim.lifetime.economics.cost import (
    FleetCost,
    ShellDesign,
    design_fleet,
    fleet_cost,
    mean_tdp_w,
    terrestrial_usd_per_useful_gpu_hour,
    usd_per_useful_gpu_hour,
)
from sim.lifetime.economics.mass import satellite_mass_kg, total_kg

_QUANTITY = re.compile(r"^\s*([0-9]*\.?[0-9]+(?:[eE][+-]?[0-9]+)?)\s*([a-zA-Z]*)\s*$")
MASS_UNITS_KG = {"kg": 1.0, "t": 1000.0, "kt": 1.0e6, "mt": 1.0e9}
POWER_UNITS_W = {"w": 1.0, "kw": 1.0e3, "mw": 1.0e6, "gw": 1.0e9, "tw": 1.0e12}
# the question: a gigawatt of IT load per 100 t launched
GW_PER_100T_KG_PER_KW = 100.0e3 / 1.0e6


def parse_quantity(text: str, units: dict[str, float], default: str) -> float:
    """`100t`, `1e5 kg`, `1GW`, `3 MW` → SI (kg or W); ValueError on anything else or ≤ 0."""
    match = _QUANTITY.match(str(text))
    unit = (match.group(2) or default).lower() if match else None
    if not match or unit not in units:
        raise ValueError(f"not a quantity: {text!r} (use a number and one of {', '.join(units)})")
    value = float(match.group(1)) * units[unit]
    if not value > 0:
        raise ValueError(f"must be positive, got {text!r}")
    return value


class SizingError(ValueError):
    """Bad input to `size`: `field` names the option or setting."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class Sizing:
    designs: list[ShellDesign]
    cost: FleetCost
    usd_per_installed_gpu_hour: float
    terrestrial_usd_per_useful_gpu_hour: float
    mission_years: float

    @property
    def satellites(self) -> int:
        return sum(d.satellites for d in self.designs)

    @property
    def gpus(self) -> int:
        return sum(d.satellites * d.gpus_per_satellite for d in self.designs)

    @property
    def it_power_w(self) -> float:
        return sum(d.satellites * d.it_power_w for d in self.designs)

    @property
    def mass_kg(self) -> float:
        return sum(d.satellites * d.satellite_kg for d in self.designs)

    @property
    def launches(self) -> int:
        return sum(d.launches.launches for d in self.designs)

    @property
    def kg_per_kw(self) -> float:
        """Launched mass per kW of IT load of the scenario's design."""
        m = sum(d.satellite_kg for d in self.designs if d.satellites)
        p = sum(d.it_power_w for d in self.designs if d.satellites)
        return m / (p / 1e3) if p > 0 else math.inf


def size_fleet(scenario, econ, *, mass_kg: float | None = None, power_w: float | None = None,
               fleet_counts: dict[str, int]) -> Sizing:
    """The fleet a mass budget buys or a power target needs. SizingError naming --mass, --power or
    economics.launch.vehicle when the budget buys no satellite, no design carries IT load or the
    vehicle cannot carry a satellite."""
    unit_mass = sum(fleet_counts[s.name] * total_kg(satellite_mass_kg(s, scenario, econ))
                    for s in scenario.constellation)
    unit_power = sum(fleet_counts[s.name] * s.gpu.count * s.gpu.tdp_w for s in scenario.constellation)
    if mass_kg is not None:
        k = mass_kg / unit_mass
        counts = {s.name: int(math.floor(k * fleet_counts[s.name] + 1e-9)) for s in scenario.constellation}
        if sum(counts.values()) == 0:
            lightest = min(total_kg(satellite_mass_kg(s, scenario, econ)) for s in scenario.constellation)
            raise SizingError("--mass", f"a budget of {mass_kg:g} kg is smaller than one satellite "
                             f"({lightest:.0f} kg)")
    else:
        if unit_power <= 0:
            raise SizingError("--power", "the scenario's satellites carry no GPUs (no IT load)")
        k = power_w / unit_power
        counts = {s.name: int(math.ceil(k * fleet_counts[s.name] - 1e-9)) if s.gpu.count else 0
                  for s in scenario.constellation}
    try:
        designs = design_fleet(scenario, econ, counts)
    except ValueError as exc:
        raise SizingError("economics.launch.vehicle", str(exc)) from None
    cost = fleet_cost(designs, econ)
    return Sizing(designs, cost, usd_per_useful_gpu_hour(cost.tco_usd, cost.gpu_hours_pv, 1.0),
                  terrestrial_usd_per_useful_gpu_hour(mean_tdp_w(designs), econ.terrestrial, econ.discount_rate),
                  econ.mission_years)


def required_for_gw_per_100t(sizing: Sizing, econ) -> dict[str, float]:
    """What the design's parts would need for 1 GW per 100 t, every part improved by the same
    factor F = (kg/kW of the design) / 0.1 kg/kW."""
    f = sizing.kg_per_kw / GW_PER_100T_KG_PER_KW
    m = econ.mass
    return {"factor": f,
            "system_w_kg": 1.0e3 / GW_PER_100T_KG_PER_KW,
            "array_w_kg": m.array_specific_power_w_kg * f,
            "radiator_kg_m2": m.radiator_areal_density_kg_m2 / f,
            "compute_w_kg": m.compute_specific_power_w_kg * f,
            "battery_wh_kg": m.battery_specific_energy_wh_kg * f}


def describe(sizing: Sizing, econ) -> str:
    """The sizing as text (the CLI prints it)."""
    lines = [f"{'shell':<16} {'satellites':>10} {'kg/sat':>9} {'IT kW/sat':>9} {'launches':>8} "
             f"{'sats/launch':>11}"]
    for d in sizing.designs:
        lines.append(f"{d.name:<16} {d.satellites:>10d} {d.satellite_kg:>9.1f} {d.it_power_w / 1e3:>9.2f} "
                     f"{d.launches.launches:>8d} {d.launches.satellites_per_launch:>11d}")
    lines.append("mass per satellite [kg]: " + ", ".join(
        f"{d.name}: " + " ".join(f"{k}={v:.1f}" for k, v in d.mass_kg.items() if v) for d in sizing.designs))
    vehicle = econ.launch.resolved()
    lines += [
        f"IT power        {sizing.it_power_w / 1e6:.4g} MW  ({sizing.gpus} GPUs on {sizing.satellites} satellites)",
        f"launched mass   {sizing.mass_kg / 1e3:.4g} t   ({sizing.kg_per_kw:.1f} kg per kW of IT load)",
        f"launches        {sizing.launches} x {vehicle.name}"
        + (" (a projection)" if vehicle.projection else "") + f" at ${vehicle.usd_per_kg:,.0f}/kg",
        f"cost over {sizing.mission_years:g} yr (present value): " + ", ".join(
            f"{k} ${v / 1e6:,.1f} M" for k, v in sizing.cost.terms_usd.items() if v),
        f"TCO             ${sizing.cost.tco_usd / 1e6:,.1f} M",
        f"$ per installed GPU-hour {sizing.usd_per_installed_gpu_hour:.3g} (goodput 1; a run gives the useful "
        f"fraction)  vs terrestrial {sizing.terrestrial_usd_per_useful_gpu_hour:.3g} per useful GPU-hour",
    ]
    need = required_for_gw_per_100t(sizing, econ)
    lines.append(f"1 GW per 100 t needs {GW_PER_100T_KG_PER_KW:g} kg/kW ({need['system_w_kg']:,.0f} W of IT load "
                 f"per kg): this design is {need['factor']:,.0f}x heavier; every part improved alike would need "
                 f"arrays {need['array_w_kg']:,.0f} W/kg, radiators {need['radiator_kg_m2']:.3g} kg/m2, compute "
                 f"{need['compute_w_kg']:,.0f} W/kg, battery {need['battery_wh_kg']:,.0f} Wh/kg")
    return "\n".join(lines)
