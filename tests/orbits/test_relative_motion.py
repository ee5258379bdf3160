"""Relative motion of cluster members in the J2 mean-element propagator (sim.orbits.j2) against
the linearised references: Clohessy–Wiltshire with J2 off, Schweighart–Sedwick with J2 on."""
from __future__ import annotations

import math

import numpy as np

from sim.core.constants import J2_EARTH, MU_EARTH_M3_S2, R_EARTH_EQUATORIAL_M
from sim.orbits import shells
from sim.orbits.j2 import J2Propagator, j2_secular_rates

RADIUS_M, ALT_KM, INC_DEG = 1000.0, 650.0, 97.9


def _relative_motion(j2_on: bool, dt_s: float = 10.0):
    """Hill-frame position (steps, 3, N) of every member relative to satellite 0 over one orbit,
    the initial relative state (6, N) (velocity in the rotating frame) and the cluster."""
    el = shells.cluster(81, RADIUS_M, ALT_KM, INC_DEG, 30.0, j2=j2_on)
    p = J2Propagator(*(el[k] for k in shells.MEAN_ELEMENT_KEYS), dt_s=dt_s, j2=J2_EARTH if j2_on else 0.0)
    a = el["a_m"][0]
    t = np.arange(0.0, 2 * math.pi * math.sqrt(a ** 3 / MU_EARTH_M3_S2) + dt_s, dt_s)
    r, v = np.zeros((3, 81)), np.zeros((3, 81))
    out, state0 = [], None
    for tk in t:
        p.propagate(tk, r, v)
        rc, vc = r[:, 0], v[:, 0]
        h = np.cross(rc, vc)
        frame = np.vstack((rc / np.linalg.norm(rc), np.cross(h, rc) / np.linalg.norm(np.cross(h, rc)),
                           h / np.linalg.norm(h)))
        pos = frame @ (r - rc[:, None])
        out.append(pos)
        if state0 is None:
            omega = np.array([0.0, 0.0, np.linalg.norm(h) / rc.dot(rc)])
            state0 = np.vstack((pos, frame @ (v - vc[:, None]) - np.cross(omega, pos.T).T))
    return t, np.array(out), state0, el


def _cw(state, t, n):
    """Clohessy & Wiltshire (1960, J. Aerospace Sci. 27(9)) closed form; Vallado 4th ed. eq. 6-66."""
    x, y, z, vx, vy, vz = state
    s, c = np.sin(n * t), np.cos(n * t)
    return np.array([(4 - 3 * c) * x + s / n * vx + 2 / n * (1 - c) * vy,
                     6 * (s - n * t) * x + y - 2 / n * (1 - c) * vx + (4 * s - 3 * n * t) / n * vy,
                     c * z + s / n * vz])


def test_one_orbit_matches_clohessy_wiltshire_without_j2():
    """Reference: the Clohessy–Wiltshire closed form from each member's initial relative state
    (J2 off: environment.j2 false). Tolerance: the CW equations drop the second-order terms of
    the relative motion, whose along-track drift is of order ρ²/a per radian (measured: 6π ρ²/a
    = 2.7 m over one orbit at ρ = 1 km, 650 km); 8π ρ²/a is asserted, and the error must grow as ρ²."""
    t, pos, state0, el = _relative_motion(j2_on=False)
    a = el["a_m"][0]
    n = math.sqrt(MU_EARTH_M3_S2 / a ** 3)
    rho = np.linalg.norm(state0[:3], axis=0)
    errors = np.array([np.abs(pos[:, :, k].T - _cw(state0[:, k], t, n)).max() for k in range(1, 81)])
    assert np.all(errors <= 8 * math.pi * rho[1:] ** 2 / a + 1e-3)
    inner, outer = errors[rho[1:] < 0.25 * RADIUS_M].max(), errors.max()
    assert outer / inner > 8.0   # ρ² (a ratio of 16 for ρ 250 m → 1 km), not ρ


