"""Mass of one satellite from the hardware its shell declares.

    m_array      = P_BOL / (W/kg),       P_BOL = solar_array.area_m2 × efficiency × 1361 W/m²
    m_radiator   = radiator.area_m2 × (kg/m²)
    m_battery    = battery.capacity_wh / (Wh/kg)
    m_compute    = gpu.count × gpu.tdp_w / (W/kg)        (or gpu.count × compute_kg_per_gpu)
    m_thermal    = (gpu.count × gpu.tdp_w + bus.power_w) / 1000 × (kg/kW)
    m_shielding  = t_Al × gpu.count × A_per_GPU × 2700 kg/m³
    m_propulsion = propulsion_dry_kg
    m_structure  = f × (sum of the above)
    m_dry        = sum of the above + m_structure;   m_launch = m_dry + propellant_kg

IT power of a satellite: gpu.count × gpu.tdp_w (the load the GPUs can draw; the bus is not IT).
"""
from __future__ import annotations

from sim.core.constants import SOLAR_CONSTANT_W_M2

ALUMINIUM_DENSITY_KG_M3 = 2700.0     # 6061/2024-class alloys 2.70-2.78 g/cm³ (handbook value)
COMPONENTS = ("array", "radiator", "battery", "compute", "thermal_loop", "shielding", "propulsion",
              "structure_bus", "propellant")


def it_power_w(shell) -> float:
    """IT load of one satellite of `shell` [W]."""
    return shell.gpu.count * shell.gpu.tdp_w


def array_bol_w(shell) -> float:
    """Beginning-of-life array output at normal incidence, 1 AU [W]."""
    return shell.solar_array.area_m2 * shell.solar_array.efficiency * SOLAR_CONSTANT_W_M2


def shielding_mm(scenario, econ) -> float:
    if econ.mass.shielding_al_mm is not None:
        return econ.mass.shielding_al_mm
    radiation = getattr(scenario, "radiation", None)
    return radiation.shielding_al_mm if radiation is not None else 0.0


def propellant_kg(scenario, econ) -> float:
    if econ.mass.propellant_kg is not None:
        return econ.mass.propellant_kg
    lifetime = getattr(scenario, "lifetime", None)
    return lifetime.propulsion.propellant_kg if lifetime is not None else 0.0


def satellite_mass_kg(shell, scenario, econ) -> dict[str, float]:
    """Mass of one satellite of `shell` by component (COMPONENTS) [kg]."""
    m = econ.mass
    gpus = shell.gpu.count
    compute = gpus * m.compute_kg_per_gpu if m.compute_kg_per_gpu is not None else \
        gpus * shell.gpu.tdp_w / m.compute_specific_power_w_kg
    out = {
        "array": array_bol_w(shell) / m.array_specific_power_w_kg,
        "radiator": shell.radiator.area_m2 * m.radiator_areal_density_kg_m2,
        "battery": shell.battery.capacity_wh / m.battery_specific_energy_wh_kg,
        "compute": compute,
        "thermal_loop": (it_power_w(shell) + shell.bus.power_w) / 1000.0 * m.thermal_loop_kg_per_kw,
        "shielding": shielding_mm(scenario, econ) / 1000.0 * gpus * m.shielded_area_m2_per_gpu
        * ALUMINIUM_DENSITY_KG_M3,
        "propulsion": m.propulsion_dry_kg,
    }
    out["structure_bus"] = m.structure_bus_fraction * sum(out.values())
    out["propellant"] = propellant_kg(scenario, econ)
    return out


def total_kg(breakdown: dict[str, float]) -> float:
    return float(sum(breakdown.values()))
