"""The payload tick: solar power, battery, thermal model (lumped or network) and GPU throttling.

`step_physics` (what the payload subsystem calls every tick) computes the illumination at
t_s + dt_s and the eclipse crossings, then advances every satellite's payload from t_s to
t_s + dt_s, in one launch over chunks of satellites. Within a chunk the
branch-free passes (geometry, thermal) vectorise and the branchy ones run scalar. Per satellite:

1. solar array power from the geometry at the tick end (position and illumination are
   already computed for t_s + dt_s by the orbit and sun kernels); electrical load at the
   level and on/off state set at the tick start, the share of the clock the work leaves
   unused (1 − gpu_utilisation) drawing idle power; the battery covers any deficit; if it
   cannot, the GPUs get no power for the tick (brown-out: they deliver nothing and the
   tick counts as off time) and only the bus is served; the power cap (SOC floor,
   hysteresis to SOC release); the environmental load on the radiator at the tick end;
2. the thermal nodes advance with the served load as heat in the payload and the
   environmental load varying linearly from the previous tick's value to this one's;
3. the junction temperature at the tick end (with the tick's GPU power), then the
   throttle policy sets the level for the next tick. At most one GPU event and one
   power event per satellite and tick.

Argument names are FleetState field names (sim/payload/subsystem.py); `step_physics` takes
the constant hardware packed into one 2-D array (FleetState.pack, rows HARDWARE_ROWS) and the
live arrays in STATE_ARRAYS order.
"""
from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np
from numba import njit, prange

from sim.core.constants import SECONDS_PER_JULIAN_YEAR
from sim.core.numerics import crossing_time_s
from sim.orbits.shadow import eclipse_range
from sim.payload.accounting import book_badput
from sim.payload.gpu import (
    GPU_EVENT_NONE,
    GPU_EVENT_SHUTDOWN,
    LEVEL_TOLERANCE,
    junction_temperature_k,
    throttle_decision,
    throughput_fraction,
)
from sim.payload.power import (
    ARRAY_RETENTION_REFRESH_S,
    POWER_EVENT_CAP,
    POWER_EVENT_NONE,
    POWER_EVENT_RELEASE,
    array_retention_refresh,
    battery_available_w,
    battery_step,
    gpu_power_w,
)
from sim.payload.thermal_network import MODEL_NETWORK, package_temperatures_k
from sim.payload.thermal_tick import (
    N_ALBEDO_EXCESS,
    N_HBM_FRAC,
    N_HBM_OFFSET,
    N_IR_EXCESS,
    N_MODEL,
    N_R_CP,
    N_R_HBM,
    NETWORK_ROWS,
    geometry_range,
    geometry_range_network,
    sun_geometry,  # noqa: F401  (re-exported: sim.payload.initial, tests)
    thermal_range,
    thermal_range_network,
    thermal_step_robust,
)

# Constant hardware parameters, packed once at set-up into one (len(HARDWARE_ROWS), N) float64
# array (FleetState.pack): passing ~35 arrays to a numba kernel costs ~0.17 µs each per call.
HARDWARE_ROWS = (
    "array_area_m2", "array_efficiency", "array_degradation_per_year", "array_age_years",
    "array_sun_tracking",
    "battery_capacity_wh", "soc_floor", "soc_release", "charge_efficiency",
    "discharge_efficiency", "bus_power_w",
    "gpu_count_installed", "gpu_idle_w", "gpu_static_w", "gpu_dynamic_w", "gpu_v_min_ratio",
    "gpu_knee_level", "gpu_power_cap_level", "gpu_min_level",
    "gpu_level_step", "gpu_slowdown_level", "gpu_capped_level", "r_jc_k_w",
    "t_max_operating_k", "t_slowdown_k", "t_shutdown_k", "t_restart_k",
    "throttle_hysteresis_k", "throttle_hold_s",
    "c_payload_j_k", "c_radiator_j_k", "g_payload_radiator_w_k", "radiator_area_m2",
    "radiator_emissivity", "radiator_absorptivity", "radiator_sides", "radiator_orientation",
)
(_AREA, _EFF, _DEG, _AGE, _TRACK, _CAP, _FLOOR, _RELEASE, _ETA_C, _ETA_D, _BUS, _INSTALLED, _IDLE, _STATIC,
 _DYNAMIC, _V_MIN, _KNEE, _WATT_LEVEL, _MIN_LEVEL, _STEP, _SLOW_LEVEL, _CAP_LEVEL, _RJC, _T_MAX, _T_SLOW, _T_SHUT,
 _T_RESTART, _HYST, _HOLD, _C_P, _C_R, _G, _RAD_AREA, _RAD_EPS, _RAD_ALPHA, _SIDES, _ORIENT) = range(len(HARDWARE_ROWS))

