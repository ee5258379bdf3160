"""Protons through aluminium (sim.radiation.transport) against NIST PSTAR."""
from __future__ import annotations

import pytest

from sim.radiation import transport


def test_range_energy_against_pstar():
    """Range fit vs NIST PSTAR CSDA ranges in Al (10 MeV 0.170, 100 MeV 9.0 g/cm², ±10 %)."""
    assert transport.range_al_g_cm2(10.0) == pytest.approx(0.170, rel=0.1)
    assert transport.range_al_g_cm2(100.0) == pytest.approx(9.0, rel=0.1)
