"""The solar and geomagnetic indices NRLMSIS is driven by, from the shipped daily table
(sim/data/space_weather/space_weather_1957-2026.csv.gz, derived from CelesTrak SW-All by
make_space_weather.py with the one SW-All reader, sim.radiation.solar_activity.observed_rows).

For a UTC instant (days since 1970-01-01) MSIS takes (Emmert et al. 2021, NRLMSIS 2.1; pymsis'
`calculate`): F10.7 = the observed daily flux of the previous day, F10.7a = the observed 81-day
centred average of the day, Ap = the daily Ap of the day (MSIS' default daily-Ap mode; the storm-time
3-hourly ap history is not used). Past the observed rows, `forecast`:

- none: an error naming the first date without data;
- celestrak: the file's own predictions — 45 daily rows (F10.7 and Ap) and then monthly rows to
  2041 (F10.7 and its 81-day average, linear in time between the rows; Ap = forecast_ap): CelesTrak's
  SW-All predicted blocks, which follow NOAA SWPC's solar-cycle progression prediction;
- constant: F10.7 = F10.7a = forecast_f107_sfu and Ap = forecast_ap for every date past the data.

Dates before the first row + 1 day are an error whatever the forecast.
"""
from __future__ import annotations

import functools
import gzip
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

from sim.core.constants import SECONDS_PER_DAY

UNIX_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


@dataclass(frozen=True)
class SpaceWeather:
    day0: float                 # days since 1970-01-01 of the first daily row (00:00 UTC)
    f107_obs_sfu: np.ndarray    # daily rows, consecutive days (observed, then predicted)
    ctr81_obs_sfu: np.ndarray
    ap_daily: np.ndarray
    n_observed: int             # the first n_observed daily rows are observations
    month_days: np.ndarray      # monthly predicted rows: days since 1970-01-01
    month_f107_sfu: np.ndarray
    month_ctr81_sfu: np.ndarray

    @property
    def observed_end(self) -> float:
        return self.day0 + self.n_observed

    @property
    def daily_end(self) -> float:
        return self.day0 + self.f107_obs_sfu.size

    def end(self, forecast: str) -> float:
        """First day (since 1970-01-01) not covered."""
        if forecast == "none":
            return self.observed_end
        if forecast == "celestrak":
            return float(self.month_days[-1]) + 1.0 if self.month_days.size else self.daily_end
        return np.inf


def _days(date: str) -> float:
    d = datetime.strptime(date, "%Y-%m-%d").replace(tzinfo=timezone.utc)
    return (d - UNIX_EPOCH).total_seconds() / SECONDS_PER_DAY


@functools.lru_cache(maxsize=4)
def read(path: str | Path) -> SpaceWeather:
    path = Path(path)
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt") as f:
        header = f.readline().strip().split(",")
        if header[:3] != ["date", "block", "f107_obs_sfu"]:
            raise ValueError(f"{path}: cannot read: not a space-weather table (header {header[:3]})")
        rows = [line.rstrip("\n").split(",") for line in f if line.strip()]
    col = {name: k for k, name in enumerate(header)}
    daily = [r for r in rows if r[1] in ("O", "D")]
    monthly = [r for r in rows if r[1] == "M"]
    if not daily:
        raise ValueError(f"{path}: cannot read: no daily rows")
    days = np.array([_days(r[0]) for r in daily])
    if np.any(np.diff(days) != 1.0):
        raise ValueError(f"{path}: cannot read: daily rows are not consecutive days")
    num = lambda rs, name: np.array([float(r[col[name]]) for r in rs])  # noqa: E731
    return SpaceWeather(float(days[0]), num(daily, "f107_obs_sfu"), num(daily, "f107_ctr81_obs_sfu"),
                        num(daily, "ap_daily"), sum(r[1] == "O" for r in daily),
                        np.array([_days(r[0]) for r in monthly]), num(monthly, "f107_obs_sfu"),
                        num(monthly, "f107_ctr81_obs_sfu"))


def days_since_unix(when: datetime) -> float:
    return (when - UNIX_EPOCH).total_seconds() / SECONDS_PER_DAY


def check_covered(table: SpaceWeather, drag, epoch: datetime, duration_s: float) -> None:
    """ValueError unless every instant of [epoch, epoch + duration] has indices."""
    start = days_since_unix(epoch)
    stop = start + duration_s / SECONDS_PER_DAY
    first = table.day0 + 1.0   # F10.7 of the previous day
    end = table.end(drag.forecast)
    if start < first or stop >= end:
        bad = start if start < first else end
        hint = ("" if start < first or drag.forecast != "none"
                else "; set lifetime.drag.forecast to 'celestrak' or 'constant' to run past the observed data")
        raise ValueError(f"no space-weather indices for {_date(bad)} (the data cover {_date(first)} .. "
                         f"{_date(end - 1.0)} with forecast '{drag.forecast}'){hint}")


def _date(days: float) -> str:
    return datetime.fromtimestamp(days * SECONDS_PER_DAY, tz=timezone.utc).strftime("%Y-%m-%d")


def indices(table: SpaceWeather, drag, day: float) -> tuple[float, float, float]:
    """(F10.7 of the previous day, F10.7 81-day centred, daily Ap) at `day` (days since 1970-01-01)."""
    end = table.end(drag.forecast)
    if day < table.day0 + 1.0 or day >= end:
        raise ValueError(f"no space-weather indices for {_date(day)}")
    k = int(np.floor(day - table.day0))
    n_daily = table.f107_obs_sfu.size if drag.forecast == "celestrak" else table.n_observed
    if k < n_daily:
        ap = table.ap_daily[k]
        return float(table.f107_obs_sfu[k - 1]), float(table.ctr81_obs_sfu[k]), float(ap)
    if drag.forecast == "constant" or not table.month_days.size:
        return drag.forecast_f107_sfu, drag.forecast_f107_sfu, drag.forecast_ap
    # celestrak monthly predictions: linear in time, from the last daily row to the first monthly one
    t = np.concatenate(([table.daily_end - 1.0], table.month_days))
    f = np.concatenate(([table.f107_obs_sfu[-1]], table.month_f107_sfu))
    fa = np.concatenate(([table.ctr81_obs_sfu[-1]], table.month_ctr81_sfu))
    return float(np.interp(day - 1.0, t, f)), float(np.interp(day, t, fa)), drag.forecast_ap
