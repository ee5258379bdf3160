"""Attitude laws: body frames, array and radiator cosines, the yaw-steering yaw rate and its
ADCS limit."""
from __future__ import annotations

import math

import numpy as np
import pytest

from sim.config import scenario_from_dict
from sim.core.constants import MU_EARTH_M3_S2, R_EARTH_EQUATORIAL_M
from sim.core.simulation import Simulation
from sim.orbits import attitude as att
from tests.helpers import advance_ticks

A_M = R_EARTH_EQUATORIAL_M + 550e3
N_RAD_S = math.sqrt(MU_EARTH_M3_S2 / A_M**3)
INC, RAAN = math.radians(53.0), math.radians(30.0)


def _plane():
    """Orbit-plane unit vectors p (node), q, and the normal h of a circular orbit."""
    cO, sO, ci, si = math.cos(RAAN), math.sin(RAAN), math.cos(INC), math.sin(INC)
    p = np.array([cO, sO, 0.0])
    q = np.array([-sO * ci, cO * ci, si])
    return p, q, np.cross(p, q)


def _state(t_s, u0=0.0):
    """Keplerian circular orbit at t_s (the test's own, no J2)."""
    p, q, _ = _plane()
    u = u0 + N_RAD_S * t_s
    r = A_M * (math.cos(u) * p + math.sin(u) * q)
    v = A_M * N_RAD_S * (-math.sin(u) * p + math.cos(u) * q)
    return r, v


def _sun_at_beta(beta_deg, ecliptic_phase=0.7):
    """A fixed Sun direction at elevation beta above the orbit plane."""
    p, q, h = _plane()
    b = math.radians(beta_deg)
    in_plane = math.cos(ecliptic_phase) * p + math.sin(ecliptic_phase) * q
    return math.cos(b) * in_plane + math.sin(b) * h


def _closed_form(r, s_hat, beta_rad):
    """Kouba (2009), eqs. 1–2 (Bar-Sever 1996): ψ = atan2(−tan β, sin μ),
    ψ̇ = μ̇ tan β cos μ / (sin²μ + tan²β), μ the orbit angle from orbit midnight (the point of
    the orbit farthest from the Sun), μ̇ = n for a Keplerian circular orbit and a fixed Sun."""
    _, _, h = _plane()
    midnight = -(s_hat - math.sin(beta_rad) * h)
    midnight /= np.linalg.norm(midnight)
    r_hat = r / np.linalg.norm(r)
    mu = math.atan2(np.dot(np.cross(midnight, r_hat), h), np.dot(midnight, r_hat))
    tb = math.tan(beta_rad)
    return (math.atan2(-tb, math.sin(mu)),
            N_RAD_S * tb * math.cos(mu) / (math.sin(mu) ** 2 + tb * tb), mu)


@pytest.mark.parametrize("beta_deg", [-40.0, -3.0, 2.0, 10.0, 60.0])
def test_yaw_rate_matches_the_closed_form_in_beta_and_orbit_angle(beta_deg):
    """Validation: over one orbit, the kernel's yaw angle differentiated numerically (central
    differences, ±0.5 s) and its yaw rate both match ψ̇ = μ̇ tan β cos μ/(sin²μ + tan²β)
    (Kouba 2009 eq. 2, computed here from β and μ), and its yaw matches eq. 1."""
    s_hat = _sun_at_beta(beta_deg)
    beta = math.radians(beta_deg)
    period = 2 * math.pi / N_RAD_S
    peak = N_RAD_S / abs(math.tan(beta))
    for t in np.linspace(0.0, period, 721)[:-1]:
        r, v = _state(t)
        psi_ref, rate_ref, _ = _closed_form(r, s_hat, beta)
        psi = att.yaw_angle_rad(*r, *v, *s_hat)
        assert abs((psi - psi_ref + math.pi) % (2 * math.pi) - math.pi) < 1e-9
        rate = att.yaw_rate_rad_s(*r, *v, *s_hat)
        assert rate == pytest.approx(rate_ref, rel=1e-9, abs=1e-12 * peak)
        (r0, v0), (r1, v1) = _state(t - 0.5), _state(t + 0.5)
        d_psi = att.yaw_angle_rad(*r1, *v1, *s_hat) - att.yaw_angle_rad(*r0, *v0, *s_hat)
        d_psi = (d_psi + math.pi) % (2 * math.pi) - math.pi
        assert d_psi / 1.0 == pytest.approx(rate_ref, rel=2e-3, abs=2e-3 * peak)


