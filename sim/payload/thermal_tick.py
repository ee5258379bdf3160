"""The thermal passes of the payload tick (sim.payload.tick): geometry and environmental loads,
then the thermal nodes, for the lumped model (today's two nodes) and the network
(sim.payload.thermal_network, sim.payload.environment). Branch-free loops over satellites.

The network's parameters are packed after the payload's core rows (`NETWORK_ROWS`, appended to
sim.payload.tick.HARDWARE_ROWS); the functions here take the packed array and the row offset.
"""
from __future__ import annotations

import math

import numpy as np
from numba import njit

from sim.core.constants import (
    EARTH_BOND_ALBEDO,
    EARTH_IR_W_M2,
    R_EARTH_EQUATORIAL_M,
    STEFAN_BOLTZMANN_W_M2_K4,
)
from sim.orbits.attitude import payload_face_cosines
from sim.payload.environment import (
    array_node_step,
    face_environment_w_m2,
    local_albedo,
    plate_earth_view_factors,
)
from sim.payload.power import array_cos_incidence, solar_array_power_w
from sim.payload.thermal import radiator_absorbed_w, thermal_step, thermal_step_fast
from sim.payload.thermal_network import fin_efficiency_at, network_inputs

# network parameters, in this order after the core hardware rows (FleetState names)
NETWORK_ROWS = (
    "thermal_model", "r_case_plate_k_w", "hbm_power_fraction", "r_hbm_k_w", "t_hbm_offset_k",
    "transport_q_max_w", "transport_g_dry_w_k", "fin_number_per_k3",
    "radiator_age_years", "radiator_absorptivity_per_year", "radiator_emissivity_per_year",
    "view_factor_array", "view_factor_bus", "bus_ir_w_m2",
    "earth_ir_excess_w_m2", "earth_albedo_excess", "albedo_zenith_correction",
    "array_absorptivity_front", "array_emissivity_front", "array_absorptivity_back",
    "array_emissivity_back", "array_temp_coeff_per_k", "array_t_ref_k", "array_heat_capacity_j_m2_k",
    "attitude",
)
(N_MODEL, N_R_CP, N_HBM_FRAC, N_R_HBM, N_HBM_OFFSET, N_QMAX, N_G_DRY, N_FIN, N_RAD_AGE, N_ALPHA_RATE,
 N_EPS_RATE, N_F_ARRAY, N_F_BUS, N_BUS_IR, N_IR_EXCESS, N_ALBEDO_EXCESS, N_ZENITH_CORR, N_A_ALPHA_F,
 N_A_EPS_F, N_A_ALPHA_B, N_A_EPS_B, N_A_BETA, N_A_TREF, N_A_HEAT, N_ATTITUDE) = range(len(NETWORK_ROWS))


@njit(cache=True, inline="always", error_model="numpy")
def sun_geometry(rx, ry, rz, sun_unit_x, sun_unit_y, sun_unit_z):
    """(r̂·ŝ, altitude above the equatorial radius in m)."""
    r_m = math.sqrt(rx * rx + ry * ry + rz * rz)
    cos_sun_zenith = (rx * sun_unit_x + ry * sun_unit_y + rz * sun_unit_z) / r_m
    return cos_sun_zenith, r_m - R_EARTH_EQUATORIAL_M


@njit(cache=True, inline="always", error_model="numpy")
def radiator_optics(absorptivity, emissivity, absorptivity_per_year, emissivity_per_year, age_years):
    """End-of-life drift: (α + dα/dt·age, capped at 1; ε − dε/dt·age, floored at 0.01)."""
    return (min(absorptivity + absorptivity_per_year * age_years, 1.0),
            max(emissivity - emissivity_per_year * age_years, 0.01))


# Vectorisation, measured with inspect_asm: loops run over `range(np.uint64(lo), np.uint64(hi))`,
# since a signed index that LLVM cannot prove non-negative keeps numba's negative-index
# wraparound and turns every load into a gather (4x slower); and LLVM vectorises a loop over
# arrays it cannot prove disjoint only with few enough runtime overlap checks (11 input arrays:
# two output arrays vectorise, three do not), hence the sign trick and the small functions.
@njit(cache=True, error_model="numpy")
def geometry_range(lo, hi, sun_unit_x, sun_unit_y, sun_unit_z, solar_flux_w_m2, r_eci_m,
                   illumination, array_area_m2, array_efficiency, array_sun_tracking,
                   radiator_orientation, radiator_sides, radiator_area_m2, radiator_absorptivity,
                   radiator_emissivity, albedo_excess, earth_ir_excess_w_m2, solar_bol_w, q_end_w):
    """Lumped model: solar array output before degradation (W) and radiator environmental load
    (W) at the tick end, for satellites lo..hi-1; branch-free."""
    for i in range(np.uint64(lo), np.uint64(hi)):
        cos_sun_zenith, altitude_m = sun_geometry(r_eci_m[0, i], r_eci_m[1, i], r_eci_m[2, i],
                                                  sun_unit_x, sun_unit_y, sun_unit_z)
        lit = illumination[i]
        solar_bol_w[i] = solar_array_power_w(
            solar_flux_w_m2, array_area_m2[i], array_efficiency[i], 1.0,
            array_cos_incidence(array_sun_tracking[i], cos_sun_zenith), lit)
        q_end_w[i] = radiator_absorbed_w(radiator_orientation[i], radiator_sides[i],
                                         radiator_area_m2[i], radiator_absorptivity[i],
                                         radiator_emissivity[i], altitude_m, cos_sun_zenith,
                                         lit, solar_flux_w_m2, EARTH_BOND_ALBEDO + albedo_excess[i],
                                         EARTH_IR_W_M2 + earth_ir_excess_w_m2[i])


