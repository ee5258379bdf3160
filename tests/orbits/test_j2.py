"""The J2 secular model: rates, closed form vs numerical integration, the fast path, serial ≡ parallel."""
from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.integrate import solve_ivp
from scipy.optimize import brentq

from sim.core.constants import J2_EARTH, MU_EARTH_M3_S2, R_EARTH_EQUATORIAL_M, SECONDS_PER_DAY
from sim.orbits import j2
from sim.orbits.j2 import (
    FAST_MAX_E,
    J2Propagator,
    j2_secular_rates,
    kepler_eccentric_anomaly,
    orbital_period_s,
    propagate_j2,
    sso_inclination_rad,
)
from tests.helpers import lower_parallel_threshold

RE = R_EARTH_EQUATORIAL_M
MU = MU_EARTH_M3_S2


@pytest.fixture
def one_numba_thread():
    """Loops of thousands of tiny kernel launches: the numerics do not depend on the
    thread count, and on a shared 2-core machine each parallel launch can wait for a
    descheduled worker, so these tests run single-threaded."""
    import numba

    before = numba.get_num_threads()
    numba.set_num_threads(1)
    yield
    numba.set_num_threads(before)


def _one(x):
    return np.array([float(x)])


def _closed_form(t_s, a, e, inc, raan=0.0, argp=0.0, M=0.0):
    el = [_one(a), _one(e), _one(inc), _one(raan), _one(argp), _one(M)]
    rates = j2_secular_rates(*el[:3])
    r = np.empty((3, 1))
    v = np.empty((3, 1))
    propagate_j2(float(t_s), *el, *rates, r, v)
    return r[:, 0], v[:, 0]


def _two_body_j2(t, y):
    """Point mass + J2 acceleration (Vallado eq. 8-30), the numerical reference."""
    x, yy, z = y[:3]
    r = math.sqrt(x * x + yy * yy + z * z)
    k = 1.5 * J2_EARTH * MU * RE**2 / r**5
    zz = 5.0 * z * z / (r * r)
    return [y[3], y[4], y[5],
            -MU * x / r**3 + k * x * (zz - 1.0),
            -MU * yy / r**3 + k * yy * (zz - 1.0),
            -MU * z / r**3 + k * z * (zz - 3.0)]


def _osculating_start(a, inc):
    """Numerical start state: the model's position at the ascending node, speed set so the
    osculating a includes the first-order J2 short-period term 1.5 J2 Re²/a sin²i cos 2u
    (Kozai 1959) at u = 0; otherwise the mean state, taken as osculating, is ~5 km off in a."""
    r0, v0 = _closed_form(0.0, a, 0.0, inc)
    a_osc = a + 1.5 * J2_EARTH * RE**2 / a * math.sin(inc) ** 2
    speed = math.sqrt(MU * (2.0 / np.linalg.norm(r0) - 1.0 / a_osc))
    return np.concatenate((r0, v0 / np.linalg.norm(v0) * speed))


# ------------------------------------------------------------------ reference numbers

def test_period_at_550_km_is_95_65_min():
    # MODELS.md §9 (C): 95.65 min at 550 km
    assert orbital_period_s(RE + 550e3) / 60.0 == pytest.approx(95.65, abs=0.05)


@pytest.mark.parametrize("altitude_km, inclination_deg",
                         [(500, 97.40), (550, 97.59), (650, 97.99), (700, 98.19)])
def test_sso_inclination(altitude_km, inclination_deg):
    # MODELS.md §9 (C): SSO inclination of a circular orbit
    assert math.degrees(sso_inclination_rad(RE + altitude_km * 1e3)) == pytest.approx(inclination_deg, abs=0.05)


def test_sso_node_turns_0_9856_deg_per_day(one_numba_thread):
    # 360° / 365.2422 d = 0.98565°/day (MODELS.md §9); measured from the propagated orbit's
    # ascending-node crossings, not from the rate formula
    a = RE + 650e3
    inc = sso_inclination_rad(a)
    p = J2Propagator(_one(a), _one(0.0), _one(inc), _one(1.0), _one(0.0), _one(0.0), 10.0)
    r = np.empty((3, 1))
    v = np.empty((3, 1))
    nodes = []
    z_prev, xy_prev = None, None
    for k in range(8640 * 2 + 1):
        p.propagate(k * 10.0, r, v)
        z = r[2, 0]
        if z_prev is not None and z_prev < 0.0 <= z:
            f = -z_prev / (z - z_prev)
            x = xy_prev[0] + f * (r[0, 0] - xy_prev[0])
            y = xy_prev[1] + f * (r[1, 0] - xy_prev[1])
            nodes.append(((k - 1 + f) * 10.0, math.atan2(y, x)))
        z_prev, xy_prev = z, (r[0, 0], r[1, 0])
    t = np.array([n[0] for n in nodes])
    raan = np.unwrap([n[1] for n in nodes])
    rate_deg_day = math.degrees((raan[-1] - raan[0]) / (t[-1] - t[0])) * SECONDS_PER_DAY
    assert rate_deg_day == pytest.approx(360.0 / 365.2422, abs=2e-4)


