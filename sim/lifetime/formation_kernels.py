"""Formation-keeping kernel: each cluster member's Hill-frame error against its slot, and the
deadband that flags the members due for a correction (sim.lifetime.formation acts on them).

The chief of a cluster is its lattice centre (sim.orbits.shells.cluster: satellite 0 of the
shell, which flies the reference orbit). The member's relative position is taken in the chief's
Hill frame (x radial, y along-track, z cross-track; Cartesian, not curvilinear: the difference
is y²/2a ≈ 0.07 m at 1 km and 650 km) and compared with its slot, the linear map of the slot's
quasi-nonsingular relative orbital elements (δa, δλ, δe_x, δe_y, δi_x, δi_y; D'Amico 2010,
PhD thesis TU Delft, eq. 2.21 without the drift term, which the cluster's J2 nudge cancels):

    x/a = δa − δe_x cos u − δe_y sin u
    y/a = δλ + 2 δe_x sin u − 2 δe_y cos u
    z/a = δi_x sin u − δi_y cos u

at the chief's argument of latitude u and radius a. |error| above the deadband flags a member
(once: it is disarmed until the error is back below half the deadband, so an along-track limit
cycle that leaves it at the edge heading inwards is not flagged again at once).
"""
from __future__ import annotations

import math

from numba import njit

SLOT_DA, SLOT_DL, SLOT_DEX, SLOT_DEY, SLOT_DIX, SLOT_DIY = range(6)   # rows of the slot array


@njit(cache=True, inline="always", error_model="numpy")
def hill_and_latitude(r, v, c, i):
    """Position of satellite i relative to chief c in the chief's Hill frame (x, y, z) [m], the
    chief's argument of latitude (cos u, sin u) and radius [m]."""
    rx, ry, rz = r[0, c], r[1, c], r[2, c]
    hx = ry * v[2, c] - rz * v[1, c]
    hy = rz * v[0, c] - rx * v[2, c]
    hz = rx * v[1, c] - ry * v[0, c]
    rn = math.sqrt(rx * rx + ry * ry + rz * rz)
    hn = math.sqrt(hx * hx + hy * hy + hz * hz)
    ux, uy, uz = rx / rn, ry / rn, rz / rn
    nx, ny, nz = hx / hn, hy / hn, hz / hn
    tx, ty, tz = ny * uz - nz * uy, nz * ux - nx * uz, nx * uy - ny * ux
    kn = math.sqrt(hx * hx + hy * hy)             # the node line ẑ × h (non-equatorial chief)
    kx, ky = -hy / kn, hx / kn
    cos_u = ux * kx + uy * ky
    sin_u = (ny * 0.0 - nz * ky) * ux + (nz * kx - nx * 0.0) * uy + (nx * ky - ny * kx) * uz
    dx, dy, dz = r[0, i] - rx, r[1, i] - ry, r[2, i] - rz
    return (dx * ux + dy * uy + dz * uz, dx * tx + dy * ty + dz * tz, dx * nx + dy * ny + dz * nz,
            cos_u, sin_u, rn)


@njit(cache=True, inline="always", error_model="numpy")
def slot_position(slot, k, a, cos_u, sin_u):
    """The slot of member k in the chief's Hill frame at (cos u, sin u), chief radius a."""
    x = a * (slot[SLOT_DA, k] - slot[SLOT_DEX, k] * cos_u - slot[SLOT_DEY, k] * sin_u)
    y = a * (slot[SLOT_DL, k] + 2.0 * slot[SLOT_DEX, k] * sin_u - 2.0 * slot[SLOT_DEY, k] * cos_u)
    z = a * (slot[SLOT_DIX, k] * sin_u - slot[SLOT_DIY, k] * cos_u)
    return x, y, z


@njit(cache=True, error_model="numpy")
def formation_errors(r, v, member, chief, slot, lost, error_m):
    """|Hill-frame position − slot| [m] of every member (NaN where it or its chief is lost)."""
    for k in range(member.shape[0]):
        i, c = member[k], chief[k]
        if lost[i] or lost[c]:
            error_m[k] = math.nan
            continue
        x, y, z, cos_u, sin_u, a = hill_and_latitude(r, v, c, i)
        sx, sy, sz = slot_position(slot, k, a, cos_u, sin_u)
        error_m[k] = math.sqrt((x - sx) ** 2 + (y - sy) ** 2 + (z - sz) ** 2)


@njit(cache=True, error_model="numpy")
def formation_check(r, v, member, chief, slot, lost, deadband_m, armed, due, error_m, error_max_m):
    """The deadband of every member: due[k] = 1 (and disarmed) where an armed member's error is
    above deadband_m; re-armed below deadband_m / 2. Returns the number newly due."""
    formation_errors(r, v, member, chief, slot, lost, error_m)
    n_due = 0
    for k in range(member.shape[0]):
        err = error_m[k]
        if not err >= 0.0:   # lost
            continue
        if err > error_max_m[k]:
            error_max_m[k] = err
        if armed[k]:
            if err > deadband_m:
                due[k] = 1
                armed[k] = 0
                n_due += 1
        elif err < 0.5 * deadband_m:
            armed[k] = 1
    return n_due