# the thermal network's rows follow the core rows (sim.payload.thermal_tick.NETWORK_ROWS)
_NET = len(HARDWARE_ROWS)
HARDWARE_ROWS = HARDWARE_ROWS + NETWORK_ROWS

# the arrays passed live, in this order (FleetState names): the payload state, gpu_count (a parameter
# that the radiation subsystem lowers as devices are lost), the utilisation and clock share the work sets
STATE_ARRAYS = (
    "gpu_count", "gpu_utilisation", "gpu_clock_sensitivity", "gpu_seconds_delivered_tick", "gpu_badput_s",
    "p_solar_w", "p_load_w", "battery_energy_wh", "soc", "t_payload_k", "t_radiator_k",
    "t_junction_k", "q_env_w", "throttle_level", "gpu_on", "power_capped", "level_changed_t_s",
    "gpu_down_until_s", "gpu_seconds_available", "gpu_seconds_delivered", "throttled_seconds",
    "off_seconds", "eclipse_seconds", "energy_generated_j", "energy_consumed_j", "shutdowns",
    "min_soc", "max_t_junction_k", "array_retention", "array_retention_rate_per_s",
    "array_retention_t_ref_s", "t_array_k", "t_hbm_k",
)

# rows of the per-tick scratch array (caller-supplied, (SCRATCH_ROWS, N) float64)
_S_SOLAR, _S_Q_END, _S_P_GPU, _S_TP_END, _S_TR_END, _S_PREVIOUS, _S_FIN = range(7)
SCRATCH_ROWS = 7
SCRATCH_PREVIOUS_ILLUMINATION = _S_PREVIOUS  # row holding the illumination before the tick


def new_scratch(n: int) -> np.ndarray:
    return np.zeros((SCRATCH_ROWS, n))


