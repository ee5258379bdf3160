"""Solar modulation of galactic cosmic rays: a number m ∈ [0, 1], 0 at solar minimum (GCR
flux highest) and 1 at solar maximum, that varies smoothly through the cycle.

- 'cycle': m = ½ (1 − cos 2π φ / T), φ the years since the cycle minimum, T the cycle length
  (maximum at mid-cycle; the real maximum comes ~4–5 years after the minimum, and GCR lag the
  sunspot cycle by months — neither is modelled).
- 'f107': m = clip((F̄ − F_quiet) / (F_active − F_quiet), 0, 1), F̄ the 81-day centred average of
  the adjusted F10.7 radio flux (sfu) from a CelesTrak SW-All file (observed block), linearly
  interpolated to the date.

The free-space GCR flux is then Φ = Φ_min + (Φ_max − Φ_min) m (Φ_min, Φ_max: the flux at solar
minimum and maximum).

The same file's eight 3-hourly Kp values per day (tokens 5–12, tenths of a Kp unit: 33 is 3+)
drive the storm-time cutoff suppression (sim.radiation.geomag); `kp_at` holds each value over
its 3-hour interval.
"""
from __future__ import annotations

import gzip
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

from sim.core.constants import SECONDS_PER_DAY

UNIX_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
CTR81_ADJ_COLUMN = 28   # whitespace token of the 81-day centred adjusted F10.7 (CelesTrak SW format 1.2)
KP_COLUMNS = slice(5, 13)   # the eight 3-hourly Kp × 10 (tokens after yy mm dd BSRN ND)


def observed_rows(path: Path, min_tokens: int, block: str = "OBSERVED"):
    """(date at 00:00 UTC, tokens) of the rows of one block (OBSERVED, DAILY_PREDICTED or
    MONTHLY_PREDICTED) with at least min_tokens tokens."""
    opener = gzip.open if path.suffix == ".gz" else open
    inside = False
    with opener(path, "rt") as f:
        for line in f:
            if line.startswith(f"BEGIN {block}"):
                inside = True
                continue
            if line.startswith(f"END {block}"):
                break
            tokens = line.split()
            if inside and len(tokens) >= min_tokens:
                yield datetime(int(tokens[0]), int(tokens[1]), int(tokens[2]), tzinfo=timezone.utc), tokens


def read_f107_81day(path: str | Path) -> tuple[np.ndarray, np.ndarray]:
    """(days since 1970-01-01 UTC at 12:00, 81-day centred adjusted F10.7 [sfu]) of the observed rows."""
    path = Path(path)
    days, sfu = [], []
    for day, tokens in observed_rows(path, CTR81_ADJ_COLUMN + 1):
        value = float(tokens[CTR81_ADJ_COLUMN])
        if value > 0.0:
            days.append(days_since_unix(day) + 0.5)
            sfu.append(value)
    if not days:
        raise ValueError(f"{path}: no observed F10.7 rows (expected a CelesTrak SW-All file)")
    return np.asarray(days), np.asarray(sfu)


def read_kp_3h(path: str | Path) -> tuple[np.ndarray, np.ndarray]:
    """(start of each 3-hour interval in days since 1970-01-01 UTC, Kp) of the observed rows."""
    path = Path(path)
    starts, kp = [], []
    for day, tokens in observed_rows(path, KP_COLUMNS.stop):
        d0 = days_since_unix(day)
        for k, value in enumerate(tokens[KP_COLUMNS]):
            starts.append(d0 + k / 8.0)
            kp.append(float(value) / 10.0)
    if not starts:
        raise ValueError(f"{path}: no observed Kp rows (expected a CelesTrak SW-All file)")
    return np.asarray(starts), np.asarray(kp)


def kp_at(when_days, starts: np.ndarray, kp: np.ndarray):
    """Kp of the 3-hour interval holding `when_days` (days since 1970-01-01 UTC); before the
    table its first value, after it its last."""
    k = np.searchsorted(starts, np.asarray(when_days, dtype=float), side="right") - 1
    return kp[np.clip(k, 0, kp.size - 1)]


def cycle_modulation(phase_years, cycle_years: float):
    """½ (1 − cos 2π φ/T): 0 at minimum, 1 at mid-cycle."""
    return 0.5 * (1.0 - np.cos(2.0 * np.pi * np.asarray(phase_years, dtype=float) / cycle_years))


def f107_modulation(when_days, days: np.ndarray, sfu: np.ndarray, quiet_sfu: float, active_sfu: float):
    """Modulation from the 81-day F10.7 interpolated at `when_days` (days since 1970-01-01 UTC);
    dates outside the table take its first/last value."""
    f = np.interp(np.asarray(when_days, dtype=float), days, sfu)
    return np.clip((f - quiet_sfu) / (active_sfu - quiet_sfu), 0.0, 1.0)


def days_since_unix(when: datetime) -> float:
    return (when - UNIX_EPOCH).total_seconds() / SECONDS_PER_DAY
