"""Decay, lifetime and station-keeping against closed forms (sim.lifetime.kernels)."""
from __future__ import annotations

import math

import numpy as np
import pytest

from sim.core.constants import MU_EARTH_M3_S2, R_EARTH_EQUATORIAL_M
from sim.lifetime.kernels import EXPONENTIAL_TABLE, exponential_density
from tests.lifetime.helpers import a_of, equatorial, speed_m_s

CD, MASS, AREA = 2.2, 100.0, 1.0


def _no_keeping(**extra):
    return {"mass_kg": MASS, "body_area_m2": AREA, "reentry_altitude_km": 150,
            "station_keeping": {"enabled": False}, "propulsion": {"propellant_kg": 0.0}, **extra}


def test_exponential_table_is_vallado_8_4():
    """Reference: Vallado, Fundamentals of Astrodynamics and Applications, 4th ed., Table 8-4
    (ρ at each base altitude is the tabulated nominal density)."""
    for h0, rho0, _ in EXPONENTIAL_TABLE:
        assert exponential_density(h0, EXPONENTIAL_TABLE) == pytest.approx(rho0, rel=1e-12)
    assert exponential_density(375.0, EXPONENTIAL_TABLE) == pytest.approx(9.518e-12 * math.exp(-25 / 53.298))


def test_decay_rate_matches_the_circular_orbit_formula(tmp_path):
    """Reference: da/dt = −ρ (C_d A/m) √(μa) (King-Hele, Satellite Orbits in an Atmosphere, 1987;
    MODELS.md §13.2), with the same (constant, equatorial circular orbit) density over one day."""
    sim = equatorial(400.0, "1d", _no_keeping())
    sim.run(tmp_path / "run.h5")
    a0 = a_of(400.0)
    rho = exponential_density(400.0, EXPONENTIAL_TABLE)
    expected = -rho * CD * AREA / MASS * math.sqrt(MU_EARTH_M3_S2 * a0) * 86400.0
    got = sim.fleet.mean_a_m[0] - a0
    assert got == pytest.approx(expected, rel=5e-3)
    assert sim.fleet.drag_area_m2[0] == pytest.approx(AREA, rel=1e-9)


def test_lifetime_in_an_exponential_atmosphere_matches_king_hele(tmp_path):
    """Reference: King-Hele's circular-orbit lifetime in an atmosphere of constant scale height H,
    t = H/(ρ₀ B √(μa₀)) (1 − e^{−(h₀ − h₁)/H}), B = C_d A/m (King-Hele 1987, ch. 4; the √a
    variation, < 0.5 % here, is left out of the closed form). Vallado's 300–350 km band is
    exactly exponential (H = 53.628 km)."""
    h0, h1, area = 348.0, 302.0, 30.0
    sim = equatorial(h0, "2d", _no_keeping(body_area_m2=area, reentry_altitude_km=h1))
    sim.run(tmp_path / "run.h5")
    rho0 = exponential_density(h0, EXPONENTIAL_TABLE)
    scale_m = 53.628e3
    expected_s = scale_m / (rho0 * CD * area / MASS * math.sqrt(MU_EARTH_M3_S2 * a_of(h0))) * (
        1.0 - math.exp(-(h0 - h1) * 1e3 / scale_m))
    assert sim.fleet.reentered[0] == 1
    assert sim.subsystem("lifetime").first_reentry_s == pytest.approx(expected_s, rel=0.01)


