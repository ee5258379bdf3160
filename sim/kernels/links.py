"""Link geometry per tick: crosslink feasibility and ground-station elevation.

A link is feasible when its margin is ≥ 0; margins are continuous in time so that the
crossing inside a tick can be interpolated (sim.kernels.crossings.threshold_crossings).
"""
from __future__ import annotations

import math

from numba import njit, prange


@njit(cache=True, fastmath=True, parallel=True)
def isl_geometry(r_eci_m, v_eci_m_s, link_a, link_b, max_range_m, clear_radius_m, max_slew_rad_s,
                 rate_max_bps, rate_ref_bps, range_ref_m, dwdm_range_m, dwdm_rate_bps,
                 range_m, rate_bps, slew_rad_s, margin):
    """For each candidate link (link_a[j], link_b[j]):

    range_m    |r_b − r_a| [m]
    rate_bps   min(rate_max, rate_ref·(range_ref/d)²), or dwdm_rate when d ≤ dwdm_range_m [bit/s]
    slew_rad_s the larger of the two terminals' line-of-sight angular rates in their orbital
               (LVLH) frames: |(ω_los − ω_orbit) × u| with ω_los = u × v_rel / d [rad/s]
    margin     min of (max_range − d)/max_range, (h_min − R_clear)/R_clear with h_min the
               segment's closest distance to the Earth's centre and R_clear = R_E + grazing
               altitude, and (slew_max − slew)/slew_max when max_slew_rad_s > 0 [1]; ≥ 0 feasible.
    """
    for j in prange(link_a.size):
        a = link_a[j]
        b = link_b[j]
        ax = r_eci_m[0, a]
        ay = r_eci_m[1, a]
        az = r_eci_m[2, a]
        dx = r_eci_m[0, b] - ax
        dy = r_eci_m[1, b] - ay
        dz = r_eci_m[2, b] - az
        d2 = dx * dx + dy * dy + dz * dz
        d = math.sqrt(d2)
        range_m[j] = d
        m = (max_range_m - d) / max_range_m
        # closest approach of the segment a→b to the Earth's centre
        s = 0.0
        if d2 > 0.0:
            s = -(ax * dx + ay * dy + az * dz) / d2
            s = min(max(s, 0.0), 1.0)
        px = ax + s * dx
        py = ay + s * dy
        pz = az + s * dz
        h_min = math.sqrt(px * px + py * py + pz * pz)
        m = min(m, (h_min - clear_radius_m) / clear_radius_m)
        # rate from the link budget
        if d <= dwdm_range_m:
            rate_bps[j] = dwdm_rate_bps
        else:
            q = range_ref_m / d
            rate_bps[j] = min(rate_max_bps, rate_ref_bps * q * q)
        # slew: line-of-sight rate relative to each end's orbital frame
        if d > 0.0:
            ux = dx / d
            uy = dy / d
            uz = dz / d
            wx = v_eci_m_s[0, b] - v_eci_m_s[0, a]
            wy = v_eci_m_s[1, b] - v_eci_m_s[1, a]
            wz = v_eci_m_s[2, b] - v_eci_m_s[2, a]
            lx = (uy * wz - uz * wy) / d
            ly = (uz * wx - ux * wz) / d
            lz = (ux * wy - uy * wx) / d
            worst = 0.0
            for end in range(2):
                k = a if end == 0 else b
                rx = r_eci_m[0, k]
                ry = r_eci_m[1, k]
                rz = r_eci_m[2, k]
                vx = v_eci_m_s[0, k]
                vy = v_eci_m_s[1, k]
                vz = v_eci_m_s[2, k]
                r2 = rx * rx + ry * ry + rz * rz
                ox = lx - (ry * vz - rz * vy) / r2
                oy = ly - (rz * vx - rx * vz) / r2
                oz = lz - (rx * vy - ry * vx) / r2
                cx = oy * uz - oz * uy
                cy = oz * ux - ox * uz
                cz = ox * uy - oy * ux
                worst = max(worst, math.sqrt(cx * cx + cy * cy + cz * cz))
            slew_rad_s[j] = worst
            if max_slew_rad_s > 0.0:
                m = min(m, (max_slew_rad_s - worst) / max_slew_rad_s)
        else:
            slew_rad_s[j] = 0.0
        margin[j] = m


@njit(cache=True, fastmath=True, parallel=True)
def ground_elevation_margin(r_eci_m, station_eci_m, station_up, sin_min_elevation, margin):
    """margin[g, i] = sin(elevation of satellite i seen from station g) − sin(mask of g) [1];
    ≥ 0 in view. station_eci_m and station_up (unit local vertical, geodetic) are (3, G) in
    the same inertial frame as r_eci_m (3, N); margin is (G, N)."""
    n = r_eci_m.shape[1]
    n_stations = station_eci_m.shape[1]
    for i in prange(n):
        sx = r_eci_m[0, i]
        sy = r_eci_m[1, i]
        sz = r_eci_m[2, i]
        for g in range(n_stations):
            dx = sx - station_eci_m[0, g]
            dy = sy - station_eci_m[1, g]
            dz = sz - station_eci_m[2, g]
            up = dx * station_up[0, g] + dy * station_up[1, g] + dz * station_up[2, g]
            margin[g, i] = up / math.sqrt(dx * dx + dy * dy + dz * dz) - sin_min_elevation[g]
