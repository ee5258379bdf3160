"""The payload tick: solar power, battery, two-node thermal model and GPU throttling.

`step_payload` advances every satellite from t_s to t_s + dt_s in three parallel passes
(the middle one branch-free, so that LLVM vectorises it). Per satellite:

1. solar array power from the geometry at the tick end (position and illumination are
   already computed for t_s + dt_s by the orbit and sun kernels); electrical load at the
   level and on/off state set at the tick start; the battery covers any deficit; if it
   cannot, the GPUs get no power for the tick (brown-out: they deliver nothing and the
   tick counts as off time) and only the bus is served; the power cap (SOC floor,
   hysteresis to SOC release); the environmental load on the radiator at the tick end;
2. the thermal nodes advance with the served load as heat in the payload and the
   environmental load varying linearly from the previous tick's value to this one's;
3. the junction temperature at the tick end (with the tick's GPU power), then the
   throttle policy sets the level for the next tick. At most one GPU event and one
   power event per satellite and tick.

Argument names are FleetState field names (sim/fleet.py), so `step_payload_fleet` can
pass the arrays by name.
"""
from __future__ import annotations

import inspect
import math
from dataclasses import dataclass, fields

import numpy as np
from numba import njit, prange

from sim.constants import (
    R_EARTH_EQUATORIAL_M,
    SOLAR_CONSTANT_W_M2,
)
from sim.kernels.gpu import (
    GPU_EVENT_NONE,
    GPU_EVENT_SHUTDOWN,
    LEVEL_TOLERANCE,
    crossing_time_s,
    junction_temperature_k,
    throttle_decision,
)
from sim.kernels.power import (
    SECONDS_PER_JULIAN_YEAR,
    array_cos_incidence,
    array_degradation_factor,
    battery_available_w,
    battery_step,
    gpu_power_w,
    solar_array_power_w,
)
from sim.kernels.thermal import (
    radiator_absorbed_w,
    steady_state_temperatures,
    thermal_step,
    thermal_step_fast,
)

GPU_EVENT_NAMES = {
    0: "none",
    1: "throttle_down",
    2: "throttle_up",
    3: "hw_slowdown",
    4: "shutdown",
    5: "restart",
}
POWER_EVENT_NAMES = {0: "none", 1: "power_cap", 2: "power_release"}

POWER_EVENT_NONE = 0
POWER_EVENT_CAP = 1
POWER_EVENT_RELEASE = 2


@njit(cache=True, inline="always", error_model="numpy")
def _sun_geometry(rx, ry, rz, sun_unit_x, sun_unit_y, sun_unit_z):
    """(r̂·ŝ, altitude above the equatorial radius in m)."""
    r_m = math.sqrt(rx * rx + ry * ry + rz * rz)
    cos_sun_zenith = (rx * sun_unit_x + ry * sun_unit_y + rz * sun_unit_z) / r_m
    return cos_sun_zenith, r_m - R_EARTH_EQUATORIAL_M


