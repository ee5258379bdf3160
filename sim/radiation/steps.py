"""The radiation tick kernel of the block driver and the per-step tables it reads (numba).

`radiation_tick` advances radiation over one tick: what sim.radiation.tick.radiation_step does,
with the inputs that depend on the time alone (GMST, the storm-time cutoff shift, the SPE flux
and spectral index, the GCR flux and the heavy-ion modulation) read from row `row + offset` of
tables the subsystem fills per block (`prepare`), and the environment refresh phase taken from
the step number, so that a tick computes the same whatever block it is in. It returns the flag
bits of the Python work the tick needs (sim.radiation.subsystem `_after_tick`): upsets, level
changes (restarts, power-downs), a dose mark passed, an SPE onset, peak or end in the tick.
"""
from __future__ import annotations

import math

import numpy as np
from numba import njit

from sim.radiation import upset_kernel
from sim.radiation.tick import radiation_step, radiation_step_serial

# flag bits of radiation_tick: UPSETS the tick's upsets left to Python; UPSET_FLUSH events of a kind
# with subscribers drawn in the kernel; UPSET_LOST devices lost in the kernel
UPSETS, LEVEL_CHANGE, DOSE_MARK, SPE_TIME, UPSET_FLUSH, UPSET_LOST = 1, 2, 4, 8, 16, 32
# columns of the float table: the kernel's geomag vector (sim.radiation.geomag.GEOMAG_VECTOR, the
# storm-time shift of the step), 4π × >10 MeV SPE flux [1/(cm2 s)], spectral index, free-space GCR
# flux [1/(cm2 s)], solar modulation of the heavy ions
GEOMAG, SPE_J10, SPE_GAMMA, GCR_FREE, HI_MODULATION = 0, 6, 7, 8, 9
N_FLOAT_COLUMNS = 10
# columns of the `clock_table` service (t1_s, jd_utc, jd_tt, gmst_rad, cos_gmst, sin_gmst at each tick's end)
CLOCK_COS_GMST, CLOCK_SIN_GMST = 4, 5
# columns of the integer table: SPE dose table index (row of the dose tables; 0 without an SPE),
# 1 where an SPE onset, peak or end falls in the tick
DOSE_TABLE, SPE_EMIT = 0, 1
N_INT_COLUMNS = 2


@njit(cache=True)
def event_j10_pfu(t_s, onset_s, peak_s, peak_pfu, decay_s, end_s):
    """>10 MeV flux [pfu] of one solar particle event at t_s (sim.radiation.spe: log-linear rise
    from 10 pfu at onset to the peak, exponential decay, 0 outside onset..end)."""
    if t_s < onset_s or t_s > end_s:
        return 0.0
    if t_s < peak_s:
        w = (t_s - onset_s) / max(peak_s - onset_s, 1.0)
        return 10.0 * (peak_pfu / 10.0) ** w
    return peak_pfu * math.exp(-(t_s - peak_s) / decay_s)


@njit(cache=True)
def spe_steps(t1_s, onset_s, peak_s, peak_pfu, decay_s, end_s, j10_pfu, strongest):
    """Per time t1_s[r]: the >10 MeV flux [pfu] summed over all events (in their order) and the
    index of the strongest (the first of equals; −1 where none is on)."""
    for r in range(t1_s.shape[0]):
        total = 0.0
        best = 0.0
        k = -1
        for e in range(onset_s.shape[0]):
            j = event_j10_pfu(t1_s[r], onset_s[e], peak_s[e], peak_pfu[e], decay_s[e], end_s[e])
            if j > 0.0:
                total += j
                if j > best:
                    best = j
                    k = e
        j10_pfu[r] = total
        strongest[r] = k


@njit(cache=True)
def mix_tables(table_min, table_max, m, out):
    """out = table_min + m (table_max − table_min), elementwise (the heavy-ion rates at modulation m)."""
    a, b, c = table_min.shape
    for i in range(a):
        for j in range(b):
            for k in range(c):
                out[i, j, k] = table_min[i, j, k] + m * (table_max[i, j, k] - table_min[i, j, k])


