"""One network tick as a kernel: the crosslink and ground-contact geometry of sim.network.geometry
with the margins double-buffered, satellites that re-entered taken out, and a flag saying what
Python must do about the tick (the block contract, sim.core.subsystem).

Margins live in (2, ...) buffers: `cur[0]` is the index of the margins now, 1 − cur[0] of those
one tick before; a tick flips cur[0] and writes the new margins over the oldest (what swapping the
two arrays did, without a copy).

A satellite with reentered[i] ≠ 0 (the lifetime subsystem's field) has every margin −1 (never
feasible): a link or contact feasible a tick before crosses 0 falling, at the end of the first tick
the network sees the flag in (never before the flag was set; at most a tick after it).
"""
from __future__ import annotations

import numpy as np
from numba import njit

from sim.core.numerics import crossing_direction, rotate_to_inertial
from sim.network.geometry import ground_tick, ground_tick_range, isl_tick, isl_tick_range

LINK_CROSSINGS = 1     # a crosslink margin crossed 0 (links.Crosslinks._crossings)
CONTACT_CROSSINGS = 2  # a contact margin crossed 0 (contacts.Contacts._crossings)
REROUTE_DUE = 4        # routing.every_s since the last full re-route, with something to route
WHOLE_TICK = 8         # the nearest-neighbour re-selection is due: the kernel did nothing of this
#                        tick, Python does all of it (links.tick, contacts.tick, the re-route check)


@njit(cache=True, error_model="numpy")
def _reentered_links(t1_s, link_a, link_b, reentered, margin_prev, margin, direction, t_cross_s):
    """Links with a re-entered end: margin −1, crossing (if any) at t1_s. Returns the change of
    the crossing count."""
    change = 0
    for j in range(link_a.size):
        if reentered[link_a[j]] != 0 or reentered[link_b[j]] != 0:
            d0 = direction[j]
            margin[j] = -1.0
            d = crossing_direction(margin_prev[j], -1.0, 0.0)
            direction[j] = d
            t_cross_s[j] = t1_s
            change += d * d - d0 * d0
    return change


@njit(cache=True, error_model="numpy")
def links_geometry(chunk, t0_s, dt_s, has_reentry, reentered, r_eci_m, v_eci_m_s, link_a, link_b, max_range_m,
                   clear_radius_m, max_slew_rad_s, rate_max_bps, rate_ref_bps, range_ref_m, dwdm_range_m,
                   dwdm_rate_bps, range_m, rate_bps, slew_rad_s, margins, cur, state, up_state, direction,
                   t_cross_s):
    """geometry.isl_tick (chunk > 0) or isl_tick_range over every link, from margins[1 − cur]
    to margins[cur]; then the re-entered satellites. Same returns as isl_tick_range."""
    k = cur[0]
    margin_prev = margins[1 - k]
    margin = margins[k]
    if chunk > 0:
        n_cross, n_up, n_feasible = isl_tick(
            chunk, r_eci_m, v_eci_m_s, link_a, link_b, max_range_m, clear_radius_m, max_slew_rad_s, rate_max_bps,
            rate_ref_bps, range_ref_m, dwdm_range_m, dwdm_rate_bps, range_m, rate_bps, slew_rad_s, margin_prev,
            margin, state, up_state, t0_s, dt_s, direction, t_cross_s)
    else:
        n_cross, n_up, n_feasible = isl_tick_range(
            0, link_a.size, r_eci_m, v_eci_m_s, link_a, link_b, max_range_m, clear_radius_m, max_slew_rad_s,
            rate_max_bps, rate_ref_bps, range_ref_m, dwdm_range_m, dwdm_rate_bps, range_m, rate_bps, slew_rad_s,
            margin_prev, margin, state, up_state, t0_s, dt_s, direction, t_cross_s)
    if has_reentry:
        n_cross += _reentered_links(t0_s + dt_s, link_a, link_b, reentered, margin_prev, margin, direction, t_cross_s)
    return n_cross, n_up, n_feasible


@njit(cache=True, error_model="numpy")
def _reentered_contacts(t1_s, reentered, margin_prev, margin, direction, t_cross_s):
    n = margin.shape[1]
    change = 0
    for i in range(n):
        if reentered[i] != 0:
            for g in range(margin.shape[0]):
                f = g * n + i
                d0 = direction[f]
                margin[g, i] = -1.0
                d = crossing_direction(margin_prev[g, i], -1.0, 0.0)
                direction[f] = d
                t_cross_s[f] = t1_s
                change += d * d - d0 * d0
    return change


@njit(cache=True, error_model="numpy")
def contacts_geometry(chunk, t0_s, dt_s, cos_gmst, sin_gmst, has_reentry, reentered, r_eci_m, station_ecef_m,
                      station_up_ecef, station_eci_m, station_up_eci, sin_min_elevation, margins, cur, direction,
                      t_cross_s):
    """The stations turned to the inertial frame by GMST, then geometry.ground_tick (chunk > 0)
    or ground_tick_range from margins[1 − cur] to margins[cur]; then the re-entered satellites.
    Returns the crossings."""
    rotate_to_inertial(station_ecef_m, cos_gmst, sin_gmst, station_eci_m)
    rotate_to_inertial(station_up_ecef, cos_gmst, sin_gmst, station_up_eci)
    k = cur[0]
    margin_prev = margins[1 - k]
    margin = margins[k]
    if chunk > 0:
        count = ground_tick(chunk, r_eci_m, station_eci_m, station_up_eci, sin_min_elevation, margin_prev, margin,
                            t0_s, dt_s, direction, t_cross_s)
    else:
        count = ground_tick_range(0, r_eci_m.shape[1], r_eci_m, station_eci_m, station_up_eci, sin_min_elevation,
                                  margin_prev, margin, t0_s, dt_s, direction, t_cross_s)
    if has_reentry:
        count += _reentered_contacts(t0_s + dt_s, reentered, margin_prev, margin, direction, t_cross_s)
    return count