# fusion off: the three passes must stay separate loops so that the thermal one vectorises
@njit(parallel={"fusion": False}, cache=True, error_model="numpy")
def step_payload(t_s, dt_s, sun_unit_x, sun_unit_y, sun_unit_z, solar_flux_w_m2, environment_on,
                 r_eci_m, illumination,
                 array_area_m2, array_efficiency, array_degradation_per_year, array_age_years,
                 array_sun_tracking,
                 battery_capacity_wh, soc_floor, soc_release, charge_efficiency,
                 discharge_efficiency, bus_power_w,
                 gpu_count, gpu_tdp_w, gpu_idle_w, gpu_dvfs_exponent, gpu_min_level,
                 gpu_level_step, gpu_slowdown_level, gpu_capped_level, r_jc_k_w,
                 t_max_operating_k, t_slowdown_k, t_shutdown_k, t_restart_k,
                 throttle_hysteresis_k, throttle_hold_s,
                 c_payload_j_k, c_radiator_j_k, g_payload_radiator_w_k, radiator_area_m2,
                 radiator_emissivity, radiator_absorptivity, radiator_sides,
                 radiator_orientation,
                 p_solar_w, p_load_w, battery_energy_wh, soc, t_payload_k, t_radiator_k,
                 t_junction_k, q_env_w, throttle_level, gpu_on, power_capped, level_changed_t_s,
                 gpu_down_until_s, gpu_seconds_available, gpu_seconds_delivered, throttled_seconds, off_seconds,
                 eclipse_seconds, energy_generated_j, energy_consumed_j, shutdowns, min_soc,
                 max_t_junction_k,
                 gpu_event_code, power_event_code, gpu_event_t_s, power_event_t_s,
                 event_old_level, event_new_level, event_t_junction_k):
    """Advance power, battery, thermal nodes and throttle state of all satellites one tick.

    Scalars: t_s (s, tick start), dt_s (s), the Sun's unit vector in the inertial frame,
    solar_flux_w_m2 (W/m² at the current Sun–Earth distance), environment_on (1: Sun,
    albedo and Earth IR heat the radiator; 0: deep-space sink only). Arrays: FleetState
    fields of the same names (units in sim/fleet.py), updated in place, and the seven
    per-satellite event outputs: the two codes are written every tick (0: no event); the
    time, levels and T_j are written only where the matching code is non-zero (elsewhere
    they hold stale values).
    """
    n = illumination.shape[0]
    t_end_s = t_s + dt_s
    years_since_epoch = t_end_s / SECONDS_PER_JULIAN_YEAR
    # per-tick scratch (allocated once per call, outside the loops)
    q_end_w = np.empty(n)
    p_gpu_tick_w = np.empty(n)
    t_payload_end_k = np.empty(n)
    t_radiator_end_k = np.empty(n)
    converged = np.empty(n, dtype=np.bool_)

    # pass 1: power, battery, power cap, environmental load (branchy, scalar)
    for i in prange(n):
        cos_sun_zenith, altitude_m = _sun_geometry(r_eci_m[0, i], r_eci_m[1, i], r_eci_m[2, i],
                                                   sun_unit_x, sun_unit_y, sun_unit_z)
        lit = illumination[i]
        solar_w = solar_array_power_w(solar_flux_w_m2, array_area_m2[i], array_efficiency[i],
                                      1.0,
                                      array_cos_incidence(array_sun_tracking[i], cos_sun_zenith),
                                      lit)
        if solar_w > 0.0:  # pow only where it matters
            solar_w *= array_degradation_factor(array_degradation_per_year[i],
                                                array_age_years[i] + years_since_epoch)
        level = throttle_level[i]
        running = gpu_on[i] != 0 and not gpu_down_until_s[i] > t_s  # radiation reset / power-down
        count = gpu_count[i]
        p_gpu_w = 0.0
        if running:
            p_gpu_w = gpu_power_w(level, gpu_idle_w[i], gpu_tdp_w[i], gpu_dvfs_exponent[i])
        demand_w = bus_power_w[i] + count * p_gpu_w
        energy_start_wh = battery_energy_wh[i]
        if demand_w > solar_w + battery_available_w(energy_start_wh, discharge_efficiency[i], dt_s):
            running = False  # brown-out: the GPUs get no power this tick
            p_gpu_w = 0.0
            demand_w = bus_power_w[i]
        capacity_wh = battery_capacity_wh[i]
        energy_wh, served_w, solar_used_w = battery_step(
            energy_start_wh, capacity_wh, solar_w, demand_w,
            charge_efficiency[i], discharge_efficiency[i], dt_s)
        soc_end = energy_wh / capacity_wh if capacity_wh > 0.0 else 0.0

        # accumulators, with the level and state of this tick
        gpu_seconds_available[i] += count * dt_s
        if running:
            gpu_seconds_delivered[i] += level * count * dt_s
            if level < 1.0 - LEVEL_TOLERANCE:
                throttled_seconds[i] += dt_s
        else:
            off_seconds[i] += dt_s
        eclipse_seconds[i] += (1.0 - lit) * dt_s
        energy_generated_j[i] += solar_used_w * dt_s
        energy_consumed_j[i] += served_w * dt_s
        if soc_end < min_soc[i]:
            min_soc[i] = soc_end

        # power cap with hysteresis
        capped = power_capped[i]
        power_code = POWER_EVENT_NONE
        if capped == 0 and soc_end <= soc_floor[i]:
            capped = 1
            power_code = POWER_EVENT_CAP
            power_event_t_s[i] = crossing_time_s(t_s, dt_s, soc[i], soc_end, soc_floor[i])
        elif capped != 0 and soc_end >= soc_release[i]:
            capped = 0
            power_code = POWER_EVENT_RELEASE
            power_event_t_s[i] = crossing_time_s(t_s, dt_s, soc[i], soc_end, soc_release[i])
        power_capped[i] = capped
        power_event_code[i] = power_code

        q_env = 0.0
        if environment_on != 0:
            q_env = radiator_absorbed_w(radiator_orientation[i], radiator_sides[i],
                                        radiator_area_m2[i], radiator_absorptivity[i],
                                        radiator_emissivity[i], altitude_m, cos_sun_zenith,
                                        lit, solar_flux_w_m2)
        else:
            q_env_w[i] = 0.0
        q_end_w[i] = q_env
        p_gpu_tick_w[i] = p_gpu_w
        p_solar_w[i] = solar_w
        p_load_w[i] = served_w
        battery_energy_wh[i] = energy_wh
        soc[i] = soc_end

    # pass 2: thermal nodes, fixed Newton steps, no branches: vectorises across satellites
    for i in prange(n):
        t_payload_end_k[i], t_radiator_end_k[i], converged[i] = thermal_step_fast(
            t_payload_k[i], t_radiator_k[i], p_load_w[i], q_env_w[i], q_end_w[i],
            c_payload_j_k[i], c_radiator_j_k[i], g_payload_radiator_w_k[i],
            radiator_area_m2[i], radiator_emissivity[i], radiator_sides[i], dt_s)

    # pass 3: junction temperature and throttle policy (branchy, scalar)
    for i in prange(n):
        if converged[i]:
            tp_k = t_payload_end_k[i]
            tr_k = t_radiator_end_k[i]
        else:  # a violent transient: redo the step with the robust iteration
            tp_k, tr_k = thermal_step(t_payload_k[i], t_radiator_k[i], p_load_w[i], q_env_w[i],
                                      q_end_w[i], c_payload_j_k[i], c_radiator_j_k[i],
                                      g_payload_radiator_w_k[i], radiator_area_m2[i],
                                      radiator_emissivity[i], radiator_sides[i], dt_s)
        tj_start_k = t_junction_k[i]
        tj_k = junction_temperature_k(tp_k, p_gpu_tick_w[i], r_jc_k_w[i])
        if tj_k > max_t_junction_k[i]:
            max_t_junction_k[i] = tj_k
        t_payload_k[i] = tp_k
        t_radiator_k[i] = tr_k
        t_junction_k[i] = tj_k
        q_env_w[i] = q_end_w[i]

        allowed_max = 1.0
        if power_capped[i] != 0:
            allowed_max = min(1.0, gpu_capped_level[i])
        cap_t_s = t_end_s
        if power_event_code[i] == POWER_EVENT_CAP:
            cap_t_s = power_event_t_s[i]
        level = throttle_level[i]
        gpu_code, new_level, new_on, gpu_t_s = throttle_decision(
            t_s, dt_s, level, gpu_on[i], tj_start_k, tj_k, level_changed_t_s[i], allowed_max,
            cap_t_s, gpu_min_level[i], gpu_level_step[i], gpu_slowdown_level[i],
            t_max_operating_k[i], t_slowdown_k[i], t_shutdown_k[i], t_restart_k[i],
            throttle_hysteresis_k[i], throttle_hold_s[i])
        gpu_event_code[i] = gpu_code
        if gpu_code != GPU_EVENT_NONE:
            level_changed_t_s[i] = gpu_t_s
            throttle_level[i] = new_level
            gpu_on[i] = new_on
            gpu_event_t_s[i] = gpu_t_s
            event_old_level[i] = level
            event_new_level[i] = new_level
            event_t_junction_k[i] = tj_k
            if gpu_code == GPU_EVENT_SHUTDOWN:
                shutdowns[i] += 1


