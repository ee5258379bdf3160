"""Earth geometry: inertial to geodetic coordinates, view factors to the Earth."""
from __future__ import annotations

import math

from numba import njit, prange

from sim.core.constants import R_EARTH_EQUATORIAL_M, WGS84_FLATTENING

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
        lon -= 2.0 * math.pi
    return math.atan2(num, den), lon, height


@njit(cache=True, parallel=True)
def eci_to_geodetic(r_eci_m, gmst_rad, lat_deg, lon_deg, alt_km):
    """Geodetic latitude and longitude (deg, lon in [-180, 180)) and height (km) over WGS84.

    r_eci_m (3, N) m in the inertial frame of date; the Earth-fixed frame is that
    frame rotated by gmst_rad about z (polar motion ignored).
    """
    c = math.cos(gmst_rad)
    s = math.sin(gmst_rad)
    for i in prange(lat_deg.shape[0]):
        x = c * r_eci_m[0, i] + s * r_eci_m[1, i]
        y = -s * r_eci_m[0, i] + c * r_eci_m[1, i]
        lat, lon, h = ecef_to_geodetic(x, y, r_eci_m[2, i])
        lat_deg[i] = lat * _RAD2DEG
        lon_deg[i] = lon * _RAD2DEG
        if lon_deg[i] >= 180.0:
            lon_deg[i] -= 360.0
        alt_km[i] = h * 1e-3


@njit(cache=True)
def view_factor_nadir_plate(altitude_m):
    """View factor from a nadir-facing flat plate to a spherical Earth: (R/(R+h))²."""
    ratio = R_EARTH_EQUATORIAL_M / (R_EARTH_EQUATORIAL_M + altitude_m)
    return ratio * ratio


@njit(cache=True)
def view_factor_vertical_plate(altitude_m):
    """View factor from a plate whose normal is horizontal (perpendicular to nadir) to the Earth.

    F = [atan(1/X) - X/H²]/π with H = (R+h)/R, X = sqrt(H² - 1).
    """
    H = (R_EARTH_EQUATORIAL_M + altitude_m) / R_EARTH_EQUATORIAL_M
    X = math.sqrt(H * H - 1.0)
    return (math.atan(1.0 / X) - X / (H * H)) / math.pi
