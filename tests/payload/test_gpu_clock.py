"""The payload tick with clock-sensitive work and with a watt limit per GPU.

References: delivered = throughput_fraction(level, s)·working GPUs·dt with
throughput_fraction = 1/(s/level + 1 − s) (t(f) = t_max (s f_max/f + 1 − s)), written out here;
the watt-limited clock against scipy's brentq root of P(level) = cap; the badput identity
delivered + badput = installed·dt is a consistency check.
"""
import numpy as np
import pytest
from scipy.optimize import brentq

from sim.config import scenario_from_dict
from sim.core.constants import ZERO_CELSIUS_K
from sim.core.simulation import Simulation
from sim.payload.accounting import BADPUT_CAUSES
from sim.payload.config import Gpu
from sim.payload.initial import initialise_payload
from sim.payload.power import gpu_power_w
from sim.payload.tick import PayloadEvents
from tests.conftest import TINY_SCENARIO
from tests.helpers import advance_ticks, make_payload_fleet, step_payload_fleet

C = ZERO_CELSIUS_K
H100 = dict(t_max_operating_k=87 + C, t_slowdown_k=89 + C, t_shutdown_k=92 + C, t_restart_k=80 + C)
POWER, THERMAL = BADPUT_CAUSES.index("power"), BADPUT_CAUSES.index("thermal")


def _run(fleet, ticks, dt_s=10.0):
    events = PayloadEvents.empty(fleet.n)
    rows = []
    for k in range(ticks):
        level, working = fleet.throttle_level.copy(), fleet.gpu_on != 0
        badput = fleet.gpu_badput_s.copy()
        step_payload_fleet(fleet, k * dt_s, dt_s, (1.0, 0.0, 0.0), 1361.0, 0, events)
        rows.append((level, working, fleet.gpu_seconds_delivered_tick.copy(), fleet.gpu_badput_s - badput))
    return rows


def test_delivered_time_follows_the_clock_sensitive_share():
    """A throttling radiator, s = 1, 0.85, 0.3: each tick delivers 1/(s/level + 1 − s)·n·dt and the
    rest of the installed time is badput, exactly."""
    fleet = make_payload_fleet(3, {**H100, "radiator_area_m2": 1.3})
    fleet.gpu_clock_sensitivity[:] = [1.0, 0.85, 0.3]
    initialise_payload(fleet, 0, initial_temperature_k=293.0)
    throttled = 0
    for level, working, delivered, badput in _run(fleet, 720):
        s = fleet.gpu_clock_sensitivity
        rate = np.where(working, level / (s + (1.0 - s) * level), 0.0)
        np.testing.assert_allclose(delivered, rate * fleet.gpu_count * 10.0, rtol=1e-14)
        np.testing.assert_allclose(delivered + badput.sum(axis=0), fleet.gpu_count_installed * 10.0, rtol=1e-12)
        throttled += bool(np.all(level < 0.95))
    assert throttled > 100
    # the same clock: memory-bound work loses less of its throughput than compute-bound work
    assert fleet.gpu_seconds_delivered[0] < fleet.gpu_seconds_delivered[1] < fleet.gpu_seconds_delivered[2]


def test_watt_limit_caps_the_clock_and_books_power_badput():
    """gpu_power_cap_level from a 450 W limit: the clock is cut to it at once (cool radiator, no
    thermal throttling), the board power then meets the limit, and the clock deficit is power badput."""
    g = Gpu(power_cap_w=450.0)
    vf = g.vf_parameters
    cap_level = brentq(lambda x: gpu_power_w(x, *vf) - 450.0, g.min_level, 1.0, xtol=1e-14)
    assert g.power_cap_level == pytest.approx(cap_level, abs=1e-10)
    fleet = make_payload_fleet(1, {**H100, "radiator_area_m2": 30.0, "gpu_power_cap_w": 450.0,
                                   "gpu_power_cap_level": g.power_cap_level})
    initialise_payload(fleet, 0, initial_temperature_k=293.0)
    rows = _run(fleet, 30)
    assert fleet.throttle_level[0] == pytest.approx(cap_level, abs=1e-10)
    assert fleet.p_load_w[0] == pytest.approx(200.0 + 4 * 450.0, rel=1e-9)
    level, _, delivered, badput = rows[-1]
    assert delivered[0] == pytest.approx(cap_level * 4 * 10.0, rel=1e-12)
    assert badput[POWER, 0] == pytest.approx((1.0 - cap_level) * 4 * 10.0, rel=1e-12)
    assert badput[THERMAL, 0] == 0.0


def test_power_cap_from_the_config_and_set_mid_run():
    """gpu.power_cap_w in a scenario holds the clock at the level that meets it from the start;
    Payload.set_parameter('gpu_power_cap_w', ...) moves the limit mid-run."""
    scenario = {**TINY_SCENARIO, "constellation": [
        {"name": "sso", "sso": {"altitude_km": 650, "ltan_h": 18, "count": 2},
         "battery": {"capacity_wh": 1e5}, "radiator": {"area_m2": 30.0}, "gpu": {"power_cap_w": 500.0}}]}
    sim = Simulation(scenario_from_dict(scenario))
    f, payload = sim.fleet, sim.subsystem("payload")
    level_500 = Gpu(power_cap_w=500.0).power_cap_level
    np.testing.assert_allclose(f.gpu_power_cap_level, level_500)
    assert np.all(f.throttle_level <= level_500 + 1e-12)
    advance_ticks(sim, range(1, 4))
    payload.set_parameter("gpu_power_cap_w", 0, 300.0)
    advance_ticks(sim, range(4, 8))
    assert f.gpu_power_cap_level[0] == pytest.approx(Gpu(power_cap_w=300.0).power_cap_level, abs=1e-10)
    assert f.throttle_level[0] == pytest.approx(f.gpu_power_cap_level[0], abs=1e-10)
    assert f.throttle_level[1] <= level_500 + 1e-12
