"""Two-node radiative thermal model: closed forms, scipy solve_ivp, energy balance.

References: Stefan–Boltzmann radiation to a 3 K sink and the view factors of a flat
plate to a sphere (MODELS.md §4, closed forms, "C" rows), and scipy's dblquad of the
view factor's definition; scipy.integrate.solve_ivp (Radau, rtol 1e-10) of the same two
ODEs as an independent integrator.
"""
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.integrate import dblquad, solve_ivp

from sim.core.constants import R_EARTH_EQUATORIAL_M, SECONDS_PER_HOUR, STEFAN_BOLTZMANN_W_M2_K4, ZERO_CELSIUS_K
from sim.payload.initial import initialise_payload
from sim.payload.thermal import (
    radiator_absorbed_w,
    radiator_emitted_w,
    steady_state_temperatures,
    thermal_step,
    view_factor_nadir_plate,
    view_factor_vertical_plate,
    view_factor_zenith_plate,
)
from sim.payload.tick import PayloadEvents
from tests.helpers import make_payload_fleet, step_payload_fleet

RE = R_EARTH_EQUATORIAL_M
SIGMA = STEFAN_BOLTZMANN_W_M2_K4
T_SINK_K = 3.0


def payload_fleet(n=1, **overrides):
    """n identical satellites: H100-like payload, throttling disabled, an ideal battery."""
    return make_payload_fleet(n, overrides)


def run(fleet, dt_s, illumination, sun_unit=(1.0, 0.0, 0.0), environment_on=0, bus_power_w=None):
    """Step the fleet len(illumination) ticks; returns traces of satellite 0 (tick ends)."""
    events = PayloadEvents.empty(fleet.n)
    names = ("t_payload_k", "t_radiator_k", "t_junction_k", "q_env_w", "p_load_w")
    trace = {name: np.empty(len(illumination)) for name in names}
    for k, lit in enumerate(illumination):
        fleet.illumination[:] = lit
        if bus_power_w is not None:
            fleet.bus_power_w[:] = bus_power_w[k]
        step_payload_fleet(fleet, k * dt_s, dt_s, sun_unit, 1361.0, environment_on, events)
        for name in names:
            trace[name][k] = getattr(fleet, name)[0]
        assert np.all(np.isfinite(fleet.t_payload_k)) and np.all(np.isfinite(fleet.t_radiator_k))
    return trace


def reference_ode(fleet, t_grid_s, p_heat_w, q_env_w, tp0_k, tr0_k):
    """solve_ivp of the same two ODEs, tick by tick: P constant in a tick, q linear."""
    c_p = fleet.c_payload_j_k[0]
    c_r = fleet.c_radiator_j_k[0]
    g = fleet.g_payload_radiator_w_k[0]
    emission = fleet.radiator_emissivity[0] * SIGMA * fleet.radiator_area_m2[0] * fleet.radiator_sides[0]
    y = np.array([tp0_k, tr0_k])
    out = np.empty((len(t_grid_s) - 1, 2))
    for k in range(len(t_grid_s) - 1):
        t0, t1 = t_grid_s[k], t_grid_s[k + 1]
        q0, q1, p = q_env_w[k], q_env_w[k + 1], p_heat_w[k]

        def rhs(t, y):
            q = q0 + (q1 - q0) * (t - t0) / (t1 - t0)
            conduction = g * (y[0] - y[1])
            return [(p - conduction) / c_p,
                    (conduction + q - emission * (y[1] ** 4 - T_SINK_K ** 4)) / c_r]

        y = solve_ivp(rhs, (t0, t1), y, method="Radau", rtol=1e-10, atol=1e-8).y[:, -1]
        out[k] = y
    return out


# ---- closed forms of MODELS.md §4 ------------------------------------------------------

