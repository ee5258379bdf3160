"""Time: the one ISO 8601 parser, Julian dates, and the clock every subsystem reads."""
from datetime import datetime, timedelta, timezone

import pytest

from sim.core.clock import Clock
from sim.core.timescale import TT_MINUS_UTC_S, gmst_rad, iso_utc, julian_date_utc, parse_utc


def test_parse_utc_accepts_z_offsets_and_naive_times():
    assert parse_utc("2026-03-20T12:00:00Z") == datetime(2026, 3, 20, 12, tzinfo=timezone.utc)
    assert parse_utc("2026-03-20T14:00:00+02:00") == datetime(2026, 3, 20, 12, tzinfo=timezone.utc)
    assert parse_utc(datetime(2026, 3, 20, 12)).tzinfo == timezone.utc
    assert iso_utc(parse_utc("2026-03-20T14:00:00+02:00")) == "2026-03-20T12:00:00Z"
    for bad in ("yesterday", "2026-13-01", 42):
        with pytest.raises(ValueError, match="ISO 8601"):
            parse_utc(bad)


def test_julian_date_of_j2000():
    """J2000.0 is JD 2451545.0 TT; 2000-01-01T12:00:00 UTC is 64.184 s earlier (Vallado, ch. 3)."""
    assert julian_date_utc("2000-01-01T12:00:00Z") == pytest.approx(2451545.0, abs=1e-9)


def test_the_clock_derives_every_instant_from_one_formula():
    epoch = parse_utc("2026-03-20T00:00:00Z")
    clock = Clock(epoch, dt_s=10.0, n_steps=8640)
    now = clock.advance_to(360)
    assert now.t_s == 3600.0 and clock.previous_t_s == 3590.0 and clock.duration_s == 86400.0
    assert now.jd_utc == pytest.approx(julian_date_utc(epoch + timedelta(hours=1)), abs=1e-9)
    assert (now.jd_tt - now.jd_utc) * 86400.0 == pytest.approx(TT_MINUS_UTC_S, abs=1e-4)   # JD rounding: 20 us
    assert now.gmst_rad == gmst_rad(now.jd_utc)
    assert clock.at(3600.0) is now and clock.at(0.0).t_s == 0.0
