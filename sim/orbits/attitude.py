"""Attitude: the body frame of each attitude law, what it means for the solar array and the
radiator faces, and the yaw rate yaw steering needs.

Body frame (x_b, y_b, z_b), right-handed, from the position r, the velocity v (inertial, any
length) and the Sun direction ŝ (unit); ĥ = r × v / |r × v| is the orbit normal:

- nadir_yaw_steering (ATTITUDE_YAW_STEERING, the default): z_b = −r̂ (nadir),
  y_b = (z_b × ŝ)/|z_b × ŝ| (perpendicular to nadir and to the Sun), x_b = y_b × z_b (in the
  Sun's half-space). The yaw steering of GPS satellites (Bar-Sever, "A new model for GPS yaw
  attitude", J. Geodesy 70 (1996) 714; Kouba, "A simplified yaw-attitude model for eclipsing
  GPS satellites", GPS Solutions 13 (2009) 1): the Sun stays in the x_b–z_b plane;
- nadir_fixed (ATTITUDE_NADIR_FIXED): the local-vertical local-horizontal frame, z_b = −r̂,
  y_b = −ĥ, x_b = y_b × z_b (along-track);
- sun_pointing (ATTITUDE_SUN_POINTING): inertial while the Sun moves slowly: z_b = −ŝ (the
  face behind the array looks away from the Sun), y_b = −(ĥ − (ĥ·ŝ)ŝ)/|…| (the orbit
  normal's part perpendicular to the Sun, negated as in nadir_fixed), x_b = y_b × z_b.

Mountings (the conventions the payload geometry uses):

- solar array, `tracking` 1: a wing on the y_b axis that rotates about y_b (one-axis solar
  array drive) to face the Sun as well as it can: cos θ = √(1 − (ŝ·y_b)²) (1 under yaw
  steering and sun pointing, cos β when nadir_fixed); `tracking` 0: body-fixed, facing −z_b
  (zenith in the nadir laws): cos θ = max(0, −z_b·ŝ);
- radiator (codes of `radiator.orientation`): 0 "nadir" front face normal +z_b, 1 "zenith"
  front −z_b, 2 "edge_on_sun" front +y_b (the faces that yaw steering keeps edge-on to the
  Sun); the back face is the opposite normal. `radiator_face_cosines` returns the cosine of
  the Sun direction and of the nadir direction (−r̂) with each face normal.

Yaw steering's yaw ψ, the rotation about z_b from the nadir_fixed frame to the yaw-steered
one (positive from x toward y): with β the Sun's elevation above the orbit plane and μ the
orbit angle from orbit midnight, ŝ·ĥ = sin β, ŝ·x_lvlh = cos β sin μ, so

    ψ = atan2(−ŝ·ĥ, ŝ·x_lvlh) = atan2(−tan β, sin μ)                     (Kouba 2009, eq. 1)
    ψ̇ = −ω (ŝ·ĥ)(ŝ·r̂) / (1 − (ŝ·r̂)²) = μ̇ tan β cos μ / (sin²μ + tan²β)  (Kouba 2009, eq. 2)

(d/dt of the atan2 with ŝ·ĥ constant and d x_lvlh/dt = −ω r̂, ω = |r × v|/r²; β̇ and the
Sun's motion, < 2e-4 of ω, are left out). Its peak, at orbit noon and midnight, is
ω cos β/|sin β|: above an ADCS rate limit R whenever tan β < ω/R — near noon and midnight at
low β. The exceedance window around each peak is |φ| < φ*, φ the orbit angle from the peak,
cos φ* = c* = (−ω t + √(ω² t² + 4 R² (1 + t²)))/(2R), t = |tan β| (solving |ψ̇| = R).
"""
from __future__ import annotations

import math

import numpy as np
from numba import njit, prange

ATTITUDE_YAW_STEERING = 0
ATTITUDE_NADIR_FIXED = 1
ATTITUDE_SUN_POINTING = 2
ATTITUDES = {"nadir_yaw_steering": ATTITUDE_YAW_STEERING, "nadir_fixed": ATTITUDE_NADIR_FIXED,
             "sun_pointing": ATTITUDE_SUN_POINTING}
