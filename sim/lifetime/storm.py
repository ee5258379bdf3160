"""A geomagnetic storm's thermospheric density against the quiet days before it (`lifetime.storm`).

Along a circular reference orbit — the insertion orbit: mean altitude h above the equatorial radius,
inclination i — sampled every `step_s` over the storm window [storm_start, storm_end), NRLMSIS 2.1
(sim.lifetime.density.msis_density, pymsis) is evaluated twice at the same instants and points:

- storm: with the indices of each instant (sim.lifetime.space_weather.indices: F10.7 of the
  previous day, 81-day centred F10.7, daily Ap of the day — the drag model's own inputs);
- quiet: with the quiet reference, the mean of those indices at 12:00 UTC of each of the
  `quiet_days` days from `quiet_start`.

ratio = Σρ_storm / Σρ_quiet over the window (the orbit-averaged density increase the storm adds
to the same orbit at the same dates); the same ratio per UTC day of the window gives the peak
day. The orbit: u = n t (n = √(μ/a³)), lat = asin(sin i sin u), lon = atan2(cos i sin u, cos u) −
ω_E t (ascending node at longitude 0 at storm_start; both evaluations share the points, so the
choice only sets which longitudes and local times are sampled). The date of each point is its own
in both: only the indices differ. Satellites that cannot climb out are counted by the run
itself (lifetime's re-entries); `fleet_outcome` adds those that climbed above the insertion orbit.
The climb margin F / D compares the thrust with the drag D = ½ ρ v² C_d A on the insertion orbit
(v = √(μ/a), A the fleet's mean cross-section at the end of the run) at the storm's and the quiet
orbit-mean density: below 1 no satellite there can climb; the critical cross-section F / (½ ρ v² C_d)
is the area at which thrust and drag balance there.
"""
from __future__ import annotations

from datetime import datetime

import numpy as np

from sim.core.constants import MU_EARTH_M3_S2, OMEGA_EARTH_RAD_S, R_EARTH_EQUATORIAL_M, SECONDS_PER_DAY
from sim.lifetime import density, space_weather


def orbit_points(alt_km: float, inc_deg: float, duration_s: float, step_s: float):
    """(t_s, lat_deg, lon_deg) of a circular orbit sampled every step_s over [0, duration_s)."""
    a = R_EARTH_EQUATORIAL_M + alt_km * 1e3
    t = np.arange(0.0, duration_s, step_s)
    u = np.sqrt(MU_EARTH_M3_S2 / a ** 3) * t
    inc = np.radians(inc_deg)
    lat = np.degrees(np.arcsin(np.sin(inc) * np.sin(u)))
    lon = np.degrees(np.arctan2(np.cos(inc) * np.sin(u), np.cos(u)) - OMEGA_EARTH_RAD_S * t)
    return t, lat, (lon + 180.0) % 360.0 - 180.0


def quiet_indices(table, drag, quiet_start: datetime, quiet_days: int) -> tuple[float, float, float]:
    """Mean (F10.7 of the previous day, F10.7a, daily Ap) at 12:00 UTC of the quiet days."""
    day0 = space_weather.days_since_unix(quiet_start)
    rows = [space_weather.indices(table, drag, np.floor(day0) + k + 0.5) for k in range(quiet_days)]
    return tuple(float(x) for x in np.mean(rows, axis=0))


