"""The Sun: low-precision ephemeris, eclipses (illumination fraction), beta angle.

Ephemeris: the Astronomical Almanac's low-precision formulae (as in Vallado,
*Fundamentals of Astrodynamics*, Algorithm 29), good to ≈0.01° in 1950–2050,
referred to the mean equator and equinox of date (within ~0.01° of TEME).

Eclipse: the Sun is a sphere (R_SUN_M) and the Earth the WGS84 ellipsoid (EARTH_OBLATE,
the default) or a sphere of the equatorial radius; no atmosphere. The ellipsoid is handled by
scaling z by a/b, which maps it onto the sphere of radius a and maps straight lines to
straight lines, so every line-of-sight and tangency condition (the Sun's centre on the limb,
the shadow cylinder) is exact in the scaled coordinates (sim.orbits.shadow); the Sun's disc
is distorted there by ≤ 0.34 %, which moves the outer penumbra edges by ≲ 0.015 s of an ~8 s
penumbra. The conical model returns the visible fraction of the solar disc from the overlap
of the two apparent discs (Montenbruck & Gill, *Satellite Orbits*, §3.4.2); the cylindrical
model a 0/1 shadow of radius R_E (in the scaled coordinates).
Outside the penumbra cone and inside the umbra cone the answer needs no trig,
so only satellites in the penumbra pay for asin/acos.
"""
from __future__ import annotations

import math

import numpy as np
from numba import njit, prange

from sim.core.constants import AU_M, JD_J2000, R_EARTH_EQUATORIAL_M, R_SUN_M, WGS84_FLATTENING

_DEG = math.pi / 180.0
ILLUMINATION_CONICAL = 0
ILLUMINATION_CYLINDRICAL = 1
EARTH_OBLATE = 2  # added to the model code: the WGS84 ellipsoid instead of the sphere
OBLATE_Z_SCALE = 1.0 / (1.0 - WGS84_FLATTENING)  # a/b: maps the ellipsoid onto the sphere of radius a
ECLIPSE_MODELS = {"conical": ILLUMINATION_CONICAL, "cylindrical": ILLUMINATION_CYLINDRICAL}
EARTH_SHAPES = {"wgs84": EARTH_OBLATE, "sphere": 0}


def eclipse_model_code(eclipse_model: str = "conical", earth_shape: str = "wgs84") -> int:
    """The model code the illumination kernels take: conical 0 | cylindrical 1, + 2 for the
    WGS84 ellipsoid."""
    return ECLIPSE_MODELS[eclipse_model] + EARTH_SHAPES[earth_shape]


@njit(cache=True)
def sun_position_eci_m(jd_tt):
    """Geocentric Sun position (m), mean equator and equinox of date, at Julian date TT."""
    t = (jd_tt - JD_J2000) / 36525.0  # Julian centuries since J2000
    mean_longitude = 280.460 + 36000.771 * t
    M = (357.5291092 + 35999.05034 * t) * _DEG
    ecliptic_longitude = (mean_longitude + 1.914666471 * math.sin(M)
                          + 0.019994643 * math.sin(2.0 * M)) * _DEG
    distance_m = (1.000140612 - 0.016708617 * math.cos(M) - 0.000139589 * math.cos(2.0 * M)) * AU_M
    obliquity = (23.439291 - 0.0130042 * t) * _DEG
    cl = math.cos(ecliptic_longitude)
    sl = math.sin(ecliptic_longitude)
    return (distance_m * cl,
            distance_m * math.cos(obliquity) * sl,
            distance_m * math.sin(obliquity) * sl)


@njit(cache=True)
def illumination_cylindrical(rx, ry, rz, sx, sy, sz):
    """1 in sunlight, 0 inside the Earth's cylindrical shadow (radius R_E)."""
    s = math.sqrt(sx * sx + sy * sy + sz * sz)
    behind = -(rx * sx + ry * sy + rz * sz) / s
    if behind <= 0.0:
        return 1.0
    rho2 = rx * rx + ry * ry + rz * rz - behind * behind
    return 1.0 if rho2 >= R_EARTH_EQUATORIAL_M * R_EARTH_EQUATORIAL_M else 0.0