def _schweighart_sedwick(state, t, a, inc, rate):
    """Schweighart & Sedwick (2002, J. Guidance Control Dyn. 25(6)): in-plane
    ẍ = 2nc ẏ + (5c² − 2) n² x, ÿ = −2nc ẋ (integrated by scipy), cross-track z = (m + l t) sin(qt + φ)
    with the paper's q, l from the differential node precession of the two planes (the chief at its
    node at t = 0); s = 3J2R²/(8r²)(1 + 3 cos 2i), c = √(1+s); r_ref such that n c is the chief's
    argument-of-latitude rate."""
    from scipy.integrate import solve_ivp

    r = a
    for _ in range(50):
        n = math.sqrt(MU_EARTH_M3_S2 / r ** 3)
        c = math.sqrt(1 + 3 * J2_EARTH * R_EARTH_EQUATORIAL_M ** 2 / (8 * r ** 2) * (1 + 3 * math.cos(2 * inc)))
        r *= (n * c / rate) ** (2 / 3)
    j = 1.5 * n * J2_EARTH * R_EARTH_EQUATORIAL_M ** 2 / r ** 2
    k = n * c + j * math.cos(inc) ** 2
    x, y, z, vx, vy, vz = state
    sol = solve_ivp(lambda _, s: [s[2], s[3], 2 * n * c * s[3] + (5 * c * c - 2) * n * n * s[0], -2 * n * c * s[2]],
                    (0.0, t[-1]), [x, y, vx, vy], t_eval=t, rtol=1e-11, atol=1e-9)
    i1, node = inc + vz / (k * r), z / (r * math.sin(inc))
    gamma = math.pi / 2 - math.atan((math.sin(i1) / math.tan(inc) - math.cos(i1) * math.cos(node)) / math.sin(node))
    phi0 = math.acos(math.cos(i1) * math.cos(inc) + math.sin(i1) * math.sin(inc) * math.cos(node))
    d_node = -j * math.cos(i1) + j * math.cos(inc)
    q = n * c - (math.cos(gamma) * math.sin(gamma) / math.tan(node) - math.sin(gamma) ** 2 * math.cos(i1)) * d_node \
        + j * math.cos(i1) ** 2
    ell = -r * math.sin(i1) * math.sin(inc) * math.sin(node) / math.sin(phi0) * d_node
    phase = math.atan2(z, vz / q)
    for _ in range(30):   # m sin φ = z0, l sin φ + q m cos φ = ż0
        phase = math.atan2(z, (vz - ell * math.sin(phase)) / q)
    m = z / math.sin(phase)
    return sol.y[0], sol.y[1], (m + ell * t) * np.sin(q * t + phase)


def test_one_orbit_against_schweighart_sedwick_with_j2():
    """Reference: Schweighart–Sedwick's linearised J2 equations from each member's initial state.
    Cross-track (the differential node precession, the drift that formation keeping spends most
    on): within 1 m over one orbit at ρ ≤ 1 km (measured 0.65 m; Clohessy–Wiltshire is 14 m off, so
    the test sees J2). In-plane the two models differ by an along-track drift of ~2 % of ρ per
    orbit (measured 28.5 m at 1 km, CW 31 m): the mean-element model's λ drift is zero by the
    cluster's J2 nudge, SS's in-plane equations carry no coupling of δi, δΩ into the in-plane
    motion and give these initial states a drift; asserted as a bound of 3 % of ρ, a documented
    disagreement rather than a validation."""
    t, pos, state0, el = _relative_motion(j2_on=True)
    a, inc = el["a_m"][0], el["inc_rad"][0]
    raan_dot, argp_dot, m_dot = j2_secular_rates(a, 0.0, inc)
    n = math.sqrt(MU_EARTH_M3_S2 / a ** 3)
    cross, cross_cw, in_plane = [], [], []
    for k in range(1, 81):
        x, y, z = _schweighart_sedwick(state0[:, k], t, a, inc, float(argp_dot + m_dot))
        rho = np.linalg.norm(state0[:3, k])
        in_plane.append(max(np.abs(pos[:, 0, k] - x).max(), np.abs(pos[:, 1, k] - y).max()) / rho)
        if abs(state0[2, k]) > 50.0:   # the node difference is defined
            cross.append(np.abs(pos[:, 2, k] - z).max())
            cross_cw.append(np.abs(pos[:, 2, k] - _cw(state0[:, k], t, n)[2]).max())
    assert max(cross) < 1.0
    assert max(cross_cw) > 10.0
    assert max(in_plane) < 0.03
