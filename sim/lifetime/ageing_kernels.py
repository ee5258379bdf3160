"""Ageing kernels: per-tick half-cycle counting of the battery, capacity fade, array dose loss.

Battery (Li-ion, LEO cycling). Cycle life to the end-of-life fade f_eol (0.2: 80 % capacity) is a
Wöhler-type power law in the depth of discharge, N(DoD) = N_ref (DoD_ref / DoD)^k. Each discharge
half-cycle, from a local SOC maximum to the next minimum (turning points with a hysteresis h), is
one cycle at its depth: damage += (DoD/DoD_ref)^k / N_ref (Miner's rule, counting without
rainflow: nested sub-cycles inside one eclipse are separate half-cycles). The fade is
    Q/Q0 = 1 − f_eol · damage − a √(age + t_years)   (cycle and calendar terms added)
clipped at 0. Array: P/P0 = 1 − C log10(1 + D/D_x) (Summers et al. 1993; Messenger et al. 2001).
"""
from __future__ import annotations

import math

import numpy as np
from numba import njit


@njit(cache=True, error_model="numpy")
def count_half_cycles(soc, peak, trough, falling, damage, dod_sum, n_half, ref_dod, exponent, hysteresis):
    """Advance the turning-point counter of every satellite by one SOC sample.

    Rising (falling 0): `peak` follows the maximum; a drop of more than `hysteresis` below it
    starts a discharge. Falling: `trough` follows the minimum; a rise of more than `hysteresis`
    above it closes the half-cycle peak → trough, adding ((peak − trough)/ref_dod)^exponent to
    damage (in cycles at ref_dod), the depth to dod_sum and one to n_half. Returns the number of
    half-cycles closed."""
    closed = 0
    for i in range(soc.shape[0]):
        s = soc[i]
        if falling[i] != 0:
            if s < trough[i]:
                trough[i] = s
            elif s > trough[i] + hysteresis:
                dod = peak[i] - trough[i]
                if dod > 0.0:
                    damage[i] += (dod / ref_dod) ** exponent
                    dod_sum[i] += dod
                    n_half[i] += 1
                    closed += 1
                falling[i] = 0
                peak[i] = s
        else:
            if s > peak[i]:
                peak[i] = s
            elif s < peak[i] - hysteresis:
                falling[i] = 1
                trough[i] = s
    return closed


@njit(cache=True, error_model="numpy")
def battery_retention(damage_ref_cycles, n_ref, eol_fade, calendar_a, age_years):
    """Q/Q0 = 1 − f_eol · damage/N_ref − a √age, clipped at 0 (damage in cycles at ref_dod)."""
    q = 1.0 - eol_fade * damage_ref_cycles / n_ref - calendar_a * math.sqrt(max(age_years, 0.0))
    return max(q, 0.0)


@njit(cache=True, error_model="numpy")
def battery_retention_all(damage, n_ref, eol_fade, calendar_a, age_years, out):
    for i in range(damage.shape[0]):
        out[i] = battery_retention(damage[i], n_ref, eol_fade, calendar_a, age_years)


def array_dose_retention(dose_rad, coefficient, dose_x_rad):
    """P/P0 = 1 − C log10(1 + D/D_x), clipped at 0 (numpy, elementwise)."""
    return np.maximum(1.0 - coefficient * np.log10(1.0 + np.asarray(dose_rad, dtype=float) / dose_x_rad), 0.0)
