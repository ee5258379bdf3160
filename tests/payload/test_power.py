"""Solar array, battery and GPU power: closed forms and the battery's energy books.

References: P = S·A·η·(1−d)^years·cos·illumination and P_gpu = P_idle + (TDP − P_idle)·f^k
(docs/models.md, MODELS.md §3 and §5); the battery identity
ΔE = η_c·(surplus) or −(deficit)/η_d, written out independently of the kernel.
"""
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.core.constants import SECONDS_PER_HOUR, SECONDS_PER_JULIAN_YEAR
from sim.payload.config import Gpu
from sim.payload.initial import initialise_payload
from sim.payload.power import POWER_EVENTS, battery_step, gpu_level_for_power, gpu_power_w, solar_array_power_w
from sim.payload.tick import PayloadEvents
from tests.helpers import R_ORBIT_M, make_payload_fleet, step_payload_fleet

YEAR_S = SECONDS_PER_JULIAN_YEAR


def payload_fleet(n=1, **overrides):
    """n identical satellites: H100-like payload, throttling disabled, a 2 kWh battery."""
    return make_payload_fleet(n, {
        **dict(array_area_m2=8.0, battery_capacity_wh=2000.0, soc_floor=0.2, soc_release=0.5,
               charge_efficiency=0.95, discharge_efficiency=0.9), **overrides})


def step(fleet, events, t_s, dt_s, sun_unit=(1.0, 0.0, 0.0), flux=1361.0):
    step_payload_fleet(fleet, t_s, dt_s, sun_unit, flux, 0, events)


def test_gpu_power_closed_form():
    """P = P_static + C_eff·V(f)²·f with V = max(V_min, V_min + k (f − f_knee)), written out:
    linear in f below the knee, the voltage rising linearly to V_max at f_max above it."""
    static_w, dynamic_w, v_min, knee = 25.0, 675.0, 0.65, 0.5
    assert gpu_power_w(1.0, static_w, dynamic_w, v_min, knee) == pytest.approx(700.0)
    assert gpu_power_w(0.0, static_w, dynamic_w, v_min, knee) == pytest.approx(25.0)
    assert gpu_power_w(0.4, static_w, dynamic_w, v_min, knee) == pytest.approx(25.0 + 675.0 * 0.65 ** 2 * 0.4)
    v = 0.65 + 0.35 * (0.7 - 0.5) / 0.5
    assert gpu_power_w(0.7, static_w, dynamic_w, v_min, knee) == pytest.approx(25.0 + 675.0 * v ** 2 * 0.7)


def test_gpu_power_preset_anchors():
    """The presets' parameters give TDP at the maximum clock and idle_w at the idle clock."""
    for name in ("h100-sxm", "h100-pcie"):
        g = Gpu(preset=name)
        assert gpu_power_w(1.0, *g.vf_parameters) == pytest.approx(g.tdp_w, rel=1e-12)
        assert gpu_power_w(g.min_level, *g.vf_parameters) == pytest.approx(g.idle_w, rel=1e-12)


def test_power_cap_level_against_brentq():
    """The clock that meets a watt cap, against scipy's brentq root of P(level) = cap."""
    from scipy.optimize import brentq
    g = Gpu()
    vf = g.vf_parameters
    for cap_w in (90.0, 150.0, 200.0, 300.0, 450.0, 600.0, 699.0):
        ref = brentq(lambda x: gpu_power_w(x, *vf) - cap_w, g.min_level, 1.0, xtol=1e-14)
        assert gpu_level_for_power(cap_w, *vf, g.min_level) == pytest.approx(ref, abs=1e-10)
    assert gpu_level_for_power(700.0, *vf, g.min_level) == 1.0
    assert gpu_level_for_power(50.0, *vf, g.min_level) == g.min_level   # below P(idle clock)
    assert Gpu(power_cap_w=500.0).power_cap_level == pytest.approx(
        brentq(lambda x: gpu_power_w(x, *vf) - 500.0, g.min_level, 1.0, xtol=1e-14), abs=1e-10)


@pytest.mark.parametrize("cap", [75.0, 40.0, 701.0])
def test_power_cap_is_validated(cap):
    with pytest.raises(ValueError, match="power_cap_w"):
        Gpu(power_cap_w=cap)


