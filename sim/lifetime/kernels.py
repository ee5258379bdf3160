"""Drag kernels: density on the (altitude, latitude, local time) grid, the cross-section in the
attitude, the drag sample and the slow update of decay, thrust and propellant.

- density: ln ρ trilinear on a grid of altitude (uniform, linear extrapolation beyond its ends: an
  exponential profile), geodetic latitude (uniform −90..90°, clamped) and mean local solar time
  (uniform, periodic over 24 h);
- cross-section A = A_body + A_array |n̂_a·v̂| + A_radiator |n̂_r·v̂| (flat plates, the flow along the
  inertial velocity v̂: the co-rotation of the atmosphere is left out), n̂ the plate normals of the
  attitude law (sim.orbits.attitude): a sun-tracking array wing on y_b faces ŝ projected
  perpendicular to y_b; a body-fixed array faces −z_b; a radiator faces ±z_b (nadir, zenith) or y_b
  (edge_on_sun);
- the sample (every drag.sample_every_s, rectangle rule): ∫ρA dt and the drag Δv ∫½ρv²C_dA/m dt;
- the update (every station_keeping.update_every_s), per satellite, circular-orbit Gauss equations:
  Δa_drag = −(C_d/m) √(μa) ∫ρA dt (da/dt = −ρ (C_d A/m) √(μa), King-Hele 1987);
  thrust along v for t_on = min(interval, propellant/ṁ), ṁ = F/(Isp g0): Δv = Isp g0 ln(m0/m1),
  Δa = 2 √(a³/μ) Δv; the thruster starts below a_ref − deadband and stops at a_ref (hysteresis);
  below the re-entry altitude the satellite is lost.
"""
from __future__ import annotations

import math

import numpy as np
from numba import njit

from sim.core.constants import MU_EARTH_M3_S2, R_EARTH_EQUATORIAL_M
from sim.core.numerics import crossing_time_s

G0_M_S2 = 9.80665   # standard gravity (CGPM 1901): Isp in s → exhaust velocity Isp g0

# Vallado, Fundamentals of Astrodynamics and Applications, 4th ed. (2013), Table 8-4: base altitude
# [km], nominal density [kg/m³], scale height [km]; from CIRA-72 (0-25 km US Standard Atmosphere 1976)
EXPONENTIAL_TABLE = np.array([
    (0, 1.225, 7.249), (25, 3.899e-2, 6.349), (30, 1.774e-2, 6.682), (40, 3.972e-3, 7.554),
    (50, 1.057e-3, 8.382), (60, 3.206e-4, 7.714), (70, 8.770e-5, 6.549), (80, 1.905e-5, 5.799),
    (90, 3.396e-6, 5.382), (100, 5.297e-7, 5.877), (110, 9.661e-8, 7.263), (120, 2.438e-8, 9.473),
    (130, 8.484e-9, 12.636), (140, 3.845e-9, 16.149), (150, 2.070e-9, 22.523), (180, 5.464e-10, 29.740),
    (200, 2.789e-10, 37.105), (250, 7.248e-11, 45.546), (300, 2.418e-11, 53.628), (350, 9.518e-12, 53.298),
    (400, 3.725e-12, 58.515), (450, 1.585e-12, 60.828), (500, 6.967e-13, 63.822), (600, 1.454e-13, 71.835),
    (700, 3.614e-14, 88.667), (800, 1.170e-14, 124.64), (900, 5.245e-15, 181.05), (1000, 3.019e-15, 268.00)])

ATT_YAW_STEERING, ATT_NADIR_FIXED, ATT_SUN_POINTING = 0, 1, 2   # sim.orbits.attitude codes


@njit(cache=True, error_model="numpy")
def exponential_density(alt_km, table):
    """ρ [kg/m³] of Vallado's Table 8-4 at altitude alt_km (the band whose base is below it; the
    last band above 1000 km, the first below 0)."""
    k = 0
    for j in range(table.shape[0]):
        if alt_km >= table[j, 0]:
            k = j
    return table[k, 1] * math.exp(-(alt_km - table[k, 0]) / table[k, 2])


