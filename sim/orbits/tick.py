"""The orbits tick kernel and the per-step tables of a block (sim.core.blocks).

Tables, one row per tick of the block, at each tick's end t1:
- clock table: t1_s, jd_utc, jd_tt, gmst_rad, cos_gmst, sin_gmst (the numbers
  sim.core.clock.instant gives);
- Sun table: x_m, y_m, z_m, unit x, y, z, distance_m, flux_w_m2 (as orbits.SunState.set).
"""
from __future__ import annotations

import math

from numba import njit

from sim.core.constants import AU_M
from sim.orbits.attitude import yaw_tick, yaw_tick_serial
from sim.orbits.j2 import j2_tick
from sim.orbits.sun import sun_position_eci_m

CLOCK_COLUMNS = ("t1_s", "jd_utc", "jd_tt", "gmst_rad", "cos_gmst", "sin_gmst")
SUN_COLUMNS = ("x_m", "y_m", "z_m", "unit_x", "unit_y", "unit_z", "distance_m", "flux_w_m2")
SUN_X, SUN_UNIT_X, SUN_DISTANCE, SUN_FLUX = 0, 3, 6, 7
CLOCK_COS_GMST, CLOCK_SIN_GMST = 4, 5

FLAG_YAW_EVENTS = 1   # yaw-rate limit crossings to emit
FLAG_SGP4 = 2         # TLE shells: python-sgp4 (and the yaw check after it) in Python


@njit(cache=True)
def fill_trig_and_sun(clock_table, sun_table, n_rows, solar_constant_w_m2):
    """cos/sin of GMST (columns 3 → 4, 5) and the Sun at jd_tt (column 2) for rows 0..n_rows-1."""
    for row in range(n_rows):
        gmst = clock_table[row, 3]
        clock_table[row, 4] = math.cos(gmst)
        clock_table[row, 5] = math.sin(gmst)
        sx, sy, sz = sun_position_eci_m(clock_table[row, 2])
        d = (sx * sx + sy * sy + sz * sz) ** 0.5
        sun_table[row, 0] = sx
        sun_table[row, 1] = sy
        sun_table[row, 2] = sz
        sun_table[row, 3] = sx / d
        sun_table[row, 4] = sy / d
        sun_table[row, 5] = sz / d
        sun_table[row, 6] = d
        sun_table[row, 7] = solar_constant_w_m2 * (AU_M / d) ** 2


@njit(cache=True)
def _scatter(index, r_part, v_part, r_eci_m, v_eci_m_s):
    for k in range(index.shape[0]):
        i = index[k]
        for axis in range(3):
            r_eci_m[axis, i] = r_part[axis, k]
            v_eci_m_s[axis, i] = v_part[axis, k]


@njit(cache=True)
def orbits_tick(step, row, t0_s, dt_s, sun_table, has_j2, j2_args, j2_index, scatter, r_part, v_part, r_eci_m,
                v_eci_m_s, has_sgp4, yaw_steered, yaw_parallel, yaw_chunk, yaw_args):
    """Move every J2 satellite to t1 = t0_s + dt_s and check the yaw rate yaw steering needs.
    TLE shells flag the tick (FLAG_SGP4): python-sgp4 and then the yaw check run in Python."""
    t1_s = step * dt_s
    if has_j2:
        if scatter:
            j2_tick(t1_s, *j2_args, r_part, v_part)
            _scatter(j2_index, r_part, v_part, r_eci_m, v_eci_m_s)
        else:
            j2_tick(t1_s, *j2_args, r_eci_m, v_eci_m_s)
    if has_sgp4:
        return FLAG_SGP4
    if yaw_steered:
        ux, uy, uz = sun_table[row, 3], sun_table[row, 4], sun_table[row, 5]
        if yaw_parallel:
            n = yaw_tick(yaw_chunk, t1_s - dt_s, dt_s, r_eci_m, v_eci_m_s, ux, uy, uz, *yaw_args)
        else:
            n = yaw_tick_serial(yaw_chunk, t1_s - dt_s, dt_s, r_eci_m, v_eci_m_s, ux, uy, uz, *yaw_args)
        if n:
            return FLAG_YAW_EVENTS
    return 0