@pytest.mark.parametrize("beta_deg", [-25.0, 0.5, 35.0])
def test_body_frames_and_mountings(beta_deg):
    """Consistency checks of the conventions: right-handed frames; yaw steering keeps the Sun
    in x_b–z_b (tracking wing at normal incidence, edge-on radiator sees no Sun) and is the
    nadir_fixed frame turned by ψ about nadir; nadir_fixed wing at cos β, edge-on radiator
    faces at ∓sin β; sun_pointing array normal to the Sun, the nadir-mount face anti-Sun."""
    s = _sun_at_beta(beta_deg)
    b = math.radians(beta_deg)
    for t in np.linspace(0.0, 5000.0, 37):
        r, v = _state(t)
        r_hat = r / np.linalg.norm(r)
        frames = {}
        for code in att.ATTITUDES.values():
            axes = np.array(att.body_axes(code, *r, *v, *s)).reshape(3, 3)
            np.testing.assert_allclose(axes @ axes.T, np.eye(3), atol=1e-12)
            np.testing.assert_allclose(np.cross(axes[0], axes[1]), axes[2], atol=1e-12)
            frames[code] = axes
        ys = att.ATTITUDE_YAW_STEERING
        assert abs(np.dot(frames[ys][1], s)) < 1e-12 and np.dot(frames[ys][0], s) >= -1e-12
        assert att.array_cos_incidence(ys, 1, *r, *v, *s) == pytest.approx(1.0, abs=1e-12)
        cs_f, cs_b, cn_f, cn_b = att.radiator_face_cosines(ys, att.MOUNT_EDGE_ON_SUN, *r, *v, *s)
        assert max(abs(cs_f), abs(cs_b), abs(cn_f), abs(cn_b)) < 1e-12
        cs_f, _, cn_f, _ = att.radiator_face_cosines(ys, att.MOUNT_NADIR, *r, *v, *s)
        assert cs_f == pytest.approx(-np.dot(r_hat, s), abs=1e-12) and cn_f == pytest.approx(1.0)
        psi = att.yaw_angle_rad(*r, *v, *s)
        x_l, y_l, _ = frames[att.ATTITUDE_NADIR_FIXED]
        np.testing.assert_allclose(frames[ys][1], -math.sin(psi) * x_l + math.cos(psi) * y_l, atol=1e-9)
        nf = att.ATTITUDE_NADIR_FIXED
        assert att.array_cos_incidence(nf, 1, *r, *v, *s) == pytest.approx(math.cos(b), abs=1e-12)
        cs_f, cs_b, _, _ = att.radiator_face_cosines(nf, att.MOUNT_EDGE_ON_SUN, *r, *v, *s)
        assert (cs_f, cs_b) == (pytest.approx(-math.sin(b), abs=1e-12), pytest.approx(math.sin(b), abs=1e-12))
        assert att.array_cos_incidence(nf, 0, *r, *v, *s) == pytest.approx(max(0.0, np.dot(r_hat, s)), abs=1e-12)
        sp = att.ATTITUDE_SUN_POINTING
        assert att.array_cos_incidence(sp, 0, *r, *v, *s) == pytest.approx(1.0, abs=1e-12)
        assert att.radiator_face_cosines(sp, att.MOUNT_NADIR, *r, *v, *s)[0] == pytest.approx(-1.0, abs=1e-12)


def _run_yaw_ticks(beta_deg, limit_deg_s, orbits=2.0, dt_s=10.0):
    s = _sun_at_beta(beta_deg)
    n = 1
    code = np.zeros(n, np.int8)
    start, end = np.zeros(n), np.zeros(n)
    rate, exceeded, exceeded_s = np.zeros(n), np.zeros(n, np.int8), np.zeros(n)
    side = np.full(n, np.nan)
    attitude = np.zeros(n, np.int8)
    limit = np.full(n, math.radians(limit_deg_s))
    events = []
    steps = int(orbits * 2 * math.pi / N_RAD_S / dt_s)
    r0, v0 = _state(0.0, u0=0.3)
    att.yaw_tick_serial(1, -dt_s, dt_s, np.ascontiguousarray(r0[:, None]), np.ascontiguousarray(v0[:, None]),
                        *s, attitude, limit, rate, exceeded, exceeded_s, side, code, start, end)
    exceeded_s[:] = 0.0
    for k in range(1, steps + 1):
        r, v = _state(k * dt_s, u0=0.3)
        att.yaw_tick_serial(1, (k - 1) * dt_s, dt_s, np.ascontiguousarray(r[:, None]),
                            np.ascontiguousarray(v[:, None]), *s, attitude, limit, rate, exceeded,
                            exceeded_s, side, code, start, end)
        if code[0] in (att.YAW_EVENT_START, att.YAW_EVENT_BOTH):
            events.append(("start", start[0]))
        if code[0] in (att.YAW_EVENT_END, att.YAW_EVENT_BOTH):
            events.append(("end", end[0]))
    return events, exceeded_s[0], steps * dt_s


