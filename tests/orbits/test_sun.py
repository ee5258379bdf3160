"""Sun ephemeris, eclipses (conical and cylindrical), beta angle."""
from __future__ import annotations

import math

import numpy as np
import pytest

from sim.core.constants import AU_M, R_EARTH_EQUATORIAL_M, R_SUN_M, SECONDS_PER_DAY
from sim.core.timescale import TT_MINUS_UTC_D, TT_MINUS_UTC_S, julian_date_utc, parse_utc
from sim.orbits.j2 import J2Propagator, orbital_period_s
from sim.orbits.shells import sso
from sim.orbits.sun import (
    beta_angle_rad,
    illumination,
    illumination_conical,
    illumination_cylindrical,
    shadow_fraction_cylindrical,
    sun_position_eci_m,
)

RE = R_EARTH_EQUATORIAL_M


def _circular_orbit_illumination(altitude_m, beta_rad, model, dt_s=0.25):
    """Sample one Keplerian circular orbit; the Sun at 1 AU makes angle beta with the plane."""
    r = RE + altitude_m
    period = float(orbital_period_s(r))
    theta = np.arange(0.0, period, dt_s) * (2 * math.pi / period)
    positions = np.ascontiguousarray(np.vstack((r * np.cos(theta), r * np.sin(theta), np.zeros_like(theta))))
    sun = np.array([AU_M * math.cos(beta_rad), 0.0, AU_M * math.sin(beta_rad)])
    out = np.empty(theta.size)
    illumination(positions, sun, model, out)
    return out, period


# ------------------------------------------------------------------ Sun ephemeris

def test_sun_reproduces_vallado_example_5_1():
    # Vallado, Fundamentals of Astrodynamics, Example 5-1 (2006-04-02 00:00, same algorithm):
    # r_MOD = (146186212, 28788976, 12481064) km, RA 11.1409°, Dec 4.7884° (agree to 6e-5°)
    x, y, z = sun_position_eci_m(2453827.5)
    ours = np.array([x, y, z])
    ref = np.array([146186212.0, 28788976.0, 12481064.0]) * 1e3
    angle_deg = math.degrees(math.acos(ours @ ref / np.linalg.norm(ours) / np.linalg.norm(ref)))
    assert angle_deg < 1e-4
    assert np.linalg.norm(ours) == pytest.approx(np.linalg.norm(ref), rel=1e-6)
    assert math.degrees(math.atan2(y, x)) == pytest.approx(11.1409, abs=1e-4)
    assert math.degrees(math.asin(z / math.sqrt(x * x + y * y + z * z))) == pytest.approx(4.7884, abs=1e-4)


def test_sun_accuracy_against_meeus_example_25a():
    # Meeus, Astronomical Algorithms (2nd ed.), Example 25.a, 1992-10-13 0h TD, from the full
    # theory: apparent RA 198.38083°, Dec −7.78507°, R 0.99766 AU. Our model is good to ≈0.01°.
    x, y, z = sun_position_eci_m(2448908.5)
    distance = math.sqrt(x * x + y * y + z * z)
    assert math.degrees(math.atan2(y, x)) % 360 == pytest.approx(198.38083, abs=0.01)
    assert math.degrees(math.asin(z / distance)) == pytest.approx(-7.78507, abs=0.01)
    assert distance / AU_M == pytest.approx(0.99766, abs=2e-5)


# ------------------------------------------------------------------ eclipse durations

def test_beta_zero_cylindrical_shadow_is_35_6_min_at_550_km():
    # MODELS.md §5 (C): 35.6 of 95.65 min; exact closed form T·asin(Re/r)/π
    lit, period = _circular_orbit_illumination(550e3, 0.0, model=1)
    shadow_s = np.count_nonzero(lit == 0.0) * 0.25
    closed_form_s = period * math.asin(RE / (RE + 550e3)) / math.pi
    assert shadow_s / 60 == pytest.approx(35.6, abs=0.05)
    assert shadow_s == pytest.approx(closed_form_s, abs=0.5)