MOUNT_NADIR, MOUNT_ZENITH, MOUNT_EDGE_ON_SUN = 0, 1, 2   # radiator.orientation codes

YAW_EVENT_NONE, YAW_EVENT_START, YAW_EVENT_END, YAW_EVENT_BOTH = 0, 1, 2, 3
_TINY = 1e-300


@njit(cache=True, inline="always", error_model="numpy")
def _unit(x, y, z):
    n = math.sqrt(x * x + y * y + z * z)
    n = n if n > 0.0 else 1.0
    return x / n, y / n, z / n


@njit(cache=True, inline="always", error_model="numpy")
def _cross(ax, ay, az, bx, by, bz):
    return ay * bz - az * by, az * bx - ax * bz, ax * by - ay * bx


@njit(cache=True, inline="always", error_model="numpy")
def body_axes(attitude, rx, ry, rz, vx, vy, vz, sx, sy, sz):
    """(x_b, y_b, z_b) of `attitude` as nine floats (module docstring)."""
    ux, uy, uz = _unit(rx, ry, rz)
    hx, hy, hz = _cross(rx, ry, rz, vx, vy, vz)
    hx, hy, hz = _unit(hx, hy, hz)
    if attitude == ATTITUDE_SUN_POINTING:
        zx, zy, zz = -sx, -sy, -sz
        d = hx * sx + hy * sy + hz * sz
        px, py, pz = hx - d * sx, hy - d * sy, hz - d * sz
        if px * px + py * py + pz * pz < 1e-20:  # the Sun along the orbit normal
            d = ux * sx + uy * sy + uz * sz
            px, py, pz = ux - d * sx, uy - d * sy, uz - d * sz
        yx, yy, yz = _unit(-px, -py, -pz)
    else:
        zx, zy, zz = -ux, -uy, -uz
        yx, yy, yz = -hx, -hy, -hz
        if attitude == ATTITUDE_YAW_STEERING:
            cx, cy, cz = _cross(zx, zy, zz, sx, sy, sz)
            if cx * cx + cy * cy + cz * cz > 1e-20:  # else the Sun at zenith/nadir: LVLH
                yx, yy, yz = _unit(cx, cy, cz)
    xx, xy, xz = _cross(yx, yy, yz, zx, zy, zz)
    return xx, xy, xz, yx, yy, yz, zx, zy, zz


@njit(cache=True, inline="always", error_model="numpy")
def array_cos_incidence(attitude, tracking, rx, ry, rz, vx, vy, vz, sx, sy, sz):
    """Cosine of the Sun's incidence on the solar array (before eclipse): `tracking` 1 a wing
    rotating about y_b, √(1 − (ŝ·y_b)²); 0 body-fixed facing −z_b, max(0, −z_b·ŝ)."""
    _, _, _, yx, yy, yz, zx, zy, zz = body_axes(attitude, rx, ry, rz, vx, vy, vz, sx, sy, sz)
    if tracking != 0:
        c = sx * yx + sy * yy + sz * yz
        return math.sqrt(max(0.0, 1.0 - c * c))
    return max(0.0, -(sx * zx + sy * zy + sz * zz))


@njit(cache=True, inline="always", error_model="numpy")
def radiator_normal(mount, yx, yy, yz, zx, zy, zz):
    """The radiator's front-face normal for `mount`: MOUNT_NADIR +z_b, MOUNT_ZENITH −z_b,
    MOUNT_EDGE_ON_SUN +y_b."""
    if mount == MOUNT_EDGE_ON_SUN:
        return yx, yy, yz
    if mount == MOUNT_ZENITH:
        return -zx, -zy, -zz
    return zx, zy, zz


