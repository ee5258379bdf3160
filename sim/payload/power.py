"""Solar array, battery and GPU electrical power: scalar numba helpers.

All functions are small `@njit(inline="always")` scalars so that the fused payload
kernel (`sim.payload.tick.step_physics`) runs them inside its loop over satellites
and tests can call them alone. Units: W, Wh, s; efficiencies and levels are fractions.
"""
from __future__ import annotations

import math

from numba import njit

from sim.core.constants import SECONDS_PER_HOUR, SECONDS_PER_JULIAN_YEAR
from sim.payload.vf_curve import voltage_ratio

WH_J = SECONDS_PER_HOUR  # joules per watt-hour

# battery power-cap event kinds; the position in this table is the kernel's code (0: none)
POWER_EVENTS = ("none", "power_cap", "power_release")
POWER_EVENT_NONE, POWER_EVENT_CAP, POWER_EVENT_RELEASE = range(len(POWER_EVENTS))


@njit(cache=True, inline="always", error_model="numpy")
def array_cos_incidence(sun_tracking, cos_sun_zenith):
    """Cosine of the Sun's incidence on the array.

    A sun-tracking array (`sun_tracking` = 1) faces the Sun: 1. A body-fixed array
    facing zenith sees max(0, r̂·ŝ), `cos_sun_zenith` being r̂·ŝ.
    """
    if sun_tracking != 0:
        return 1.0
    return max(0.0, cos_sun_zenith)


@njit(cache=True, inline="always", error_model="numpy")
def array_degradation_factor(degradation_per_year, age_years):
    """(1 − d)^years: fraction of beginning-of-life power left after `age_years`."""
    if degradation_per_year == 0.0 or age_years <= 0.0:
        return 1.0
    return (1.0 - degradation_per_year) ** age_years


# the retention (1 − d)^years is re-evaluated exactly this often and extrapolated linearly
# in between: relative error (ln(1 − d) Δt/yr)²/2 < 1e-11 for d ≤ 5 %/yr and Δt ≤ 1 h
ARRAY_RETENTION_REFRESH_S = SECONDS_PER_HOUR


@njit(cache=True, inline="always", error_model="numpy")
def array_retention_refresh(degradation_per_year, age_years):
    """(F, dF/dt ÷ F): retention (1 − d)^years and its logarithmic rate ln(1 − d)/yr in 1/s."""
    factor = array_degradation_factor(degradation_per_year, age_years)
    if factor == 1.0 or factor <= 0.0:
        return factor, 0.0
    return factor, math.log(1.0 - degradation_per_year) / SECONDS_PER_JULIAN_YEAR


@njit(cache=True, inline="always", error_model="numpy")
def solar_array_power_w(solar_flux_w_m2, area_m2, efficiency, degradation_factor,
                        cos_incidence, illumination):
    """P = S·A·η·(1−d)^years·cos(incidence)·illumination, in W."""
    return solar_flux_w_m2 * area_m2 * efficiency * degradation_factor * cos_incidence * illumination


# V(f)/V(f_max) on the voltage–frequency curve (sim.payload.vf_curve.voltage_ratio, compiled)
gpu_voltage_ratio = njit(cache=True, inline="always", error_model="numpy")(voltage_ratio)


@njit(cache=True, inline="always", error_model="numpy")
def gpu_power_w(level, static_w, dynamic_w, v_min_ratio, knee_level):
    """Board power of one GPU running at full utilisation at clock fraction `level`, in W.

    P = P_static + C_eff·V(f)²·f, written in fractions of the maximum clock and voltage:
    P = static_w + dynamic_w·(V/V_max)²·level, dynamic_w = C_eff·V_max²·f_max = TDP − P_static
    (sim.payload.vf_curve.vf_parameters). Below the knee the voltage sits at its floor and
    the power grows linearly with the clock; above it roughly with the clock cubed.
    """
    v = gpu_voltage_ratio(level, v_min_ratio, knee_level)
    return static_w + dynamic_w * v * v * level


@njit(cache=True, error_model="numpy")
def gpu_level_for_power(cap_w, static_w, dynamic_w, v_min_ratio, knee_level, min_level):
    """Highest clock fraction in [min_level, 1] whose full-utilisation board power meets `cap_w`.

    P(level) rises monotonically: below the knee it is linear (closed form); above it it is
    convex, so Newton's method started at level 1 (to the right of the root) converges from
    the right without overshoot. A cap below P(min_level) gives min_level (the lowest clock).
    """
    if gpu_power_w(1.0, static_w, dynamic_w, v_min_ratio, knee_level) <= cap_w:
        return 1.0
    if gpu_power_w(min_level, static_w, dynamic_w, v_min_ratio, knee_level) >= cap_w:
        return min_level
    p_knee = gpu_power_w(knee_level, static_w, dynamic_w, v_min_ratio, knee_level)
    if cap_w <= p_knee:
        return max(min_level, (cap_w - static_w) / (dynamic_w * v_min_ratio * v_min_ratio))
    slope = (1.0 - v_min_ratio) / (1.0 - knee_level)
    x = 1.0
    for _ in range(50):
        v = v_min_ratio + slope * (x - knee_level)
        f = static_w + dynamic_w * v * v * x - cap_w
        df = dynamic_w * (v * v + 2.0 * v * slope * x)
        step = f / df
        x -= step
        if abs(step) < 1e-13:
            break
    return min(1.0, max(min_level, x))


@njit(cache=True, inline="always", error_model="numpy")
def battery_available_w(energy_wh, discharge_efficiency, dt_s):
    """Largest mean power the battery can deliver to the bus over `dt_s`, in W."""
    return energy_wh * WH_J * discharge_efficiency / dt_s


@njit(cache=True, inline="always", error_model="numpy")
def battery_step(energy_wh, capacity_wh, p_solar_w, p_load_w, charge_efficiency,
                 discharge_efficiency, dt_s):
    """Advance the battery one tick at constant solar power and load.

    Surplus P_solar − P_load charges the battery at η_c until full (the rest is shunted);
    a deficit discharges it, drawing deficit/η_d; a deficit larger than the battery can
    give empties it and the remainder of the load is not served.

    Returns (energy_wh, p_served_w, p_solar_used_w): stored energy at the tick end, the
    mean load actually served, and the mean solar power used by the load or stored
    (solar power minus shunted power).
    """
    surplus_w = p_solar_w - p_load_w
    if surplus_w >= 0.0:
        room_wh = capacity_wh - energy_wh
        stored_wh = surplus_w * charge_efficiency * dt_s / WH_J
        if stored_wh > room_wh:
            stored_wh = max(room_wh, 0.0)
        used_w = p_load_w + stored_wh * WH_J / (charge_efficiency * dt_s)
        return min(energy_wh + stored_wh, capacity_wh), p_load_w, used_w
    drawn_wh = -surplus_w * dt_s / (WH_J * discharge_efficiency)
    if drawn_wh <= energy_wh:
        return max(energy_wh - drawn_wh, 0.0), p_load_w, p_solar_w
    # battery empties: the load gets the solar power plus what was left in it
    served_w = p_solar_w + energy_wh * WH_J * discharge_efficiency / dt_s
    return 0.0, served_w, p_solar_w