@njit(cache=True, error_model="numpy")
def geometry_range_network(lo, hi, years_at_end, dt_s, sun_unit_x, sun_unit_y, sun_unit_z,
                           solar_flux_w_m2, r_eci_m, v_eci_m_s, illumination, hw, row0, array_area_m2,
                           array_efficiency, array_sun_tracking, radiator_orientation,
                           radiator_sides, radiator_area_m2, radiator_absorptivity,
                           radiator_emissivity, t_array_k, solar_bol_w, q_end_w):
    """Network model: the solar array's node (temperature, output before degradation, W) and the
    radiator's environmental load (W) at the tick end: Sun, albedo (Sun-angle law) and Earth IR
    on each face through the face cosines, plus the IR of the array and the bus seen by the
    radiator's front face. The array's and the radiator's normals come from the shell's attitude
    law (sim.orbits.attitude, packed row `attitude`). Satellites lo..hi-1; branch-free (scalar:
    table lookups)."""
    ir_excess, albedo_excess, zenith_corr = hw[row0 + N_IR_EXCESS], hw[row0 + N_ALBEDO_EXCESS], hw[row0 + N_ZENITH_CORR]
    alpha_f, eps_f, alpha_b, eps_b = (hw[row0 + N_A_ALPHA_F], hw[row0 + N_A_EPS_F], hw[row0 + N_A_ALPHA_B],
                                      hw[row0 + N_A_EPS_B])
    beta, t_ref, heat = hw[row0 + N_A_BETA], hw[row0 + N_A_TREF], hw[row0 + N_A_HEAT]
    age, alpha_rate, eps_rate = hw[row0 + N_RAD_AGE], hw[row0 + N_ALPHA_RATE], hw[row0 + N_EPS_RATE]
    f_array, f_bus, bus_ir = hw[row0 + N_F_ARRAY], hw[row0 + N_F_BUS], hw[row0 + N_BUS_IR]
    attitude = hw[row0 + N_ATTITUDE]
    for i in range(np.uint64(lo), np.uint64(hi)):
        csz, altitude_m = sun_geometry(r_eci_m[0, i], r_eci_m[1, i], r_eci_m[2, i], sun_unit_x, sun_unit_y,
                                       sun_unit_z)
        albedo = local_albedo(EARTH_BOND_ALBEDO + albedo_excess[i], csz, zenith_corr[i])
        earth_ir = EARTH_IR_W_M2 + ir_excess[i]
        lit = illumination[i]
        cs_array, cn_array, cs_f, cn_f = payload_face_cosines(
            int(attitude[i]), array_sun_tracking[i], int(radiator_orientation[i]), r_eci_m[0, i], r_eci_m[1, i],
            r_eci_m[2, i], v_eci_m_s[0, i], v_eci_m_s[1, i], v_eci_m_s[2, i], sun_unit_x, sun_unit_y, sun_unit_z)
        fa_front, fa_back = plate_earth_view_factors(altitude_m, cn_array)
        q_array = (face_environment_w_m2(alpha_f[i], eps_f[i], cs_array, fa_front, csz, lit,
                                         solar_flux_w_m2, albedo, earth_ir)
                   + face_environment_w_m2(alpha_b[i], eps_b[i], -cs_array, fa_back, csz, lit,
                                           solar_flux_w_m2, albedo, earth_ir))
        p_ref = solar_flux_w_m2 * array_efficiency[i] * max(cs_array, 0.0) * lit
        t_a, p_el = array_node_step(t_array_k[i], q_array, p_ref, beta[i], t_ref[i], eps_f[i] + eps_b[i],
                                    heat[i], dt_s)
        t_array_k[i] = t_a
        solar_bol_w[i] = p_el * array_area_m2[i]
        # the radiator, through its face cosines
        alpha, eps = radiator_optics(radiator_absorptivity[i], radiator_emissivity[i], alpha_rate[i],
                                     eps_rate[i], age[i] + years_at_end)
        cs_b = -cs_f
        f_front, f_back = plate_earth_view_factors(altitude_m, cn_f)  # the back face: −cn_f
        q_front = face_environment_w_m2(alpha, eps, cs_f, f_front, csz, lit, solar_flux_w_m2, albedo,
                                        earth_ir)
        q_back = face_environment_w_m2(alpha, eps, cs_b, f_back, csz, lit, solar_flux_w_m2, albedo,
                                       earth_ir)
        t_a2 = t_a * t_a
        q_views = eps * (f_array[i] * eps_b[i] * STEFAN_BOLTZMANN_W_M2_K4 * t_a2 * t_a2 + f_bus[i] * bus_ir[i])
        q_back = q_back if radiator_sides[i] >= 2 else 0.0
        q_end_w[i] = radiator_area_m2[i] * (q_front + q_back + q_views)


