"""Scenario section `lifetime:` — drag, decay, station-keeping and propulsion (this module),
beside the mass and cost keys of sim/lifetime/economics.

    lifetime:
      mass_kg: 150                 # per satellite, wet, at the epoch (a config value until the mass model)
      body_area_m2: 0.5            # bus cross-section always presented to the flow
      reentry_altitude_km: 180
      drag: {cd: 2.2, density: msis, forecast: celestrak}
      station_keeping: {enabled: true, deadband_km: 2.0}   # + target_altitude_km, start_after_s: a climb
      propulsion: {thrust_n: 0.013, isp_s: 1390, efficiency: 0.44, propellant_kg: 10}
      formation_keeping: {deadband_m: 50}   # optional: cluster members held near their slots
      ageing: {battery: {}, array: {}}   # optional: battery fade, array dose loss, capacity table
      storm: {quiet_start: 2022-01-31, storm_start: 2022-02-03T18:13Z, storm_end: 2022-02-05}  # optional

Sources and validity of every default: docs/models.md (Drag, decay and station-keeping).
"""
from __future__ import annotations

from datetime import date, datetime, timezone
from typing import Annotated, Literal

from pydantic import Field, field_validator, model_validator

from sim.config.base import DurationS, NonNegative, Positive, PositiveFraction, Strict, parse_duration_s
from sim.config.base import utc_datetime as _utc
from sim.config.sections import scenario_check, scenario_section
from sim.core.constants import R_EARTH_EQUATORIAL_M
from sim.lifetime.ageing_config import Ageing

SPACE_WEATHER = "data:space_weather/space_weather_1957-2026.csv.gz"


class Drag(Strict):
    cd: Positive = Field(2.2, description="drag coefficient C_d (2.2: flat plate / compact body in free "
                                           "molecular flow, Vallado 4th ed. §8.6.2; 2-4 in practice)")
    density: Literal["msis", "exponential"] = Field(
        "msis", description="msis: NRLMSIS 2.1 (pymsis) driven by F10.7 and Ap; exponential: Vallado "
                            "Table 8-4 piecewise exponential (no solar activity)")
    space_weather: str = Field(SPACE_WEATHER, description="daily F10.7 / Ap table (CSV made by "
                               "sim/data/space_weather/make_space_weather.py from a CelesTrak SW-All file)")
    forecast: Literal["none", "celestrak", "constant"] = Field(
        "celestrak", description="indices past the observed rows: none (an error), celestrak (the "
                                 "file's 45-day and monthly predictions; Ap of monthly rows = forecast_ap), "
                                 "constant (forecast_f107_sfu, forecast_ap)")
    forecast_f107_sfu: Positive = Field(120.0, description="F10.7 daily and 81-day for forecast 'constant' (U)")
    forecast_ap: NonNegative = Field(12.0, description="daily Ap where the forecast has none (U)")
    msis_refresh_s: DurationS = Field(10800.0, description="the (alt, lat, local time) density grid is "
                                                          "re-evaluated with MSIS this often")
    lat_step_deg: Annotated[float, Field(gt=0.0, le=45.0)] = 10.0
    local_time_step_h: Annotated[float, Field(gt=0.0, le=6.0)] = 1.0
    alt_step_km: Annotated[float, Field(gt=0.0, le=100.0)] = 10.0
    sample_every_s: DurationS = Field(60.0, description="density and cross-section sampled at the "
                                                       "satellites this often (rectangle rule)")

    @field_validator("msis_refresh_s", "sample_every_s", mode="before")
    @classmethod
    def _duration(cls, v):
        return parse_duration_s(v)


class StationKeeping(Strict):
    enabled: bool = True
    deadband_km: Positive = Field(2.0, description="the thruster starts when the mean altitude is this far "
                                                   "below its value at the epoch and stops back at it")
    update_every_s: DurationS = Field(600.0, description="decay, thrust and propellant are booked this often")
    target_altitude_km: Positive | None = Field(
        None, description="mean altitude (above the equatorial radius) station-keeping holds: above the "
                          "insertion orbit it is a climb to it; default: the epoch's orbit")
    start_after_s: DurationS = Field(0.0, description="the thruster stays off this long after the epoch "
                                                      "(a safe mode: the satellite drifts down under drag)")

    @field_validator("update_every_s", mode="before")
    @classmethod
    def _duration(cls, v):
        return parse_duration_s(v)

    @field_validator("start_after_s", mode="before")
    @classmethod
    def _offset(cls, v):
        return parse_duration_s(v, allow_zero=True)


