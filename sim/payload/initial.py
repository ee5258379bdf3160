"""The payload's state at the start of a run: battery, GPU level, temperatures.

`initialise_payload` sets every satellite to a full battery, GPUs on at full clock and the
thermal steady state at full power; `start_at_sustainable_level` then lowers each
satellite's clock to the highest level its radiator can hold in steady state; and
`apply_shell_initial_state` applies what a shell's configuration says (initial state of
charge, initial temperature). The payload subsystem calls the three in that order.
"""
from __future__ import annotations

import numpy as np
from numba import njit

from sim.core.constants import (
    EARTH_BOND_ALBEDO,
    EARTH_IR_W_M2,
    SECONDS_PER_JULIAN_YEAR,
    SOLAR_CONSTANT_W_M2,
)
from sim.payload.power import (
    array_cos_incidence,
    array_degradation_factor,
    gpu_power_w,
    solar_array_power_w,
)
from sim.payload.thermal import radiator_absorbed_w, steady_state_temperatures
from sim.payload.thermal_network import MODEL_NETWORK, steady_state_network
from sim.payload.thermal_tick import NETWORK_ROWS, geometry_range_network, sun_geometry

# a time step long enough that the array's node is at its equilibrium after one step
_EQUILIBRIUM_DT_S = 1e15


@njit(cache=True, error_model="numpy")
def _environment_now(t_s, sun_unit_x, sun_unit_y, sun_unit_z, solar_flux_w_m2, environment_on,
                     r_eci_m, illumination, array_area_m2, array_efficiency,
                     array_degradation_per_year, array_age_years, array_sun_tracking,
                     radiator_orientation, radiator_sides, radiator_area_m2,
                     radiator_absorptivity, radiator_emissivity, albedo_excess,
                     earth_ir_excess_w_m2, p_solar_w, q_env_w):
    """Solar array output (W) and radiator environmental load (W) at t_s, every satellite."""
    years_since_epoch = t_s / SECONDS_PER_JULIAN_YEAR
    for i in range(illumination.shape[0]):
        cos_sun_zenith, altitude_m = sun_geometry(r_eci_m[0, i], r_eci_m[1, i], r_eci_m[2, i],
                                                  sun_unit_x, sun_unit_y, sun_unit_z)
        degradation = array_degradation_factor(array_degradation_per_year[i],
                                               array_age_years[i] + years_since_epoch)
        p_solar_w[i] = solar_array_power_w(
            solar_flux_w_m2, array_area_m2[i], array_efficiency[i], degradation,
            array_cos_incidence(array_sun_tracking[i], cos_sun_zenith), illumination[i])
        q_env_w[i] = 0.0
        if environment_on != 0:
            q_env_w[i] = radiator_absorbed_w(radiator_orientation[i], radiator_sides[i],
                                             radiator_area_m2[i], radiator_absorptivity[i],
                                             radiator_emissivity[i], altitude_m, cos_sun_zenith,
                                             illumination[i], solar_flux_w_m2,
                                             EARTH_BOND_ALBEDO + albedo_excess[i],
                                             EARTH_IR_W_M2 + earth_ir_excess_w_m2[i])


@njit(cache=True, error_model="numpy")
def _steady_state_fleet(p_heat_w, q_env_w, g_w_k, area_m2, emissivity, sides, t_payload_k,
                        t_radiator_k):
    for i in range(p_heat_w.shape[0]):
        t_payload_k[i], t_radiator_k[i] = steady_state_temperatures(
            p_heat_w[i], q_env_w[i], g_w_k[i], area_m2[i], emissivity[i], sides[i])