@njit(cache=True)
def radiation_tick(step, row, t0_s, dt_s, parallel, chunk, every, offset, dose_mark_rad, clock_table, steps_f, steps_i,
                   env_map, env_axes, spe_dose_log_emin, dose_tables, device_floor_mev, gcr_transmission,
                   gcr_inv_step_gv, hi_min, hi_max, hi_now, hi_now_m, hi_inv_step_gv, hi_weight, hi_per_gpu,
                   hi_unit, hi_rate, power_down_mode, power_down_spe_cm2_s, power_down_saa_cm2_s, scrub_interval_s,
                   upset_args, *arrays):
    """Radiation over tick `step` (t0_s .. t0_s + dt_s): GMST from row `row` of clock_table (the
    orbits' service), the rest from row `row + offset` of the per-step tables steps_f
    (N_FLOAT_COLUMNS) and steps_i (N_INT_COLUMNS); satellites i ≡ (step − 1) mod every
    refresh their environment. hi_now (hi_now_m[0]: its modulation) holds the heavy-ion table
    mixed from hi_min and hi_max, remixed when the step's modulation differs. `parallel`: the
    parallel step kernel in chunks of `chunk` satellites, else the serial one. The other inputs
    and `arrays` as sim.radiation.tick.radiation_step. The upsets of a tick are drawn in the kernel
    (sim.radiation.upset_kernel.tick_upsets: upset_args its arguments after scrub_interval_s) unless
    it leaves them to Python (UPSETS). Returns the flag bits (module constants)."""
    r = row + offset
    m = steps_f[r, HI_MODULATION]
    if hi_min.shape[0] > 0 and m != hi_now_m[0]:
        mix_tables(hi_min, hi_max, m, hi_now)
        hi_now_m[0] = m
    phase = (step - 1) % every
    geomag = steps_f[r, GEOMAG:GEOMAG + 6]
    cos_g, sin_g = clock_table[row, CLOCK_COS_GMST], clock_table[row, CLOCK_SIN_GMST]
    dose_table = dose_tables[steps_i[r, DOSE_TABLE]]
    if parallel:
        n, changed, over = radiation_step(
            chunk, every, phase, cos_g, sin_g, t0_s, dt_s, dose_mark_rad, env_map,
            env_axes, geomag, steps_f[r, SPE_J10], steps_f[r, SPE_GAMMA], spe_dose_log_emin, dose_table,
            device_floor_mev, steps_f[r, GCR_FREE], gcr_transmission, gcr_inv_step_gv, hi_now, hi_inv_step_gv,
            hi_weight, hi_per_gpu, hi_unit, hi_rate, power_down_mode, power_down_spe_cm2_s, power_down_saa_cm2_s,
            *arrays)
    else:
        n, changed, over = radiation_step_serial(
            chunk, every, phase, cos_g, sin_g, t0_s, dt_s, dose_mark_rad, env_map,
            env_axes, geomag, steps_f[r, SPE_J10], steps_f[r, SPE_GAMMA], spe_dose_log_emin, dose_table,
            device_floor_mev, steps_f[r, GCR_FREE], gcr_transmission, gcr_inv_step_gv, hi_now, hi_inv_step_gv,
            hi_weight, hi_per_gpu, hi_unit, hi_rate, power_down_mode, power_down_spe_cm2_s, power_down_saa_cm2_s,
            *arrays)
    flag = 0
    if n and changed:   # Python emits the level changes from the state before the tick's upsets
        flag |= UPSETS
    elif n:
        done = upset_kernel.tick_upsets(step, t0_s, dt_s, scrub_interval_s, *upset_args)
        if done & upset_kernel.BAIL:
            flag |= UPSETS
        if done & upset_kernel.FLUSH:
            flag |= UPSET_FLUSH
        if done & upset_kernel.LOST:
            flag |= UPSET_LOST
    if changed:
        flag |= LEVEL_CHANGE
    if over:
        flag |= DOSE_MARK
    if steps_i[r, SPE_EMIT]:
        flag |= SPE_TIME
    return flag


def empty_float_table(rows: int) -> np.ndarray:
    return np.zeros((rows, N_FLOAT_COLUMNS))


def empty_int_table(rows: int) -> np.ndarray:
    return np.zeros((rows, N_INT_COLUMNS), dtype=np.int64)
