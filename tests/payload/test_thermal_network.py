"""The thermal network in the payload kernel: steady states against series resistances by hand,
transients against scipy solve_ivp, the heat-pipe limit, the pumped loop, the HBM limit.

References: the steady state of the network written out by hand (series resistances junction →
case → cold plate → transport → radiator root, the root temperature from the radiator's
balance P = η_f ε σ A n (T⁴ − T_s⁴) solved by scipy brentq); effectiveness–NTU for a loop
between two isothermal walls, G = ṁc_p/(1/ε₁ + 1/ε₂ − 1), ε = 1 − exp(−UA/ṁc_p) (e.g. Incropera
& DeWitt §11.4, written out here); scipy.integrate.solve_ivp (Radau) of the network's two ODEs
with the fin efficiency and the transport law evaluated continuously.
"""
import math

import numpy as np
import pytest
from scipy.integrate import solve_ivp
from scipy.optimize import brentq

from sim.core.constants import STEFAN_BOLTZMANN_W_M2_K4, ZERO_CELSIUS_K
from sim.payload.initial import initialise_payload, start_at_sustainable_level
from sim.payload.thermal_network import (
    fin_efficiency,
    fin_number_per_k3,
    pumped_loop_conductance_w_k,
)
from sim.payload.tick import PayloadEvents
from tests.helpers import make_payload_fleet, step_payload_fleet

SIGMA = STEFAN_BOLTZMANN_W_M2_K4
P_GPU_W, BUS_W, COUNT, R_JC = 700.0, 200.0, 4, 0.02
FIN_K3 = fin_number_per_k3(2, 0.9, 0.09, 1e-3, 167.0)
NETWORK = dict(
    thermal_model=1, r_case_plate_k_w=0.02, hbm_power_fraction=0.1, r_hbm_k_w=0.15,
    t_hbm_offset_k=-8.0, transport_q_max_w=1e30, transport_g_dry_w_k=2.0, fin_number_per_k3=FIN_K3,
    array_absorptivity_front=0.88, array_emissivity_front=0.8, array_absorptivity_back=0.85,
    array_emissivity_back=0.85, array_t_ref_k=301.15, array_heat_capacity_j_m2_k=1000.0,
)


def network_fleet(n=1, **overrides):
    """H100-like payloads (helpers.PAYLOAD_BASE: G = 200 W/K, A = 2.5 m², ε = 0.9, two sides,
    throttling off) on the network model."""
    return make_payload_fleet(n, {**NETWORK, **overrides})


def run(fleet, dt_s, ticks, bus_power_w=None, environment_on=0):
    events = PayloadEvents.empty(fleet.n)
    trace = {k: np.empty(ticks) for k in ("t_payload_k", "t_radiator_k", "p_load_w", "t_junction_k")}
    for k in range(ticks):
        if bus_power_w is not None:
            fleet.bus_power_w[:] = bus_power_w[k]
        step_payload_fleet(fleet, k * dt_s, dt_s, (1.0, 0.0, 0.0), 1361.0, environment_on, events)
        for name in trace:
            trace[name][k] = getattr(fleet, name)[0]
    return trace


def root_temperature_k(p_w, area_m2=2.5, eps=0.9, sides=2, fin_k3=FIN_K3):
    """P = η_f(N(T)) ε σ A n (T⁴ − 3⁴), by brentq."""
    return brentq(lambda t: fin_efficiency(fin_k3 * t ** 3) * eps * SIGMA * area_m2 * sides * (t ** 4 - 81.0) - p_w,
                  10.0, 2000.0, xtol=1e-12)