@njit(cache=True, inline="always", error_model="numpy")
def radiator_face_cosines(attitude, mount, rx, ry, rz, vx, vy, vz, sx, sy, sz):
    """(cos_sun_front, cos_sun_back, cos_nadir_front, cos_nadir_back): the Sun direction ŝ
    and the nadir direction −r̂ against the radiator's front and back face normals, for the
    mounting `mount` (MOUNT_NADIR +z_b, MOUNT_ZENITH −z_b, MOUNT_EDGE_ON_SUN +y_b front)."""
    _, _, _, yx, yy, yz, zx, zy, zz = body_axes(attitude, rx, ry, rz, vx, vy, vz, sx, sy, sz)
    nx, ny, nz = radiator_normal(mount, yx, yy, yz, zx, zy, zz)
    ux, uy, uz = _unit(rx, ry, rz)
    cos_sun = nx * sx + ny * sy + nz * sz
    cos_nadir = -(nx * ux + ny * uy + nz * uz)
    return cos_sun, -cos_sun, cos_nadir, -cos_nadir


@njit(cache=True, inline="always", error_model="numpy")
def payload_face_cosines(attitude, tracking, mount, rx, ry, rz, vx, vy, vz, sx, sy, sz):
    """What the payload's thermal and power passes need from one body frame:
    (array cos_sun, array cos_nadir, radiator cos_sun_front, radiator cos_nadir_front) — the
    back faces are the negatives. The array's front normal: a tracking wing (rotating about
    y_b) faces the Sun's projection on the x_b–z_b plane (−z_b when the Sun lies along y_b), a
    body-fixed array −z_b; signed cosines (the array's back face sees the rest)."""
    _, _, _, yx, yy, yz, zx, zy, zz = body_axes(attitude, rx, ry, rz, vx, vy, vz, sx, sy, sz)
    ux, uy, uz = _unit(rx, ry, rz)
    ax, ay, az = -zx, -zy, -zz
    if tracking != 0:
        c = sx * yx + sy * yy + sz * yz
        px, py, pz = sx - c * yx, sy - c * yy, sz - c * yz
        if px * px + py * py + pz * pz > 1e-20:
            ax, ay, az = _unit(px, py, pz)
    nx, ny, nz = radiator_normal(mount, yx, yy, yz, zx, zy, zz)
    return (ax * sx + ay * sy + az * sz, -(ax * ux + ay * uy + az * uz),
            nx * sx + ny * sy + nz * sz, -(nx * ux + ny * uy + nz * uz))


@njit(cache=True, inline="always", error_model="numpy")
def _yaw_geometry(rx, ry, rz, vx, vy, vz, sx, sy, sz):
    """(ŝ·ĥ, ŝ·r̂, ŝ·x_lvlh, ω) with x_lvlh = ĥ × r̂ and ω = |r × v|/r²."""
    r2 = rx * rx + ry * ry + rz * rz
    hx, hy, hz = _cross(rx, ry, rz, vx, vy, vz)
    h = math.sqrt(hx * hx + hy * hy + hz * hz)
    r = math.sqrt(r2)
    omega = h / r2
    hx, hy, hz = hx / h, hy / h, hz / h
    ux, uy, uz = rx / r, ry / r, rz / r
    xx, xy, xz = _cross(hx, hy, hz, ux, uy, uz)
    return (sx * hx + sy * hy + sz * hz, sx * ux + sy * uy + sz * uz,
            sx * xx + sy * xy + sz * xz, omega)


@njit(cache=True, error_model="numpy")
def yaw_angle_rad(rx, ry, rz, vx, vy, vz, sx, sy, sz):
    """Yaw steering's yaw from the nadir_fixed frame, atan2(−ŝ·ĥ, ŝ·x_lvlh), in (−π, π]."""
    s_h, _, s_x, _ = _yaw_geometry(rx, ry, rz, vx, vy, vz, sx, sy, sz)
    return math.atan2(-s_h, s_x)


