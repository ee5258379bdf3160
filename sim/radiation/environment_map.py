"""The trapped-proton map of the radiation tick: its logarithmic encoding, and its lookup
without trigonometry.

The set-up computes J(>E_floor) [1/(cm2 s)] and the dose rate behind the shield [rad/s] on
a (geodetic lat, lon, alt) grid (sim.radiation.trapped) and stores ln(floor + value)
(`encode_log_map`, floors in sim.radiation.constants). `resample_map` turns that map into one on
(u = z/r, pseudo-angle p(x, y), r) in the Earth-fixed frame, p being a monotone stand-in for
the longitude that needs one division, so a tick looks a satellite up with square roots and
divisions only (`map_coords`, `map_interp`); `decode_trapped` / `decode_dose` undo the encoding.
"""
from __future__ import annotations

import math

import numpy as np
from numba import njit

from sim.orbits.geodesy import ecef_to_geodetic
from sim.radiation.constants import DOSE_FLOOR_RAD_S, SKIP_LOG_DOSE, SKIP_LOG_TRAPPED, TRAPPED_FLOOR_CM2_S

_RAD2DEG = 180.0 / math.pi


def encode_log_map(trapped_cm2_s: np.ndarray, dose_rad_s: np.ndarray) -> np.ndarray:
    """(..., 2) array of ln(TRAPPED_FLOOR_CM2_S + J) and ln(DOSE_FLOOR_RAD_S + D)."""
    return np.ascontiguousarray(np.stack([np.log(TRAPPED_FLOOR_CM2_S + trapped_cm2_s),
                                          np.log(DOSE_FLOOR_RAD_S + dose_rad_s)], axis=-1))


@njit(cache=True, inline="always")
def decode_trapped(log_trapped):
    """J [1/(cm2 s)] from ln(TRAPPED_FLOOR_CM2_S + J); 0 below SKIP_LOG_TRAPPED."""
    if log_trapped > SKIP_LOG_TRAPPED:
        return max(math.exp(log_trapped) - TRAPPED_FLOOR_CM2_S, 0.0)
    return 0.0


@njit(cache=True, inline="always")
def decode_dose(log_dose):
    """D [rad/s] from ln(DOSE_FLOOR_RAD_S + D); 0 below SKIP_LOG_DOSE."""
    if log_dose > SKIP_LOG_DOSE:
        return max(math.exp(log_dose) - DOSE_FLOOR_RAD_S, 0.0)
    return 0.0


@njit(cache=True)
def trilinear(grid, lat, lon, alt, lat0, dlat, nlat, lon0, dlon, nlon, alt0, dalt, nalt, channel):
    """Linear interpolation of grid[:, :, :, channel] (regular axes) at a point, clamped to the grid."""
    x = (lat - lat0) / dlat
    y = (lon - lon0) / dlon
    z = (alt - alt0) / dalt
    x = min(max(x, 0.0), nlat - 1.000001)
    y = min(max(y, 0.0), nlon - 1.000001)
    z = min(max(z, 0.0), nalt - 1.000001)
    i = int(x)
    j = int(y)
    k = int(z)
    fx = x - i
    fy = y - j
    fz = z - k
    c00 = grid[i, j, k, channel] * (1 - fx) + grid[i + 1, j, k, channel] * fx
    c01 = grid[i, j, k + 1, channel] * (1 - fx) + grid[i + 1, j, k + 1, channel] * fx
    c10 = grid[i, j + 1, k, channel] * (1 - fx) + grid[i + 1, j + 1, k, channel] * fx
    c11 = grid[i, j + 1, k + 1, channel] * (1 - fx) + grid[i + 1, j + 1, k + 1, channel] * fx
    c0 = c00 * (1 - fy) + c10 * fy
    c1 = c01 * (1 - fy) + c11 * fy
    return c0 * (1 - fz) + c1 * fz


@njit(cache=True, inline="always")
def pseudo_angle(x, y):
    """A monotone function of atan2(y, x) on [0, 4): 0 on +x, 1 on +y, 2 on −x, 3 on −y."""
    t = x / (abs(x) + abs(y) + 1e-300)
    return 1.0 - t if y >= 0.0 else 3.0 + t