@njit(cache=True, error_model="numpy")
def _payload_range(lo, hi, t_s, dt_s, sun_unit_x, sun_unit_y, sun_unit_z, solar_flux_w_m2,
                   environment_on, r_eci_m, v_eci_m_s, illumination, hw, gpu_count, gpu_utilisation,
                   gpu_clock_sensitivity, gpu_seconds_delivered_tick, gpu_badput_s, p_solar_w, p_load_w,
                   battery_energy_wh, soc,
                   t_payload_k, t_radiator_k, t_junction_k, q_env_w, throttle_level, gpu_on, power_capped,
                   level_changed_t_s, gpu_down_until_s, gpu_seconds_available, gpu_seconds_delivered,
                   throttled_seconds, off_seconds, eclipse_seconds, energy_generated_j,
                   energy_consumed_j, shutdowns, min_soc, max_t_junction_k, array_retention,
                   array_retention_rate_per_s, array_retention_t_ref_s, t_array_k, t_hbm_k,
                   gpu_event_code, power_event_code, gpu_event_t_s, power_event_t_s,
                   event_old_level, event_new_level, event_t_junction_k, scratch):
    """The payload tick for satellites lo..hi-1; returns (GPU events, power events).

    `hw` is the packed hardware (rows HARDWARE_ROWS): a 2-D array or a tuple of 1-D arrays.
    """
    array_area_m2, array_efficiency = hw[_AREA], hw[_EFF]
    array_degradation_per_year, array_age_years, array_sun_tracking = hw[_DEG], hw[_AGE], hw[_TRACK]
    battery_capacity_wh, soc_floor, soc_release = hw[_CAP], hw[_FLOOR], hw[_RELEASE]
    charge_efficiency, discharge_efficiency, bus_power_w = hw[_ETA_C], hw[_ETA_D], hw[_BUS]
    gpu_idle_w, gpu_installed, gpu_power_cap_level = hw[_IDLE], hw[_INSTALLED], hw[_WATT_LEVEL]
    gpu_static_w, gpu_dynamic_w, gpu_v_min_ratio, gpu_knee_level = hw[_STATIC], hw[_DYNAMIC], hw[_V_MIN], hw[_KNEE]
    gpu_min_level, gpu_level_step = hw[_MIN_LEVEL], hw[_STEP]
    gpu_slowdown_level, gpu_capped_level, r_jc_k_w = hw[_SLOW_LEVEL], hw[_CAP_LEVEL], hw[_RJC]
    t_max_operating_k, t_slowdown_k, t_shutdown_k = hw[_T_MAX], hw[_T_SLOW], hw[_T_SHUT]
    t_restart_k, throttle_hysteresis_k, throttle_hold_s = hw[_T_RESTART], hw[_HYST], hw[_HOLD]
    c_payload_j_k, c_radiator_j_k, g_payload_radiator_w_k = hw[_C_P], hw[_C_R], hw[_G]
    radiator_area_m2, radiator_emissivity = hw[_RAD_AREA], hw[_RAD_EPS]
    radiator_absorptivity, radiator_sides, radiator_orientation = hw[_RAD_ALPHA], hw[_SIDES], hw[_ORIENT]
    solar_bol_w = scratch[_S_SOLAR]
    q_end_w = scratch[_S_Q_END]
    p_gpu_tick_w = scratch[_S_P_GPU]
    t_payload_end_k = scratch[_S_TP_END]
    t_radiator_end_k = scratch[_S_TR_END]
    t_end_s = t_s + dt_s
    years_at_end = t_end_s / SECONDS_PER_JULIAN_YEAR
    n_gpu_events = 0
    n_power_events = 0

    # pass 0: geometry, solar power before degradation, environmental load (branch-free)
    network = hi > lo and hw[_NET + N_MODEL][lo] == MODEL_NETWORK  # one model per run
    if network:
        geometry_range_network(lo, hi, years_at_end, dt_s, sun_unit_x, sun_unit_y, sun_unit_z,
                               solar_flux_w_m2, r_eci_m, v_eci_m_s, illumination, hw, _NET, array_area_m2,
                               array_efficiency, array_sun_tracking, radiator_orientation,
                               radiator_sides, radiator_area_m2, radiator_absorptivity,
                               radiator_emissivity, t_array_k, solar_bol_w, q_end_w)
    else:
        geometry_range(lo, hi, sun_unit_x, sun_unit_y, sun_unit_z, solar_flux_w_m2, r_eci_m,
                       illumination, array_area_m2, array_efficiency, array_sun_tracking,
                       radiator_orientation, radiator_sides, radiator_area_m2, radiator_absorptivity,
                       radiator_emissivity, hw[_NET + N_ALBEDO_EXCESS], hw[_NET + N_IR_EXCESS],
                       solar_bol_w, q_end_w)
    if environment_on == 0:  # deep-space sink only
        for i in range(np.uint64(lo), np.uint64(hi)):
            q_end_w[i] = 0.0
            q_env_w[i] = 0.0

    # pass 1: power, battery, power cap, accumulators (branchy, scalar)
    for i in range(np.uint64(lo), np.uint64(hi)):
        lit = illumination[i]
        solar_w = solar_bol_w[i]
        if solar_w > 0.0:  # retention: exact once an hour, linear in between
            t_ref_s = array_retention_t_ref_s[i]
            if not (array_retention[i] > 0.0 and abs(t_end_s - t_ref_s) <= ARRAY_RETENTION_REFRESH_S):
                array_retention[i], array_retention_rate_per_s[i] = array_retention_refresh(
                    array_degradation_per_year[i], array_age_years[i] + years_at_end)
                array_retention_t_ref_s[i] = t_end_s
                t_ref_s = t_end_s
            solar_w *= array_retention[i] * (1.0 + array_retention_rate_per_s[i] * (t_end_s - t_ref_s))
        level = throttle_level[i]
        down = gpu_down_until_s[i] > t_s  # radiation reset / power-down
        running = gpu_on[i] != 0 and not down
        count = gpu_count[i]
        p_gpu_w = 0.0
        if running:
            p_gpu_w = gpu_power_w(level, gpu_static_w[i], gpu_dynamic_w[i], gpu_v_min_ratio[i], gpu_knee_level[i])
            used = gpu_utilisation[i]
            if used < 1.0:  # the unused share of the clock draws idle power
                p_gpu_w = gpu_idle_w[i] + max(used, 0.0) * (p_gpu_w - gpu_idle_w[i])
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
        gpu_seconds_available[i] += gpu_installed[i] * dt_s
        ceiling = min(1.0, gpu_power_cap_level[i], gpu_capped_level[i] if power_capped[i] != 0 else 1.0)  # watts, SOC
        rate = throughput_fraction(level, gpu_clock_sensitivity[i])   # work rate relative to full clock
        book_badput(i, dt_s, running, down, gpu_on[i] == 0, rate, count, gpu_installed[i], 1,
                    throughput_fraction(ceiling, gpu_clock_sensitivity[i]), gpu_badput_s)
        delivered_s = rate * count * dt_s if running else 0.0
        if running:
            gpu_seconds_delivered[i] += delivered_s
            if level < 1.0 - LEVEL_TOLERANCE:
                throttled_seconds[i] += dt_s
        else:
            off_seconds[i] += dt_s
        gpu_seconds_delivered_tick[i] = delivered_s
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
            n_power_events += 1
        elif capped != 0 and soc_end >= soc_release[i]:
            capped = 0
            power_code = POWER_EVENT_RELEASE
            power_event_t_s[i] = crossing_time_s(t_s, dt_s, soc[i], soc_end, soc_release[i])
            n_power_events += 1
        power_capped[i] = capped
        power_event_code[i] = power_code
        p_gpu_tick_w[i] = p_gpu_w
        p_solar_w[i] = solar_w
        p_load_w[i] = served_w
        battery_energy_wh[i] = energy_wh
        soc[i] = soc_end

    # pass 2: thermal nodes, fixed Newton steps, no branches: vectorises across satellites
    if network:
        thermal_range_network(lo, hi, dt_s, years_at_end, hw, _NET, t_payload_k, t_radiator_k, p_load_w,
                              q_env_w, q_end_w, c_payload_j_k, c_radiator_j_k, g_payload_radiator_w_k,
                              radiator_area_m2, radiator_emissivity, radiator_sides, t_payload_end_k,
                              t_radiator_end_k, scratch[_S_FIN])
    else:
        thermal_range(lo, hi, dt_s, t_payload_k, t_radiator_k, p_load_w, q_env_w, q_end_w,
                      c_payload_j_k, c_radiator_j_k, g_payload_radiator_w_k, radiator_area_m2,
                      radiator_emissivity, radiator_sides, t_payload_end_k, t_radiator_end_k)

    # pass 3: junction temperature and throttle policy (branchy, scalar)
    for i in range(np.uint64(lo), np.uint64(hi)):
        if t_radiator_end_k[i] > 0.0:  # converged (the sign carries the flag)
            tp_k = t_payload_end_k[i]
            tr_k = t_radiator_end_k[i]
        else:  # a violent transient: redo the step with the robust iteration
            tp_k, tr_k = thermal_step_robust(i, network, dt_s, years_at_end, hw, _NET, t_payload_k,
                                             t_radiator_k, p_load_w, q_env_w, q_end_w, c_payload_j_k,
                                             c_radiator_j_k, g_payload_radiator_w_k, radiator_area_m2,
                                             radiator_emissivity, radiator_sides)
        # the throttle sees tj_*: the junction, or in the network the larger of the junction and
        # the HBM mapped onto the junction's thresholds (T_hbm + t_max_operating − t_hbm_max)
        tj_start_k = t_junction_k[i]
        if network:
            tj_end_k, t_hbm_end_k = package_temperatures_k(
                tp_k, p_gpu_tick_w[i], r_jc_k_w[i], hw[_NET + N_R_CP][i], hw[_NET + N_HBM_FRAC][i],
                hw[_NET + N_R_HBM][i])
            offset_k = hw[_NET + N_HBM_OFFSET][i]
            tj_start_k = max(tj_start_k, t_hbm_k[i] + offset_k)
            tj_k = max(tj_end_k, t_hbm_end_k + offset_k)
            t_hbm_k[i] = t_hbm_end_k
        else:
            tj_end_k = junction_temperature_k(tp_k, p_gpu_tick_w[i], r_jc_k_w[i])
            tj_k = tj_end_k
        if tj_end_k > max_t_junction_k[i]:
            max_t_junction_k[i] = tj_end_k
        t_payload_k[i] = tp_k
        t_radiator_k[i] = tr_k
        t_junction_k[i] = tj_end_k
        q_env_w[i] = q_end_w[i]

        allowed_max = min(1.0, gpu_power_cap_level[i], gpu_capped_level[i] if power_capped[i] != 0 else 1.0)
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
            n_gpu_events += 1
            level_changed_t_s[i] = gpu_t_s
            throttle_level[i] = new_level
            gpu_on[i] = new_on
            gpu_event_t_s[i] = gpu_t_s
            event_old_level[i] = level
            event_new_level[i] = new_level
            event_t_junction_k[i] = tj_k
            if gpu_code == GPU_EVENT_SHUTDOWN:
                shutdowns[i] += 1
    return n_gpu_events, n_power_events


