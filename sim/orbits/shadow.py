"""Eclipse entry and exit times from the smooth shadow geometry, inside the tick.

The illumination kernel (sim.orbits.sun) says at each tick end how much of the solar disc a
satellite sees; a crossing of the event threshold (half the disc) between two ticks is an
eclipse entry or exit. Its time is not interpolated from the two illuminations (the ~8 s
penumbra fits inside a 10 s tick, so the illumination is far from linear in it) but found as
the root of a smooth signed shadow function of the position, evaluated on the orbit inside the
tick:

- conical: the signed distance from the cone of lines through the Sun's centre tangent to the
  Earth, g = ρ cos θ − R − x R/s (x the distance behind the Earth's centre along the anti-Sun
  axis, ρ the distance from that axis, sin θ = R/s, s the Sun's distance). g = 0 where the
  Sun's centre is on the Earth's limb, which is where half the disc is hidden to within
  a²/(8 tan b) ≈ 3e-6 rad of the Sun–limb angle (a, b the apparent radii of the Sun and of the
  Earth; ≈ 3 ms of orbit);
- cylindrical: g = ρ − R behind the Earth (the 0/1 shadow edge itself).

The WGS84 ellipsoid (model code + EARTH_OBLATE) enters through z scaled by a/b: the affine map
(x, y, z a/b) takes the ellipsoid onto the sphere of radius a and lines onto lines, so the
tangency condition is exact in the scaled coordinates (the Earth's rotation does not matter:
the ellipsoid is symmetric about z). Adhya, Sibthorpe, Ceriotti & McInnes, "Oblate-Earth
eclipse state algorithm for low-Earth-orbiting satellites", J. Spacecraft Rockets 41 (2004)
157, reach the same shadow through the projected ellipse; the tests check it against an
independent ray–ellipsoid intersection.

The orbit inside the tick: the position τ seconds before the tick end from the state at the
end by the Lagrange f and g series to τ³ (Vallado §2.3 / Bate, Mueller & White §4.6):
r(τ) = f r + g v, f = 1 − u τ²/2 + u p τ³/2, g = τ − u τ³/6, u = μ/r³, p = r·v/r². Over 10 s
its truncation is < 1 cm; the departure of the J2 mean-element or SGP4 trajectory from two-body
motion over the tick is < 1 m (J2 acceleration ~1e-2 m/s²), ≲ 1 ms of crossing time except at
grazing entries. The Sun is held at its tick-end position (it moves 2e-6 rad per 10 s: ≤ 2 ms).
The root is bracketed by the tick and found by the Illinois variant of regula falsi (to a
bracket of 1e-4 s or a step of 1e-5 s; g is nearly linear over a tick: 2–4 evaluations).
"""
from __future__ import annotations

import math

import numpy as np
from numba import njit

from sim.core.constants import MU_EARTH_M3_S2, R_EARTH_EQUATORIAL_M
from sim.core.numerics import crossings_range
from sim.orbits.sun import (
    EARTH_OBLATE,
    ILLUMINATION_CYLINDRICAL,
    OBLATE_Z_SCALE,
    illumination_range,
)

ROOT_TOLERANCE_S = 1e-4
ROOT_MAX_ITERATIONS = 30
SMOOTH_THRESHOLD = 0.5  # the illumination whose crossing the Sun-centre-on-limb root gives


@njit(cache=True, inline="always", error_model="numpy")
def shadow_function_m(rx, ry, rz, sx, sy, sz, model):
    """Signed shadow function (m): > 0 in sunlight, < 0 in shadow, 0 on the shadow edge
    (conical: the Sun's centre on the limb; cylindrical: the shadow cylinder). r and the Sun s
    in the same inertial frame (m); `model` as `illumination_range` (+ EARTH_OBLATE)."""
    kz = OBLATE_Z_SCALE if model & EARTH_OBLATE else 1.0
    rz = rz * kz
    sz = sz * kz
    s = math.sqrt(sx * sx + sy * sy + sz * sz)
    r2 = rx * rx + ry * ry + rz * rz
    behind = -(rx * sx + ry * sy + rz * sz) / s
    rho = math.sqrt(max(r2 - behind * behind, 0.0))
    re = R_EARTH_EQUATORIAL_M
    if model & ILLUMINATION_CYLINDRICAL:
        return rho - re if behind > 0.0 else math.sqrt(r2) - re
    sin_t = re / s
    cos_t = math.sqrt(1.0 - sin_t * sin_t)
    if behind > 0.0:
        return rho * cos_t - re - behind * sin_t
    return math.sqrt(r2) * cos_t - re  # day side: continuous with the cone at behind = 0