@njit(cache=True)
def _pseudo_angle_direction(p):
    """A unit (x, y) with pseudo_angle(x, y) = p, p in [0, 4]."""
    if p <= 2.0:
        t = 1.0 - p
        x, y = t, 1.0 - abs(t)
    else:
        t = p - 3.0
        x, y = t, -(1.0 - abs(t))
    norm = math.sqrt(x * x + y * y)
    return x / norm, y / norm


@njit(cache=True)
def resample_map(log_map, grid_axes, n_u, n_p, r0_m, dr_m, n_r, out):
    """Fill out (n_u, n_p + 1, n_r, 2) with log_map (on geodetic lat, lon [deg], height [km],
    axes as in `grid_axes`) at the Earth-fixed points u = z/r = −1 … 1 (n_u nodes), p = 0 … 4
    (n_p + 1 nodes, the last repeating the first), r = r0_m + k dr_m."""
    lat0, dlat, nlat = grid_axes[0], grid_axes[1], int(grid_axes[2])
    lon0, dlon, nlon = grid_axes[3], grid_axes[4], int(grid_axes[5])
    alt0, dalt, nalt = grid_axes[6], grid_axes[7], int(grid_axes[8])
    for a in range(n_u):
        u = -1.0 + 2.0 * a / (n_u - 1)
        cos_u = math.sqrt(max(1.0 - u * u, 0.0))
        for b in range(n_p + 1):
            ex, ey = _pseudo_angle_direction(4.0 * b / n_p)
            for k in range(n_r):
                r = r0_m + k * dr_m
                lat, lon, h = ecef_to_geodetic(r * cos_u * ex, r * cos_u * ey, r * u)
                for ch in range(2):
                    out[a, b, k, ch] = trilinear(log_map, lat * _RAD2DEG, lon * _RAD2DEG, h * 1e-3, lat0, dlat,
                                                 nlat, lon0, dlon, nlon, alt0, dalt, nalt, ch)


@njit(cache=True, inline="always")
def map_coords(env_axes, x, y, z, r):
    """Fractional node indices of the Earth-fixed point (x, y, z), |.| = r [m], in the resampled map."""
    fa = min(max((z / r + 1.0) * env_axes[0], 0.0), env_axes[1])
    fb = min(max(pseudo_angle(x, y) * env_axes[2], 0.0), env_axes[3])
    fc = min(max((r - env_axes[4]) * env_axes[5], 0.0), env_axes[6])
    return fa, fb, fc


@njit(cache=True, inline="always")
def map_interp(env_map, fa, fb, fc):
    """The encoded (ln(floor + J), ln(floor + D)) pair interpolated at fractional node indices (fa, fb, fc)."""
    a = int(fa)
    b = int(fb)
    k = int(fc)
    wa = fa - a
    wb = fb - b
    wc = fc - k
    out0 = 0.0
    out1 = 0.0
    for da in range(2):
        w_a = wa if da else 1.0 - wa
        for db in range(2):
            w_ab = w_a * (wb if db else 1.0 - wb)
            for dk in range(2):
                w = w_ab * (wc if dk else 1.0 - wc)
                out0 += w * env_map[a + da, b + db, k + dk, 0]
                out1 += w * env_map[a + da, b + db, k + dk, 1]
    return out0, out1


@njit(cache=True, inline="always")
def map_lookup(env_map, env_axes, x, y, z, r):
    """The encoded (ln(floor + J), ln(floor + D)) pair at the Earth-fixed point (x, y, z), |.| = r [m]."""
    fa, fb, fc = map_coords(env_axes, x, y, z, r)
    return map_interp(env_map, fa, fb, fc)


def environment_axes(n_u, n_p, r0_m, dr_m, n_r) -> np.ndarray:
    """The lookup constants of a resampled map: index scales and clamps per axis."""
    return np.array([0.5 * (n_u - 1), n_u - 1.000001, n_p / 4.0, n_p - 1.0e-6 * n_p,
                     r0_m, 1.0 / dr_m, max(n_r - 1.000001, 0.0)], dtype=np.float64)