def test_conical_umbra_and_penumbra_at_beta_zero():
    """Umbra and penumbra of the apparent-disc model against the cone geometry.

    In the orbit plane at β = 0 the umbra cone (half-angle f_u = asin((R_S − R_E)/d)) is left
    where r sin(φ + f_u) = R_E and the penumbra cone where r sin(φ − f_p) = R_E (φ from the
    anti-Sun axis), so umbra = T(asin(R_E/r) − f_u)/π and umbra + penumbra =
    T(asin(R_E/r) + f_p)/π: ≈8 s shorter and longer than the cylinder (MODELS.md §5, "roughly
    ten seconds"; Montenbruck & Gill, Satellite Orbits, §3.4.2).
    """
    lit, period = _circular_orbit_illumination(550e3, 0.0, model=0)
    r = RE + 550e3
    f_u = math.asin((R_SUN_M - RE) / AU_M)
    f_p = math.asin((R_SUN_M + RE) / AU_M)
    umbra_s = np.count_nonzero(lit == 0.0) * 0.25
    any_shadow_s = np.count_nonzero(lit < 1.0) * 0.25
    cylinder_s = period * math.asin(RE / r) / math.pi
    assert umbra_s == pytest.approx(period * (math.asin(RE / r) - f_u) / math.pi, abs=0.5)
    assert any_shadow_s == pytest.approx(period * (math.asin(RE / r) + f_p) / math.pi, abs=0.5)
    assert 5.0 < cylinder_s - umbra_s < 15.0
    # the penumbra is symmetric about the cylinder's edge: lost sunlight matches the cylinder
    assert np.sum(1.0 - lit) * 0.25 == pytest.approx(cylinder_s, abs=1.0)
    penumbra = lit[(lit > 0.0) & (lit < 1.0)]
    assert penumbra.size > 0 and np.all(np.diff(np.sort(penumbra)) >= 0)


@pytest.mark.parametrize("model", [0, 1])
def test_no_eclipse_above_beta_star_at_550_km(model):
    # MODELS.md §5 (C): β* = 67.0° at 550 km (the penumbra adds 0.27°)
    lit, _ = _circular_orbit_illumination(550e3, math.radians(67.5), model, dt_s=1.0)
    assert lit.min() == 1.0
    lit, _ = _circular_orbit_illumination(550e3, math.radians(66.5), model, dt_s=1.0)
    assert lit.min() == 0.0


@pytest.mark.parametrize("beta_deg", [0.0, 30.0, 55.0, 66.0])
def test_cylindrical_shadow_fraction_closed_form(beta_deg):
    lit, period = _circular_orbit_illumination(550e3, math.radians(beta_deg), model=1)
    sampled = np.count_nonzero(lit == 0.0) * 0.25 / period
    assert sampled == pytest.approx(float(shadow_fraction_cylindrical(550e3, math.radians(beta_deg))),
                                    abs=1e-4)


def test_array_kernel_matches_scalar_functions():
    rng = np.random.default_rng(5)
    n = 2000
    r = rng.normal(size=(3, n))
    r *= (RE + rng.uniform(-100e3, 40000e3, n)) / np.linalg.norm(r, axis=0)
    r = np.ascontiguousarray(r)
    sun = np.array([0.3, -0.9, 0.2]) * AU_M
    out_c, out_y = np.empty(n), np.empty(n)
    illumination(r, sun, 0, out_c)
    illumination(r, sun, 1, out_y)
    for i in range(0, n, 7):
        assert out_c[i] == illumination_conical(*r[:, i], *sun)
        assert out_y[i] == illumination_cylindrical(*r[:, i], *sun)
    assert out_c.min() >= 0.0 and out_c.max() <= 1.0
    assert set(np.unique(out_y)) <= {0.0, 1.0}


def test_beta_angle_against_the_orbit_normal():
    # β = 90° − angle(Sun, orbit normal); the normal from r × v of the orbit itself
    rng = np.random.default_rng(9)
    raan, inc = rng.uniform(0, 2 * math.pi, 50), rng.uniform(0, math.pi, 50)
    sun = rng.normal(size=3)
    sun /= np.linalg.norm(sun)
    beta = beta_angle_rad(raan, inc, *sun)
    for k in range(50):
        node = np.array([math.cos(raan[k]), math.sin(raan[k]), 0.0])
        top = np.array([-math.sin(raan[k]) * math.cos(inc[k]), math.cos(raan[k]) * math.cos(inc[k]),
                        math.sin(inc[k])])
        normal = np.cross(node, top)
        assert beta[k] == pytest.approx(math.pi / 2 - math.acos(normal @ sun), abs=1e-12)