@njit(cache=True, inline="always", error_model="numpy")
def grid_log_density(alt_km, lat_deg, lst_h, log_rho, alt0_km, dalt_km, dlat_deg, dlst_h):
    """ln ρ from log_rho[alt, lat, lst] (lat from −90°, lst from 0 h, periodic: the last
    column is the first)."""
    na, nl, nt = log_rho.shape
    x = (alt_km - alt0_km) / dalt_km
    ia = min(max(int(math.floor(x)), 0), na - 2)
    fa = x - ia                                  # outside: linear extrapolation in ln ρ
    y = min(max((lat_deg + 90.0) / dlat_deg, 0.0), nl - 1.0)
    il = min(int(y), nl - 2)
    fl = y - il
    z = (lst_h % 24.0) / dlst_h
    it = min(int(z), nt - 2)
    ft = z - it
    out = 0.0
    for da in range(2):
        wa = fa if da else 1.0 - fa
        for dl in range(2):
            wl = fl if dl else 1.0 - fl
            out += wa * wl * ((1.0 - ft) * log_rho[ia + da, il + dl, it] + ft * log_rho[ia + da, il + dl, it + 1])
    return out


@njit(cache=True, inline="always", error_model="numpy")
def _unit(x, y, z):
    n = math.sqrt(x * x + y * y + z * z)
    if n == 0.0:
        return 0.0, 0.0, 0.0
    return x / n, y / n, z / n


@njit(cache=True, error_model="numpy")
def cross_section_m2(r, v, s, attitude, tracking, orientation, a_body, a_array, a_radiator):
    """Area presented to the flow along v (m²): r, v, s (3,) position, velocity, Sun unit vector."""
    rx, ry, rz = _unit(r[0], r[1], r[2])
    vx, vy, vz = _unit(v[0], v[1], v[2])
    sx, sy, sz = s[0], s[1], s[2]
    hx, hy, hz = _unit(ry * vz - rz * vy, rz * vx - rx * vz, rx * vy - ry * vx)
    if attitude == ATT_SUN_POINTING:
        zx, zy, zz = -sx, -sy, -sz
        hs = hx * sx + hy * sy + hz * sz
        yx, yy, yz = _unit(-(hx - hs * sx), -(hy - hs * sy), -(hz - hs * sz))
    else:
        zx, zy, zz = -rx, -ry, -rz
        if attitude == ATT_NADIR_FIXED:
            yx, yy, yz = -hx, -hy, -hz
        else:   # yaw steering: y_b = z_b × ŝ
            yx, yy, yz = _unit(zy * sz - zz * sy, zz * sx - zx * sz, zx * sy - zy * sx)
    if tracking != 0:   # wing on y_b facing the Sun as well as it can
        sy_b = sx * yx + sy * yy + sz * yz
        ax, ay, az = _unit(sx - sy_b * yx, sy - sy_b * yy, sz - sy_b * yz)
    else:
        ax, ay, az = -zx, -zy, -zz
    if orientation == 2:
        nx, ny, nz = yx, yy, yz
    else:
        nx, ny, nz = zx, zy, zz
    return (a_body + a_array * abs(ax * vx + ay * vy + az * vz)
            + a_radiator * abs(nx * vx + ny * vy + nz * vz))