@pytest.mark.parametrize("beta_deg,limit_deg_s", [(2.0, 0.2), (-8.0, 0.2), (0.01, 0.2), (20.0, 0.1)])
def test_time_above_the_adcs_limit_matches_the_closed_form_window(beta_deg, limit_deg_s):
    """Validation: yaw steering needs more than the limit R for |φ| < φ* around orbit noon and
    midnight, cos φ* solving R cos²φ + ω t cos φ − R (1 + t²) = 0 with t = |tan β| (from
    Kouba's eq. 2, solved here by numpy.roots); the kernel's windows (start/end events
    alternating, two per orbit, including windows narrower than the 10 s tick at β = 0.01°)
    and its accumulated time match 2φ*/ω per window within 0.5 s."""
    t = abs(math.tan(math.radians(beta_deg)))
    big_r = math.radians(limit_deg_s)
    roots = np.roots([big_r, N_RAD_S * t, -big_r * (1 + t * t)])
    c = max(x.real for x in roots if abs(x.imag) < 1e-12)
    window_s = 2 * math.acos(c) / N_RAD_S
    events, exceeded_s, _ = _run_yaw_ticks(beta_deg, limit_deg_s)
    kinds = [k for k, _ in events]
    assert kinds == ["start", "end"] * (len(kinds) // 2) and len(kinds) == 8
    durations = [e[1] - s[1] for s, e in zip(events[::2], events[1::2])]
    np.testing.assert_allclose(durations, window_s, atol=0.5)
    assert exceeded_s == pytest.approx(4 * window_s, abs=2.0)


def test_no_exceedance_at_high_beta():
    """Consistency check: at β = 40° the peak ω/tan β = 0.075 °/s stays under 0.2 °/s."""
    events, exceeded_s, _ = _run_yaw_ticks(40.0, 0.2)
    assert events == [] and exceeded_s == 0.0


def test_the_orbits_subsystem_records_the_time_above_the_limit():
    """The per-shell law and limit reach the fleet; yaw-steered satellites report their
    windows as events and in the summary, the nadir_fixed shell none."""
    sim = Simulation(scenario_from_dict({
        "name": "yaw", "epoch": "2026-03-01T00:00:00Z", "duration": "6h", "dt_s": 10,
        "constellation": [
            {"name": "steered", "adcs": {"max_yaw_rate_deg_s": 0.3},
             "walker": {"altitude_km": 550, "inclination_deg": 53, "planes": 6, "sats_per_plane": 1}},
            {"name": "fixed", "attitude": "nadir_fixed",
             "walker": {"altitude_km": 550, "inclination_deg": 53, "planes": 2, "sats_per_plane": 1}},
        ],
    }))
    f = sim.fleet
    assert list(f.attitude) == [0] * 6 + [1] * 2
    np.testing.assert_allclose(f.max_yaw_rate_rad_s[:6], math.radians(0.3))
    seen = []
    for kind in ("yaw_rate_limit_start", "yaw_rate_limit_end"):
        sim.events.subscribe(kind, lambda t, s, a, b, c, kind=kind: seen.extend(
            (kind, float(x), int(k), float(p)) for x, k, p in zip(t, s, a)))
    advance_ticks(sim, range(1, 6 * 360 + 1))
    assert all(k < 6 for _, _, k, _ in seen)
    assert all(p > 0.3 for _, _, _, p in seen)
    orbits = sim.subsystem("orbits").summary()
    hours = orbits["yaw_rate_exceeded_hours"][0]
    assert hours == pytest.approx(f.yaw_rate_exceeded_s.sum() / 3600.0)
    assert f.yaw_rate_exceeded_s[6:].sum() == 0.0
    if seen:
        assert hours > 0.0