STEP_PAYLOAD_SCALARS = ("t_s", "dt_s", "sun_unit_x", "sun_unit_y", "sun_unit_z",
                        "solar_flux_w_m2", "environment_on")
STEP_PAYLOAD_ARRAYS = tuple(
    name for name in inspect.signature(step_payload.py_func).parameters
    if name not in STEP_PAYLOAD_SCALARS
)


@dataclass
class PayloadEvents:
    """Per-satellite event outputs of one payload tick (code 0: no event)."""

    gpu_event_code: np.ndarray      # (N,) int8, GPU_EVENT_NAMES
    power_event_code: np.ndarray    # (N,) int8, POWER_EVENT_NAMES
    gpu_event_t_s: np.ndarray       # (N,) s, time of the GPU event
    power_event_t_s: np.ndarray     # (N,) s, time of the power event
    event_old_level: np.ndarray     # (N,) clock fraction before the GPU event
    event_new_level: np.ndarray     # (N,) clock fraction after the GPU event
    event_t_junction_k: np.ndarray  # (N,) K, junction temperature at the tick end

    @classmethod
    def empty(cls, n: int) -> "PayloadEvents":
        return cls(
            gpu_event_code=np.zeros(n, np.int8),
            power_event_code=np.zeros(n, np.int8),
            gpu_event_t_s=np.zeros(n),
            power_event_t_s=np.zeros(n),
            event_old_level=np.zeros(n),
            event_new_level=np.zeros(n),
            event_t_junction_k=np.zeros(n),
        )


