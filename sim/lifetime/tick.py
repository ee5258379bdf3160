"""The lifetime subsystem's tick kernel (the block contract, sim.core.subsystem.TickKernel).

Every tick, when ageing is on, the battery's discharge half-cycles are counted from the payload's
SOC (sim.lifetime.ageing_kernels.count_half_cycles). Every k_sample ticks the drag sample runs
here too (sim.lifetime.kernels.sample_drag at the geodetic position and mean local solar time of
each satellite, with the Sun and cos/sin GMST of the tick from the orbits subsystem's
`sun_table` and `clock_table`), unless the MSIS grid must be refreshed first: it is past its refresh time, or a
live satellite's altitude left the grid (the refresh calls pymsis: Python). The kernel returns a
non-zero flag on the ticks where Python acts (sim.lifetime.subsystem.Lifetime._after_tick, in
this order): FLAG_SAMPLE (the sample with the grid refresh), FLAG_UPDATE (decay, thrust,
propellant and re-entry, step % k_update == 0: the orbits' semi-major axes and the payload's bus
are changed through services), FLAG_AGEING (battery capacity and array efficiency rewritten,
step % k_ageing == 0) and FLAG_TABLE (a row of /lifetime/capacity, step % k_table == 0).
A closed half-cycle needs no Python: its damage is read at the next FLAG_AGEING. With
formation keeping, every k_formation ticks the members' Hill-frame errors are measured
(sim.lifetime.formation_kernels.formation_check) and FLAG_FORMATION raised where one is due.

The order within a tick is today's: the sample, then the update (Python, after the kernel), with
the count in between; the count reads only the SOC and its own arrays, which the sample and the
update leave alone (the update's thruster power reaches the payload's bus at the next tick).
"""
from __future__ import annotations

from numba import njit

from sim.core.constants import SECONDS_PER_DAY
from sim.lifetime.ageing_kernels import count_half_cycles
from sim.lifetime.formation_kernels import formation_check
from sim.lifetime.kernels import sample_drag
from sim.orbits.geodesy import _geodetic_range
from sim.orbits.tick import CLOCK_COS_GMST, CLOCK_SIN_GMST, SUN_UNIT_X

FLAG_SAMPLE, FLAG_UPDATE, FLAG_AGEING, FLAG_TABLE, FLAG_FORMATION = 1, 2, 4, 8, 16


@njit(cache=True, error_model="numpy")
def needs_refresh(t_s, alt_km, lost, next_refresh_s, lo_km, hi_km):
    """Whether the MSIS grid must be re-evaluated before a sample at t_s: past its refresh time,
    or the altitudes of the live satellites (all of them if none is live) leave [lo_km, hi_km]."""
    if t_s >= next_refresh_s:
        return True
    lo, hi, live = 0.0, 0.0, False
    for i in range(alt_km.shape[0]):
        if lost[i] == 0:
            if not live or alt_km[i] < lo:
                lo = alt_km[i]
            if not live or alt_km[i] > hi:
                hi = alt_km[i]
            live = True
    if not live:
        lo, hi = alt_km.min(), alt_km.max()
    return lo < lo_km or hi > hi_km


@njit(cache=True, error_model="numpy")
def drag_tick(step, row, dt_s, k_sample, sun_table, clock_table, epoch_days, msis_on, next_refresh_s, lo_km, hi_km,
              log_rho, grid, exp_table, r_eci_m, v_eci_m_s, lat_deg, lon_deg, alt_km, lst_h, attitude, tracking,
              orientation, a_body, a_array, a_radiator, cd, mass_kg, lost, density_kg_m3, area_m2, rho_area_s,
              drag_dv_m_s):
    """The drag sample of a sample step: FLAG_SAMPLE (nothing sampled) where the grid must be
    refreshed first (the geodetic position and local time are left for it), else 0."""
    t_s = step * dt_s
    _geodetic_range(0, lat_deg.shape[0], r_eci_m, clock_table[row, CLOCK_COS_GMST], clock_table[row, CLOCK_SIN_GMST],
                    lat_deg, lon_deg, alt_km)
    ut_h = ((epoch_days + t_s / SECONDS_PER_DAY) % 1.0) * 24.0
    for i in range(lst_h.shape[0]):
        lst_h[i] = (ut_h + lon_deg[i] / 15.0) % 24.0
    if msis_on and needs_refresh(t_s, alt_km, lost, next_refresh_s, lo_km, hi_km):
        return FLAG_SAMPLE
    sun_unit = sun_table[row, SUN_UNIT_X:SUN_UNIT_X + 3]
    sample_drag(k_sample * dt_s, r_eci_m, v_eci_m_s, sun_unit, alt_km, lat_deg, lst_h, msis_on, log_rho, grid,
                exp_table, attitude, tracking, orientation, a_body, a_array, a_radiator, cd, mass_kg, lost,
                density_kg_m3, area_m2, rho_area_s, drag_dv_m_s)
    return 0


@njit(cache=True, error_model="numpy")
def lifetime_tick(step, row, t0_s, dt_s, k_sample, k_update, ageing_on, k_ageing, k_table,
                  soc, peak, trough, falling, damage, dod_sum, n_half, ref_dod, exponent, hysteresis, formation_on,
                  k_formation, formation, *drag):
    """One tick of the lifetime subsystem: the drag sample, the half-cycle count (ageing on), the
    formation check (formation_on) and the cadence flags. `formation`: the arguments of
    formation_check; `drag`: those of drag_tick after k_sample."""
    flag = 0
    if step % k_sample == 0:
        flag |= drag_tick(step, row, dt_s, k_sample, *drag)
    if step % k_update == 0:
        flag |= FLAG_UPDATE
    if ageing_on:
        count_half_cycles(soc, peak, trough, falling, damage, dod_sum, n_half, ref_dod, exponent, hysteresis)
        if step % k_ageing == 0:
            flag |= FLAG_AGEING
        if step % k_table == 0:
            flag |= FLAG_TABLE
    if formation_on and step % k_formation == 0 and formation_check(*formation) > 0:
        flag |= FLAG_FORMATION
    return flag