def test_steady_state_is_the_series_resistances_by_hand():
    """Environment off, full clock: T_r from the finned radiator's balance, T_cp = T_r + P/G,
    T_j = T_cp + P_gpu (R_cp + R_jc), T_hbm = T_cp + P_gpu R_cp + f P_gpu R_hbm (within 0.01 K
    after a day at 60 s from 293 K)."""
    fleet = network_fleet()
    initialise_payload(fleet, 0, initial_temperature_k=293.0)
    run(fleet, 60.0, 1440)
    p_w = BUS_W + COUNT * P_GPU_W
    t_r = root_temperature_k(p_w)
    t_cp = t_r + p_w / 200.0
    assert fleet.t_radiator_k[0] == pytest.approx(t_r, abs=0.01)
    assert fleet.t_payload_k[0] == pytest.approx(t_cp, abs=0.01)
    assert fleet.t_junction_k[0] == pytest.approx(t_cp + P_GPU_W * (0.02 + R_JC), abs=0.01)
    assert fleet.t_hbm_k[0] == pytest.approx(t_cp + P_GPU_W * 0.02 + 0.1 * P_GPU_W * 0.15, abs=0.01)
    # the fins cost: an isothermal panel would run cooler
    assert t_r > root_temperature_k(p_w, fin_k3=0.0) + 5.0


def test_heat_pipes_beyond_their_limit_dry_out():
    """Q_max = 2,500 W < P = 3,000 W: the pipes carry Q_max + G_dry (ΔT − Q_max/G), so
    T_cp = T_r + Q_max/G + (P − Q_max)/G_dry (G_dry = 50 W/K)."""
    fleet = network_fleet(transport_q_max_w=2500.0, transport_g_dry_w_k=50.0)
    initialise_payload(fleet, 0, initial_temperature_k=293.0)
    run(fleet, 60.0, 2880)
    p_w = BUS_W + COUNT * P_GPU_W
    t_r = root_temperature_k(p_w)
    assert fleet.t_radiator_k[0] == pytest.approx(t_r, abs=0.01)
    assert fleet.t_payload_k[0] == pytest.approx(t_r + 2500.0 / 200.0 + 500.0 / 50.0, abs=0.01)


def test_pumped_loop_conductance_by_effectiveness_ntu():
    """ṁ c_p = 0.05 × 3500 = 175 W/K, UA = 500 W/K at both ends: ε = 1 − e^(−500/175) = 0.94257,
    G = 175/(2/0.94257 − 1) = 155.99 W/K; a very large UA leaves the fluid's ṁ c_p."""
    assert pumped_loop_conductance_w_k(0.05, 3500.0, 500.0, 500.0) == pytest.approx(155.99, abs=0.01)
    assert pumped_loop_conductance_w_k(0.05, 3500.0, 1e7, 1e7) == pytest.approx(175.0, rel=1e-9)


def _network_ode(fleet, t_grid_s, p_heat_w, tp0_k, tr0_k, q_max_w, g_dry_w_k):
    """solve_ivp of C_p T_p' = P − Q(ΔT), C_r T_r' = Q(ΔT) − η_f(T_r) ε σ A n (T_r⁴ − T_s⁴), with
    Q(ΔT) = G ΔT up to Q_max and Q_max + G_dry (ΔT − Q_max/G) above, evaluated continuously."""
    c_p, c_r, g = fleet.c_payload_j_k[0], fleet.c_radiator_j_k[0], fleet.g_payload_radiator_w_k[0]
    emission = 0.9 * SIGMA * 2.5 * 2

    def transport(dt):
        return g * dt if g * dt <= q_max_w else q_max_w + g_dry_w_k * (dt - q_max_w / g)

    y = np.array([tp0_k, tr0_k])
    out = np.empty((len(t_grid_s) - 1, 2))
    for k in range(len(t_grid_s) - 1):
        p = p_heat_w[k]

        def rhs(t, y):
            q = transport(y[0] - y[1])
            eta = fin_efficiency(FIN_K3 * y[1] ** 3)
            return [(p - q) / c_p, (q - eta * emission * (y[1] ** 4 - 81.0)) / c_r]

        y = solve_ivp(rhs, (t_grid_s[k], t_grid_s[k + 1]), y, method="Radau", rtol=1e-10, atol=1e-8).y[:, -1]
        out[k] = y
    return out