def test_solar_power_in_kernel():
    """Sun-tracking, body-fixed zenith at 60° incidence, degraded, in penumbra, in umbra."""
    fleet = payload_fleet(n=5, array_degradation_per_year=0.02, array_age_years=3.0)
    fleet.array_sun_tracking[1:] = [0, 1, 1, 0]
    fleet.illumination[:] = [1.0, 1.0, 0.4, 0.0, 1.0]
    # satellite 4 sees the Sun below its horizon: body-fixed array gets nothing
    fleet.r_eci_m[:, 4] = [-R_ORBIT_M, 0.0, 0.0]
    initialise_payload(fleet, 0)
    sun = (0.5, math.sqrt(0.75), 0.0)  # r̂·ŝ = 0.5 for r̂ = x̂
    t_s, dt_s = 0.5 * YEAR_S, 10.0
    step(fleet, PayloadEvents.empty(5), t_s, dt_s, sun_unit=sun, flux=1400.0)
    bol = 1400.0 * 8.0 * 0.3 * 0.98 ** (3.0 + (t_s + dt_s) / YEAR_S)
    np.testing.assert_allclose(fleet.p_solar_w, [bol, 0.5 * bol, 0.4 * bol, 0.0, 0.0], rtol=1e-12)
    assert solar_array_power_w(1361.0, 1.0, 0.3, 1.0, 1.0, 1.0) == pytest.approx(408.3)


def test_battery_step_cases():
    # charging, room left
    e, served, used = battery_step(100.0, 400.0, 500.0, 300.0, 0.95, 0.9, SECONDS_PER_HOUR)
    assert (e, served, used) == pytest.approx((100.0 + 200.0 * 0.95, 300.0, 500.0))
    # charging to full: the rest is shunted
    e, served, used = battery_step(190.0, 200.0, 500.0, 300.0, 0.95, 0.9, SECONDS_PER_HOUR)
    assert e == pytest.approx(200.0)
    assert used == pytest.approx(300.0 + 10.0 / 0.95)
    # discharging
    e, served, used = battery_step(100.0, 200.0, 100.0, 190.0, 0.95, 0.9, SECONDS_PER_HOUR)
    assert (e, served, used) == pytest.approx((0.0, 190.0, 100.0), abs=1e-12)
    # the battery cannot cover the deficit: empty, load partly served
    e, served, used = battery_step(45.0, 200.0, 100.0, 190.0, 0.95, 0.9, SECONDS_PER_HOUR)
    assert (e, served, used) == pytest.approx((0.0, 100.0 + 45.0 * 0.9, 100.0))


def battery_books(fleet, illumination, bus_w, dt_s=60.0):
    """Run the kernel; check each tick's ΔE against generated − consumed with efficiencies."""
    events = PayloadEvents.empty(fleet.n)
    socs = []
    for k, (lit, bus) in enumerate(zip(illumination, bus_w)):
        fleet.illumination[:] = lit
        fleet.bus_power_w[:] = bus
        e0 = fleet.battery_energy_wh.copy()
        gen0 = fleet.energy_generated_j.copy()
        con0 = fleet.energy_consumed_j.copy()
        step(fleet, events, k * dt_s, dt_s)
        surplus_j = (fleet.energy_generated_j - gen0) - (fleet.energy_consumed_j - con0)
        expected_wh = np.where(surplus_j >= 0, surplus_j * fleet.charge_efficiency,
                               surplus_j / fleet.discharge_efficiency) / SECONDS_PER_HOUR
        np.testing.assert_allclose(fleet.battery_energy_wh - e0, expected_wh, atol=1e-9)
        assert np.all((fleet.soc >= 0.0) & (fleet.soc <= 1.0))
        socs.append(fleet.soc.copy())
    return np.array(socs)


def test_battery_energy_books_over_orbits():
    """Sunlit charging, eclipse discharge, shunting when full: ΔE = η_c·surplus or −deficit/η_d."""
    ticks = 95 * 4
    lit = ((np.arange(ticks) % 95) < 60).astype(float)
    fleet = payload_fleet()
    initialise_payload(fleet, 0)
    socs = battery_books(fleet, lit, np.full(ticks, 200.0))
    assert socs.min() < 0.6 and socs.max() == pytest.approx(1.0)
    assert fleet.min_soc[0] == pytest.approx(socs.min())
    assert fleet.eclipse_seconds[0] == pytest.approx(np.sum(1 - lit) * 60.0)