def test_secular_rates_match_vallado_closed_forms():
    # Vallado, Fundamentals of Astrodynamics (4th ed.), eq. 9-41, written out independently
    a = np.array([RE + 400e3, RE + 550e3, RE + 1200e3, 26560e3])
    e = np.array([0.0005, 0.0, 0.001, 0.74])
    inc = np.append(np.radians([51.6, 53.0, 87.9]), math.acos(1 / math.sqrt(5)))  # 63.43° critical
    raan_dot, argp_dot, mdot = j2_secular_rates(a, e, inc)
    for k in range(4):
        n = math.sqrt(MU / a[k] ** 3)
        p = a[k] * (1 - e[k] ** 2)
        f = J2_EARTH * (RE / p) ** 2 * n
        assert raan_dot[k] == pytest.approx(-1.5 * f * math.cos(inc[k]), rel=1e-12)
        assert argp_dot[k] == pytest.approx(0.75 * f * (4 - 5 * math.sin(inc[k]) ** 2), rel=1e-12)
        assert mdot[k] == pytest.approx(
            n + 0.75 * f * math.sqrt(1 - e[k] ** 2) * (2 - 3 * math.sin(inc[k]) ** 2), rel=1e-12)
    # ISS-like orbit: the node regresses ≈5.0°/day (well-known figure)
    assert math.degrees(raan_dot[0]) * SECONDS_PER_DAY == pytest.approx(-5.0, abs=0.1)
    # Molniya at the critical inclination: no apsidal rotation
    assert abs(argp_dot[3]) < 1e-12 * abs(raan_dot[3])


def test_secular_rates_match_python_sgp4():
    # python-sgp4's own secular rates (Brouwer/Kozai mean motion, WGS72, J2 + J4 terms):
    # an independent implementation; J4, J2² and constants differ at the 0.5 % level
    from sgp4.api import WGS72, Satrec

    for alt_km, inc_deg in ((550, 53.0), (650, 97.99), (1200, 87.9)):
        a = RE + alt_km * 1e3
        sat = Satrec()
        n0 = math.sqrt(MU / a**3) * 60.0
        sat.sgp4init(WGS72, "i", 1, 27000.0, 0.0, 0.0, 0.0, 1e-4, 0.0, math.radians(inc_deg), 0.0,
                     n0, 0.0)
        mean_a = sat.a * sat.radiusearthkm * 1e3
        raan_dot, argp_dot, mdot = j2_secular_rates(_one(mean_a), _one(1e-4), _one(math.radians(inc_deg)))
        assert raan_dot[0] * 60 == pytest.approx(sat.nodedot, rel=5e-3)
        assert (argp_dot[0] + mdot[0]) * 60 == pytest.approx(sat.argpdot + sat.mdot, rel=1e-5)


# ------------------------------------------------------------------ closed form vs numerical truth

def test_closed_form_vs_solve_ivp_over_one_orbit():
    """The mean-element model against two-body + J2 integrated by scipy (DOP853, rtol 1e-10).

    A secular model omits the short-period J2 terms (amplitude ~J2 Re²/a ≈ 6 km in a at
    550 km), so the honest bound is kilometres: measured 1.5 km radial and along-track,
    metres cross-track, with the osculating start of _osculating_start.
    """
    a, inc = RE + 550e3, math.radians(53.0)
    raan_dot, argp_dot, mdot = j2_secular_rates(_one(a), _one(0.0), _one(inc))
    period = 2 * math.pi / mdot[0]
    times = np.linspace(0.0, period, 400)
    sol = solve_ivp(_two_body_j2, (0.0, period), _osculating_start(a, inc), method="DOP853",
                    rtol=1e-10, atol=1e-6, t_eval=times)
    worst = np.zeros(3)
    for k, t in enumerate(times):
        r, v = _closed_form(t, a, 0.0, inc)
        radial = r / np.linalg.norm(r)
        normal = np.cross(r, v)
        normal /= np.linalg.norm(normal)
        along = np.cross(normal, radial)
        d = sol.y[:3, k] - r
        worst = np.maximum(worst, np.abs([d @ radial, d @ along, d @ normal]))
    print(f"\nmean-element model vs solve_ivp, one orbit: radial {worst[0]:.0f} m, "
          f"along-track {worst[1]:.0f} m, cross-track {worst[2]:.1f} m")
    assert worst[0] < 3000.0
    assert worst[1] < 3000.0
    assert worst[2] < 100.0