@njit(cache=True, error_model="numpy")
def _physics_range(lo, hi, t_s, dt_s, sun_x_m, sun_y_m, sun_z_m, sun_unit_x, sun_unit_y,
                   sun_unit_z, solar_flux_w_m2, environment_on, eclipse_model, eclipse_threshold,
                   crossing_direction, crossing_t_s, scratch, r_eci_m, v_eci_m_s, illumination, hw, *state):
    """Illumination at the tick end, eclipse crossings, then the payload tick, for lo..hi-1."""
    previous = scratch[_S_PREVIOUS]
    for i in range(np.uint64(lo), np.uint64(hi)):
        previous[i] = illumination[i]
    n_eclipse = eclipse_range(lo, hi, t_s, dt_s, r_eci_m, v_eci_m_s, sun_x_m, sun_y_m, sun_z_m,
                              eclipse_model, eclipse_threshold, previous, illumination,
                              crossing_direction, crossing_t_s)
    n_gpu, n_power = _payload_range(lo, hi, t_s, dt_s, sun_unit_x, sun_unit_y, sun_unit_z,
                                    solar_flux_w_m2, environment_on, r_eci_m, v_eci_m_s, illumination,
                                    hw, *state, scratch)
    return n_eclipse, n_gpu, n_power


@njit(cache=True, parallel=True, error_model="numpy")
def step_physics(chunk, t_s, dt_s, sun_x_m, sun_y_m, sun_z_m, sun_unit_x, sun_unit_y, sun_unit_z,
                 solar_flux_w_m2, environment_on, eclipse_model, eclipse_threshold,
                 crossing_direction, crossing_t_s, scratch, r_eci_m, v_eci_m_s, illumination, hw, *state):
    """One physics tick after propagation, in a single parallel launch.

    For every satellite: illumination at t_s + dt_s and eclipse crossings against the previous
    illumination (sim.orbits.shadow.eclipse_range: r_eci_m, v_eci_m_s already there, the Sun at
    sun_*_m, model code sim.orbits.sun.eclipse_model_code; crossing_direction −1 entry, +1
    exit, 0 none; crossing_t_s the time), then the payload tick (`_payload_range`).
    `chunk`: satellites per work item (sim.core.numerics.parallel_chunk).
    `hw` from FleetState.pack; `state`: the STATE_ARRAYS then the PayloadEvents arrays
    (EVENT_ARRAYS); scratch (SCRATCH_ROWS, N). Returns (eclipse crossings, GPU events,
    power events) so that the caller can skip event emission when there is none.
    """
    n = illumination.shape[0]
    n_eclipse = 0
    n_gpu = 0
    n_power = 0
    for c in prange((n + chunk - 1) // chunk):
        lo = c * chunk
        e, g, p = _physics_range(lo, min(lo + chunk, n), t_s, dt_s, sun_x_m, sun_y_m, sun_z_m,
                                 sun_unit_x, sun_unit_y, sun_unit_z, solar_flux_w_m2,
                                 environment_on, eclipse_model, eclipse_threshold,
                                 crossing_direction, crossing_t_s, scratch, r_eci_m,
                                 v_eci_m_s, illumination, hw, *state)
        n_eclipse += e
        n_gpu += g
        n_power += p
    return n_eclipse, n_gpu, n_power


@njit(cache=True, error_model="numpy")
def step_physics_serial(chunk, t_s, dt_s, sun_x_m, sun_y_m, sun_z_m, sun_unit_x, sun_unit_y,
                        sun_unit_z, solar_flux_w_m2, environment_on, eclipse_model,
                        eclipse_threshold, crossing_direction, crossing_t_s, scratch, r_eci_m,
                        v_eci_m_s, illumination, hw, *state):
    """`step_physics` on the calling thread (no parallel launch): for small fleets."""
    return _physics_range(0, illumination.shape[0], t_s, dt_s, sun_x_m, sun_y_m, sun_z_m,
                          sun_unit_x, sun_unit_y, sun_unit_z, solar_flux_w_m2, environment_on,
                          eclipse_model, eclipse_threshold, crossing_direction, crossing_t_s,
                          scratch, r_eci_m, v_eci_m_s, illumination, hw, *state)


@dataclass
class PayloadEvents:
    """Per-satellite event outputs of one payload tick (code 0: no event)."""

    gpu_event_code: np.ndarray      # (N,) int8, GPU_EVENTS
    power_event_code: np.ndarray    # (N,) int8, POWER_EVENTS
    gpu_event_t_s: np.ndarray       # (N,) s, time of the GPU event
    power_event_t_s: np.ndarray     # (N,) s, time of the power event
    event_old_level: np.ndarray     # (N,) clock fraction before the GPU event
    event_new_level: np.ndarray     # (N,) clock fraction after the GPU event
    event_t_junction_k: np.ndarray  # (N,) K, junction temperature at the tick end

    @classmethod
    def empty(cls, n: int) -> "PayloadEvents":
        return cls(*(np.zeros(n, np.int8 if f.name.endswith("_code") else np.float64) for f in fields(cls)))


EVENT_ARRAYS = tuple(f.name for f in fields(PayloadEvents))