def storm_density(table, drag, storm, alt_km: float, inc_deg: float) -> dict[str, float]:
    """The storm's density along the reference orbit against the quiet reference (module doc)."""
    start = storm.storm_start
    duration_s = (storm.storm_end - start).total_seconds()
    t, lat, lon = orbit_points(alt_km, inc_deg, duration_s, storm.step_s)
    day0 = space_weather.days_since_unix(start)
    days = day0 + t / SECONDS_PER_DAY
    idx = np.array([space_weather.indices(table, drag, d) for d in days])
    when = np.datetime64(start.replace(tzinfo=None), "ms") + (t * 1000.0).astype("timedelta64[ms]")
    alt = np.full(t.size, float(alt_km))
    rho_storm = density.msis_density(when, lon, lat, alt, idx[:, 0], idx[:, 1], idx[:, 2])
    q = quiet_indices(table, drag, storm.quiet_start, storm.quiet_days)
    rho_quiet = density.msis_density(when, lon, lat, alt, q[0], q[1], q[2])
    utc_day = np.floor(days)
    per_day = [rho_storm[utc_day == d].sum() / rho_quiet[utc_day == d].sum() for d in np.unique(utc_day)]
    return {"ratio": float(rho_storm.sum() / rho_quiet.sum()), "peak_day_ratio": float(max(per_day)),
            "rho_storm": float(rho_storm.mean()), "rho_quiet": float(rho_quiet.mean()),
            "ap_max": float(idx[:, 2].max()), "ap_quiet": q[2], "f107_quiet": q[0]}


def fleet_outcome(reentered: np.ndarray, mean_a_m: np.ndarray, epoch_a_m: np.ndarray) -> dict[str, float]:
    """Satellites lost (re-entered), climbed (alive, above their insertion orbit) and still below it."""
    live = reentered == 0
    up = live & (mean_a_m > epoch_a_m)
    return {"lost": float((~live).sum()), "climbed": float(up.sum()), "below": float((live & ~up).sum())}


def climb_margin(thrust_n: float, rho_kg_m3: float, alt_km: float, cd: float, area_m2: float) -> float:
    """Thrust over the drag ½ ρ v² C_d A of a circular orbit at alt_km."""
    v2 = MU_EARTH_M3_S2 / (R_EARTH_EQUATORIAL_M + alt_km * 1e3)
    drag_n = 0.5 * rho_kg_m3 * v2 * cd * area_m2
    return thrust_n / drag_n if drag_n > 0.0 else float("inf")


def summary(table, drag, storm, alt_km: float, inc_deg: float, outcome: dict, thrust_n: float,
            area_m2: float) -> dict[str, tuple[float, str]]:
    d = storm_density(table, drag, storm, alt_km, inc_deg)
    margin = {k: climb_margin(thrust_n, d[f"rho_{k}"], alt_km, drag.cd, area_m2) for k in ("storm", "quiet")}
    return {"storm_density_ratio": (d["ratio"], "1"),
            "storm_density_ratio_peak_day": (d["peak_day_ratio"], "1"),
            "storm_density_kg_m3": (d["rho_storm"], "kg m-3"),
            "storm_quiet_density_kg_m3": (d["rho_quiet"], "kg m-3"),
            "storm_ap_max": (d["ap_max"], "1"),
            "storm_quiet_ap": (d["ap_quiet"], "1"),
            "storm_reference_altitude_km": (float(alt_km), "km"),
            "storm_climb_margin": (margin["storm"], "1"),
            "storm_quiet_climb_margin": (margin["quiet"], "1"),
            "storm_critical_area_m2": (area_m2 * margin["storm"], "m2"),
            "storm_quiet_critical_area_m2": (area_m2 * margin["quiet"], "m2"),
            "storm_satellites_lost": (outcome["lost"], "1"),
            "storm_satellites_climbed": (outcome["climbed"], "1"),
            "storm_satellites_below_insertion": (outcome["below"], "1")}


def fleet_summary(table, cfg, fleet, epoch_a_m: np.ndarray) -> dict[str, tuple[float, str]]:
    """`summary` for the lifetime subsystem: the insertion orbit is the fleet's median epoch orbit."""
    alt_km = float(np.median(epoch_a_m) - R_EARTH_EQUATORIAL_M) / 1e3
    live = fleet.reentered == 0
    area_m2 = float(fleet.drag_area_m2[live].mean() if live.any() else fleet.drag_area_m2.mean())
    return summary(table, cfg.drag, cfg.storm, alt_km, float(np.degrees(np.median(fleet.inc_rad))),
                   fleet_outcome(fleet.reentered, fleet.mean_a_m, epoch_a_m), cfg.propulsion.thrust_n, area_m2)