@njit(cache=True)
def illumination_conical(rx, ry, rz, sx, sy, sz):
    """Fraction of the solar disc visible from r (m) with the Sun at s (m), in [0, 1]."""
    s = math.sqrt(sx * sx + sy * sy + sz * sz)
    r2 = rx * rx + ry * ry + rz * rz
    if r2 <= R_EARTH_EQUATORIAL_M * R_EARTH_EQUATORIAL_M:
        return 0.0
    # distance behind the Earth's centre along the anti-Sun axis, and off it
    behind = -(rx * sx + ry * sy + rz * sz) / s
    rho = math.sqrt(max(r2 - behind * behind, 0.0))
    # penumbra cone (vertex sunward) and umbra cone (vertex anti-sunward)
    sin_p = (R_SUN_M + R_EARTH_EQUATORIAL_M) / s
    cos_p = math.sqrt(1.0 - sin_p * sin_p)
    if rho >= R_EARTH_EQUATORIAL_M / cos_p + behind * sin_p / cos_p:
        return 1.0
    sin_u = (R_SUN_M - R_EARTH_EQUATORIAL_M) / s
    cos_u = math.sqrt(1.0 - sin_u * sin_u)
    if behind > 0.0 and rho <= R_EARTH_EQUATORIAL_M / cos_u - behind * sin_u / cos_u:
        return 0.0
    # penumbra: overlap of the apparent discs of the Sun (radius a) and Earth (b)
    dx, dy, dz = sx - rx, sy - ry, sz - rz
    d = math.sqrt(dx * dx + dy * dy + dz * dz)
    r = math.sqrt(r2)
    a = math.asin(min(R_SUN_M / d, 1.0))
    b = math.asin(min(R_EARTH_EQUATORIAL_M / r, 1.0))
    c = math.acos(min(max(-(rx * dx + ry * dy + rz * dz) / (r * d), -1.0), 1.0))
    if c >= a + b:
        return 1.0
    if c <= b - a:
        return 0.0
    if c <= a - b:  # Earth disc inside the Sun disc (not reachable in LEO)
        return 1.0 - (b * b) / (a * a)
    x = (c * c + a * a - b * b) / (2.0 * c)
    y = math.sqrt(max(a * a - x * x, 0.0))
    area = (a * a * math.acos(min(max(x / a, -1.0), 1.0))
            + b * b * math.acos(min(max((c - x) / b, -1.0), 1.0)) - c * y)
    return min(max(1.0 - area / (math.pi * a * a), 0.0), 1.0)


ILLUMINATION_CHUNK = 2048  # satellites per parallel work item