@njit(cache=True, error_model="numpy")
def sample_drag(dt_s, r_eci_m, v_eci_m_s, sun_unit, alt_km, lat_deg, lst_h, msis_on, log_rho, grid,
                table, attitude, tracking, orientation, a_body, a_array, a_radiator, cd, mass_kg, lost,
                density_kg_m3, area_m2, rho_area_s, drag_dv_m_s):
    """One drag sample for every satellite over dt_s: density, cross-section, ∫ρA dt, drag Δv.
    grid = (alt0_km, dalt_km, dlat_deg, dlst_h)."""
    for i in range(r_eci_m.shape[1]):
        if lost[i]:
            density_kg_m3[i] = 0.0
            continue
        if msis_on:
            rho = math.exp(grid_log_density(alt_km[i], lat_deg[i], lst_h[i], log_rho,
                                            grid[0], grid[1], grid[2], grid[3]))
        else:
            rho = exponential_density(alt_km[i], table)
        area = cross_section_m2(r_eci_m[:, i], v_eci_m_s[:, i], sun_unit, attitude[i], tracking[i],
                                orientation[i], a_body[i], a_array[i], a_radiator[i])
        v2 = v_eci_m_s[0, i] ** 2 + v_eci_m_s[1, i] ** 2 + v_eci_m_s[2, i] ** 2
        density_kg_m3[i] = rho
        area_m2[i] = area
        rho_area_s[i] += rho * area * dt_s
        drag_dv_m_s[i] += 0.5 * rho * v2 * cd * area / mass_kg[i] * dt_s


@njit(cache=True, error_model="numpy")
def update_orbits(t0_s, interval_s, a_m, a_ref_m, da_m, rho_area_s, cd, mass_kg, propellant_kg, thrusting,
                  lost, keeping, deadband_m, reentry_m, thrust_n, isp_s, power_w, dv_m_s, propellant_used_kg,
                  thrust_energy_j, thrust_s, load_w, reentry_t_s):
    """Book one update interval [t0_s, t0_s + interval_s] of every satellite; returns the number
    of re-entries (their times in reentry_t_s, NaN elsewhere). a_m is the current mean semi-major
    axis, da_m receives its change; load_w the thruster's mean power over the next interval."""
    n_reentry = 0
    ve = isp_s * G0_M_S2
    mdot = thrust_n / ve
    for i in range(a_m.shape[0]):
        reentry_t_s[i] = np.nan
        da_m[i] = 0.0
        if lost[i]:
            load_w[i] = 0.0
            continue
        a0 = a_m[i]
        da = -cd / mass_kg[i] * math.sqrt(MU_EARTH_M3_S2 * a0) * rho_area_s[i]
        rho_area_s[i] = 0.0
        if thrusting[i]:
            burnt = mdot * interval_s
            t_on = interval_s
            if burnt >= propellant_kg[i]:   # the last of it
                burnt = propellant_kg[i]
                t_on = burnt / mdot
            m0 = mass_kg[i]
            m1 = m0 - burnt
            dv = ve * math.log(m0 / m1)
            da += 2.0 * math.sqrt(a0 ** 3 / MU_EARTH_M3_S2) * dv
            mass_kg[i] = m1
            propellant_kg[i] -= burnt
            propellant_used_kg[i] += burnt
            dv_m_s[i] += dv
            thrust_energy_j[i] += power_w * t_on
            thrust_s[i] += t_on
        a1 = a0 + da
        da_m[i] = da
        if a1 - R_EARTH_EQUATORIAL_M < reentry_m:
            lost[i] = 1
            thrusting[i] = 0
            load_w[i] = 0.0
            reentry_t_s[i] = crossing_time_s(t0_s, interval_s, a0 - R_EARTH_EQUATORIAL_M,
                                             a1 - R_EARTH_EQUATORIAL_M, reentry_m)
            n_reentry += 1
            continue
        if keeping:
            if a1 < a_ref_m[i] - deadband_m:
                thrusting[i] = 1
            elif a1 >= a_ref_m[i]:
                thrusting[i] = 0
        if propellant_kg[i] <= 0.0:
            thrusting[i] = 0
        load_w[i] = power_w * min(1.0, propellant_kg[i] / (mdot * interval_s)) if thrusting[i] else 0.0
    return n_reentry
