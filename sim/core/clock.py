"""Epochs and time scales: UTC datetimes, Julian dates, TT.

Simulation time is seconds since the scenario epoch (UTC). The orbit and Sun
models need Julian dates: UTC for the epoch (as in TLEs), UT1 for the Earth's
rotation (taken equal to UTC: |UT1 - UTC| < 0.9 s, i.e. < 4e-6 rad of GMST)
and TT for the Sun ephemeris.
"""
from __future__ import annotations

from datetime import datetime, timezone

from sim.core.constants import JD_UNIX_EPOCH, SECONDS_PER_DAY

# TT - UTC = 32.184 s + 37 leap seconds, valid from 2017-01-01 until the next
# leap second (none announced through 2026; IERS Bulletin C).
TT_MINUS_UTC_S = 69.184


def parse_epoch(text_or_datetime: str | datetime) -> datetime:
    """Return a timezone-aware UTC datetime.

    Accepts a datetime (naive ones are taken as UTC) or an ISO 8601 string such
    as ``2026-03-20T12:00:00Z`` or ``2026-03-20T14:00:00+02:00``.
    """
    if isinstance(text_or_datetime, datetime):
        dt = text_or_datetime
    elif isinstance(text_or_datetime, str):
        text = text_or_datetime.strip()
        if text.endswith(("Z", "z")):
            text = text[:-1] + "+00:00"
        try:
            dt = datetime.fromisoformat(text)
        except ValueError:
            raise ValueError(
                f"epoch {text_or_datetime!r} is not ISO 8601 "
                "(expected e.g. 2026-03-20T12:00:00Z)"
            ) from None
    else:
        raise TypeError(f"epoch must be a str or datetime, not {type(text_or_datetime).__name__}")
    if dt.tzinfo is None:
        return dt.replace(tzinfo=timezone.utc)
    return dt.astimezone(timezone.utc)


def julian_date_utc(dt: datetime) -> float:
    """Julian date (days) of a datetime, on the UTC scale."""
    dt = parse_epoch(dt)
    unix_s = dt.timestamp()
    return JD_UNIX_EPOCH + unix_s / SECONDS_PER_DAY