def _view_factor_by_quadrature(altitude_m, normal_tilt_rad):
    """F = (1/π)∫ max(0, d·n) dω over the directions d that hit the Earth (numerical)."""
    rho = math.asin(RE / (RE + altitude_m))  # half-angle of the Earth's disc
    # directions: polar angle a from nadir, azimuth p; plate normal tilted from nadir by tilt
    n = (math.sin(normal_tilt_rad), 0.0, math.cos(normal_tilt_rad))

    def integrand(a, p):
        d = (math.sin(a) * math.cos(p), math.sin(a) * math.sin(p), math.cos(a))
        return max(0.0, d[0] * n[0] + d[2] * n[2]) * math.sin(a)

    value, _ = dblquad(integrand, 0.0, 2 * math.pi, 0.0, rho, epsabs=1e-10, epsrel=1e-10)
    return value / math.pi


def test_view_factors_match_models_md():
    # MODELS.md §4 "View factor, nadir-facing flat plate": (Re/(Re+h))², 0.848 @550 km, 0.824 @650 km
    assert view_factor_nadir_plate(550e3) == pytest.approx(0.848, abs=5e-4)
    assert view_factor_nadir_plate(650e3) == pytest.approx(0.824, abs=5e-4)
    # vertical plate: [atan(1/X) − X/H²]/π, 0.258 @550 km, 0.241 @650 km, → ½ as h → 0
    assert view_factor_vertical_plate(550e3) == pytest.approx(0.258, abs=5e-4)
    assert view_factor_vertical_plate(650e3) == pytest.approx(0.241, abs=5e-4)
    assert view_factor_vertical_plate(1.0) == pytest.approx(0.5, abs=1e-3)
    assert view_factor_zenith_plate(550e3) == 0.0


@pytest.mark.parametrize("altitude_km", [550, 650, 2000, 5000, 35786])
def test_view_factors_against_quadrature_of_the_definition(altitude_km):
    """The view factors the radiator model uses, against an independent numerical integration
    of their definition; above 2,640 km the vertical plate's atan takes its other branch."""
    h = altitude_km * 1e3
    assert view_factor_nadir_plate(h) == pytest.approx(_view_factor_by_quadrature(h, 0.0), abs=1e-7)
    assert view_factor_vertical_plate(h) == pytest.approx(_view_factor_by_quadrature(h, math.pi / 2), abs=1e-6)


@pytest.mark.parametrize("t_c, flux_w_m2", [(20, 377), (40, 491), (60, 629), (80, 794), (100, 989)])
def test_one_sided_rejection_flux(t_c, flux_w_m2):
    # MODELS.md §4: one side, ε = 0.9, 0 K sink (the 3 K sink changes it by < 1e-6 W/m²)
    assert radiator_emitted_w(t_c + ZERO_CELSIUS_K, 1.0, 0.9, 1) == pytest.approx(flux_w_m2, abs=0.6)


def test_two_sided_plate_at_60c_rejects_1257_w_m2():
    # MODELS.md "Suggested validation tests" 4: 1257 W/m², 700 W needs 0.56 m²
    flux = radiator_emitted_w(60 + ZERO_CELSIUS_K, 1.0, 0.9, 2)
    assert flux == pytest.approx(1257, abs=1)
    assert 700 / flux == pytest.approx(0.56, abs=0.005)


@pytest.mark.parametrize("t_c, area_m2", [(40, 2.71), (60, 1.77), (80, 1.25)])
def test_nadir_radiator_area_for_700w(t_c, area_m2):
    # MODELS.md §4: one-sided nadir plate @550 km, Earth IR 237 W/m² and subsolar albedo
    # (a = 0.30), α = 0.15, ε = 0.9: area = 700 / (emitted − absorbed) per m²
    absorbed = radiator_absorbed_w(0, 1, 1.0, 0.15, 0.9, 550e3, 1.0, 1.0, 1361.0, 0.30, 237.0)
    emitted = radiator_emitted_w(t_c + ZERO_CELSIUS_K, 1.0, 0.9, 1)
    assert 700 / (emitted - absorbed) == pytest.approx(area_m2, abs=0.01)