class StormReport(Strict):
    """A geomagnetic storm's density against the quiet days before it (sim.lifetime.storm)."""

    quiet_start: datetime = Field(description="00:00 UTC of the first quiet day the storm is compared with")
    quiet_days: Annotated[int, Field(ge=1, le=30)] = Field(3, description="quiet days from quiet_start: "
                                                          "their mean F10.7, F10.7a and daily Ap are the reference")
    storm_start: datetime = Field(description="start of the storm window (UTC)")
    storm_end: datetime = Field(description="end of the storm window (UTC)")
    step_s: Annotated[float, Field(gt=0.0, le=3600.0)] = Field(
        60.0, description="density sampled along the insertion orbit this often [s]")

    @field_validator("quiet_start", "storm_start", "storm_end", mode="before")
    @classmethod
    def _utc(cls, v):
        if isinstance(v, date) and not isinstance(v, datetime):   # a YAML date: 00:00 UTC of the day
            return datetime(v.year, v.month, v.day, tzinfo=timezone.utc)
        return _utc(v)

    @model_validator(mode="after")
    def _order(self):
        if self.storm_end <= self.storm_start:
            raise ValueError("storm_end must be after storm_start")
        return self


class Propulsion(Strict):
    """An electric thruster; defaults: Busek BHT-200 Hall thruster (13 mN, 1390 s at 200 W, U)."""

    thrust_n: Positive = 0.013
    isp_s: Positive = 1390.0
    efficiency: PositiveFraction = Field(0.44, description="jet power / electrical power: the thruster draws "
                                                           "P = F g0 Isp / (2 efficiency) from the bus")
    propellant_kg: NonNegative = Field(10.0, description="propellant per satellite at the epoch")


class FormationKeeping(Strict):
    """Each member of a cluster shell held near its slot (sim.lifetime.formation): impulsive
    corrections from the lifetime propulsion when its Hill-frame error leaves the deadband."""

    deadband_m: Positive = Field(50.0, description="a member is corrected when its position relative to the "
                                                   "cluster's chief (Hill frame) is this far from its slot (U)")
    check_every_s: DurationS = Field(60.0, description="the error is measured this often (in the tick kernel)")
    return_time_s: DurationS = Field(86400.0, description="an along-track offset without a differential drag to "
                                                          "reverse is drifted back over at most this long (U)")

    @field_validator("check_every_s", "return_time_s", mode="before")
    @classmethod
    def _duration(cls, v):
        return parse_duration_s(v)

    @field_validator("check_every_s", "return_time_s")
    @classmethod
    def _positive(cls, v):
        if not v > 0.0:
            raise ValueError("must be positive")
        return v


@scenario_section("lifetime")
class LifetimeConfig(Strict):
    mass_kg: Positive = Field(150.0, description="satellite wet mass at the epoch [kg] (one value for "
                                                 "every satellite until the mass model; U)")
    body_area_m2: NonNegative = Field(0.5, description="bus cross-section presented to the flow in every "
                                                       "attitude (arrays and radiators are added by attitude)")
    reentry_altitude_km: Positive = Field(180.0, description="below this mean altitude the satellite is lost")
    drag: Drag = Field(default_factory=Drag)
    station_keeping: StationKeeping = Field(default_factory=StationKeeping)
    propulsion: Propulsion = Field(default_factory=Propulsion)
    formation_keeping: FormationKeeping | None = Field(
        None, description="cluster formation keeping from the propulsion (sim.lifetime.formation); off without it")
    ageing: Ageing | None = Field(None, description="battery fade, dose-driven array loss and the daily "
                                                    "capacity table (sim.lifetime.ageing); off without it")
    storm: StormReport | None = Field(None, description="report the storm's density along the insertion orbit "
                                                        "against the quiet days before it (needs drag.density msis)")

    @model_validator(mode="after")
    def _propellant_below_mass(self):
        if self.propulsion.propellant_kg >= self.mass_kg:
            raise ValueError(f"propulsion.propellant_kg ({self.propulsion.propellant_kg}) must be below "
                             f"mass_kg ({self.mass_kg})")
        sk, d = self.station_keeping, self.drag
        if sk.update_every_s % d.sample_every_s > 1e-9 * sk.update_every_s:
            raise ValueError("station_keeping.update_every_s must be a multiple of drag.sample_every_s")
        if sk.target_altitude_km is not None and sk.target_altitude_km <= self.reentry_altitude_km:
            raise ValueError(f"station_keeping.target_altitude_km ({sk.target_altitude_km}) must be above "
                             f"reentry_altitude_km ({self.reentry_altitude_km})")
        if self.storm is not None and d.density != "msis":
            raise ValueError("storm: the storm report needs drag.density 'msis'")
        return self


