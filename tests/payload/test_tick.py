"""The payload tick's interface to the work: live GPU utilisation and the GPU-seconds delivered
per tick; and the parallel physics step against the serial one.

References: P_gpu = P_idle + u·(P(level) − P_idle) with P(level) = P_static + C_eff·V(f)²·f
(docs/models.md; the h100-sxm parameters, the formula written out here), and the closed-form
steady state of the two-node model with the environment off, T_r = (P/(εσA n) + T_sink⁴)^¼,
T_p = T_r + P/G, T_j = T_p + P_gpu R_jc, written out here.
"""
import numpy as np
import pytest

from sim.config import scenario_from_dict
from sim.core.constants import SECONDS_PER_HOUR, STEFAN_BOLTZMANN_W_M2_K4, ZERO_CELSIUS_K
from sim.core.simulation import Simulation
from sim.payload import subsystem as payload_subsystem
from sim.payload import tick
from sim.payload.config import Gpu
from sim.payload.initial import initialise_payload
from sim.payload.tick import PayloadEvents
from tests.helpers import PAYLOAD_BASE, advance_ticks, lower_parallel_threshold, make_payload_fleet, step_payload_fleet

IDLE_W, TDP_W, BUS_W, COUNT = 75.0, 700.0, 200.0, 4


STATIC_W, DYNAMIC_W, V_MIN, KNEE = Gpu().vf_parameters


def gpu_power_closed_form_w(level, utilisation):
    v = np.maximum(V_MIN, V_MIN + (1.0 - V_MIN) * (np.asarray(level) - KNEE) / (1.0 - KNEE))
    full_w = STATIC_W + DYNAMIC_W * v ** 2 * level
    return IDLE_W + utilisation * (full_w - IDLE_W)


def steady_junction_k(p_gpu_w):
    p_w = BUS_W + COUNT * p_gpu_w
    emission = (PAYLOAD_BASE["radiator_emissivity"] * STEFAN_BOLTZMANN_W_M2_K4
                * PAYLOAD_BASE["radiator_area_m2"] * PAYLOAD_BASE["radiator_sides"])
    t_r = (p_w / emission + 3.0 ** 4) ** 0.25
    return t_r + p_w / PAYLOAD_BASE["g_payload_radiator_w_k"] + p_gpu_w * PAYLOAD_BASE["r_jc_k_w"]


def run(fleet, ticks, dt_s=10.0, before_tick=None):
    """Step the fleet `ticks` ticks (Sun along r̂, environment off); returns the per-tick
    gpu_seconds_delivered_tick rows."""
    events = PayloadEvents.empty(fleet.n)
    delivered = np.empty((ticks, fleet.n))
    for k in range(ticks):
        if before_tick is not None:
            before_tick(k, fleet)
        step_payload_fleet(fleet, k * dt_s, dt_s, (1.0, 0.0, 0.0), 1361.0, 0, events)
        delivered[k] = fleet.gpu_seconds_delivered_tick
    return delivered


def test_half_utilisation_draws_the_closed_form_power_and_runs_cooler():
    """Utilisation 1, 0.5 and 0 at full clock: the load is bus + n·(P_idle + u(P(1) − P_idle)),
    the steady junction temperature that of this lower power, and the hardware delivers the same
    GPU-seconds whatever the work uses of them."""
    fleet = make_payload_fleet(3, {})
    fleet.gpu_utilisation[:] = [1.0, 0.5, 0.0]
    initialise_payload(fleet, 0)
    run(fleet, 12 * 360)  # 12 h at 10 s: many thermal time constants, even for the cold idle one
    p_gpu_w = np.array([gpu_power_closed_form_w(1.0, u) for u in (1.0, 0.5, 0.0)])
    assert p_gpu_w[1] == pytest.approx(387.5) and p_gpu_w[2] == IDLE_W
    np.testing.assert_allclose(fleet.p_load_w, BUS_W + COUNT * p_gpu_w, rtol=1e-12)
    np.testing.assert_allclose(fleet.t_junction_k, [steady_junction_k(p) for p in p_gpu_w], atol=0.05)
    assert fleet.t_junction_k[0] - fleet.t_junction_k[1] > 20.0  # a real difference, not rounding
    assert fleet.t_junction_k[1] > fleet.t_junction_k[2]
    np.testing.assert_array_equal(fleet.gpu_seconds_delivered, np.full(3, COUNT * 12 * SECONDS_PER_HOUR))


def test_utilisation_is_read_live_every_tick():
    fleet = make_payload_fleet(1, {})
    initialise_payload(fleet, 0)

    def lower_at_tick_5(k, fleet):
        if k == 5:
            fleet.gpu_utilisation[:] = 0.5

    loads = []
    run(fleet, 10, before_tick=lambda k, f: (lower_at_tick_5(k, f), loads.append(f.p_load_w[0])))
    loads.append(fleet.p_load_w[0])
    assert loads[1:6] == [BUS_W + COUNT * TDP_W] * 5
    assert loads[6:] == [BUS_W + COUNT * gpu_power_closed_form_w(1.0, 0.5)] * 5


