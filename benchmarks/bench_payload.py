"""The physics step (illumination, eclipse crossings, power, battery, thermal, throttle) vs the
same payload tick in plain NumPy.

N = 100 and 10,000 satellites on a 550 km ring, 37 % of them in eclipse, H100 payloads
whose radiators are sized so that a share of them throttles. The kernel is what the payload
subsystem calls every tick: `step_physics` (parallel, in chunks) or `step_physics_serial`, as
sim.core.numerics.parallel_chunk chooses, with the hardware packed by FleetState.pack. The
NumPy baseline runs the same payload equations (TR-BDF2 with a fixed four Newton iterations per
stage, the same throttle rules through masks) on the illumination the kernel computes, and is
checked against the kernel before it is timed; the kernel also recomputes the illumination and
the eclipse crossings each tick, the baseline does not. Prints satellite-steps/s of both and
the ratio.

    .venv/bin/python -m pytest benchmarks/bench_payload.py -s -o python_files='bench_*.py'
"""
from __future__ import annotations

import math

import numba
import numpy as np
import pytest

from sim.core.constants import (
    AU_M,
    EARTH_BOND_ALBEDO,
    EARTH_IR_W_M2,
    R_EARTH_EQUATORIAL_M,
    SECONDS_PER_HOUR,
    SECONDS_PER_JULIAN_YEAR,
    STEFAN_BOLTZMANN_W_M2_K4,
    ZERO_CELSIUS_K,
)
from sim.core.fleet import FleetState
from sim.core.numerics import parallel_chunk
from sim.orbits import sun
from sim.orbits.subsystem import Orbits
from sim.payload import tick
from sim.payload.config import Gpu
from sim.payload.initial import initialise_payload
from sim.payload.subsystem import ECLIPSE_THRESHOLD, Payload
from sim.payload.tick import PayloadEvents

DT_S = 10.0
SUN = (0.0, 1.0, 0.0)
SUN_M = tuple(AU_M * x for x in SUN)
FLUX_W_M2 = 1361.0
TICKS = {100: 2000, 10_000: 200}
RESULTS: dict[tuple[str, int], float] = {}


def make_fleet(n: int) -> FleetState:
    fleet = FleetState(n)
    fleet.allocate(Orbits.fields, "orbits")
    fleet.allocate(Payload.fields, "payload")
    c = ZERO_CELSIUS_K
    values = dict(
        array_area_m2=12.0, array_efficiency=0.3, array_degradation_per_year=0.01,
        array_age_years=1.0, array_sun_tracking=1, battery_capacity_wh=3000.0, soc_floor=0.2,
        soc_release=0.4, charge_efficiency=0.95, discharge_efficiency=0.95, bus_power_w=200.0,
        gpu_count=4, gpu_tdp_w=700.0, gpu_idle_w=75.0, gpu_power_cap_w=700.0, gpu_power_cap_level=1.0,
        **dict(zip(("gpu_static_w", "gpu_dynamic_w", "gpu_v_min_ratio", "gpu_knee_level"), Gpu().vf_parameters)),
        gpu_clock_sensitivity=1.0,
        gpu_min_level=345 / 1980, gpu_level_step=0.05, gpu_slowdown_level=0.5,
        gpu_capped_level=0.5, r_jc_k_w=0.02, t_max_operating_k=87 + c, t_slowdown_k=89 + c,
        t_shutdown_k=92 + c, t_restart_k=80 + c, throttle_hysteresis_k=3.0,
        throttle_hold_s=60.0, c_payload_j_k=30e3, c_radiator_j_k=9e3,
        g_payload_radiator_w_k=200.0, radiator_emissivity=0.9, radiator_absorptivity=0.15,
        radiator_sides=2, gpu_utilisation=1.0,
    )
    for name, value in values.items():
        getattr(fleet, name)[:] = value
    rng = np.random.default_rng(0)
    fleet.radiator_area_m2[:] = rng.uniform(1.0, 2.0, n)
    fleet.radiator_orientation[:] = rng.integers(0, 3, n)
    phase = np.linspace(0.0, 2.0 * np.pi, n, endpoint=False)
    r_m = R_EARTH_EQUATORIAL_M + 550e3
    fleet.r_eci_m[0] = r_m * np.cos(phase)
    fleet.r_eci_m[1] = r_m * np.sin(phase)
    sun.illumination(fleet.r_eci_m, np.array(SUN_M), sun.ILLUMINATION_CONICAL, fleet.illumination)
    initialise_payload(fleet, 1, sun_unit=SUN, initial_temperature_k=330.0)
    return fleet