def shell_altitudes_km(scenario) -> list[tuple[int, float]]:
    """(shell index, lowest perigee altitude above the equatorial radius [km]) of the analytic shells."""
    out = []
    r_eq_km = R_EARTH_EQUATORIAL_M / 1e3
    for i, shell in enumerate(scenario.constellation):
        orbit = shell.walker or shell.sso or shell.cluster
        if orbit is not None:
            out.append((i, orbit.altitude_km))
        elif shell.elements:
            out.append((i, min((el.a_km if el.a_km is not None else r_eq_km + el.altitude_km) * (1.0 - el.e)
                               - r_eq_km for el in shell.elements)))
    return out


@scenario_check
def _check_lifetime(scenario) -> list[tuple[str, str]]:
    cfg = getattr(scenario, "lifetime", None)
    if cfg is None:
        return []
    problems = []
    for i, alt_km in shell_altitudes_km(scenario):
        if cfg.reentry_altitude_km >= alt_km:
            problems.append(("lifetime.reentry_altitude_km",
                             f"{cfg.reentry_altitude_km} km is not below the orbit of constellation[{i}] "
                             f"({alt_km:.1f} km)"))
    if cfg.formation_keeping is not None:
        if cfg.propulsion.propellant_kg <= 0.0:
            problems.append(("lifetime.formation_keeping", "needs propulsion: lifetime.propulsion.propellant_kg "
                                                           "is 0"))
        if not any(shell.cluster is not None and shell.cluster.count > 1 for shell in scenario.constellation):
            problems.append(("lifetime.formation_keeping", "no cluster shell with more than one satellite to keep"))
    for i, shell in enumerate(scenario.constellation):
        if shell.tle is not None:
            problems.append((f"constellation[{i}].tle", "lifetime: drag decay needs mean elements (walker, "
                                                        "sso, cluster, elements); TLE shells carry SGP4's B*"))
    if cfg.drag.density == "msis":
        from sim.lifetime import space_weather
        try:
            table = space_weather.read(scenario.resolve_path(cfg.drag.space_weather))
            space_weather.check_covered(table, cfg.drag, scenario.epoch, scenario.duration)
        except (OSError, ValueError) as exc:
            problems.append(("lifetime.drag.space_weather" if isinstance(exc, OSError) or "read" in str(exc)
                             else "lifetime.drag.forecast", str(exc)))
        else:
            problems += _check_storm_covered(table, cfg)
    return problems


def _check_storm_covered(table, cfg) -> list[tuple[str, str]]:
    from sim.lifetime import space_weather
    st = cfg.storm
    if st is None:
        return []
    problems = []
    storm_days = (st.storm_end - st.storm_start).total_seconds() / 86400.0
    for field, start, days in (("quiet_start", st.quiet_start, float(st.quiet_days)),
                               ("storm_start", st.storm_start, storm_days)):
        first, end = table.day0 + 1.0, table.observed_end
        t0 = space_weather.days_since_unix(start)
        if t0 < first or t0 + days > end:
            problems.append((f"lifetime.storm.{field}", f"the observed space-weather data do not cover "
                                                        f"{start:%Y-%m-%d} + {days:g} d"))
    return problems