@pytest.mark.parametrize("t_c, area_m2", [(40, 0.80), (60, 0.61), (80, 0.47)])
def test_vertical_two_sided_radiator_area_for_700w(t_c, area_m2):
    # MODELS.md §4: vertical two-sided panel @550 km, Sun edge-on (dawn–dusk: r̂·ŝ = 0), Earth IR only
    absorbed = radiator_absorbed_w(2, 2, 1.0, 0.15, 0.9, 550e3, 0.0, 1.0, 1361.0, 0.30, 237.0)
    assert absorbed == pytest.approx(2 * 0.9 * 237 * view_factor_vertical_plate(550e3))
    emitted = radiator_emitted_w(t_c + ZERO_CELSIUS_K, 1.0, 0.9, 2)
    assert 700 / (emitted - absorbed) == pytest.approx(area_m2, abs=0.01)


def test_absorbed_faces_by_orientation():
    """Direct Sun on the face whose normal points at the Sun; the back face sees the complement."""
    alpha, eps, s, area = 0.2, 0.9, 1361.0, 2.0
    f_nadir = view_factor_nadir_plate(550e3)
    # Sun at the zenith (r̂·ŝ = 1), sunlit: zenith face gets α S A, nadir face albedo + IR
    zenith_sun = alpha * s * area
    nadir_env = area * (alpha * s * 0.3 * f_nadir + eps * 237.0 * f_nadir)
    args = (area, alpha, eps, 550e3, 1.0, 1.0, s, 0.3, 237.0)
    assert radiator_absorbed_w(1, 1, *args) == pytest.approx(zenith_sun)
    assert radiator_absorbed_w(0, 1, *args) == pytest.approx(nadir_env)
    assert radiator_absorbed_w(0, 2, *args) == pytest.approx(zenith_sun + nadir_env)
    assert radiator_absorbed_w(1, 2, *args) == pytest.approx(zenith_sun + nadir_env)
    # in eclipse with the Sun behind the Earth (r̂·ŝ = −1): IR only on the nadir face
    dark = (area, alpha, eps, 550e3, -1.0, 0.0, s, 0.3, 237.0)
    assert radiator_absorbed_w(0, 2, *dark) == pytest.approx(area * eps * 237.0 * f_nadir)


# ---- kernel: steady state, transients, energy --------------------------------------------

@pytest.mark.parametrize("sides", [1, 2])
def test_steady_state_environment_off(sides):
    """T_r = (P/(σ ε A sides))^¼ within 0.1 K and T_p = T_r + P/G (closed form)."""
    fleet = payload_fleet(radiator_sides=sides, radiator_area_m2=3.0 if sides == 2 else 6.0)
    initialise_payload(fleet, 0, initial_temperature_k=293.0)
    run(fleet, 60.0, np.ones(24 * 60))  # one day at 60 s
    p_w = 200.0 + 4 * 700.0
    t_r = (p_w / (SIGMA * 0.9 * fleet.radiator_area_m2[0] * sides)) ** 0.25
    assert fleet.p_load_w[0] == pytest.approx(p_w)
    assert fleet.t_radiator_k[0] == pytest.approx(t_r, abs=0.1)
    assert fleet.t_payload_k[0] == pytest.approx(t_r + p_w / 200.0, abs=0.1)
    assert fleet.t_junction_k[0] == pytest.approx(t_r + p_w / 200.0 + 700 * 0.02, abs=0.1)
    # and the closed-form helper agrees
    tp, tr = steady_state_temperatures(p_w, 0.0, 200.0, fleet.radiator_area_m2[0], 0.9, sides)
    assert tr == pytest.approx(t_r, abs=1e-6)


def test_power_step_matches_solve_ivp():
    """Bus power steps 200 → 1700 W → 200 W at dt = 10 s: within 0.5 K of solve_ivp."""
    dt_s = 10.0
    ticks = 720
    bus = np.where((np.arange(ticks) >= 60) & (np.arange(ticks) < 360), 1700.0, 200.0)
    fleet = payload_fleet(c_radiator_j_k=4e3)
    initialise_payload(fleet, 0)
    tp0, tr0 = fleet.t_payload_k[0], fleet.t_radiator_k[0]
    trace = run(fleet, dt_s, np.ones(ticks), bus_power_w=bus)
    t_grid = np.arange(ticks + 1) * dt_s
    ref = reference_ode(fleet, t_grid, trace["p_load_w"], np.zeros(ticks + 1), tp0, tr0)
    assert np.max(np.abs(trace["t_payload_k"] - ref[:, 0])) < 0.5
    assert np.max(np.abs(trace["t_radiator_k"] - ref[:, 1])) < 0.5
    assert np.ptp(ref[:, 0]) > 20  # the step is a real transient