def test_gpu_seconds_delivered_per_tick_add_up_to_the_accumulator():
    """Four satellites: full clock; throttling (undersized radiator, H100 limits); a tiny
    radiator that shuts down and restarts; and one whose GPUs are down for a while and lose
    half their devices. Each tick reports level × working GPUs × dt, and the ticks sum to
    gpu_seconds_delivered exactly."""
    c = ZERO_CELSIUS_K
    h100 = dict(t_max_operating_k=87 + c, t_slowdown_k=89 + c, t_shutdown_k=92 + c, t_restart_k=80 + c)
    fleet = make_payload_fleet(4, h100)
    fleet.radiator_area_m2[:] = [30.0, 1.3, 0.15, 30.0]
    fleet.c_payload_j_k[2], fleet.c_radiator_j_k[2] = 10e3, 2e3
    initialise_payload(fleet, 0, initial_temperature_k=293.0)
    dt_s = 10.0
    levels, counts, working = [], [], []

    def before(k, fleet):
        if k == 100:
            fleet.gpu_down_until_s[3] = 150 * dt_s   # a reset: down for 50 ticks
        if k == 200:
            fleet.gpu_count[3] = 2                   # two devices lost
        levels.append(fleet.throttle_level.copy())
        counts.append(fleet.gpu_count.astype(float))
        working.append((fleet.gpu_on != 0) & ~(fleet.gpu_down_until_s > k * dt_s))

    delivered = run(fleet, 4 * 360, dt_s, before)
    expected = np.where(working, np.array(levels) * np.array(counts) * dt_s, 0.0)
    np.testing.assert_allclose(delivered, expected, rtol=1e-15, atol=0.0)
    total = np.zeros(4)
    for row in delivered:
        total += row
    np.testing.assert_array_equal(total, fleet.gpu_seconds_delivered)
    # every case happened: throttled ticks, off ticks, down ticks, fewer devices
    assert np.any((delivered[:, 1] > 0) & (delivered[:, 1] < COUNT * dt_s))
    assert fleet.shutdowns[2] >= 1 and np.any(delivered[:, 2] == 0.0)
    assert np.all(delivered[100:150, 3] == 0.0) and delivered[150, 3] == COUNT * dt_s
    assert delivered[-1, 3] == 2 * dt_s
    assert fleet.gpu_seconds_delivered[1] < fleet.gpu_seconds_available[1]


# ---------------------------------------------------------------- serial ≡ parallel

SCENARIO = {
    "name": "parallel", "epoch": "2026-06-21T00:00:00Z", "duration": "1h", "dt_s": 10, "seed": 3,
    "constellation": [
        {"name": "walker", "walker": {"altitude_km": 550, "inclination_deg": 53, "planes": 10,
                                      "sats_per_plane": 20, "phasing": 1},
         "radiator": {"area_m2": 1.6}},
        {"name": "small_battery", "walker": {"altitude_km": 500, "inclination_deg": 97,
                                             "planes": 5, "sats_per_plane": 20},
         "battery": {"capacity_wh": 900, "soc_floor": 0.4, "soc_release": 0.5}},
        {"name": "sso", "sso": {"altitude_km": 650, "ltan_h": 18, "count": 11}},
    ],
}


def _run_physics(ticks=360):
    sim = Simulation(scenario_from_dict(SCENARIO))
    rows = []
    sim.events.connect(lambda *columns: rows.append(np.array(columns)))
    advance_ticks(sim, range(1, ticks + 1))
    return sim, np.concatenate(rows, axis=1) if rows else np.empty((6, 0))


def test_parallel_physics_step_equals_the_serial_one(monkeypatch):
    """An hour of 311 satellites through step_physics in chunks of ~78 (the path of large
    fleets, several chunks per thread) and through step_physics_serial: every FleetState array
    and every event identical, bit for bit, with eclipses, throttling and power caps."""
    lower_parallel_threshold(monkeypatch, [payload_subsystem], min_chunk=32)
    parallel, parallel_events = _run_physics()
    monkeypatch.setattr(payload_subsystem, "parallel_chunk", lambda n: 0)
    serial, serial_events = _run_physics()
    p, s = parallel.subsystem("payload"), serial.subsystem("payload")
    assert p._step_physics is tick.step_physics and 32 <= p._chunk < parallel.fleet.n
    assert s._step_physics is tick.step_physics_serial
    for name in parallel.fleet.names():
        np.testing.assert_array_equal(getattr(parallel.fleet, name), getattr(serial.fleet, name), err_msg=name)
    np.testing.assert_array_equal(parallel_events, serial_events)
    kinds = {parallel.events.kinds[name].code: name for name in parallel.events.kinds}
    seen = {kinds[int(code)] for code in np.unique(parallel_events[2])}
    assert {"eclipse_entry", "eclipse_exit", "throttle_down", "power_cap"} <= seen, seen