def test_station_keeping_delta_v_matches_the_drag_impulse(tmp_path):
    """Reference: at constant density the thrust must cancel the drag impulse ∫ ½ρv²C_dA/m dt
    (integrated by hand: ½ρv²(C_dA/m)·T, ρ of the band's middle); the residue is at most the deadband's Δv
    (Δa v/(2a)). Propellant: Tsiolkovsky, m0(1 − e^{−Δv/(Isp g0)})."""
    days = 20.0
    sim = equatorial(400.0, f"{days}d", {"mass_kg": MASS, "body_area_m2": 5.0, "reentry_altitude_km": 150,
                                         "station_keeping": {"deadband_km": 0.5},
                                         "propulsion": {"propellant_kg": 20.0}})
    sim.run(tmp_path / "run.h5")
    f = sim.fleet
    a0 = a_of(400.0)
    rho = exponential_density(400.0 - 0.25, EXPONENTIAL_TABLE)   # the middle of the 0.5 km band
    v = np.linalg.norm(f.v_eci_m_s[:, 0])   # the J2 mean-element speed (≈0.15 % above √(μ/a))
    impulse = 0.5 * rho * v ** 2 * CD * 5.0 / MASS * days * 86400.0
    deadband_dv = 500.0 * speed_m_s(a0) / (2 * a0)
    assert f.drag_delta_v_m_s[0] == pytest.approx(impulse, rel=5e-3)
    assert abs(f.delta_v_m_s[0] - f.drag_delta_v_m_s[0]) <= deadband_dv + 2e-3 * impulse
    used = f.propellant_used_kg[0]
    assert used == pytest.approx(MASS * (1 - math.exp(-f.delta_v_m_s[0] / (1390 * 9.80665))), rel=1e-9)
    assert used + f.propellant_kg[0] == pytest.approx(20.0, rel=1e-12)
    assert f.mass_kg[0] == pytest.approx(MASS - used, rel=1e-12)
    # the thruster's electrical power is on the bus while it fires (consistency check)
    power = 0.013 * 9.80665 * 1390 / (2 * 0.44)
    assert f.thrust_energy_j[0] == pytest.approx(power * f.thrust_s[0], rel=1e-9)
    assert (f.mean_a_m[0] - a0) >= -500.0 - 50.0


def test_propellant_runs_out_then_the_orbit_decays(tmp_path):
    """Consistency check: with a little propellant the thruster stops when it is gone, an event
    marks it, and decay continues."""
    sim = equatorial(400.0, "10d", {"mass_kg": MASS, "body_area_m2": 5.0, "reentry_altitude_km": 150,
                                    "station_keeping": {"deadband_km": 0.2},
                                    "propulsion": {"propellant_kg": 0.01}})
    sim.run(tmp_path / "run.h5")
    f = sim.fleet
    assert f.propellant_kg[0] == 0.0 and f.thrusting[0] == 0
    assert f.propellant_used_kg[0] == pytest.approx(0.01, rel=1e-12)
    assert f.mean_a_m[0] < a_of(400.0) - 1000.0


def test_reentry_loses_the_gpus_and_positions_follow_the_decay(tmp_path):
    """Consistency check: re-entry sets the GPUs lost (lost_devices badput), the payload draws
    nothing from then on (bus power 0, no load served, the battery full) and the propagated
    radius follows the decayed mean semi-major axis."""
    sim = equatorial(300.0, "3d", _no_keeping(body_area_m2=20.0, reentry_altitude_km=250))
    sim.run(tmp_path / "run.h5")
    f = sim.fleet
    assert f.reentered[0] == 1 and f.gpu_count[0] == 0
    assert f.bus_power_w[0] == 0.0 and f.p_load_w[0] == 0.0
    assert f.soc[0] == pytest.approx(1.0)
    assert np.linalg.norm(f.r_eci_m[:, 0]) == pytest.approx(f.mean_a_m[0], abs=1.0)
    assert (f.mean_a_m[0] - R_EARTH_EQUATORIAL_M) / 1e3 < 250.0


def test_differential_drag_follows_the_areas(tmp_path):
    """Consistency check: two satellites of one formation with different body areas decay in
    proportion to their areas (the larger one, lower, sees ~1 % denser air after two days)."""
    sim = equatorial(400.0, "2d", _no_keeping(), n=2)
    sim.fleet.drag_body_area_m2[1] = 2.0 * AREA
    sim.run(tmp_path / "run.h5")
    d = sim.fleet.drag_decay_m
    assert d[1] / d[0] == pytest.approx(2.0, rel=1e-2)
    assert d[1] / d[0] > 2.0