@settings(max_examples=40, deadline=None)
@given(
    lit=st.lists(st.floats(0.0, 1.0), min_size=5, max_size=40),
    bus=st.lists(st.floats(0.0, 5000.0), min_size=5, max_size=40),
    capacity_wh=st.floats(1.0, 5000.0),
    eta_c=st.floats(0.8, 1.0),
    eta_d=st.floats(0.8, 1.0),
    area_m2=st.floats(0.0, 30.0),
)
def test_battery_property(lit, bus, capacity_wh, eta_c, eta_d, area_m2):
    """Random fluxes and loads: books close every tick, SOC stays in [0, 1]."""
    n_ticks = min(len(lit), len(bus))
    fleet = payload_fleet(battery_capacity_wh=capacity_wh, charge_efficiency=eta_c,
                          discharge_efficiency=eta_d, array_area_m2=area_m2)
    initialise_payload(fleet, 0)
    battery_books(fleet, lit[:n_ticks], bus[:n_ticks])


def test_power_cap_and_release_with_hysteresis():
    """Eclipse drains the battery to the floor (cap event, interpolated time), sunlight
    refills it to soc_release (release event); GPUs run at the capped level meanwhile."""
    fleet = payload_fleet(battery_capacity_wh=1000.0, array_area_m2=20.0)
    initialise_payload(fleet, 0)
    events = PayloadEvents.empty(1)
    dt_s = 60.0
    load_w = 200.0 + 4 * 700.0
    # closed form: SOC falls linearly at load/η_d; it reaches 0.2 after this many seconds
    t_cap_s = (1000.0 * 0.8) * SECONDS_PER_HOUR * 0.9 / load_w
    log = []
    for k in range(200):
        fleet.illumination[:] = 0.0 if k < 20 else 1.0
        step(fleet, events, k * dt_s, dt_s)
        if events.power_event_code[0]:
            log.append(("power", POWER_EVENTS[int(events.power_event_code[0])],
                        events.power_event_t_s[0]))
        if events.gpu_event_code[0]:
            log.append(("gpu", int(events.gpu_event_code[0]), events.gpu_event_t_s[0],
                        events.event_old_level[0], events.event_new_level[0]))
    kinds = [entry[1] for entry in log if entry[0] == "power"]
    assert kinds == ["power_cap", "power_release"]
    cap = next(e for e in log if e[1] == "power_cap")
    assert cap[2] == pytest.approx(t_cap_s, abs=1e-6)
    cut = log[1]
    assert cut[:2] == ("gpu", 1) and cut[2] == pytest.approx(t_cap_s) and cut[3:] == (1.0, 0.5)
    # after the release the policy steps back up to 1 (one step per hold time)
    assert fleet.throttle_level[0] == pytest.approx(1.0)
    assert fleet.power_capped[0] == 0
    # release: SOC rises through soc_release = 0.5 at the interpolated time
    release = next(e for e in log if e[1] == "power_release")
    assert 20 * dt_s < release[2] < 30 * dt_s


def test_empty_battery_browns_out_the_gpus():
    """No Sun, empty battery: GPUs get no power (off time, nothing delivered), SOC stays 0."""
    fleet = payload_fleet(battery_capacity_wh=10.0, soc_floor=0.0)
    initialise_payload(fleet, 0)
    fleet.illumination[:] = 0.0
    events = PayloadEvents.empty(1)
    for k in range(20):
        step(fleet, events, k * 10.0, 10.0)
    assert fleet.soc[0] == 0.0 and fleet.min_soc[0] == 0.0
    assert fleet.p_load_w[0] == 0.0
    assert fleet.off_seconds[0] > 150.0
    assert fleet.gpu_seconds_delivered[0] < 4 * 10.0 * 2  # at most the first ticks
    assert fleet.gpu_on[0] == 1  # a brown-out is not a thermal shutdown
    # energy consumed = everything the battery held, times η_d
    assert fleet.energy_consumed_j[0] == pytest.approx(10.0 * SECONDS_PER_HOUR * 0.9)


def test_accumulators_at_full_power():
    fleet = payload_fleet(array_area_m2=30.0)
    initialise_payload(fleet, 0)
    events = PayloadEvents.empty(1)
    for k in range(10):
        step(fleet, events, k * 10.0, 10.0)
    assert fleet.gpu_seconds_available[0] == pytest.approx(400.0)
    assert fleet.gpu_seconds_delivered[0] == pytest.approx(400.0)
    assert fleet.throttled_seconds[0] == 0.0 and fleet.off_seconds[0] == 0.0
    assert fleet.energy_consumed_j[0] == pytest.approx(3000.0 * 100.0)
    # battery full from the start: everything above the load is shunted
    assert fleet.energy_generated_j[0] == pytest.approx(3000.0 * 100.0)
