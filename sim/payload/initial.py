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

from sim.core.constants import SECONDS_PER_JULIAN_YEAR, SOLAR_CONSTANT_W_M2
from sim.payload.power import (
    array_cos_incidence,
    array_degradation_factor,
    gpu_power_w,
    solar_array_power_w,
)
from sim.payload.thermal import radiator_absorbed_w, steady_state_temperatures
from sim.payload.tick import sun_geometry


@njit(cache=True, error_model="numpy")
def _environment_now(t_s, sun_unit_x, sun_unit_y, sun_unit_z, solar_flux_w_m2, environment_on,
                     r_eci_m, illumination, array_area_m2, array_efficiency,
                     array_degradation_per_year, array_age_years, array_sun_tracking,
                     radiator_orientation, radiator_sides, radiator_area_m2,
                     radiator_absorptivity, radiator_emissivity, p_solar_w, q_env_w):
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
                                             illumination[i], solar_flux_w_m2)


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
    if sun_unit is not None:
        _environment_now(float(t_s), float(sun_unit[0]), float(sun_unit[1]), float(sun_unit[2]),
                         float(solar_flux_w_m2), int(environment_on), fleet.r_eci_m,
                         fleet.illumination, fleet.array_area_m2, fleet.array_efficiency,
                         fleet.array_degradation_per_year, fleet.array_age_years,
                         fleet.array_sun_tracking, fleet.radiator_orientation,
                         fleet.radiator_sides, fleet.radiator_area_m2,
                         fleet.radiator_absorptivity, fleet.radiator_emissivity,
                         fleet.p_solar_w, fleet.q_env_w)
    p_gpu_w = fleet.gpu_tdp_w
    fleet.p_load_w[:] = fleet.bus_power_w + fleet.gpu_count * p_gpu_w
    if initial_temperature_k is None:
        _steady_state_fleet(fleet.p_load_w.astype(np.float64), fleet.q_env_w,
                            fleet.g_payload_radiator_w_k, fleet.radiator_area_m2,
                            fleet.radiator_emissivity, fleet.radiator_sides,
                            fleet.t_payload_k, fleet.t_radiator_k)
    else:
        fleet.t_payload_k[:] = initial_temperature_k
        fleet.t_radiator_k[:] = initial_temperature_k
    fleet.t_junction_k[:] = fleet.t_payload_k + p_gpu_w * fleet.r_jc_k_w
    fleet.max_t_junction_k[:] = fleet.t_junction_k


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
        t_p, t_r = steady_state_temperatures(p_heat_w, f.q_env_w, f.g_payload_radiator_w_k,
                                             f.radiator_area_m2, f.radiator_emissivity,
                                             f.radiator_sides.astype(np.float64))
        t_j = t_p + p_gpu_w * f.r_jc_k_w
        take = ~chosen & ((t_j <= f.t_max_operating_k) | (level <= f.gpu_min_level))
        f.throttle_level[take] = level[take]
        f.t_payload_k[take], f.t_radiator_k[take], f.t_junction_k[take] = t_p[take], t_r[take], t_j[take]
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
            f.t_junction_k[sel] = f.max_t_junction_k[sel] = t0 + f.gpu_tdp_w[sel] * f.r_jc_k_w[sel]
