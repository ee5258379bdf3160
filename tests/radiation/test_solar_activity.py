"""GCR solar modulation (sim.radiation.solar_activity): cycle cosine and 81-day F10.7."""
from __future__ import annotations

from datetime import datetime, timezone

import numpy as np
import pytest
from conftest import shared_data

from sim.radiation import solar_activity
from tests.radiation.helpers import CELESTRAK_SW


def test_gcr_modulation_is_smooth_through_the_cycle():
    """Solar modulation m ∈ [0, 1]: the cosine of the cycle phase and the 81-day F10.7 (CelesTrak
    SW-All, ../shared/data) both vary smoothly (no step at the active-year boundaries), F10.7 puts
    the deep 2008–09 minimum at m ≈ 0 and the 2014 maximum near 1 (SILSO/F10.7 record)."""
    phase = np.linspace(0.0, 22.0, 22 * 365 + 1)
    m = solar_activity.cycle_modulation(phase, 11.0)
    assert m.min() >= 0 and m.max() <= 1 and np.max(np.abs(np.diff(m))) < 2 * np.pi / (2 * 11 * 365) * 1.01
    assert m[0] == pytest.approx(0.0) and m[int(5.5 * 365)] == pytest.approx(1.0, abs=1e-4)
    days, sfu = solar_activity.read_f107_81day(shared_data(*CELESTRAK_SW))
    when = np.arange(solar_activity.days_since_unix(datetime(2005, 1, 1, tzinfo=timezone.utc)),
                     solar_activity.days_since_unix(datetime(2024, 1, 1, tzinfo=timezone.utc)))
    mf = solar_activity.f107_modulation(when, days, sfu, 70.0, 180.0)
    assert np.max(np.abs(np.diff(mf))) < 0.1   # the 81-day average moves by a few sfu a day (max seen 5.7)
    at = {y: mf[int(solar_activity.days_since_unix(datetime(y, 7, 1, tzinfo=timezone.utc)) - when[0])]
          for y in (2009, 2014, 2019)}
    assert at[2009] < 0.05 and at[2014] > 0.4 and at[2019] < 0.05, at   # cycle 24 was weak (≈ 130 sfu)
