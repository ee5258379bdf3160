"""GPU junction temperature and the DVFS thermal-throttle policy: scalar numba helpers.

Levels are clock fractions of f_max; all GPUs of a satellite share one level. The policy
follows the NVIDIA H100 thresholds (87 °C max operating, 89 °C hardware slowdown, 92 °C
shutdown) and is evaluated once per tick on the junction temperature at the tick end.
"""
from __future__ import annotations

from numba import njit

from sim.core.numerics import crossing_time_s

# GPU event kinds; the position in this table is the kernel's code (0: no event)
GPU_EVENTS = ("none", "throttle_down", "throttle_up", "hw_slowdown", "shutdown", "restart")
(GPU_EVENT_NONE, GPU_EVENT_THROTTLE_DOWN, GPU_EVENT_THROTTLE_UP, GPU_EVENT_HW_SLOWDOWN,
 GPU_EVENT_SHUTDOWN, GPU_EVENT_RESTART) = range(len(GPU_EVENTS))

LEVEL_TOLERANCE = 1e-9


@njit(cache=True, inline="always", error_model="numpy")
def throughput_fraction(level, s):
    """Rate of work at clock fraction `level` relative to the maximum clock, for work whose
    clock-sensitive share is `s`: a step takes t(f) = t_max·(s·f_max/f + 1 − s), so the rate
    is 1 / (s/level + 1 − s). s = 1: ∝ level (pure compute); s = 0: clock-independent
    (memory- or I/O-bound). 0 at level 0 (GPUs off)."""
    if level <= 0.0:
        return 0.0
    return level / (s + (1.0 - s) * level)


@njit(cache=True, inline="always", error_model="numpy")
def junction_temperature_k(t_payload_k, p_gpu_w, r_jc_k_w):
    """T_j = T_payload + P_gpu R_jc (one GPU's power across its junction-to-plate resistance)."""
    return t_payload_k + p_gpu_w * r_jc_k_w


@njit(cache=True, inline="always", error_model="numpy")
def throttle_decision(t_s, dt_s, level, gpu_on, t_junction_start_k, t_junction_k,
                      level_changed_t_s, allowed_max_level, cap_t_s,
                      min_level, level_step, slowdown_level,
                      t_max_operating_k, t_slowdown_k, t_shutdown_k, t_restart_k,
                      hysteresis_k, hold_s):
    """Next clock level after the tick [t_s, t_s + dt_s].

    `t_junction_start_k`/`t_junction_k`: T_j at the start/end of the tick (running at
    `level`, or T_payload while off); `allowed_max_level`: 1, or the capped level while the
    battery floor caps the GPUs (the cap took effect at `cap_t_s`).

    Rules, first match wins, at most one change per tick:
      off and T_j < t_restart        → restart at min(min_level, allowed max)   (5)
      T_j ≥ t_shutdown               → off, level 0                             (4)
      T_j ≥ t_slowdown, level above the slowdown level → cut to it, no hold     (3)
      level above the allowed maximum (power cap)      → cut to it, no hold     (1)
      T_j > t_max_operating, hold passed, level > min  → one step down          (1)
      T_j < t_max_operating − hysteresis, hold passed,
          level < allowed maximum                      → one step up            (2)
    The event time is where T_j crossed the rule's threshold inside the tick (linear in
    T_j), else the tick end; rules governed by the hold never precede the hold's expiry.

    Returns (event_code, new_level, new_gpu_on, event_t_s).
    """
    t_end_s = t_s + dt_s
    hold_passed = t_end_s - level_changed_t_s >= hold_s
    hold_expiry_s = level_changed_t_s + hold_s
    if gpu_on == 0:
        if t_junction_k < t_restart_k:
            new_level = min(min_level, allowed_max_level)
            t_evt = crossing_time_s(t_s, dt_s, t_junction_start_k, t_junction_k, t_restart_k)
            return GPU_EVENT_RESTART, new_level, 1, t_evt
        return GPU_EVENT_NONE, 0.0, 0, t_end_s
    if t_junction_k >= t_shutdown_k:
        t_evt = crossing_time_s(t_s, dt_s, t_junction_start_k, t_junction_k, t_shutdown_k)
        return GPU_EVENT_SHUTDOWN, 0.0, 0, t_evt
    if t_junction_k >= t_slowdown_k and level > slowdown_level + LEVEL_TOLERANCE:
        new_level = min(slowdown_level, allowed_max_level)
        t_evt = crossing_time_s(t_s, dt_s, t_junction_start_k, t_junction_k, t_slowdown_k)
        return GPU_EVENT_HW_SLOWDOWN, new_level, 1, t_evt
    if level > allowed_max_level + LEVEL_TOLERANCE:
        return GPU_EVENT_THROTTLE_DOWN, allowed_max_level, 1, cap_t_s
    if hold_passed:
        if t_junction_k > t_max_operating_k and level > min_level + LEVEL_TOLERANCE:
            new_level = max(min_level, level - level_step)
            t_evt = crossing_time_s(t_s, dt_s, t_junction_start_k, t_junction_k, t_max_operating_k)
            return GPU_EVENT_THROTTLE_DOWN, new_level, 1, max(t_evt, hold_expiry_s)
        t_low_k = t_max_operating_k - hysteresis_k
        if t_junction_k < t_low_k and level < allowed_max_level - LEVEL_TOLERANCE:
            new_level = level + level_step
            if new_level > allowed_max_level - LEVEL_TOLERANCE:
                new_level = allowed_max_level
            t_evt = crossing_time_s(t_s, dt_s, t_junction_start_k, t_junction_k, t_low_k)
            return GPU_EVENT_THROTTLE_UP, new_level, 1, max(t_evt, hold_expiry_s)
    return GPU_EVENT_NONE, level, 1, t_end_s