def _dawn_dusk_day(epoch_iso, ltan_h, dt_s=20.0):
    """Illumination of a 650 km SSO over one day, Sun from the ephemeris at every step."""
    jd0 = julian_date_utc(parse_utc(epoch_iso))
    el = sso(650.0, ltan_h, 1, jd0)
    p = J2Propagator(el["a_m"], el["e"], el["inc_rad"], el["raan_rad"], el["argp_rad"],
                     el["mean_anomaly_rad"], dt_s)
    r, v = np.empty((3, 1)), np.empty((3, 1))
    sun = np.empty(3)
    lit = np.empty(1)
    out = []
    for k in range(int(SECONDS_PER_DAY / dt_s)):
        t = k * dt_s
        p.propagate(t, r, v)
        sun[:] = sun_position_eci_m(jd0 + (t + TT_MINUS_UTC_S) / SECONDS_PER_DAY)
        illumination(r, sun, 0, lit)
        out.append(lit[0])
    s = np.array(sun_position_eci_m(jd0 + TT_MINUS_UTC_D))
    beta = float(beta_angle_rad(el["raan_rad"], el["inc_rad"], *(s / np.linalg.norm(s)))[0])
    return np.array(out), p, beta


def test_dawn_dusk_sso_is_sunlit_at_the_equinox():
    # MODELS.md §5: a dawn–dusk SSO sees no eclipse for most of the year
    lit, _, beta = _dawn_dusk_day("2026-03-20T12:00:00Z", 18.0)
    assert abs(math.degrees(beta)) > 80.0
    assert lit.min() == 1.0


def test_dawn_dusk_sso_eclipse_season_at_the_solstice():
    """LTAN 18:00 at the June solstice: |β| ≈ 90° − 23.44° − (i − 90°) ≈ 58.5° < β* = 65.2°,
    so short eclipses, ≤ ~20 min per orbit (MODELS.md §5); the sampled shadow per orbit
    matches the cylindrical closed form at that β within a minute. LTAN 06:00 has none then."""
    lit, p, beta = _dawn_dusk_day("2026-06-21T12:00:00Z", 18.0)
    period_s = 2 * math.pi / (p.mean_motion_rad_s[0] + p.argp_dot_rad_s[0])
    shadow_min_per_orbit = np.sum(1.0 - lit) * 20.0 / (SECONDS_PER_DAY / period_s) / 60.0
    expected = float(shadow_fraction_cylindrical(650e3, beta)) * period_s / 60.0
    print(f"\nLTAN 18 SSO at the June solstice: beta {math.degrees(beta):.1f} deg, "
          f"{shadow_min_per_orbit:.1f} min of shadow per orbit (closed form {expected:.1f})")
    assert 57.0 < abs(math.degrees(beta)) < 61.0
    assert 10.0 < shadow_min_per_orbit <= 21.0
    assert shadow_min_per_orbit == pytest.approx(expected, abs=1.0)
    lit_morning, _, _ = _dawn_dusk_day("2026-06-21T12:00:00Z", 6.0)
    assert lit_morning.min() == 1.0


def test_vectorised_classification_equals_the_scalar_conical_model():
    """The array kernel classifies sunlit and umbra satellites in a branch-free pass and sends
    only the penumbra to `illumination_conical`; the result must be that function's, exactly,
    including positions within a few km of the shadow boundaries."""
    from sim.orbits.sun import ILLUMINATION_CONICAL, illumination_conical, illumination_range
    rng = np.random.default_rng(11)
    sun = np.array([1.47e11, 2.0e10, -8.0e9])
    sun_unit = sun / np.linalg.norm(sun)
    n = 200_000
    radius = 6378137.0 + rng.uniform(150e3, 40000e3, n)
    direction = rng.normal(size=(3, n))
    direction /= np.linalg.norm(direction, axis=0)
    # half the sample hugs the terminator and the shadow cone, where the classes meet
    hug = rng.random(n) < 0.5
    along = np.einsum("i,ij->j", sun_unit, direction)
    direction[:, hug] -= (along[hug] + rng.uniform(0.0, 0.3, hug.sum())) * sun_unit[:, None]
    direction /= np.linalg.norm(direction, axis=0)
    r = np.ascontiguousarray(direction * radius)
    out = np.empty(n)
    illumination_range(0, n, r, sun[0], sun[1], sun[2], ILLUMINATION_CONICAL, out)
    expected = np.array([illumination_conical(r[0, i], r[1, i], r[2, i], *sun) for i in range(n)])
    assert np.count_nonzero((expected > 0) & (expected < 1)) > 100  # penumbra was sampled
    np.testing.assert_array_equal(out, expected)