@pytest.mark.parametrize("dt_s", [10.0, 60.0])
@pytest.mark.parametrize("q_max_w", [1e30, 3800.0])
def test_power_steps_match_solve_ivp(dt_s, q_max_w):
    """Bus power 200 → 1,700 → 200 W (P 3,000 → 4,500 → 3,000 W): within 0.5 K of solve_ivp at
    10 s and 1.5 K at 60 s, with the pipes wet throughout or drying out above 3,800 W (the
    kernel takes the fin efficiency and the transport branch from the tick start)."""
    horizon_s = 4 * 3600.0
    ticks = int(horizon_s / dt_s)
    t_end = np.arange(1, ticks + 1) * dt_s
    bus = np.where((t_end > 600.0) & (t_end <= 6600.0), 1700.0, 200.0)
    fleet = network_fleet(c_radiator_j_k=4e3, transport_q_max_w=q_max_w, transport_g_dry_w_k=60.0)
    initialise_payload(fleet, 0)
    tp0, tr0 = fleet.t_payload_k[0], fleet.t_radiator_k[0]
    trace = run(fleet, dt_s, ticks, bus_power_w=bus)
    ref = _network_ode(fleet, np.arange(ticks + 1) * dt_s, trace["p_load_w"], tp0, tr0, q_max_w, 60.0)
    tolerance_k = 0.5 if dt_s == 10.0 else 1.5
    assert np.max(np.abs(trace["t_payload_k"] - ref[:, 0])) < tolerance_k
    assert np.max(np.abs(trace["t_radiator_k"] - ref[:, 1])) < tolerance_k
    assert np.ptp(ref[:, 0]) > 20  # a real transient
    if q_max_w < 1e29:  # the dry-out is visible: the cold plate runs away from the radiator
        assert np.max(ref[:, 0] - ref[:, 1]) > 3800.0 / 200.0 + 5.0


def test_hbm_limit_throttles_while_the_junction_is_cool():
    """HBM path 0.4 K/W (HBM 42 K above the cold plate at 700 W, the junction 28 K): the throttle,
    fed T_hbm + (87 − 95) K, clocks that satellite lower than its twin with the usual 0.15 K/W,
    its HBM reaches the 95 °C limit and its junction never reaches 87 °C (last 3 of 6 h)."""
    c = ZERO_CELSIUS_K
    limits = dict(t_max_operating_k=87 + c, t_slowdown_k=89 + c, t_shutdown_k=92 + c, t_restart_k=70 + c,
                  radiator_area_m2=3.0)
    fleet = network_fleet(2, **limits)
    fleet.r_hbm_k_w[0] = 0.4
    initialise_payload(fleet, 0)
    start_at_sustainable_level(fleet)
    events = PayloadEvents.empty(2)
    history = []
    for k in range(6 * 360):
        step_payload_fleet(fleet, k * 10.0, 10.0, (1.0, 0.0, 0.0), 1361.0, 0, events)
        history.append((fleet.throttle_level.copy(), fleet.t_hbm_k - c, fleet.t_junction_k - c))
    level, t_hbm_c, t_j_c = (np.array(x[1080:]) for x in zip(*history))
    assert level[:, 0].mean() < level[:, 1].mean() - 0.03
    assert t_hbm_c[:, 0].max() >= 95.0
    assert t_j_c[:, 0].max() < 87.0


def test_network_with_neutral_parameters_is_the_lumped_model():
    """Consistency check: no fin loss, no transport limit, no package resistance, environment
    off: the network's temperatures equal the lumped model's to 1e-9 K."""
    lumped = make_payload_fleet(1, {})
    neutral = network_fleet(fin_number_per_k3=0.0, r_case_plate_k_w=0.0)
    for fleet in (lumped, neutral):
        initialise_payload(fleet, 0, initial_temperature_k=280.0)
        run(fleet, 30.0, 500)
    for name in ("t_payload_k", "t_radiator_k", "t_junction_k"):
        assert getattr(neutral, name)[0] == pytest.approx(getattr(lumped, name)[0], abs=1e-9)
    assert math.isfinite(neutral.t_array_k[0]) and neutral.t_array_k[0] > 250.0