def initialise_payload(fleet, environment_on, *, t_s=0.0, sun_unit=None,
                       solar_flux_w_m2=SOLAR_CONSTANT_W_M2, initial_temperature_k=None):
    """Set the payload state at the start of a run, in place.

    Battery full (SOC 1, min_soc 1), GPUs on at level 1, not capped, the hold already
    expired (level_changed_t_s = t_s − hold), accumulators zero. With `sun_unit` given,
    p_solar_w and q_env_w are computed from r_eci_m and illumination at t_s (which must
    already be filled); without it both are 0. Temperatures: `initial_temperature_k` for
    both nodes if given; otherwise the steady state with the GPUs at full power (TDP)
    and the environmental load q_env_w just computed (0 with the environment off), and
    T_j = T_payload + TDP R_jc.
    """
    fleet.battery_energy_wh[:] = fleet.battery_capacity_wh
    fleet.soc[:] = np.where(fleet.battery_capacity_wh > 0.0, 1.0, 0.0)
    fleet.min_soc[:] = fleet.soc
    fleet.gpu_on[:] = 1
    fleet.throttle_level[:] = 1.0
    fleet.power_capped[:] = 0
    fleet.level_changed_t_s[:] = t_s - fleet.throttle_hold_s
    for name in ("gpu_seconds_available", "gpu_seconds_delivered", "throttled_seconds",
                 "off_seconds", "eclipse_seconds", "energy_generated_j", "energy_consumed_j",
                 "shutdowns", "p_solar_w", "q_env_w", "array_retention"):
        getattr(fleet, name)[:] = 0
    network = is_network(fleet)
    if sun_unit is not None:
        _environment_now(float(t_s), float(sun_unit[0]), float(sun_unit[1]), float(sun_unit[2]),
                         float(solar_flux_w_m2), int(environment_on), fleet.r_eci_m,
                         fleet.illumination, fleet.array_area_m2, fleet.array_efficiency,
                         fleet.array_degradation_per_year, fleet.array_age_years,
                         fleet.array_sun_tracking, fleet.radiator_orientation,
                         fleet.radiator_sides, fleet.radiator_area_m2,
                         fleet.radiator_absorptivity, fleet.radiator_emissivity,
                         fleet.earth_albedo_excess, fleet.earth_ir_excess_w_m2,
                         fleet.p_solar_w, fleet.q_env_w)
        if network:
            _network_environment_now(fleet, environment_on, float(t_s), sun_unit, float(solar_flux_w_m2))
    p_gpu_w = fleet.gpu_tdp_w
    fleet.p_load_w[:] = fleet.bus_power_w + fleet.gpu_count * p_gpu_w
    if initial_temperature_k is None:
        steady_state(fleet, fleet.p_load_w.astype(np.float64), fleet.t_payload_k, fleet.t_radiator_k)
    else:
        fleet.t_payload_k[:] = initial_temperature_k
        fleet.t_radiator_k[:] = initial_temperature_k
    fleet.t_junction_k[:], fleet.t_hbm_k[:] = package_temperatures(fleet, fleet.t_payload_k, p_gpu_w)
    fleet.max_t_junction_k[:] = fleet.t_junction_k


def is_network(fleet) -> bool:
    return fleet.n > 0 and int(fleet.thermal_model[0]) == MODEL_NETWORK


def _network_environment_now(fleet, environment_on, t_s, sun_unit, solar_flux_w_m2) -> None:
    """Network model at t_s: the array at its equilibrium, its output after degradation, and the
    radiator's environmental load (0 with the environment off)."""
    from sim.payload.tick import HARDWARE_ROWS
    hw = np.ascontiguousarray(np.stack([getattr(fleet, name).astype(np.float64) for name in HARDWARE_ROWS]))
    row0 = HARDWARE_ROWS.index(NETWORK_ROWS[0])
    if not np.all(fleet.t_array_k > 0.0):
        fleet.t_array_k[:] = 300.0
    solar_bol_w = np.zeros(fleet.n)
    q_w = np.zeros(fleet.n)
    for _ in range(5):  # the array's node converges from any start (two Newton steps each)
        _network_geometry(fleet, hw, row0, t_s, sun_unit, solar_flux_w_m2, solar_bol_w, q_w)
    years = fleet.array_age_years + t_s / SECONDS_PER_JULIAN_YEAR
    retention = np.where(years > 0.0, (1.0 - fleet.array_degradation_per_year) ** np.maximum(years, 0.0), 1.0)
    fleet.p_solar_w[:] = solar_bol_w * retention
    fleet.q_env_w[:] = q_w if environment_on else 0.0


def _network_geometry(fleet, hw, row0, t_s, sun_unit, solar_flux_w_m2, solar_bol_w, q_w) -> None:
    geometry_range_network(0, fleet.n, t_s / SECONDS_PER_JULIAN_YEAR, _EQUILIBRIUM_DT_S,
                           float(sun_unit[0]), float(sun_unit[1]), float(sun_unit[2]), solar_flux_w_m2,
                           fleet.r_eci_m, fleet.v_eci_m_s, fleet.illumination, hw, row0, fleet.array_area_m2,
                           fleet.array_efficiency, fleet.array_sun_tracking, fleet.radiator_orientation,
                           fleet.radiator_sides, fleet.radiator_area_m2, fleet.radiator_absorptivity,
                           fleet.radiator_emissivity, fleet.t_array_k, solar_bol_w, q_w)


