"""The lifetime subsystem's tick kernel (the block contract, sim.core.subsystem.TickKernel).

Every tick: the battery's discharge half-cycles are counted from the payload's SOC
(sim.lifetime.ageing_kernels.count_half_cycles) when ageing is on. The kernel returns a non-zero
flag on the ticks where Python acts (sim.lifetime.subsystem.Lifetime._after_tick, in this order):
FLAG_SAMPLE (a drag sample, step % k_sample == 0), FLAG_UPDATE (decay, thrust, propellant and
re-entry, step % k_update == 0), FLAG_AGEING (battery capacity and array efficiency rewritten,
step % k_ageing == 0) and FLAG_TABLE (a row of /lifetime/capacity, step % k_table == 0).
A closed half-cycle needs no Python: its damage is read at the next FLAG_AGEING.

Today's order within a tick was sample, update, count, ageing update, table row; the count runs
first here. It reads only the SOC and its own counter arrays, which the sample and the update
leave alone (the update's thruster power reaches the payload's bus at the next tick), so the
two orders give the same numbers.
"""
from __future__ import annotations

from numba import njit

from sim.lifetime.ageing_kernels import count_half_cycles

FLAG_SAMPLE, FLAG_UPDATE, FLAG_AGEING, FLAG_TABLE = 1, 2, 4, 8


@njit(cache=True, error_model="numpy")
def lifetime_tick(step, row, t0_s, dt_s, k_sample, k_update, ageing_on, k_ageing, k_table,
                  soc, peak, trough, falling, damage, dod_sum, n_half, ref_dod, exponent, hysteresis):
    """One tick of the lifetime subsystem: the half-cycle count (ageing on) and the cadence flags."""
    flag = 0
    if step % k_sample == 0:
        flag |= FLAG_SAMPLE
    if step % k_update == 0:
        flag |= FLAG_UPDATE
    if ageing_on:
        count_half_cycles(soc, peak, trough, falling, damage, dod_sum, n_half, ref_dod, exponent, hysteresis)
        if step % k_ageing == 0:
            flag |= FLAG_AGEING
        if step % k_table == 0:
            flag |= FLAG_TABLE
    return flag