class Kernel:
    """The payload subsystem's per-tick call on a fleet: hardware packed, live state, scratch."""

    def __init__(self, fleet: FleetState):
        n = fleet.n
        self.fleet, self.events = fleet, PayloadEvents.empty(n)
        self.chunk = parallel_chunk(n)
        self.step = tick.step_physics if self.chunk else tick.step_physics_serial
        self.hardware = fleet.pack(tick.HARDWARE_ROWS, by="bench_payload", remedy="build a new fleet")
        self.state = (tuple(getattr(fleet, name) for name in tick.STATE_ARRAYS)
                      + tuple(getattr(self.events, name) for name in tick.EVENT_ARRAYS))
        self.scratch = tick.new_scratch(n)
        self.direction, self.t_cross_s = np.zeros(n, np.int8), np.empty(n)

    def __call__(self, t_s: float) -> None:
        f = self.fleet
        self.step(self.chunk or f.n, t_s, DT_S, *SUN_M, *SUN, FLUX_W_M2, 1, sun.ILLUMINATION_CONICAL,
                  ECLIPSE_THRESHOLD, self.direction, self.t_cross_s, self.scratch, f.r_eci_m, f.v_eci_m_s,
                  f.illumination, self.hardware, *self.state)

    @property
    def name(self) -> str:
        return f"{self.step.__name__} ({numba.get_num_threads()} thread(s))" if self.chunk else self.step.__name__


# ---- the baseline: the same tick in NumPy ------------------------------------------------

def _vf_vertical(alt_m):
    h = (R_EARTH_EQUATORIAL_M + alt_m) / R_EARTH_EQUATORIAL_M
    x = np.sqrt(h * h - 1.0)
    return (np.arctan(1.0 / x) - x / (h * h)) / np.pi


def _stage(bp, br, a, p, q, cp, cr, g, em, guess):
    kp, kr = a / cp, a / cr
    den = 1.0 / (1.0 + kp * g)
    a0, a1 = (bp + kp * p) * den, kp * g * den
    lin = 1.0 + kr * g * (1.0 - a1)
    k4 = kr * em
    c0 = kr * g * a0 + kr * (q + em * 81.0) + br
    t = np.maximum(guess, 3.0)
    for _ in range(4):
        t3 = t * t * t
        t = t - (lin * t + k4 * t3 * t - c0) / (lin + 4.0 * k4 * t3)
    return a0 + a1 * t, t


