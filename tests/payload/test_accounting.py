"""The physical badput of one tick: every installed GPU-second is delivered or has one cause."""
import numpy as np
import pytest

from sim.payload.accounting import BADPUT_CAUSES, LOST_DEVICES, POWER, RADIATION, THERMAL, book_badput

DT = 10.0


def _book(running, down=False, shut=False, level=1.0, count=4, installed=4, capped=0, cap_level=0.0):
    badput = np.zeros((len(BADPUT_CAUSES), 1))
    book_badput(0, DT, running, down, shut, level, count, installed, capped, cap_level, badput)
    delivered = level * count * DT if running else 0.0
    assert delivered + badput.sum() == pytest.approx(installed * DT, rel=1e-12)
    return dict(zip(BADPUT_CAUSES, badput[:, 0]))


def test_off_time_goes_to_the_cause_that_holds_the_gpus_off():
    assert _book(False, down=True)["radiation"] == 40.0
    assert _book(False, down=True, shut=True)["radiation"] == 40.0     # a reset over a shutdown
    assert _book(False, shut=True)["thermal"] == 40.0
    assert _book(False)["power"] == 40.0                               # brown-out


def test_the_clock_deficit_splits_at_the_battery_caps_ceiling():
    assert _book(True, level=0.85) == pytest.approx({"power": 0, "thermal": 6.0, "radiation": 0, "lost_devices": 0})
    capped = _book(True, level=0.3, capped=1, cap_level=0.5)
    assert (capped["power"], capped["thermal"]) == pytest.approx((20.0, 8.0))
    just_capped = _book(True, level=0.9, capped=1, cap_level=0.5)      # the cap lowers the clock next tick
    assert (just_capped["power"], just_capped["thermal"]) == pytest.approx((4.0, 0.0))


def test_lost_devices_count_against_the_installed_gpus():
    lost = _book(True, level=1.0, count=3, installed=4)
    assert lost["lost_devices"] == 10.0 and lost["power"] == lost["thermal"] == 0.0
    assert (POWER, THERMAL, RADIATION, LOST_DEVICES) == (0, 1, 2, 3)
