"""Per-tick link geometry kernels: crosslink feasibility, range and rate, ground-station
elevation, and in the same pass the crossings of the feasibility margin through 0.

A link (or a station's view of a satellite) is feasible when its margin is ≥ 0; margins are
continuous in time, so the crossing inside a tick is interpolated with the one crossing formula
of sim.core.numerics (`crossing_direction`, `interpolated_time_s`, threshold 0). The arrays are read
once per tick and Python learns from the returned counts whether anything changed.

`*_tick_range` is the serial body over elements lo..hi-1 (unsigned indices so that loads
vectorise); `*_tick` runs it over chunks of `chunk` elements in parallel, the chunk chosen by
sim.core.numerics.parallel_chunk (results never depend on it).
"""
from __future__ import annotations

import math

import numpy as np
from numba import njit, prange

from sim.core.numerics import crossing_direction, interpolated_time_s


@njit(cache=True, fastmath=True, inline="always", error_model="numpy")
def _isl_one(j, r_eci_m, v_eci_m_s, link_a, link_b, max_range_m, clear_radius_m, max_slew_rad_s,
             rate_max_bps, rate_ref_bps, range_ref_m, dwdm_range_m, dwdm_rate_bps,
             range_m, rate_bps, slew_rad_s, margin):
    """Link j (link_a[j], link_b[j]):

    range_m    |r_b − r_a| [m]
    rate_bps   min(rate_max, rate_ref·(range_ref/d)²), or dwdm_rate when d ≤ dwdm_range_m [bit/s]
    slew_rad_s the larger of the two terminals' line-of-sight angular rates in their orbital
               (LVLH) frames: |(ω_los − ω_orbit) × u| with ω_los = u × v_rel / d [rad/s]
    margin     min of (max_range − d)/max_range, (h_min − R_clear)/R_clear with h_min the
               segment's closest distance to the Earth's centre and R_clear = R_E + grazing
               altitude, and (slew_max − slew)/slew_max when max_slew_rad_s > 0 [1]; ≥ 0 feasible.
    """
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


@njit(cache=True, fastmath=True, error_model="numpy")
def isl_tick_range(lo, hi, r_eci_m, v_eci_m_s, link_a, link_b, max_range_m, clear_radius_m, max_slew_rad_s,
                   rate_max_bps, rate_ref_bps, range_ref_m, dwdm_range_m, dwdm_rate_bps,
                   range_m, rate_bps, slew_rad_s, margin_prev, margin, state, up_state, t0_s, dt_s,
                   direction, t_cross_s):
    """`_isl_one` on links lo..hi-1, then the crossing of 0 from margin_prev (at t0_s) to margin
    (at t0_s + dt_s): direction −1 falling, +1 rising, 0 none; t_cross_s written everywhere,
    meaningful where direction ≠ 0. Returns (crossings, links with state == up_state, links
    with margin_prev ≥ 0)."""
    n_cross = 0
    n_up = 0
    n_feasible = 0
    for j in range(np.uint64(lo), np.uint64(hi)):
        _isl_one(j, r_eci_m, v_eci_m_s, link_a, link_b, max_range_m, clear_radius_m, max_slew_rad_s,
                 rate_max_bps, rate_ref_bps, range_ref_m, dwdm_range_m, dwdm_rate_bps, range_m, rate_bps,
                 slew_rad_s, margin)
        b = margin_prev[j]
        a = margin[j]
        d = crossing_direction(b, a, 0.0)
        direction[j] = d
        t_cross_s[j] = interpolated_time_s(t0_s, dt_s, b, a, 0.0)
        n_cross += d * d
        n_up += 1 if state[j] == up_state else 0
        n_feasible += 1 if b >= 0.0 else 0
    return n_cross, n_up, n_feasible


@njit(cache=True, fastmath=True, parallel=True)
def isl_tick(chunk, r_eci_m, v_eci_m_s, link_a, link_b, max_range_m, clear_radius_m, max_slew_rad_s,
             rate_max_bps, rate_ref_bps, range_ref_m, dwdm_range_m, dwdm_rate_bps,
             range_m, rate_bps, slew_rad_s, margin_prev, margin, state, up_state, t0_s, dt_s,
             direction, t_cross_s):
    """isl_tick_range over all links, `chunk` links per parallel work item; same returns."""
    n = link_a.size
    n_cross = 0
    n_up = 0
    n_feasible = 0
    for c in prange((n + chunk - 1) // chunk):
        lo = c * chunk
        k_cross, k_up, k_feasible = isl_tick_range(
            lo, min(lo + chunk, n), r_eci_m, v_eci_m_s, link_a, link_b, max_range_m, clear_radius_m,
            max_slew_rad_s, rate_max_bps, rate_ref_bps, range_ref_m, dwdm_range_m, dwdm_rate_bps, range_m,
            rate_bps, slew_rad_s, margin_prev, margin, state, up_state, t0_s, dt_s, direction, t_cross_s)
        n_cross += k_cross
        n_up += k_up
        n_feasible += k_feasible
    return n_cross, n_up, n_feasible


@njit(cache=True, fastmath=True, error_model="numpy")
def ground_tick_range(lo, hi, r_eci_m, station_eci_m, station_up, sin_min_elevation, margin_prev, margin,
                      t0_s, dt_s, direction, t_cross_s):
    """margin[g, i] = sin(elevation of satellite i seen from station g) − sin(mask of g) [1]
    (≥ 0 in view) for satellites lo..hi-1 and every station, then the crossing of 0 from
    margin_prev; direction and t_cross_s are flat (G·N,), index g·N + i, t_cross_s written
    everywhere (meaningful where direction ≠ 0). station_eci_m and station_up (unit local
    vertical, geodetic) are (3, G) in the inertial frame of r_eci_m (3, N); margins are (G, N).
    Returns the crossings. Station outer, satellite inner: contiguous, so the loop vectorises."""
    n = r_eci_m.shape[1]
    count = 0
    for g in range(station_eci_m.shape[1]):
        gx = station_eci_m[0, g]
        gy = station_eci_m[1, g]
        gz = station_eci_m[2, g]
        ux = station_up[0, g]
        uy = station_up[1, g]
        uz = station_up[2, g]
        s = sin_min_elevation[g]
        base = np.uint64(g * n)
        for i in range(np.uint64(lo), np.uint64(hi)):
            dx = r_eci_m[0, i] - gx
            dy = r_eci_m[1, i] - gy
            dz = r_eci_m[2, i] - gz
            a = (dx * ux + dy * uy + dz * uz) / math.sqrt(dx * dx + dy * dy + dz * dz) - s
            b = margin_prev[g, i]
            margin[g, i] = a
            d = crossing_direction(b, a, 0.0)
            direction[base + i] = d
            t_cross_s[base + i] = interpolated_time_s(t0_s, dt_s, b, a, 0.0)
            count += d * d
    return count


@njit(cache=True, fastmath=True, parallel=True)
def ground_tick(chunk, r_eci_m, station_eci_m, station_up, sin_min_elevation, margin_prev, margin, t0_s, dt_s,
                direction, t_cross_s):
    """ground_tick_range over all satellites, `chunk` satellites (× every station) per parallel
    work item; returns the crossings."""
    n = r_eci_m.shape[1]
    count = 0
    for c in prange((n + chunk - 1) // chunk):
        lo = c * chunk
        count += ground_tick_range(lo, min(lo + chunk, n), r_eci_m, station_eci_m, station_up, sin_min_elevation,
                                   margin_prev, margin, t0_s, dt_s, direction, t_cross_s)
    return count