@njit(cache=True, error_model="numpy")
def network_tick(step, row, t0_s, dt_s, r_eci_m, v_eci_m_s, has_reentry, reentered, clocks, every_s,
                 reselect_on, reselected, reselect_every_s,
                 has_links, isl_chunk, link_a, link_b, max_range_m, clear_radius_m, max_slew_rad_s, rate_max_bps,
                 rate_ref_bps, range_ref_m, dwdm_range_m, dwdm_rate_bps, range_m, rate_bps, slew_rad_s, margins,
                 cur, state, up_state, direction, t_cross_s, link_seconds,
                 has_contacts, ground_chunk, gmst_table, cos_col, station_ecef_m, station_up_ecef, station_eci_m,
                 station_up_eci, sin_min_elevation, g_margins, g_cur, g_direction, g_t_cross_s):
    """One tick of Network.advance: the link and contact geometry at the positions of the tick's
    end, up- and feasible-link seconds accumulated (link_seconds[0], [1]) as Crosslinks.tick did,
    and the flag bits of what Python must do (0: nothing).

    clocks: [time of the last full re-route [s], 1 when something may need routing];
    reselected[0]: time of the last nearest-neighbour re-selection [s]; gmst_table[row, cos_col]
    and [row, cos_col + 1]: cos and sin of GMST at the tick's end. The time of the tick is
    step·dt_s as the clock has it (t0_s is recomputed from it, as the Python path does)."""
    t_s = step * dt_s
    t_start_s = t_s - dt_s
    if reselect_on and t_s - reselected[0] >= reselect_every_s:
        return WHOLE_TICK
    flag = 0
    if has_links:
        cur[0] = 1 - cur[0]
        n_cross, n_up, n_feasible = links_geometry(
            isl_chunk, t_start_s, dt_s, has_reentry, reentered, r_eci_m, v_eci_m_s, link_a, link_b, max_range_m,
            clear_radius_m, max_slew_rad_s, rate_max_bps, rate_ref_bps, range_ref_m, dwdm_range_m, dwdm_rate_bps,
            range_m, rate_bps, slew_rad_s, margins, cur, state, up_state, direction, t_cross_s)
        link_seconds[0] += dt_s * n_up
        link_seconds[1] += dt_s * n_feasible
        if n_cross:
            flag |= LINK_CROSSINGS
    if has_contacts:
        g_cur[0] = 1 - g_cur[0]
        if contacts_geometry(ground_chunk, t_start_s, dt_s, gmst_table[row, cos_col],
                             gmst_table[row, cos_col + 1], has_reentry,
                             reentered, r_eci_m, station_ecef_m, station_up_ecef, station_eci_m, station_up_eci,
                             sin_min_elevation, g_margins, g_cur, g_direction, g_t_cross_s):
            flag |= CONTACT_CROSSINGS
    if clocks[1] != 0.0 and t_s - clocks[0] >= every_s:
        flag |= REROUTE_DUE
    return flag


@njit(cache=True, error_model="numpy")
def crossed(direction):
    """Indices where direction ≠ 0, ascending (np.flatnonzero, fast on a large array with few
    crossings: spans of 64 without one are skipped after a vectorised test)."""
    n = direction.size
    spans = np.zeros((n + 63) // 64, np.int64)  # crossings in each span of 64
    count = 0
    for s in range(spans.size):
        lo = s * 64
        hi = min(lo + 64, n)
        any_ = np.int8(0)
        for k in range(lo, hi):
            any_ |= direction[k]
        if any_ != 0:
            for k in range(lo, hi):
                if direction[k] != 0:
                    spans[s] += 1
            count += spans[s]
    out = np.empty(count, np.int64)
    c = 0
    for s in range(spans.size):
        if spans[s]:
            for k in range(s * 64, min(s * 64 + 64, n)):
                if direction[k] != 0:
                    out[c] = k
                    c += 1
    return out


# stand-ins for the arrays of a part the network does not have (never written: the kernel skips it)
EMPTY = {"clock": np.full(1, -np.inf)}


def no_link_args() -> tuple:
    """network_tick's crosslink arguments (after has_links, isl_chunk) without crosslinks."""
    f8, i8 = np.zeros(0), np.zeros(0, np.int8)
    return (np.zeros(0, np.int64), np.zeros(0, np.int64), 1.0, 1.0, 0.0, 0.0, 0.0, 1.0, -1.0, 0.0, f8, f8, f8,
            np.zeros((2, 0)), np.zeros(1, np.int64), i8, 2, i8, f8, np.zeros(2))


def no_contact_args(n: int) -> tuple:
    """network_tick's station arguments (after gmst_table, cos_col) without ground stations."""
    xyz = np.zeros((3, 0))
    return (xyz, xyz, xyz, xyz, np.zeros(0), np.zeros((2, 0, n)), np.zeros(1, np.int64), np.zeros(0, np.int8),
            np.zeros(0))


def reentered_of(fleet) -> tuple[bool, np.ndarray]:
    """(whether the fleet has the lifetime subsystem's `reentered` field, the field or zeros)."""
    if "reentered" in fleet.specs:
        return True, fleet.reentered
    return False, np.zeros(fleet.n, np.int8)