@njit(cache=True, error_model="numpy")
def illumination_range(lo, hi, r_eci_m, sx, sy, sz, model, out):
    """`illumination` for satellites lo..hi-1.

    The common cases (sunlit, umbra) are classified in a branch-free loop that vectorises;
    only satellites in the penumbra (marked −1 there) go through `illumination_conical`.
    The results are those of `illumination_conical` / `illumination_cylindrical`, on z-scaled
    coordinates where the model code has EARTH_OBLATE.
    """
    kz = OBLATE_Z_SCALE if model & EARTH_OBLATE else 1.0
    sz = sz * kz
    s = math.sqrt(sx * sx + sy * sy + sz * sz)
    re2 = R_EARTH_EQUATORIAL_M * R_EARTH_EQUATORIAL_M
    if model & ILLUMINATION_CYLINDRICAL:
        for i in range(np.uint64(lo), np.uint64(hi)):
            rx, ry, rz = r_eci_m[0, i], r_eci_m[1, i], r_eci_m[2, i] * kz
            behind = -(rx * sx + ry * sy + rz * sz) / s
            rho2 = rx * rx + ry * ry + rz * rz - behind * behind
            out[i] = 1.0 if (behind <= 0.0) | (rho2 >= re2) else 0.0
        return
    sin_p = (R_SUN_M + R_EARTH_EQUATORIAL_M) / s
    cos_p = math.sqrt(1.0 - sin_p * sin_p)
    sin_u = (R_SUN_M - R_EARTH_EQUATORIAL_M) / s
    cos_u = math.sqrt(1.0 - sin_u * sin_u)
    # cone radii rho = r0 ± behind·tan, constants hoisted out of the loop (no division inside).
    # Rounding can flip the classification only on a cone's surface, where the penumbra
    # formula gives the same 1 or 0 (the overlap of the two discs vanishes there).
    penumbra_r0_m, penumbra_tan = R_EARTH_EQUATORIAL_M / cos_p, sin_p / cos_p
    umbra_r0_m, umbra_tan = R_EARTH_EQUATORIAL_M / cos_u, sin_u / cos_u
    minus_inv_s = -1.0 / s
    # day side: the Earth's apparent radius b = asin(Re/r) ≤ 90° − a, a = asin(R_sun/|s − r|),
    # holds for r² (1 − (2 R_sun/s)²) ≥ Re² when r ≤ s/2
    day_side_k = 1.0 - (2.0 * R_SUN_M / s) ** 2
    quarter_s2 = 0.25 * s * s
    penumbra = 0
    for i in range(np.uint64(lo), np.uint64(hi)):
        rx, ry, rz = r_eci_m[0, i], r_eci_m[1, i], r_eci_m[2, i] * kz
        r2 = rx * rx + ry * ry + rz * rz
        behind = (rx * sx + ry * sy + rz * sz) * minus_inv_s
        rho = math.sqrt(max(r2 - behind * behind, 0.0))
        # outside the penumbra cone, or on the day side where the Earth's disc, seen at 90° or
        # more from the Sun, cannot reach the Sun's disc (c ≥ 90° ≥ a + b; the cone test alone
        # leaves the day side near the Sun axis to the penumbra formula, which returns 1)
        day_side = (behind * s + r2 <= 0.0) & (r2 * day_side_k >= re2) & (r2 <= quarter_s2)
        sunlit = (rho >= penumbra_r0_m + behind * penumbra_tan) | day_side
        umbra = (behind > 0.0) & (rho <= umbra_r0_m - behind * umbra_tan)
        value = 1.0 if sunlit else (0.0 if umbra else -1.0)
        value = 0.0 if r2 <= re2 else value
        out[i] = value
        penumbra += 1 if value < 0.0 else 0
    # a loop whose trip count is unknown in advance: LLVM does not vectorise it (measured: as a
    # `for` loop it was if-converted and evaluated the penumbra formula in every lane, 10x slower)
    i = np.uint64(lo)
    while penumbra > 0:
        if out[i] < 0.0:
            out[i] = illumination_conical(r_eci_m[0, i], r_eci_m[1, i], r_eci_m[2, i] * kz, sx, sy, sz)
            penumbra -= 1
        i += np.uint64(1)


@njit(cache=True, parallel=True)
def illumination(r_eci_m, sun_eci_m, model, out):
    """Visible fraction of the solar disc for every satellite.

    r_eci_m (3, N) m, sun_eci_m (3,) m (same frame); model 0 conical
    (umbra + penumbra), 1 cylindrical (0 or 1), + EARTH_OBLATE for the WGS84 ellipsoid
    (`eclipse_model_code`); writes out (N,).
    """
    n = out.shape[0]
    for c in prange((n + ILLUMINATION_CHUNK - 1) // ILLUMINATION_CHUNK):
        lo = c * ILLUMINATION_CHUNK
        illumination_range(lo, min(lo + ILLUMINATION_CHUNK, n), r_eci_m, sun_eci_m[0],
                           sun_eci_m[1], sun_eci_m[2], model, out)


def beta_angle_rad(raan_rad, inc_rad, sun_unit_x, sun_unit_y, sun_unit_z):
    """Angle (rad) between the Sun direction and the orbit plane, positive on the orbit normal's side."""
    raan = np.asarray(raan_rad, dtype=np.float64)
    inc = np.asarray(inc_rad, dtype=np.float64)
    si = np.sin(inc)
    h_dot_s = si * np.sin(raan) * sun_unit_x - si * np.cos(raan) * sun_unit_y + np.cos(inc) * sun_unit_z
    return np.arcsin(np.clip(h_dot_s, -1.0, 1.0))


def shadow_fraction_cylindrical(altitude_m, beta_rad):
    """Closed-form fraction of a circular orbit spent in the cylindrical shadow."""
    r = R_EARTH_EQUATORIAL_M + np.asarray(altitude_m, dtype=np.float64)
    cos_beta = np.cos(np.asarray(beta_rad, dtype=np.float64))
    arg = np.sqrt(np.maximum(r * r - R_EARTH_EQUATORIAL_M**2, 0.0)) / (r * cos_beta)
    return np.where(arg < 1.0, np.arccos(np.minimum(arg, 1.0)) / np.pi, 0.0)