def numpy_tick(t_s, dt_s, s, flux, f, ev):
    gamma = 2.0 - math.sqrt(2.0)
    t_end = t_s + dt_s
    r = f.r_eci_m
    rn = np.sqrt(r[0] ** 2 + r[1] ** 2 + r[2] ** 2)
    mu = (r[0] * s[0] + r[1] * s[1] + r[2] * s[2]) / rn
    alt = rn - R_EARTH_EQUATORIAL_M
    lit = f.illumination
    cos_inc = np.where(f.array_sun_tracking != 0, 1.0, np.maximum(mu, 0.0))
    deg = (1.0 - f.array_degradation_per_year) ** (f.array_age_years + t_end / SECONDS_PER_JULIAN_YEAR)
    solar = flux * f.array_area_m2 * f.array_efficiency * deg * cos_inc * lit
    level = f.throttle_level
    running = f.gpu_on != 0
    v = np.maximum(f.gpu_v_min_ratio, f.gpu_v_min_ratio + (1.0 - f.gpu_v_min_ratio) * (level - f.gpu_knee_level)
                   / (1.0 - f.gpu_knee_level))
    p_gpu = np.where(running, f.gpu_static_w + f.gpu_dynamic_w * v * v * level, 0.0)
    demand = f.bus_power_w + f.gpu_count * p_gpu
    e0 = f.battery_energy_wh
    brown = demand > solar + e0 * SECONDS_PER_HOUR * f.discharge_efficiency / dt_s
    running = running & ~brown
    p_gpu = np.where(brown, 0.0, p_gpu)
    demand = np.where(brown, f.bus_power_w, demand)
    surplus = solar - demand
    stored = np.minimum(surplus * f.charge_efficiency * dt_s / SECONDS_PER_HOUR, f.battery_capacity_wh - e0)
    drawn = -surplus * dt_s / (SECONDS_PER_HOUR * f.discharge_efficiency)
    empty = (surplus < 0) & (drawn > e0)
    energy = np.where(surplus >= 0, e0 + stored, np.where(empty, 0.0, e0 - drawn))
    served = np.where(empty, solar + e0 * SECONDS_PER_HOUR * f.discharge_efficiency / dt_s, demand)
    used = np.where(surplus >= 0, demand + stored * SECONDS_PER_HOUR / (f.charge_efficiency * dt_s), solar)
    soc_end = energy / f.battery_capacity_wh
    # environment
    f_nadir = (R_EARTH_EQUATORIAL_M / rn) ** 2
    f_vert = _vf_vertical(alt)
    a, e, area = f.radiator_absorptivity, f.radiator_emissivity, f.radiator_area_m2

    def face(cos_n, vf):
        return area * (a * flux * np.maximum(cos_n, 0.0) * lit
                       + a * flux * EARTH_BOND_ALBEDO * vf * np.maximum(mu, 0.0)
                       + e * EARTH_IR_W_M2 * vf)
    nadir, zenith, vert = face(-mu, f_nadir), face(mu, 0.0), face(0.0, f_vert)
    two = f.radiator_sides >= 2
    o = f.radiator_orientation
    q_end = np.select([o == 2, o == 0], [vert * f.radiator_sides, nadir + np.where(two, zenith, 0.0)],
                      zenith + np.where(two, nadir, 0.0))
    q0 = f.q_env_w
    # TR-BDF2
    tp, tr = f.t_payload_k, f.t_radiator_k
    cp, cr, g = f.c_payload_j_k, f.c_radiator_j_k, f.g_payload_radiator_w_k
    em = e * STEFAN_BOLTZMANN_W_M2_K4 * area * f.radiator_sides
    a1 = 0.5 * gamma * dt_s
    cond = g * (tp - tr)
    fp = (served - cond) / cp
    fr = (cond + q0 - em * (tr ** 4 - 81.0)) / cr
    tpg, trg = _stage(tp + a1 * fp, tr + a1 * fr, a1, served, q0 + gamma * (q_end - q0), cp, cr, g, em, tr)
    wg = 1.0 / (gamma * (2 - gamma))
    wn = (1 - gamma) ** 2 / (gamma * (2 - gamma))
    tp_new, tr_new = _stage(wg * tpg - wn * tp, wg * trg - wn * tr, (1 - gamma) / (2 - gamma) * dt_s,
                            served, q_end, cp, cr, g, em, tr + (trg - tr) / gamma)
    tj0 = f.t_junction_k
    tj = tp_new + p_gpu * f.r_jc_k_w
    # accumulators
    count = f.gpu_count
    f.gpu_seconds_available += count * dt_s
    f.gpu_seconds_delivered += np.where(running, level * count * dt_s, 0.0)
    f.throttled_seconds += np.where(running & (level < 1.0 - 1e-9), dt_s, 0.0)
    f.off_seconds += np.where(running, 0.0, dt_s)
    f.eclipse_seconds += (1.0 - lit) * dt_s
    f.energy_generated_j += used * dt_s
    f.energy_consumed_j += served * dt_s
    np.minimum(f.min_soc, soc_end, out=f.min_soc)
    np.maximum(f.max_t_junction_k, tj, out=f.max_t_junction_k)

    def cross(v0, v1, th):
        span = v1 - v0
        with np.errstate(divide="ignore", invalid="ignore"):
            frac = (th - v0) / span
        ok = (span != 0) & (frac >= 0) & (frac <= 1)
        return np.where(ok, t_s + frac * dt_s, t_end)
    # power cap
    capped = f.power_capped != 0
    cap = ~capped & (soc_end <= f.soc_floor)
    release = capped & (soc_end >= f.soc_release)
    capped_new = (capped | cap) & ~release
    power_code = np.where(cap, 1, np.where(release, 2, 0)).astype(np.int8)
    power_t = np.where(cap, cross(f.soc, soc_end, f.soc_floor), cross(f.soc, soc_end, f.soc_release))
    allowed = np.where(capped_new, np.minimum(1.0, f.gpu_capped_level), 1.0)
    # throttle
    on = f.gpu_on != 0
    hold_ok = t_end - f.level_changed_t_s >= f.throttle_hold_s
    expiry = f.level_changed_t_s + f.throttle_hold_s
    restart = ~on & (tj < f.t_restart_k)
    shut = on & (tj >= f.t_shutdown_k)
    slow = on & ~shut & (tj >= f.t_slowdown_k) & (level > f.gpu_slowdown_level + 1e-9)
    rest = on & ~shut & ~slow
    capcut = rest & (level > allowed + 1e-9)
    rest &= ~capcut
    down = rest & hold_ok & (tj > f.t_max_operating_k) & (level > f.gpu_min_level + 1e-9)
    t_low = f.t_max_operating_k - f.throttle_hysteresis_k
    up = rest & hold_ok & ~down & (tj < t_low) & (level < allowed - 1e-9)
    up_level = level + f.gpu_level_step
    up_level = np.where(up_level > allowed - 1e-9, allowed, up_level)
    code = np.select([restart, shut, slow, capcut, down, up], [5, 4, 3, 1, 1, 2], 0).astype(np.int8)
    new_level = np.select(
        [restart, shut, slow, capcut, down, up],
        [np.minimum(f.gpu_min_level, allowed), 0.0, np.minimum(f.gpu_slowdown_level, allowed), allowed,
         np.maximum(f.gpu_min_level, level - f.gpu_level_step), up_level], level)
    new_on = np.where(shut, 0, np.where(restart, 1, f.gpu_on)).astype(np.int8)
    t_evt = np.select(
        [restart, shut, slow, capcut, down, up],
        [cross(tj0, tj, f.t_restart_k), cross(tj0, tj, f.t_shutdown_k), cross(tj0, tj, f.t_slowdown_k),
         power_t, np.maximum(cross(tj0, tj, f.t_max_operating_k), expiry),
         np.maximum(cross(tj0, tj, t_low), expiry)], t_end)
    changed = code != 0
    f.level_changed_t_s[changed] = t_evt[changed]
    f.shutdowns += shut
    f.p_solar_w[:] = solar
    f.p_load_w[:] = served
    f.battery_energy_wh[:] = energy
    f.soc[:] = soc_end
    f.t_payload_k[:] = tp_new
    f.t_radiator_k[:] = tr_new
    f.t_junction_k[:] = tj
    f.q_env_w[:] = q_end
    f.throttle_level[:] = np.where(on, new_level, np.where(restart, new_level, 0.0))
    f.gpu_on[:] = new_on
    f.power_capped[:] = capped_new
    ev.gpu_event_code[:] = code
    ev.power_event_code[:] = power_code
    ev.gpu_event_t_s[changed] = t_evt[changed]
    ev.event_old_level[changed] = level[changed]
    ev.event_new_level[changed] = new_level[changed]
    ev.event_t_junction_k[changed] = tj[changed]
    ev.power_event_t_s[power_code != 0] = power_t[power_code != 0]


