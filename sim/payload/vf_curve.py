"""The GPU's voltage–frequency curve in plain Python (no numba), shared by the configuration's
checks and the power kernel (sim.payload.power compiles `voltage_ratio` with numba).

Levels are clock fractions f/f_max; voltages are fractions of the voltage at f_max.
"""
from __future__ import annotations


def voltage_ratio(level, v_min_ratio, knee_level):
    """V(f)/V(f_max): V_min below the knee, then linear up to 1 at the maximum clock,
    max(V_min, V_min + k·(f − f_knee)) with k = (1 − V_min)/(1 − f_knee)."""
    if level <= knee_level or knee_level >= 1.0:
        return v_min_ratio
    return v_min_ratio + (1.0 - v_min_ratio) * (level - knee_level) / (1.0 - knee_level)


def vf_parameters(tdp_w, idle_w, min_level, v_min_ratio, knee_level):
    """(static_w, dynamic_w, v_min_ratio, knee_level) of P = static_w + dynamic_w·v²·level from
    P(min_level) = idle_w and P(1) = tdp_w: with a = v(min_level)²·min_level,
    static_w = (idle_w − a·tdp_w)/(1 − a) and dynamic_w = tdp_w − static_w."""
    v = voltage_ratio(min_level, v_min_ratio, knee_level)
    a = v * v * min_level
    static_w = (idle_w - a * tdp_w) / (1.0 - a)
    return static_w, tdp_w - static_w, v_min_ratio, knee_level