@njit(cache=True, inline="always", error_model="numpy")
def yaw_rate_rad_s(rx, ry, rz, vx, vy, vz, sx, sy, sz):
    """Yaw rate yaw steering needs: −ω (ŝ·ĥ)(ŝ·r̂)/(1 − (ŝ·r̂)²), rad/s (no trig)."""
    s_h, s_r, _, omega = _yaw_geometry(rx, ry, rz, vx, vy, vz, sx, sy, sz)
    return -omega * s_h * s_r / max(1.0 - s_r * s_r, _TINY)


@njit(cache=True, error_model="numpy")
def exceedance_window(s_h, s_r, s_x, omega, max_rate):
    """(φ_end, φ*): the orbit angle past the nearest noon/midnight peak now, and the half
    width of the window where |ψ̇| > max_rate around it (module docstring); φ* < 0: none."""
    cos_beta = math.sqrt(max(0.0, 1.0 - s_h * s_h))
    t = abs(s_h) / max(cos_beta, _TINY)
    r2 = max_rate * max_rate
    c = (-omega * t + math.sqrt(omega * omega * t * t + 4.0 * r2 * (1.0 + t * t))) / (2.0 * max_rate)
    phi_star = math.acos(c) if c < 1.0 else -1.0
    phi_end = math.atan2(-s_x * (1.0 if s_r >= 0.0 else -1.0), abs(s_r))
    return phi_end, phi_star


@njit(cache=True, error_model="numpy")
def _yaw_rate_pass(lo, hi, dt_s, r_eci_m, v_eci_m_s, sx, sy, sz, attitude, max_yaw_rate_rad_s,
                   yaw_rate, exceeded, exceeded_s, side, event_code):
    """Branch-free pass (vectorises): the needed rate, the exceedance flag at the tick end, the
    time of ticks spent wholly above the limit, and event_code: YAW_EVENT_START where the
    window opened in the tick, _END where it closed, _BOTH where one fitted inside it. Unnormalised vectors, one sqrt:
    with H = r × v, ψ̇ = −(ŝ·H)(ŝ·r)/(|r| (r² − (ŝ·r)²)); `side` holds ŝ·(H × r), whose sign
    change marks orbit noon or midnight, where the peak ω cos β/|sin β| exceeds R iff
    (H² − (ŝ·H)²) H² > R² r⁴ (ŝ·H)²."""
    count = 0
    for i in range(np.uint64(lo), np.uint64(hi)):
        rx, ry, rz = r_eci_m[0, i], r_eci_m[1, i], r_eci_m[2, i]
        vx, vy, vz = v_eci_m_s[0, i], v_eci_m_s[1, i], v_eci_m_s[2, i]
        hx, hy, hz = ry * vz - rz * vy, rz * vx - rx * vz, rx * vy - ry * vx
        rr = rx * rx + ry * ry + rz * rz
        hh = hx * hx + hy * hy + hz * hz
        s_r = sx * rx + sy * ry + sz * rz
        s_h = sx * hx + sy * hy + sz * hz
        x_side = sx * (hy * rz - hz * ry) + sy * (hz * rx - hx * rz) + sz * (hx * ry - hy * rx)
        denominator = math.sqrt(rr) * max(rr - s_r * s_r, _TINY)
        steered = 1 if attitude[i] == ATTITUDE_YAW_STEERING else 0
        rate = -s_h * s_r / denominator if steered else 0.0
        limit = max_yaw_rate_rad_s[i]
        over = steered if abs(rate) > limit else 0
        was = 1 if exceeded[i] != 0 else 0
        peak_rate_over = (hh - s_h * s_h) * hh > limit * limit * rr * rr * s_h * s_h
        peak = steered if (x_side * side[i] <= 0.0) and peak_rate_over else 0
        code = (YAW_EVENT_START * over * (1 - was) + YAW_EVENT_END * was * (1 - over)
                + YAW_EVENT_BOTH * peak * (1 - was) * (1 - over))
        yaw_rate[i] = rate
        side[i] = x_side
        exceeded[i] = over
        exceeded_s[i] += dt_s * (over * was)
        event_code[i] = code
        count += 1 if code != 0 else 0
    return count