@pytest.mark.parametrize("dt_s", [10.0, 60.0])
def test_eclipse_square_wave_matches_solve_ivp(dt_s):
    """Sun-facing one-sided radiator in a 60-min light / 35-min eclipse square wave; the
    reference sees the same sampled input (q linear between tick ends)."""
    period = int(95 * 60 / dt_s)
    ticks = 2 * period
    lit = ((np.arange(ticks) % period) < int(60 * 60 / dt_s)).astype(float)
    fleet = payload_fleet(radiator_orientation=1, radiator_sides=1, radiator_area_m2=5.0,
                          radiator_absorptivity=0.3, c_radiator_j_k=4e3)
    initialise_payload(fleet, 1, sun_unit=(1.0, 0.0, 0.0))
    q0 = fleet.q_env_w[0]
    assert q0 == pytest.approx(0.3 * 1361.0 * 5.0)  # zenith face, Sun overhead
    tp0, tr0 = fleet.t_payload_k[0], fleet.t_radiator_k[0]
    trace = run(fleet, dt_s, lit, environment_on=1)
    q = np.concatenate([[q0], trace["q_env_w"]])
    t_grid = np.arange(ticks + 1) * dt_s
    ref = reference_ode(fleet, t_grid, trace["p_load_w"], q, tp0, tr0)
    assert np.max(np.abs(trace["t_payload_k"] - ref[:, 0])) < 0.5
    assert np.max(np.abs(trace["t_radiator_k"] - ref[:, 1])) < 0.5
    assert np.ptp(ref[:, 1]) > 10


def test_stable_at_60s_with_stiff_radiator():
    """dt = 60 s with a light radiator (τ ≈ 10 s): no NaN, no oscillation (L-stable)."""
    ticks = 1440
    lit = ((np.arange(ticks) % 95) < 60).astype(float)
    fleet = payload_fleet(n=3, radiator_orientation=0, c_radiator_j_k=500.0)
    fleet.c_radiator_j_k[1] = 50.0
    fleet.g_payload_radiator_w_k[2] = 5000.0
    initialise_payload(fleet, 1, sun_unit=(1.0, 0.0, 0.0), initial_temperature_k=150.0)
    events = PayloadEvents.empty(3)
    history = []
    for k in range(ticks):
        fleet.illumination[:] = lit[k]
        step_payload_fleet(fleet, k * 60.0, 60.0, (1.0, 0.0, 0.0), 1361.0, 1, events)
        history.append(fleet.t_radiator_k.copy())
    history = np.array(history)
    assert np.all(np.isfinite(history))
    assert np.all((history > 100) & (history < 500))
    # within each phase of constant input the radiator moves monotonically (one turn at
    # most, where the slow payload mode takes over): no ringing of the fast mode
    edges = np.flatnonzero(np.diff(lit)) + 1
    for start, stop in zip(np.r_[0, edges], np.r_[edges, ticks]):
        for sat in range(3):
            d = np.diff(history[start:stop, sat])
            signs = np.sign(d[np.abs(d) > 1e-6])
            assert np.count_nonzero(np.diff(signs)) <= 1, (sat, start)