@njit(cache=True, error_model="numpy")
def thermal_range(lo, hi, dt_s, t_payload_k, t_radiator_k, p_load_w, q_env_w, q_end_w,
                  c_payload_j_k, c_radiator_j_k, g_payload_radiator_w_k, radiator_area_m2,
                  radiator_emissivity, radiator_sides, t_payload_end_k, t_radiator_end_k):
    """Lumped model: `thermal_step_fast` for satellites lo..hi-1; branch-free. T_radiator is
    written with a negative sign where the fixed Newton steps did not converge (temperatures
    are > 0 K)."""
    for i in range(np.uint64(lo), np.uint64(hi)):
        tp_k, tr_k, ok = thermal_step_fast(
            t_payload_k[i], t_radiator_k[i], p_load_w[i], q_env_w[i], q_end_w[i],
            c_payload_j_k[i], c_radiator_j_k[i], g_payload_radiator_w_k[i],
            radiator_area_m2[i], radiator_emissivity[i], radiator_sides[i], dt_s)
        t_payload_end_k[i] = tp_k
        t_radiator_end_k[i] = tr_k if ok else -tr_k


@njit(cache=True, error_model="numpy")
def thermal_range_network(lo, hi, dt_s, years_at_end, hw, row0, t_payload_k, t_radiator_k, p_load_w,
                          q_env_w, q_end_w, c_payload_j_k, c_radiator_j_k, g_payload_radiator_w_k,
                          radiator_area_m2, radiator_emissivity, radiator_sides, t_payload_end_k,
                          t_radiator_end_k, fin_eta):
    """Network model: cold plate and radiator root by the lumped step on the network's inputs
    (sim.payload.thermal_network.network_inputs); the sign of T_radiator flags convergence.
    `fin_eta` (scratch) receives η_f first, in a loop of its own: its table lookup would keep
    the main loop from vectorising."""
    age, eps_rate = hw[row0 + N_RAD_AGE], hw[row0 + N_EPS_RATE]
    q_max, g_dry, fin = hw[row0 + N_QMAX], hw[row0 + N_G_DRY], hw[row0 + N_FIN]
    for i in range(np.uint64(lo), np.uint64(hi)):
        fin_eta[i] = fin_efficiency_at(t_radiator_k[i], fin[i])
    for i in range(np.uint64(lo), np.uint64(hi)):
        eps = max(radiator_emissivity[i] - eps_rate[i] * (age[i] + years_at_end), 0.01)
        p_w, q0_w, q1_w, g_w_k, eps_eff = network_inputs(
            t_payload_k[i], t_radiator_k[i], p_load_w[i], q_env_w[i], q_end_w[i],
            g_payload_radiator_w_k[i], q_max[i], g_dry[i], eps, fin_eta[i])
        tp_k, tr_k, ok = thermal_step_fast(t_payload_k[i], t_radiator_k[i], p_w, q0_w, q1_w,
                                           c_payload_j_k[i], c_radiator_j_k[i], g_w_k,
                                           radiator_area_m2[i], eps_eff, radiator_sides[i], dt_s)
        t_payload_end_k[i] = tp_k
        t_radiator_end_k[i] = tr_k if ok else -tr_k


@njit(cache=True, error_model="numpy")
def thermal_step_robust(i, network, dt_s, years_at_end, hw, row0, t_payload_k, t_radiator_k, p_load_w,
                        q_env_w, q_end_w, c_payload_j_k, c_radiator_j_k, g_payload_radiator_w_k,
                        radiator_area_m2, radiator_emissivity, radiator_sides):
    """One satellite's step with the robust Newton iteration (after a violent transient)."""
    if network:
        eps = max(radiator_emissivity[i] - hw[row0 + N_EPS_RATE][i] * (hw[row0 + N_RAD_AGE][i] + years_at_end),
                  0.01)
        p_w, q0_w, q1_w, g_w_k, eps = network_inputs(
            t_payload_k[i], t_radiator_k[i], p_load_w[i], q_env_w[i], q_end_w[i], g_payload_radiator_w_k[i],
            hw[row0 + N_QMAX][i], hw[row0 + N_G_DRY][i], eps,
            fin_efficiency_at(t_radiator_k[i], hw[row0 + N_FIN][i]))
        return thermal_step(t_payload_k[i], t_radiator_k[i], p_w, q0_w, q1_w, c_payload_j_k[i],
                            c_radiator_j_k[i], g_w_k, radiator_area_m2[i], eps, radiator_sides[i], dt_s)
    return thermal_step(t_payload_k[i], t_radiator_k[i], p_load_w[i], q_env_w[i], q_end_w[i],
                        c_payload_j_k[i], c_radiator_j_k[i], g_payload_radiator_w_k[i],
                        radiator_area_m2[i], radiator_emissivity[i], radiator_sides[i], dt_s)
