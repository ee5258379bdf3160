"""Epochs and time scales: the one ISO 8601 parser, Julian dates, TT, GMST.

Simulation time is seconds since the scenario epoch (UTC). The orbit and Sun models need
Julian dates: UTC for the epoch (as in TLEs), UT1 for the Earth's rotation (taken equal to
UTC: |UT1 − UTC| < 0.9 s, i.e. < 4e-6 rad of GMST) and TT for the Sun ephemeris.
Plain Python (no numba), so that configuration and validation stay light.
"""
from __future__ import annotations

import math
from datetime import datetime, timezone

from sim.core.constants import JD_J2000, JD_UNIX_EPOCH, SECONDS_PER_DAY

# TT − UTC = 32.184 s + 37 leap seconds, valid from 2017-01-01 until the next leap second
# (none announced through 2026; IERS Bulletin C).
TT_MINUS_UTC_S = 69.184
TT_MINUS_UTC_D = TT_MINUS_UTC_S / SECONDS_PER_DAY
_TWO_PI = 2.0 * math.pi


def parse_utc(value: str | datetime) -> datetime:
    """A timezone-aware UTC datetime from ISO 8601 text (``2026-03-20T12:00:00Z``,
    ``2026-03-20T14:00:00+02:00``, a date alone) or a datetime; naive ones are taken as UTC.
    Raises ValueError saying what was expected."""
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, str):
        text = value.strip()
        if text.endswith(("Z", "z")):
            text = text[:-1] + "+00:00"
        try:
            moment = datetime.fromisoformat(text)
        except ValueError:
            raise ValueError(f"{value!r} is not an ISO 8601 UTC time (expected e.g. 2026-03-20T12:00:00Z)") from None
    else:
        raise ValueError(f"expected an ISO 8601 UTC time, not {type(value).__name__} {value!r}")
    if moment.tzinfo is None:
        return moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc)


def iso_utc(moment: datetime) -> str:
    """ISO 8601 with a trailing Z, as written into result files."""
    return parse_utc(moment).isoformat().replace("+00:00", "Z")


def julian_date_utc(moment: str | datetime) -> float:
    """Julian date (days) of a moment, on the UTC scale."""
    return JD_UNIX_EPOCH + parse_utc(moment).timestamp() / SECONDS_PER_DAY


def gmst_rad(jd_ut1: float) -> float:
    """Greenwich mean sidereal time, IAU 1982 (Vallado eq. 3-47), radians in [0, 2π)."""
    t = (jd_ut1 - JD_J2000) / 36525.0
    seconds = (67310.54841 + (876600.0 * 3600.0 + 8640184.812866) * t
               + 0.093104 * t * t - 6.2e-6 * t * t * t)
    return (seconds % SECONDS_PER_DAY) * (_TWO_PI / SECONDS_PER_DAY)
