"""GPU DVFS thermal throttling: the policy rule by rule, and closed-loop behaviour.

References: NVIDIA H100 thresholds 87 °C max operating, 89 °C HW slowdown, 92 °C shutdown
(MODELS.md §3, nvidia-smi dump); the closed-form steady state of the two-node model with
the environment off, T_r = (P/(σ ε A n))^¼, T_p = T_r + P/G, T_j = T_p + P_gpu R_jc, with
P_gpu = P_static + C_eff V(f)² f (V(f) = max(V_min, V_min + k (f − f_knee))), written out here
independently of the kernel with the h100-sxm preset's parameters.
"""
import numpy as np
import pytest

from sim.core.constants import STEFAN_BOLTZMANN_W_M2_K4, ZERO_CELSIUS_K
from sim.core.numerics import crossing_time_s
from sim.payload.config import Gpu
from sim.payload.gpu import GPU_EVENTS, throttle_decision
from sim.payload.initial import initialise_payload
from sim.payload.tick import PayloadEvents
from tests.helpers import make_payload_fleet, step_payload_fleet

C = ZERO_CELSIUS_K
T_MAX, T_SLOW, T_SHUT, T_RESTART = 87 + C, 89 + C, 92 + C, 70 + C
HOLD_S, HYST_K, STEP, MIN_LEVEL = 60.0, 3.0, 0.05, 345 / 1980


def payload_fleet(n=1, **overrides):
    """n identical satellites with H100 thresholds and a large battery."""
    return make_payload_fleet(n, {
        **dict(battery_capacity_wh=1e5, soc_floor=0.2, soc_release=0.4, charge_efficiency=0.95,
               discharge_efficiency=0.95, gpu_min_level=MIN_LEVEL, gpu_level_step=STEP,
               t_max_operating_k=T_MAX, t_slowdown_k=T_SLOW, t_shutdown_k=T_SHUT,
               t_restart_k=T_RESTART, throttle_hysteresis_k=HYST_K, throttle_hold_s=HOLD_S),
        **overrides})


def decide(level=1.0, on=1, tj0=80 + C, tj=80 + C, changed_t_s=-1e9, allowed=1.0, t_s=1000.0,
           dt_s=10.0):
    return throttle_decision(t_s, dt_s, level, on, tj0, tj, changed_t_s, allowed, t_s + dt_s,
                             MIN_LEVEL, STEP, 0.5, T_MAX, T_SLOW, T_SHUT, T_RESTART, HYST_K, HOLD_S)


# ---- the policy, rule by rule --------------------------------------------------------

def test_crossing_time_is_linear_in_the_value():
    assert crossing_time_s(100.0, 10.0, 360.0, 370.0, 362.5) == pytest.approx(102.5)
    assert crossing_time_s(100.0, 10.0, 370.0, 375.0, 362.5) == pytest.approx(110.0)  # no crossing
    assert crossing_time_s(100.0, 10.0, 365.0, 365.0, 365.0) == pytest.approx(110.0)


def test_shutdown_at_92c_with_interpolated_time():
    code, level, on, t = decide(tj0=90 + C, tj=94 + C)
    assert (GPU_EVENTS[code], level, on) == ("shutdown", 0.0, 0)
    assert t == pytest.approx(1005.0)


def test_restart_below_t_restart():
    assert decide(level=0.0, on=0, tj0=75 + C, tj=71 + C)[:3] == (0, 0.0, 0)
    code, level, on, t = decide(level=0.0, on=0, tj0=72 + C, tj=68 + C)
    assert (GPU_EVENTS[code], level, on) == ("restart", MIN_LEVEL, 1)
    assert t == pytest.approx(1005.0)


def test_hw_slowdown_ignores_the_hold():
    code, level, _, t = decide(level=0.9, tj0=88 + C, tj=90 + C, changed_t_s=995.0)
    assert (GPU_EVENTS[code], level) == ("hw_slowdown", 0.5)
    assert t == pytest.approx(1005.0)
    # already at or below the slowdown clock: the software step applies (hold permitting)
    assert decide(level=0.5, tj=90 + C, changed_t_s=995.0)[0] == 0
    code, level, _, _ = decide(level=0.5, tj=90 + C)
    assert (GPU_EVENTS[code], level) == ("throttle_down", pytest.approx(0.45))


def test_step_down_waits_for_the_hold():
    assert decide(tj=88 + C, changed_t_s=1000.0 - HOLD_S + 20.0)[0] == 0  # 10 s short
    code, level, _, t = decide(tj0=86 + C, tj=88 + C, changed_t_s=1000.0 - HOLD_S + 8.0)
    assert (GPU_EVENTS[code], level) == ("throttle_down", pytest.approx(0.95))
    assert t == pytest.approx(1008.0)  # crossing at 1005, hold expires at 1008
    assert decide(level=MIN_LEVEL, tj=88 + C)[0] == 0  # nothing below the minimum clock


def test_step_up_only_below_the_hysteresis_band():
    assert decide(level=0.8, tj=85 + C)[0] == 0  # inside [87 − 3, 87]
    code, level, _, _ = decide(level=0.8, tj=83 + C)
    assert (GPU_EVENTS[code], level) == ("throttle_up", pytest.approx(0.85))
    assert decide(level=0.97, tj=70 + C)[1] == 1.0  # clamped at the maximum
    assert decide(level=1.0, tj=70 + C)[0] == 0
    assert decide(level=0.5, tj=70 + C, allowed=0.5)[0] == 0  # capped