@pytest.mark.parametrize("inclination_deg", [30.0, 53.0, 97.6])
def test_nodal_period_and_node_rate_vs_solve_ivp(inclination_deg):
    """Orbit-averaged behaviour is where a secular model is tight.

    Integrate two-body + J2 for a day (scipy DOP853, rtol 1e-10), average the osculating
    a and i over the first nodal period (the mean elements, to first order), and compare
    the model's nodal period 2π/(Ṁ + ω̇) and node rate Ω̇ at those mean elements with the
    numerical node crossings: measured within 0.07 s of ~5730 s and 0.25 %.
    """
    a, inc = RE + 550e3, math.radians(inclination_deg)
    sol = solve_ivp(_two_body_j2, (0.0, SECONDS_PER_DAY), _osculating_start(a, inc), method="DOP853",
                    rtol=1e-10, atol=1e-6, dense_output=True)
    grid = np.arange(0.0, SECONDS_PER_DAY, 30.0)
    z = sol.sol(grid)[2]
    crossings = np.array([brentq(lambda t: sol.sol(t)[2], grid[k], grid[k + 1], xtol=1e-9)
                          for k in range(len(grid) - 1) if z[k] < 0.0 <= z[k + 1]])
    nodes = np.unwrap([math.atan2(*sol.sol(t)[1::-1]) for t in crossings])
    samples = sol.sol(np.linspace(crossings[0], crossings[1], 2001)[:-1])
    r, v = samples[:3], samples[3:]
    a_osc = 1.0 / (2.0 / np.linalg.norm(r, axis=0) - (v**2).sum(axis=0) / MU)
    h = np.cross(r.T, v.T)
    i_osc = np.arccos(h[:, 2] / np.linalg.norm(h, axis=1))
    raan_dot, argp_dot, mdot = j2_secular_rates(_one(a_osc.mean()), _one(0.0), _one(i_osc.mean()))
    nodal_period_model = 2 * math.pi / (mdot[0] + argp_dot[0])
    nodal_period_numerical = np.diff(crossings).mean()
    node_rate_numerical = (nodes[-1] - nodes[0]) / (crossings[-1] - crossings[0])
    assert nodal_period_numerical == pytest.approx(nodal_period_model, abs=0.2)
    assert node_rate_numerical == pytest.approx(raan_dot[0], rel=5e-3)


def test_velocity_is_the_derivative_of_position():
    # central finite difference of the closed form (independent of the analytic velocity)
    for e in (0.0, 0.001, 0.3):
        for t in (0.0, 1234.5, 3 * SECONDS_PER_DAY):
            args = (RE + 700e3, e, math.radians(63.0), 0.4, 1.1, 2.0)
            _, v = _closed_form(t, *args)
            rp, _ = _closed_form(t + 0.01, *args)
            rm, _ = _closed_form(t - 0.01, *args)
            assert np.allclose((rp - rm) / 0.02, v, atol=1e-4)


def test_kepler_equation():
    for e in (0.0, 1e-5, 0.01, 0.3, 0.7, 0.95):
        for M in np.linspace(0.0, 2 * math.pi, 37):
            E = kepler_eccentric_anomaly(M, e)
            ref = brentq(lambda x: x - e * math.sin(x) - M, M - 1.0, M + 1.0, xtol=1e-15)
            assert E == pytest.approx(ref, abs=1e-12)


# ------------------------------------------------------------------ fast path