EVENT_ARRAYS = tuple(f.name for f in fields(PayloadEvents))


def step_payload_fleet(fleet, t_s, dt_s, sun_unit, solar_flux_w_m2, environment_on, events):
    """Run `step_payload` on a FleetState; `events` is a PayloadEvents or a dict of its arrays."""
    def lookup(name):
        if name in EVENT_ARRAYS:
            return events[name] if isinstance(events, dict) else getattr(events, name)
        return getattr(fleet, name)

    step_payload(float(t_s), float(dt_s), float(sun_unit[0]), float(sun_unit[1]),
                 float(sun_unit[2]), float(solar_flux_w_m2), int(environment_on),
                 *[lookup(name) for name in STEP_PAYLOAD_ARRAYS])


@njit(cache=True, error_model="numpy")
def _environment_now(t_s, sun_unit_x, sun_unit_y, sun_unit_z, solar_flux_w_m2, environment_on,
                     r_eci_m, illumination, array_area_m2, array_efficiency,
                     array_degradation_per_year, array_age_years, array_sun_tracking,
                     radiator_orientation, radiator_sides, radiator_area_m2,
                     radiator_absorptivity, radiator_emissivity, p_solar_w, q_env_w):
    years_since_epoch = t_s / SECONDS_PER_JULIAN_YEAR
    for i in range(illumination.shape[0]):
        cos_sun_zenith, altitude_m = _sun_geometry(r_eci_m[0, i], r_eci_m[1, i], r_eci_m[2, i],
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
                 "shutdowns", "p_solar_w", "q_env_w"):
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