@njit(cache=True, inline="always", error_model="numpy")
def position_before_end(tau_s, rx, ry, rz, vx, vy, vz):
    """Position tau_s seconds after the state (r, v) (negative: before), by the Lagrange f and
    g series to third order in tau_s (two-body motion)."""
    r2 = rx * rx + ry * ry + rz * rz
    u = MU_EARTH_M3_S2 / (r2 * math.sqrt(r2))
    p = (rx * vx + ry * vy + rz * vz) / r2
    t2 = tau_s * tau_s
    f = 1.0 - 0.5 * u * t2 + 0.5 * u * p * t2 * tau_s
    g = tau_s - u * t2 * tau_s / 6.0
    return f * rx + g * vx, f * ry + g * vy, f * rz + g * vz


@njit(cache=True, error_model="numpy")
def shadow_at(tau_s, rx, ry, rz, vx, vy, vz, sx, sy, sz, model):
    """`shadow_function_m` tau_s seconds from the state (r, v)."""
    x, y, z = position_before_end(tau_s, rx, ry, rz, vx, vy, vz)
    return shadow_function_m(x, y, z, sx, sy, sz, model)


@njit(cache=True, error_model="numpy")
def shadow_crossing_time_s(t_end_s, dt_s, rx, ry, rz, vx, vy, vz, sx, sy, sz, model):
    """Time in [t_end_s − dt_s, t_end_s] where the shadow function of the orbit through (r, v)
    at t_end_s vanishes (Illinois regula falsi); where it does not change sign over the tick
    (the illumination threshold and the Sun-centre root straddle a tick boundary by a few ms),
    the end nearer the root."""
    a, b = -dt_s, 0.0
    fa = shadow_at(a, rx, ry, rz, vx, vy, vz, sx, sy, sz, model)
    fb = shadow_at(b, rx, ry, rz, vx, vy, vz, sx, sy, sz, model)
    if fa == 0.0:
        return t_end_s + a
    if fa * fb > 0.0:
        return t_end_s + (a if abs(fa) < abs(fb) else b)
    side = 0
    c = b
    for _ in range(ROOT_MAX_ITERATIONS):
        c_previous = c
        c = (a * fb - b * fa) / (fb - fa)
        fc = shadow_at(c, rx, ry, rz, vx, vy, vz, sx, sy, sz, model)
        if fc * fb > 0.0:
            b, fb = c, fc
            if side == 1:
                fa *= 0.5
            side = 1
        elif fc * fa > 0.0:
            a, fa = c, fc
            if side == -1:
                fb *= 0.5
            side = -1
        else:
            break
        if b - a < ROOT_TOLERANCE_S or abs(c - c_previous) < 0.1 * ROOT_TOLERANCE_S:
            break
    return t_end_s + c


@njit(cache=True, error_model="numpy")
def eclipse_range(lo, hi, t_s, dt_s, r_eci_m, v_eci_m_s, sx, sy, sz, model, threshold,
                  previous, illumination, crossing_direction, crossing_t_s):
    """Illumination at the tick end and eclipse crossings for satellites lo..hi-1.

    Writes `illumination` (N,) at t_s + dt_s (positions r_eci_m, velocities v_eci_m_s there;
    the Sun at s), `crossing_direction` (−1 entry, +1 exit, 0 none) from `previous` against
    `threshold`, and `crossing_t_s` (meaningful where the direction is non-zero): the root of
    the shadow function inside the tick for threshold SMOOTH_THRESHOLD, the linear
    interpolation of the illumination for any other threshold. Returns the crossings.
    """
    illumination_range(lo, hi, r_eci_m, sx, sy, sz, model, illumination)
    count = crossings_range(lo, hi, previous, illumination, threshold, t_s, dt_s,
                            crossing_direction, crossing_t_s)
    if threshold != SMOOTH_THRESHOLD:
        return count
    left = count
    i = np.uint64(lo)
    t_end_s = t_s + dt_s
    while left > 0:
        if crossing_direction[i] != 0:
            crossing_t_s[i] = shadow_crossing_time_s(
                t_end_s, dt_s, r_eci_m[0, i], r_eci_m[1, i], r_eci_m[2, i],
                v_eci_m_s[0, i], v_eci_m_s[1, i], v_eci_m_s[2, i], sx, sy, sz, model)
            left -= 1
        i += np.uint64(1)
    return count