def steady_state(fleet, p_heat_w, t_payload_k, t_radiator_k) -> None:
    """Equilibrium of the thermal nodes for the heat p_heat_w and q_env_w, in place."""
    if is_network(fleet):
        steady_state_network(p_heat_w, fleet.q_env_w, fleet.g_payload_radiator_w_k.astype(np.float64),
                             fleet.transport_q_max_w, fleet.transport_g_dry_w_k, fleet.radiator_area_m2,
                             fleet.radiator_emissivity, fleet.radiator_sides.astype(np.float64),
                             fleet.fin_number_per_k3, t_payload_k, t_radiator_k)
    else:
        _steady_state_fleet(p_heat_w, fleet.q_env_w, fleet.g_payload_radiator_w_k, fleet.radiator_area_m2,
                            fleet.radiator_emissivity, fleet.radiator_sides, t_payload_k, t_radiator_k)


def package_temperatures(fleet, t_cold_plate_k, p_gpu_w):
    """(T_junction, T_hbm) from the cold plate (payload node): T_j = T + P R_jc in the lumped model
    (T_hbm = T); in the network T_case = T + P R_cp, T_j = T_case + P R_jc, T_hbm = T_case + f P R_hbm."""
    if not is_network(fleet):
        return t_cold_plate_k + p_gpu_w * fleet.r_jc_k_w, np.array(t_cold_plate_k, dtype=float)
    t_case = t_cold_plate_k + p_gpu_w * fleet.r_case_plate_k_w
    return t_case + p_gpu_w * fleet.r_jc_k_w, t_case + fleet.hbm_power_fraction * p_gpu_w * fleet.r_hbm_k_w


def throttle_temperature(fleet, t_junction_k, t_hbm_k):
    """What the throttle compares with the junction thresholds (the HBM mapped onto them)."""
    if not is_network(fleet):
        return t_junction_k
    return np.maximum(t_junction_k, t_hbm_k + fleet.t_hbm_offset_k)


def start_at_sustainable_level(fleet) -> None:
    """Start each satellite in the thermal steady state of the highest clock level whose
    junction temperature stays at or below t_max_operating (the level the throttle policy
    would settle on), rather than at full power, which an undersized radiator could not
    hold. Uses q_env_w as `initialise_payload` left it."""
    f = fleet
    chosen = np.zeros(f.n, dtype=bool)
    level = np.minimum(1.0, f.gpu_power_cap_level)   # at most the clock that meets the watt limit
    while True:
        level = np.maximum(level, f.gpu_min_level)
        p_gpu_w = np.array([gpu_power_w(*args) for args in zip(level, f.gpu_static_w, f.gpu_dynamic_w,
                                                                 f.gpu_v_min_ratio, f.gpu_knee_level)])
        p_heat_w = f.bus_power_w + f.gpu_count * p_gpu_w
        if is_network(f):
            t_p, t_r = np.empty(f.n), np.empty(f.n)
            steady_state(f, p_heat_w.astype(np.float64), t_p, t_r)
        else:
            t_p, t_r = steady_state_temperatures(p_heat_w, f.q_env_w, f.g_payload_radiator_w_k,
                                                 f.radiator_area_m2, f.radiator_emissivity,
                                                 f.radiator_sides.astype(np.float64))
        t_j, t_hbm = package_temperatures(f, t_p, p_gpu_w)
        take = ~chosen & ((throttle_temperature(f, t_j, t_hbm) <= f.t_max_operating_k)
                          | (level <= f.gpu_min_level))
        f.throttle_level[take] = level[take]
        f.t_payload_k[take], f.t_radiator_k[take], f.t_junction_k[take] = t_p[take], t_r[take], t_j[take]
        f.t_hbm_k[take] = t_hbm[take]
        f.p_load_w[take] = p_heat_w[take]
        chosen |= take
        if chosen.all():
            break
        level = np.where(chosen, level, level - f.gpu_level_step)
    f.max_t_junction_k[:] = f.t_junction_k


def apply_shell_initial_state(fleet, constellation) -> None:
    """Each shell's configured initial state of charge and, where given, initial temperature
    of both thermal nodes (then T_j = T + TDP R_jc)."""
    f = fleet
    for i, shell in enumerate(constellation):
        sel = f.shell == i
        f.battery_energy_wh[sel] = f.battery_capacity_wh[sel] * shell.battery.initial_soc
        f.soc[sel] = f.min_soc[sel] = shell.battery.initial_soc
        t0 = shell.thermal.initial_temperature_k
        if t0 is not None:
            f.t_payload_k[sel] = f.t_radiator_k[sel] = t0
            t_j, t_hbm = package_temperatures(f, f.t_payload_k, f.gpu_tdp_w)
            f.t_junction_k[sel] = f.max_t_junction_k[sel] = t_j[sel]
            f.t_hbm_k[sel] = t_hbm[sel]