# ---- benchmarks ------------------------------------------------------------------------------

def _report(n):
    if ("kernel", n) in RESULTS and ("numpy", n) in RESULTS:
        (kernel, name), base = RESULTS[("kernel", n)], RESULTS[("numpy", n)]
        print(f"\nN = {n:6d}: {name} {kernel / 1e6:8.2f} M satellite-steps/s, "
              f"NumPy {base / 1e6:6.2f} M/s, ratio {kernel / base:.1f}x")


def test_numpy_baseline_agrees_with_kernel():
    """Same state after 300 ticks (so that the timed baseline computes the same thing)."""
    a, b = make_fleet(1000), make_fleet(1000)
    kernel, ev_b = Kernel(a), PayloadEvents.empty(1000)
    for k in range(300):
        kernel(k * DT_S)
        numpy_tick(k * DT_S, DT_S, SUN, FLUX_W_M2, b, ev_b)
    np.testing.assert_array_equal(a.illumination, b.illumination)  # static ring: same input
    for name in ("t_payload_k", "t_radiator_k", "t_junction_k", "soc", "throttle_level",
                 "gpu_seconds_delivered", "energy_generated_j"):
        np.testing.assert_allclose(getattr(a, name), getattr(b, name), rtol=1e-6, atol=1e-6)
    assert np.any(a.throttle_level < 1.0)


@pytest.mark.parametrize("n", sorted(TICKS))
def test_numpy_tick(benchmark, n):
    fleet, events = make_fleet(n), PayloadEvents.empty(n)
    ticks = max(TICKS[n] // 10, 20)

    def run():
        for k in range(ticks):
            numpy_tick(k * DT_S, DT_S, SUN, FLUX_W_M2, fleet, events)

    benchmark.pedantic(run, rounds=3, iterations=1, warmup_rounds=1)
    RESULTS[("numpy", n)] = n * ticks / min(benchmark.stats.stats.data)


@pytest.mark.parametrize("n", sorted(TICKS))
def test_step_physics(benchmark, n):
    kernel = Kernel(make_fleet(n))
    kernel(0.0)  # compile / load from cache
    ticks = TICKS[n]

    def run():
        for k in range(ticks):
            kernel(k * DT_S)

    benchmark.pedantic(run, rounds=7, iterations=1, warmup_rounds=1)
    RESULTS[("kernel", n)] = (n * ticks / min(benchmark.stats.stats.data), kernel.name)
    _report(n)
