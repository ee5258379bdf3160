"""Battery fade and array dose loss of sim.lifetime.ageing against the curves they implement.

References: the cycle life N(DoD) = N_ref (DoD_ref/DoD)^k to 80 % capacity (Wöhler-type power law
in the depth of discharge, e.g. Xu et al., IEEE Trans. Smart Grid 9 (2018) 1131, eq. 7 with the
power-law DoD stress; defaults anchored on JAXA's >30,000 simulated-LEO cycles); calendar fade
a √t (Broussely et al., J. Power Sources 97-98 (2001) 13); array P/P0 = 1 − C log10(1 + D/D_x)
(Summers, Burke, Walters, IEEE PVSC 1993; Messenger et al., Prog. Photovolt. 9 (2001) 103).
"""
from __future__ import annotations

import math

import numpy as np
import pytest

from sim.lifetime import ageing_kernels as k

N_REF, DOD_REF, EXPONENT, EOL = 30000.0, 0.3, 1.5, 0.2


def cycles_to_eol(dod: float) -> float:
    """The cited curve: N(DoD) = N_ref (DoD_ref/DoD)^k."""
    return N_REF * (DOD_REF / dod) ** EXPONENT


def cycle(dod: float, n: int, samples: int = 20) -> np.ndarray:
    """SOC samples of n LEO cycles 1 → 1 − dod → 1 (linear discharge and charge, a rest at full)."""
    down = np.linspace(1.0, 1.0 - dod, samples)
    one = np.concatenate([down, down[::-1][1:], np.ones(3)])
    return np.tile(one, n)


def count(soc_series: np.ndarray, hysteresis: float = 1e-3):
    peak, trough = np.ones(1), np.ones(1)
    falling, damage, dod_sum, n_half = np.zeros(1, np.int8), np.zeros(1), np.zeros(1), np.zeros(1, np.int64)
    for s in soc_series:
        k.count_half_cycles(np.array([s]), peak, trough, falling, damage, dod_sum, n_half, DOD_REF, EXPONENT,
                            hysteresis)
    return damage[0], n_half[0], dod_sum[0]


@pytest.mark.parametrize("dod", [0.2, 0.4])
def test_cycles_to_80_percent_follow_the_curve(dod):
    """After N(DoD) half-cycles of depth DoD the capacity is 80 % (no calendar term), at two depths."""
    n = 50
    damage, n_half, dod_sum = count(cycle(dod, n))
    assert n_half == n
    assert dod_sum / n_half == pytest.approx(dod, rel=1e-12)
    per_cycle = damage / n
    q = k.battery_retention(per_cycle * cycles_to_eol(dod), N_REF, EOL, 0.0, 0.0)
    assert q == pytest.approx(1.0 - EOL, rel=1e-12)


def test_calendar_fade_is_square_root_of_time():
    """Calendar term only: Q/Q0 = 1 − a √t (Broussely et al. 2001), so the loss at 4 years is twice the 1-year one."""
    a = 0.02
    loss_1 = 1.0 - k.battery_retention(0.0, N_REF, EOL, a, 1.0)
    loss_4 = 1.0 - k.battery_retention(0.0, N_REF, EOL, a, 4.0)
    assert loss_1 == pytest.approx(a, rel=1e-12)
    assert loss_4 == pytest.approx(2.0 * a, rel=1e-12)


def test_small_reversals_below_the_hysteresis_are_not_cycles():
    """Consistency check: SOC jitter smaller than the hysteresis inside one discharge does not split it."""
    soc = np.concatenate([np.linspace(1.0, 0.8, 50), [0.8004, 0.7999], np.linspace(0.7999, 0.7, 20),
                          np.linspace(0.7, 1.0, 30)])
    _, n_half, dod_sum = count(soc)
    assert n_half == 1 and dod_sum == pytest.approx(0.3, abs=1e-12)


@pytest.mark.parametrize("dose_rad", [0.0, 1.0e3, 2.0e4, 1.0e6])
def test_array_dose_retention_is_the_displacement_damage_curve(dose_rad):
    """P/P0 = 1 − C log10(1 + D/D_x) (Summers et al. 1993), C = 0.2, D_x = 2e4 rad."""
    expected = 1.0 - 0.2 * math.log10(1.0 + dose_rad / 2.0e4)
    assert k.array_dose_retention(np.array([dose_rad]), 0.2, 2.0e4)[0] == pytest.approx(expected, rel=1e-12)