@pytest.mark.parametrize("reanchor_every", [360, 10**9])
def test_fast_path_matches_closed_form_after_a_day(reanchor_every, one_numba_thread):
    # 8,640 steps of 10 s by rotation recurrences vs the closed form: < 1 m (brief's bound)
    rng = np.random.default_rng(7)
    n = 400
    e = np.concatenate((np.zeros(100), rng.uniform(0, 1e-4, 100), rng.uniform(1e-4, FAST_MAX_E, 100),
                        rng.uniform(FAST_MAX_E, 0.7, 100)))
    a = RE + rng.uniform(400e3, 2000e3, n) + np.where(e > 0.1, 20000e3, 0.0)
    inc = rng.uniform(0, math.pi, n)
    raan, argp, M = (rng.uniform(0, 2 * math.pi, n) for _ in range(3))
    p = J2Propagator(a, e, inc, raan, argp, M, 10.0, reanchor_every=reanchor_every)
    r, v = np.empty((3, n)), np.empty((3, n))
    for k in range(8641):
        p.propagate(k * 10.0, r, v)
    r_ref, v_ref = np.empty((3, n)), np.empty((3, n))
    propagate_j2(SECONDS_PER_DAY, a, e, inc, raan, argp, M, p.raan_dot_rad_s, p.argp_dot_rad_s,
                 p.mean_motion_rad_s, r_ref, v_ref)
    dr = np.abs(r - r_ref).max()
    print(f"\nfast path vs closed form after 8,640 steps (reanchor {reanchor_every}): {dr:.2e} m")
    assert dr < 1.0
    assert np.abs(v - v_ref).max() < 1e-3


def test_off_grid_times_fall_back_to_the_closed_form():
    rng = np.random.default_rng(3)
    n = 50
    a, e = RE + rng.uniform(500e3, 900e3, n), rng.uniform(0, 0.005, n)
    inc, raan, argp, M = (rng.uniform(0, 3, n) for _ in range(4))
    p = J2Propagator(a, e, inc, raan, argp, M, 10.0)
    r, v = np.empty((3, n)), np.empty((3, n))
    r_ref, v_ref = np.empty((3, n)), np.empty((3, n))
    for t in (0.0, 10.0, 20.0, 17.3, 27.3, 5000.0, -300.0, -290.0):
        p.propagate(t, r, v)
        propagate_j2(t, a, e, inc, raan, argp, M, p.raan_dot_rad_s, p.argp_dot_rad_s,
                     p.mean_motion_rad_s, r_ref, v_ref)
        assert np.abs(r - r_ref).max() < 1e-3


# ------------------------------------------------------------------ serial ≡ parallel

@pytest.fixture
def parallel_from_64_satellites(monkeypatch):
    lower_parallel_threshold(monkeypatch, [j2], min_chunk=64)


def test_parallel_tick_advance_equals_the_serial_one(parallel_from_64_satellites, monkeypatch):
    """The tick advance in parallel chunks (the path of fleets above the threshold) gives the
    serial path's positions bit for bit, across re-anchors and with satellites of the
    closed-form subset (e > FAST_MAX_E). Velocities agree to 1e-11 m/s, not to the bit: the
    kernel is compiled with fastmath, and LLVM orders the three-term velocity sums differently
    in the two loops (measured ≤ 1e-12 m/s; the same kernel loaded from numba's cache differs
    from a fresh compile by as much)."""
    rng = np.random.default_rng(21)
    n = 300
    e = np.where(np.arange(n) % 10 == 0, 0.2, rng.uniform(0.0, FAST_MAX_E, n))
    a = RE + rng.uniform(400e3, 2000e3, n) + np.where(e > 0.1, 5000e3, 0.0)
    inc, raan, argp, M = (rng.uniform(0, 3, n) for _ in range(4))
    parallel = J2Propagator(a, e, inc, raan, argp, M, 10.0, reanchor_every=50)
    monkeypatch.setattr(j2, "parallel_chunk", lambda n: 0)
    serial = J2Propagator(a, e, inc, raan, argp, M, 10.0, reanchor_every=50)
    assert 64 <= parallel._chunk < n and parallel._advance is j2._advance  # several chunks
    assert serial._chunk == 0 and serial._advance is j2._advance_serial
    r_p, v_p, r_s, v_s = (np.empty((3, n)) for _ in range(4))
    for k in range(120):
        parallel.propagate(k * 10.0, r_p, v_p)
        serial.propagate(k * 10.0, r_s, v_s)
        np.testing.assert_array_equal(r_p, r_s)
        np.testing.assert_allclose(v_p, v_s, rtol=0.0, atol=1e-11)