@njit(cache=True, error_model="numpy")
def yaw_tick_range(lo, hi, t_s, dt_s, r_eci_m, v_eci_m_s, sx, sy, sz, attitude,
                   max_yaw_rate_rad_s, yaw_rate, exceeded, exceeded_s, side, event_code,
                   event_start_t_s, event_end_t_s):
    """One tick of the yaw-rate check for satellites lo..hi-1 (state at t_s + dt_s; ŝ unit).

    Writes yaw_rate (rad/s, 0 unless yaw-steered), exceeded (1 while |ψ̇| > the limit),
    side (scratch carried from tick to tick, NaN at first), adds the time above the limit to
    exceeded_s and sets event_code (YAW_EVENT_*) with the window's start/end times (closed
    form, `exceedance_window`) where it opened or closed in the tick or fitted inside it.
    Returns the number of satellites with an event.
    """
    count = _yaw_rate_pass(lo, hi, dt_s, r_eci_m, v_eci_m_s, sx, sy, sz, attitude,
                           max_yaw_rate_rad_s, yaw_rate, exceeded, exceeded_s, side, event_code)
    t_end_s = t_s + dt_s
    left = count
    i = np.uint64(lo)
    while left > 0:
        if event_code[i] != 0:
            left -= 1
            s_h, s_r, s_x, omega = _yaw_geometry(r_eci_m[0, i], r_eci_m[1, i], r_eci_m[2, i],
                                                 v_eci_m_s[0, i], v_eci_m_s[1, i], v_eci_m_s[2, i],
                                                 sx, sy, sz)
            phi_end, phi_star = exceedance_window(s_h, s_r, s_x, omega, max_yaw_rate_rad_s[i])
            phi_star = max(phi_star, 0.0)
            start_s = min(max(t_end_s - (phi_end + phi_star) / omega, t_s), t_end_s)
            end_s = min(max(t_end_s - (phi_end - phi_star) / omega, t_s), t_end_s)
            code = event_code[i]
            if code == YAW_EVENT_START:
                exceeded_s[i] += t_end_s - start_s
            elif code == YAW_EVENT_END:
                exceeded_s[i] += end_s - t_s
            else:  # a whole (narrow, low-β) window inside the tick
                exceeded_s[i] += max(end_s - start_s, 0.0)
            event_start_t_s[i] = start_s
            event_end_t_s[i] = end_s
        i += np.uint64(1)
    return count


@njit(cache=True, parallel=True, error_model="numpy")
def yaw_tick(chunk, t_s, dt_s, r_eci_m, v_eci_m_s, sx, sy, sz, attitude, max_yaw_rate_rad_s,
             yaw_rate, exceeded, exceeded_s, side, event_code, event_start_t_s, event_end_t_s):
    """`yaw_tick_range` over all satellites in parallel chunks of `chunk`."""
    n = attitude.shape[0]
    count = 0
    for c in prange((n + chunk - 1) // chunk):
        lo = c * chunk
        count += yaw_tick_range(lo, min(lo + chunk, n), t_s, dt_s, r_eci_m, v_eci_m_s, sx, sy, sz,
                                attitude, max_yaw_rate_rad_s, yaw_rate, exceeded, exceeded_s,
                                side, event_code, event_start_t_s, event_end_t_s)
    return count


@njit(cache=True, error_model="numpy")
def yaw_tick_serial(chunk, t_s, dt_s, r_eci_m, v_eci_m_s, sx, sy, sz, attitude, max_yaw_rate_rad_s,
                    yaw_rate, exceeded, exceeded_s, side, event_code, event_start_t_s,
                    event_end_t_s):
    """`yaw_tick` on the calling thread (small fleets)."""
    return yaw_tick_range(0, attitude.shape[0], t_s, dt_s, r_eci_m, v_eci_m_s, sx, sy, sz, attitude,
                          max_yaw_rate_rad_s, yaw_rate, exceeded, exceeded_s, side, event_code,
                          event_start_t_s, event_end_t_s)
