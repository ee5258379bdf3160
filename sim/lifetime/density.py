"""Thermospheric density for the drag model.

- `msis`: NRLMSIS 2.1 (Emmert et al., Earth and Space Science 8 (2021) e2020EA001321) through
  pymsis (`pymsis.msis.calculate`, version 2.1), with F10.7, F10.7a and Ap always passed (from
  sim.lifetime.space_weather): pymsis fetches indices over the network only when they are
  missing, so nothing is downloaded. Evaluating MSIS per satellite per sample is too slow
  (~0.7 µs a point plus ~0.1 ms a call), so `MsisGrid` evaluates it every `msis_refresh_s` on an
  (altitude, geodetic latitude, mean local solar time) grid covering the fleet's altitudes, and
  the drag kernel interpolates ln ρ in it (sim.lifetime.kernels.grid_log_density). At a fixed
  local time the density depends on UT only through MSIS' small longitude/UT terms, so the grid
  stays valid between refreshes; the interpolation error against MSIS called at the same points
  is measured in tests/lifetime/test_density.py and stated in docs/models.md.
- `exponential`: Vallado (2013) Table 8-4 (sim.lifetime.kernels.EXPONENTIAL_TABLE).
"""
from __future__ import annotations

import math
from datetime import datetime

import numpy as np

from sim.lifetime import space_weather

ALT_MARGIN_KM = 30.0   # the grid reaches this far beyond the fleet's altitudes at a refresh


def msis_density(dates, lon_deg, lat_deg, alt_km, f107, f107a, ap) -> np.ndarray:
    """ρ [kg/m³] from NRLMSIS 2.1 at aligned points (fly-through), every index given."""
    from pymsis import msis
    n = np.size(alt_km)
    full = lambda x: np.broadcast_to(np.asarray(x, dtype=float), (n,))  # noqa: E731
    aps = np.repeat(full(ap)[:, None], 7, axis=1)
    out = msis.calculate(np.broadcast_to(np.asarray(dates, dtype="datetime64[ms]"), (n,)),
                         full(lon_deg), full(lat_deg), full(alt_km), full(f107), full(f107a), aps,
                         version=2.1)
    return np.asarray(out[..., 0], dtype=float).reshape(n)


class MsisGrid:
    """ln ρ on an (altitude, latitude, local time) grid, re-evaluated on demand."""

    def __init__(self, drag, table: space_weather.SpaceWeather, epoch: datetime):
        self.drag, self.table = drag, table
        self.epoch_days = space_weather.days_since_unix(epoch)
        self.epoch64 = np.datetime64(epoch.replace(tzinfo=None), "ms")
        n_lat = max(round(180.0 / drag.lat_step_deg), 1)
        n_lst = max(round(24.0 / drag.local_time_step_h), 1)
        self.dlat_deg, self.dlst_h = 180.0 / n_lat, 24.0 / n_lst
        self.lat_deg = -90.0 + self.dlat_deg * np.arange(n_lat + 1)
        self.lst_h = self.dlst_h * np.arange(n_lst + 1)     # the last column repeats the first (24 h)
        self.dalt_km = drag.alt_step_km
        self.log_rho = np.zeros((2, n_lat + 1, n_lst + 1))
        self.grid = np.array([0.0, self.dalt_km, self.dlat_deg, self.dlst_h])
        self.evaluations = 0

    def refresh(self, t_s: float, alt_lo_km: float, alt_hi_km: float) -> None:
        """Evaluate MSIS at t_s (seconds after the epoch) on altitudes covering [lo, hi]."""
        lo = math.floor((alt_lo_km - ALT_MARGIN_KM) / self.dalt_km) * self.dalt_km
        hi = math.ceil((alt_hi_km + ALT_MARGIN_KM) / self.dalt_km) * self.dalt_km
        alts = lo + self.dalt_km * np.arange(max(round((hi - lo) / self.dalt_km), 1) + 1)
        day = self.epoch_days + t_s / 86400.0
        f107, f107a, ap = space_weather.indices(self.table, self.drag, day)
        ut_h = (day % 1.0) * 24.0
        lst = self.lst_h[:-1]
        lon = ((lst - ut_h) * 15.0 + 180.0) % 360.0 - 180.0
        # altitude varies fastest: MSIS keeps its horizontal and time terms while only the altitude
        # changes from one point to the next (~5x faster a refresh, the same numbers)
        L, T, A = np.meshgrid(self.lat_deg, lon, alts, indexing="ij")
        when = self.epoch64 + np.timedelta64(int(round(t_s * 1000.0)), "ms")
        rho = msis_density(when, T.ravel(), L.ravel(), A.ravel(), f107, f107a, ap).reshape(A.shape).transpose(2, 0, 1)
        log_rho = np.empty((alts.size, self.lat_deg.size, self.lst_h.size))
        log_rho[:, :, :-1] = np.log(rho)
        log_rho[:, :, -1] = log_rho[:, :, 0]
        self.log_rho = log_rho
        self.grid = np.array([alts[0], self.dalt_km, self.dlat_deg, self.dlst_h])
        self.indices = (f107, f107a, ap)
        self.evaluations += 1