def test_energy_balance_closes():
    """Σ C ΔT = ∫ (P_in + q_env − emitted) dt, trapezoidal quadrature of the dt = 10 s trace."""
    dt_s = 10.0
    ticks = 1140
    lit = ((np.arange(ticks) % 570) < 360).astype(float)
    bus = np.where((np.arange(ticks) // 200) % 2 == 0, 200.0, 1200.0)
    fleet = payload_fleet(radiator_orientation=0, radiator_sides=2, radiator_absorptivity=0.3)
    initialise_payload(fleet, 1, sun_unit=(0.6, 0.8, 0.0), initial_temperature_k=280.0)
    tp0, tr0, q0 = fleet.t_payload_k[0], fleet.t_radiator_k[0], fleet.q_env_w[0]
    trace = run(fleet, dt_s, lit, sun_unit=(0.6, 0.8, 0.0), environment_on=1, bus_power_w=bus)
    stored_j = (30e3 * (trace["t_payload_k"][-1] - tp0) + 9e3 * (trace["t_radiator_k"][-1] - tr0))
    t_r = np.concatenate([[tr0], trace["t_radiator_k"]])
    q = np.concatenate([[q0], trace["q_env_w"]])
    emitted = np.array([radiator_emitted_w(t, 2.5, 0.9, 2) for t in t_r])
    net_j = (np.sum(trace["p_load_w"]) * dt_s
             + np.sum(0.5 * (q[1:] + q[:-1]) * dt_s)
             - np.sum(0.5 * (emitted[1:] + emitted[:-1]) * dt_s))
    throughput_j = np.sum(trace["p_load_w"]) * dt_s
    assert abs(stored_j - net_j) < 1e-5 * throughput_j  # measured 1e-7
    assert abs(stored_j) > 1e5  # the nodes really changed temperature


def test_thermal_step_scalar_matches_closed_form_decay():
    """With G → 0 the payload node is decoupled: C_p dT/dt = P exactly linear."""
    tp, tr = thermal_step(300.0, 300.0, 1000.0, 0.0, 0.0, 1e4, 1e3, 0.0, 1.0, 0.9, 2, 60.0)
    assert tp == pytest.approx(300.0 + 1000.0 * 60.0 / 1e4, abs=1e-9)
    assert tr < 300.0 and math.isfinite(tr)


def test_violent_transient_falls_back_to_the_robust_step():
    """A 1000 K radiator on a 50 J/K panel at dt = 600 s: the fixed-step Newton cannot
    converge, the kernel redoes the step from an upper bound; same answer as thermal_step."""
    fleet = payload_fleet(n=2, c_radiator_j_k=50.0)
    initialise_payload(fleet, 0, initial_temperature_k=300.0)
    fleet.t_radiator_k[:] = [1000.0, 300.0]
    expected = [thermal_step(300.0, t_r, 3000.0, 0.0, 0.0, 30e3, 50.0, 200.0, 2.5, 0.9, 2, 600.0)
                for t_r in (1000.0, 300.0)]
    step_payload_fleet(fleet, 0.0, 600.0, (1.0, 0.0, 0.0), 1361.0, 0, PayloadEvents.empty(2))
    np.testing.assert_allclose(fleet.t_payload_k, [e[0] for e in expected], atol=1e-6)
    np.testing.assert_allclose(fleet.t_radiator_k, [e[1] for e in expected], atol=1e-6)


@settings(max_examples=200, deadline=None)
@given(
    t_payload_k=st.floats(3.0, 2000.0), t_radiator_k=st.floats(3.0, 2000.0),
    p_heat_w=st.floats(0.0, 1e5), q_start_w=st.floats(0.0, 1e4), q_end_w=st.floats(0.0, 1e4),
    c_payload_j_k=st.floats(10.0, 1e6), c_radiator_j_k=st.floats(1.0, 1e6),
    g_w_k=st.floats(0.0, 1e4), area_m2=st.floats(0.01, 100.0), dt_s=st.floats(0.1, SECONDS_PER_HOUR),
)
def test_thermal_step_always_finite(t_payload_k, t_radiator_k, p_heat_w, q_start_w, q_end_w,
                                    c_payload_j_k, c_radiator_j_k, g_w_k, area_m2, dt_s):
    """Any physical input and step gives finite temperatures at or above the 3 K sink."""
    tp, tr = thermal_step(t_payload_k, t_radiator_k, p_heat_w, q_start_w, q_end_w,
                          c_payload_j_k, c_radiator_j_k, g_w_k, area_m2, 0.9, 2, dt_s)
    assert math.isfinite(tp) and math.isfinite(tr) and tr >= 3.0