def test_power_cap_cuts_at_once():
    code, level, _, t = decide(level=1.0, tj=70 + C, changed_t_s=1005.0, allowed=0.5)
    assert (GPU_EVENTS[code], level, t) == ("throttle_down", 0.5, 1010.0)


# ---- closed loop in the kernel --------------------------------------------------------

STATIC_W, DYNAMIC_W, V_MIN, KNEE = Gpu().vf_parameters


def p_gpu_w(level):
    v = np.maximum(V_MIN, V_MIN + (1.0 - V_MIN) * (level - KNEE) / (1.0 - KNEE))
    return STATIC_W + DYNAMIC_W * v ** 2 * level


def junction_steady_state_k(level, area_m2, sides=2, bus_w=200.0, count=4, g_w_k=200.0):
    p_gpu = p_gpu_w(level)
    p_w = bus_w + count * p_gpu
    t_r = (p_w / (0.9 * STEFAN_BOLTZMANN_W_M2_K4 * area_m2 * sides) + 3.0 ** 4) ** 0.25
    return t_r + p_w / g_w_k + p_gpu * 0.02


def area_for_junction_k(level, t_j_k, sides=2, bus_w=200.0, count=4, g_w_k=200.0):
    p_gpu = p_gpu_w(level)
    p_w = bus_w + count * p_gpu
    t_r = t_j_k - p_w / g_w_k - p_gpu * 0.02
    return p_w / (0.9 * STEFAN_BOLTZMANN_W_M2_K4 * sides * (t_r ** 4 - 3.0 ** 4))


def simulate(fleet, ticks, dt_s=10.0):
    events = PayloadEvents.empty(fleet.n)
    tj = np.empty(ticks)
    level = np.empty(ticks)
    log = []
    for k in range(ticks):
        step_payload_fleet(fleet, k * dt_s, dt_s, (1.0, 0.0, 0.0), 1361.0, 0, events)
        tj[k] = fleet.t_junction_k[0]
        level[k] = fleet.throttle_level[0]
        if events.gpu_event_code[0]:
            log.append((int(events.gpu_event_code[0]), events.gpu_event_t_s[0],
                        events.event_old_level[0], events.event_new_level[0],
                        events.event_t_junction_k[0], k))
    return tj, level, log


def test_undersized_radiator_settles_on_the_right_level():
    """The radiator is sized so that the 0.80 clock sits 1.5 K below 87 °C at steady
    state (closed form) and 0.85 sits above: the policy settles on 0.80, the junction
    never reaches 92 °C, and hold-governed changes are at least the hold time apart."""
    area = area_for_junction_k(0.80, T_MAX - 1.5)
    assert junction_steady_state_k(0.85, area) > T_MAX  # precondition of the set-up
    assert junction_steady_state_k(1.00, area) > T_SHUT  # it would shut down unthrottled
    fleet = payload_fleet(radiator_area_m2=area)
    initialise_payload(fleet, 0, initial_temperature_k=293.0)
    tj, level, log = simulate(fleet, 6 * 360)  # 6 h at 10 s
    assert level[-1] == pytest.approx(0.80)
    assert np.all(level[-720:] == level[-1])  # steady for the last 2 h
    assert tj[-1] == pytest.approx(junction_steady_state_k(0.80, area), abs=0.05)
    assert tj.max() < T_SHUT
    assert fleet.shutdowns[0] == 0
    held = [entry[1] for entry in log if GPU_EVENTS[entry[0]] in ("throttle_down", "throttle_up")]
    times = np.array([entry[1] for entry in log])
    assert np.all(np.diff(times) >= 0)
    for previous, current in zip(times[:-1], times[1:]):
        if current in held:
            assert current - previous >= HOLD_S - 1e-9
    assert len(held) >= 4  # it did have to throttle
    assert fleet.throttled_seconds[0] > 0
    assert fleet.gpu_seconds_delivered[0] < fleet.gpu_seconds_available[0]


def test_tiny_radiator_shuts_down_and_restarts():
    """At the minimum clock the steady junction lies above 92 °C: shutdown, cool to 80 °C,
    restart at the minimum clock, repeat. Event times interpolate T_j inside the tick."""
    area = 0.15
    t_restart = 80 + C
    assert junction_steady_state_k(MIN_LEVEL, area) > T_SHUT
    assert junction_steady_state_k(0.0, area, count=0) < t_restart  # off, it cools enough
    fleet = payload_fleet(radiator_area_m2=area, t_restart_k=t_restart, c_payload_j_k=10e3,
                          c_radiator_j_k=2e3)
    initialise_payload(fleet, 0, initial_temperature_k=293.0)
    dt_s = 10.0
    tj, level, log = simulate(fleet, 8 * 360, dt_s)
    names = [GPU_EVENTS[entry[0]] for entry in log]
    assert names.count("shutdown") >= 2 and names.count("restart") >= 1
    assert fleet.shutdowns[0] == names.count("shutdown")
    assert fleet.off_seconds[0] > 0
    for code, t_evt, old, new, tj_evt, k in log:
        name = GPU_EVENTS[code]
        if name == "shutdown":
            assert old > 0.0 and new == 0.0 and tj_evt >= T_SHUT
            assert tj[k - 1] < T_SHUT  # crossed inside this tick
            expected = k * dt_s + (T_SHUT - tj[k - 1]) / (tj[k] - tj[k - 1]) * dt_s
            assert t_evt == pytest.approx(expected)
        if name == "restart":
            assert old == 0.0 and new == pytest.approx(MIN_LEVEL) and tj_evt < t_restart
    # the junction never runs far past the shutdown threshold (one tick of heating)
    assert tj.max() < T_SHUT + 2.0
