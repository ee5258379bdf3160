"""Earth geometry: inertial to geodetic coordinates over WGS84.

The view factors of a plate to the Earth are the thermal model's (sim.payload.thermal).
"""
from __future__ import annotations

import math

from numba import njit, prange

from sim.core.constants import R_EARTH_EQUATORIAL_M, WGS84_FLATTENING
from sim.core.numerics import TWO_PI, inertial_to_earth_fixed, parallel_chunk

_A = R_EARTH_EQUATORIAL_M
_B = R_EARTH_EQUATORIAL_M * (1.0 - WGS84_FLATTENING)
_E2 = WGS84_FLATTENING * (2.0 - WGS84_FLATTENING)  # first eccentricity squared
_EP2 = _E2 / (1.0 - _E2)                            # second eccentricity squared
_RAD2DEG = 180.0 / math.pi


@njit(cache=True)
def ecef_to_geodetic(x, y, z):
    """WGS84 geodetic (lat rad, lon rad in [-π, π), height m) of an Earth-fixed point (m).

    Bowring's iteration on the parametric latitude β (tan β = (1-f) tan φ), done
    with normalised (cos, sin) pairs so it needs no trig inside the loop; three
    iterations reach < 1e-12 rad from the ground to beyond GEO.
    """
    p = math.sqrt(x * x + y * y)
    # parametric latitude from the spherical guess
    u = (1.0 - WGS84_FLATTENING) * p
    norm = math.sqrt(u * u + z * z)
    if norm == 0.0:
        return 0.0, 0.0, -_B
    cb, sb = u / norm, z / norm
    num = 0.0
    den = 1.0
    for _ in range(3):
        num = z + _EP2 * _B * sb * sb * sb
        den = p - _E2 * _A * cb * cb * cb
        # tan β = (1 - f) tan φ
        u = (1.0 - WGS84_FLATTENING) * num
        norm = math.sqrt(u * u + den * den)
        cb, sb = den / norm, u / norm
    norm = math.sqrt(num * num + den * den)
    cphi, sphi = den / norm, num / norm
    height = p * cphi + z * sphi - _A * math.sqrt(1.0 - _E2 * sphi * sphi)
    lon = math.atan2(y, x)
    if lon >= math.pi:
        lon -= TWO_PI
    return math.atan2(num, den), lon, height


@njit(cache=True)
def _geodetic_range(lo, hi, r_eci_m, c, s, lat_deg, lon_deg, alt_km):
    for i in range(lo, hi):
        x, y, z = inertial_to_earth_fixed(r_eci_m[0, i], r_eci_m[1, i], r_eci_m[2, i], c, s)
        lat, lon, h = ecef_to_geodetic(x, y, z)
        lat_deg[i] = lat * _RAD2DEG
        lon_deg[i] = lon * _RAD2DEG
        if lon_deg[i] >= 180.0:
            lon_deg[i] -= 360.0
        alt_km[i] = h * 1e-3


@njit(cache=True, parallel=True)
def _geodetic_parallel(chunk, r_eci_m, c, s, lat_deg, lon_deg, alt_km):
    n = lat_deg.shape[0]
    for k in prange((n + chunk - 1) // chunk):
        _geodetic_range(k * chunk, min(k * chunk + chunk, n), r_eci_m, c, s, lat_deg, lon_deg, alt_km)


def eci_to_geodetic(r_eci_m, gmst_rad, lat_deg, lon_deg, alt_km):
    """Geodetic latitude and longitude (deg, lon in [-180, 180)) and height (km) over WGS84.

    r_eci_m (3, N) m in the inertial frame of date; the Earth-fixed frame is that
    frame rotated by gmst_rad about z (sim.core.numerics.inertial_to_earth_fixed). Serial
    below sim.core.numerics.MIN_CHUNK satellites (a parallel launch costs more than the work).
    """
    c, s = math.cos(gmst_rad), math.sin(gmst_rad)
    chunk = parallel_chunk(lat_deg.shape[0])
    if chunk:
        _geodetic_parallel(chunk, r_eci_m, c, s, lat_deg, lon_deg, alt_km)
    else:
        _geodetic_range(0, lat_deg.shape[0], r_eci_m, c, s, lat_deg, lon_deg, alt_km)
