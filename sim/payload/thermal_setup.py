"""Set-up of the thermal network's packed parameters from a shell's configuration, and of the
environment case per satellite (sim.payload.environment_cases)."""
from __future__ import annotations

import numpy as np

from sim.core.constants import EARTH_BOND_ALBEDO, EARTH_IR_W_M2, STEFAN_BOLTZMANN_W_M2_K4
from sim.payload.environment import radiator_to_offset_plate_view_factor
from sim.payload.environment_cases import earth_ir_and_albedo
from sim.payload.thermal_network import (
    MODEL_LUMPED,
    MODEL_NETWORK,
    NO_TRANSPORT_LIMIT_W,
    fin_number_per_k3,
    pumped_loop_conductance_w_k,
)


def radiator_view_factors(rad) -> tuple[float, float]:
    """(F radiator front → array, F radiator front → bus face): perpendicular plates along the
    root edge (Howell C-14 with view-factor algebra for the array's gap)."""
    extent_m = rad.area_m2 / rad.edge_m
    f_array = radiator_to_offset_plate_view_factor(rad.edge_m, extent_m, rad.array_gap_m, rad.array_extent_m)
    f_bus = radiator_to_offset_plate_view_factor(rad.edge_m, extent_m, 0.0, rad.bus_extent_m)
    return f_array, f_bus


def network_parameters(shell) -> dict[str, float]:
    """The packed network rows of one shell (and the loop's overrides of the conductance and
    of the bus power: the pump is a bus load)."""
    th, rad, arr, g = shell.thermal, shell.radiator, shell.solar_array, shell.gpu
    network = th.model == "network"
    f_array, f_bus = radiator_view_factors(rad)
    out = {
        "thermal_model": MODEL_NETWORK if network else MODEL_LUMPED,
        "r_case_plate_k_w": th.r_case_plate_k_w, "hbm_power_fraction": th.hbm_power_fraction,
        "r_hbm_k_w": th.r_hbm_k_w, "t_hbm_offset_k": g.t_max_operating_c - th.t_hbm_max_c,
        "fin_number_per_k3": fin_number_per_k3(rad.sides, rad.emissivity, rad.fin_half_width_m,
                                               rad.fin_thickness_m, rad.fin_conductivity_w_m_k),
        "radiator_age_years": rad.age_years, "radiator_absorptivity_per_year": rad.absorptivity_per_year,
        "radiator_emissivity_per_year": rad.emissivity_per_year,
        "view_factor_array": f_array, "view_factor_bus": f_bus,
        "bus_ir_w_m2": rad.bus_emissivity * STEFAN_BOLTZMANN_W_M2_K4 * rad.bus_temperature_k ** 4,
        "array_absorptivity_front": arr.absorptivity_front, "array_emissivity_front": arr.emissivity_front,
        "array_absorptivity_back": arr.absorptivity_back, "array_emissivity_back": arr.emissivity_back,
        "array_temp_coeff_per_k": arr.temperature_coefficient_per_k,
        "array_t_ref_k": arr.reference_temperature_k, "array_heat_capacity_j_m2_k": arr.heat_capacity_j_m2_k,
    }
    if th.transport == "heat_pipe":
        hp = th.heat_pipe
        out["transport_q_max_w"] = hp.count * hp.qlmax_w_m / hp.effective_length_m
        out["transport_g_dry_w_k"] = hp.dryout_conductance_w_k
    else:
        loop = th.pumped_loop
        out["transport_q_max_w"] = NO_TRANSPORT_LIMIT_W
        out["transport_g_dry_w_k"] = th.g_payload_radiator_w_k
        if network:
            out["g_payload_radiator_w_k"] = pumped_loop_conductance_w_k(
                loop.mass_flow_kg_s, loop.cp_j_kg_k, loop.ua_cold_plate_w_k, loop.ua_radiator_w_k)
            out["bus_power_w"] = shell.bus.power_w + loop.pump_power_w
    if not network:  # the lumped model reads none of these but the environment case
        out["transport_q_max_w"] = NO_TRANSPORT_LIMIT_W
    return out


def environment_parameters(fleet, scenario) -> None:
    """Earth IR and albedo of `environment.case` per satellite (by its inclination), stored as
    excesses over the nominal values, and the albedo's Sun-angle law (network model)."""
    env = scenario.environment
    unique, inverse = np.unique(np.degrees(fleet.inc_rad), return_inverse=True)
    pairs = np.array([earth_ir_and_albedo(env.case, float(v), env.earth_ir_w_m2, env.albedo)
                      for v in unique]).reshape(-1, 2)
    ir, albedo = pairs[inverse, 0], pairs[inverse, 1]
    fleet.earth_ir_excess_w_m2[:] = ir - EARTH_IR_W_M2
    fleet.earth_albedo_excess[:] = albedo - EARTH_BOND_ALBEDO
    fleet.albedo_zenith_correction[:] = 1.0 if env.albedo_zenith_correction else 0.0
