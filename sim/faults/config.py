"""Scenario section `faults:` — scheduled and random faults of the ground segment and the crosslinks.

    faults:
      scheduled:
        - kind: station_outage
          target: {operator: KSAT}          # or station / stations / within {lat_deg, lon_deg, radius_km}
          at: 2026-03-20T06:00:00Z          # or a duration after the epoch (6h)
          duration: 6h                      # or permanent
      random:
        - kind: terminal_failure
          target: {satellites: all}         # every terminal of every satellite
          mtbf_h: 50000                     # per unit (here: per terminal); or rate_per_year for the target
          duration: {distribution: lognormal, median_s: 4h, sigma: 1.0}

Models, their equations and sources: docs/models.md (Faults). `faults_references` checks the
names and indices against the stations and the fleet, for `validate` and `run` alike.
"""
from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import Field, field_validator, model_validator

from sim.config.base import Positive, Strict, offset_or_time, parse_duration_s
from sim.config.sections import scenario_check, scenario_section

# kind → code (the `kind` column of /faults/timeline and column a of the fault events)
KIND_CODE = {"station_outage": 1, "cloud_front": 2, "terminal_failure": 3, "pointing_loss": 4,
             "satellite_terminals": 5, "gpu_reset": 6, "gpu_lost": 7, "array_string": 8, "battery_cell": 9}
GROUND_KINDS = ("station_outage", "cloud_front")
TERMINAL_KINDS = ("terminal_failure", "pointing_loss", "satellite_terminals")
HARDWARE_KINDS = ("gpu_reset", "gpu_lost")
POWER_KINDS = ("array_string", "battery_cell")   # permanent; `of` parallel strings or cells
PERMANENT_KINDS = ("gpu_lost", *POWER_KINDS)
Kind = Literal["station_outage", "cloud_front", "terminal_failure", "pointing_loss", "satellite_terminals",
               "gpu_reset", "gpu_lost", "array_string", "battery_cell"]
# Llama 3 405B pre-training (arXiv:2407.21783, Table 5): 419 unexpected interruptions in 54 days on
# 16,384 H100; faulty GPU 148 (30.1 %) and GPU HBM3 memory 72 (17.2 %) of them
LLAMA3_GPU_HOURS = 54 * 24 * 16384
LLAMA3_GPU_FAULT_MTBF_H = LLAMA3_GPU_HOURS / (148 + 72)   # ≈ 96,500 GPU-hours per GPU or HBM fault
Index = Annotated[int, Field(ge=0, strict=True)]


class Circle(Strict):
    """Every station within radius_km (great circle) of a point."""
    lat_deg: Annotated[float, Field(ge=-90.0, le=90.0)]
    lon_deg: Annotated[float, Field(ge=-180.0, le=360.0)]
    radius_km: Positive


class Target(Strict):
    """What a fault hits. Ground (station_outage): exactly one of station, stations, operator,
    within. cloud_front: radius_km (the centre is drawn among the optical stations). Terminals:
    satellite or satellites, and for terminal_failure / pointing_loss the terminal (default all)."""
    station: str | None = Field(None, description="one ground station, by name")
    stations: list[str] | None = Field(None, description="a named set of ground stations")
    operator: str | None = Field(None, description="every station of this operator (network.ground_stations)")
    within: Circle | None = Field(None, description="every station within a radius of a point")
    radius_km: Positive | None = Field(None, description="cloud_front: stations within this radius of the centre")
    satellite: Index | None = Field(None, description="one satellite, by fleet index")
    satellites: list[Index] | Literal["all"] | None = Field(None, description="satellites by fleet index, or all")
    terminal: Index | Literal["all"] | None = Field(None, description=(
        "terminal index (the k-th crosslink of the satellite, sim.network.links) or all (the default)"))

    def given(self, *names: str) -> list[str]:
        return [n for n in names if getattr(self, n) is not None]


def _check_target(kind: str, t: Target) -> None:
    ground = t.given("station", "stations", "operator", "within")
    sats = t.given("satellite", "satellites")
    if kind == "station_outage":
        if len(ground) != 1:
            raise ValueError(f"target: a station_outage needs exactly one of station, stations, operator, "
                             f"within (got {', '.join(ground) or 'none'})")
        extra = t.given("radius_km", "satellite", "satellites", "terminal")
    elif kind == "cloud_front":
        if t.radius_km is None:
            raise ValueError("target.radius_km: a cloud_front needs the radius of the front")
        extra = ground + sats + t.given("terminal")
    else:
        if len(sats) != 1:
            raise ValueError(f"target: a {kind} needs exactly one of satellite, satellites")
        extra = ground + t.given("radius_km")
        if kind in ("satellite_terminals", *HARDWARE_KINDS, *POWER_KINDS) and t.terminal not in (None, "all"):
            raise ValueError("target.terminal: satellite_terminals takes all of a satellite's terminals")
    if extra:
        raise ValueError(f"target: {', '.join(extra)} does not apply to a {kind}")


def _check_of(kind: str, of) -> None:
    if kind in POWER_KINDS and of is None:
        raise ValueError(f"of: a {kind} needs the number of {'strings' if kind == 'array_string' else 'cells'} "
                         f"in parallel")
    if kind not in POWER_KINDS and of is not None:
        raise ValueError(f"of: does not apply to a {kind}")


class ScheduledFault(Strict):
    kind: Kind
    target: Target
    at: float | datetime = Field(description=(
        "start: seconds after the epoch (YAML accepts 0, 90s, 45m, 6h) or an ISO 8601 UTC time"))
    duration: Positive | Literal["permanent"] = Field(description="how long it lasts (6h), or permanent")
    of: Annotated[int, Field(ge=2)] | None = Field(None, description=(
        "array_string / battery_cell: strings of the array / cells of the battery in parallel (one lost "
        "takes 1/of of the array power / battery capacity)"))

    _at = field_validator("at", mode="before")(classmethod(lambda cls, v: offset_or_time(v)))

    @field_validator("duration", mode="before")
    @classmethod
    def _duration(cls, v):
        return v if v == "permanent" else parse_duration_s(v)

    @model_validator(mode="after")
    def _target(self):
        if self.kind in PERMANENT_KINDS and self.duration != "permanent":
            raise ValueError(f"duration: a {self.kind} is permanent (nothing is swapped in orbit)")
        _check_of(self.kind, self.of)
        if self.kind == "cloud_front":
            raise ValueError("kind: cloud_front is a random fault (its centre is drawn); schedule a "
                             "station_outage with target.within instead")
        _check_target(self.kind, self.target)
        return self

    def start_s(self, epoch: datetime) -> float:
        return (self.at - epoch).total_seconds() if isinstance(self.at, datetime) else float(self.at)


class OutageDuration(Strict):
    """How long each random fault lasts: fixed value_s; exponential with mean_s; lognormal with
    median_s and sigma (of the natural log); or permanent."""
    distribution: Literal["fixed", "exponential", "lognormal", "permanent"]
    value_s: Positive | None = None
    mean_s: Positive | None = None
    median_s: Positive | None = None
    sigma: Positive | None = None

    @field_validator("value_s", "mean_s", "median_s", mode="before")
    @classmethod
    def _durations(cls, v):
        return v if v is None else parse_duration_s(v)

    @model_validator(mode="after")
    def _parameters(self):
        need = {"fixed": ("value_s",), "exponential": ("mean_s",), "lognormal": ("median_s", "sigma"),
                "permanent": ()}[self.distribution]
        for name in ("value_s", "mean_s", "median_s", "sigma"):
            if name in need and getattr(self, name) is None:
                raise ValueError(f"{name}: the {self.distribution} distribution needs it")
            if name not in need and getattr(self, name) is not None:
                raise ValueError(f"{name}: does not apply to the {self.distribution} distribution")
        return self


class RandomFault(Strict):
    """Poisson arrivals in calendar time: `rate_per_year` for the whole target (each fault hits
    every unit of it), or `mtbf_h` per unit (each station, terminal or satellite of the target
    fails on its own). Faults that overlap on a unit merge: it is down while any holds it."""
    kind: Kind
    target: Target
    rate_per_year: Positive | None = Field(None, description="faults per year of the whole target")
    mtbf_h: Positive | None = Field(None, description=(
        "mean time between faults of each unit [h]; for GPU faults per GPU (a satellite of m GPUs fails at "
        "m/mtbf_h; Llama 3's faulty-GPU and HBM share: LLAMA3_GPU_FAULT_MTBF_H ≈ 96,500 h)"))
    duration: OutageDuration
    of: Annotated[int, Field(ge=2)] | None = Field(None, description=(
        "array_string / battery_cell: strings / cells in parallel (one lost takes 1/of)"))

    @model_validator(mode="after")
    def _rate(self):
        if (self.rate_per_year is None) == (self.mtbf_h is None):
            raise ValueError("give exactly one of rate_per_year and mtbf_h")
        if self.kind in PERMANENT_KINDS and self.duration.distribution != "permanent":
            raise ValueError(f"duration.distribution: a {self.kind} is permanent (nothing is swapped in orbit)")
        _check_of(self.kind, self.of)
        if self.kind == "cloud_front" and self.mtbf_h is not None:
            raise ValueError("mtbf_h: a cloud_front has no units to fail on their own; give rate_per_year")
        _check_target(self.kind, self.target)
        return self


@scenario_section("faults")
class FaultsConfig(Strict):
    scheduled: list[ScheduledFault] = Field(default_factory=list, description="faults at a given time")
    random: list[RandomFault] = Field(default_factory=list, description="faults drawn from rates")

    def hardware_faults(self) -> bool:
        """Whether the section defines GPU faults: then a training job takes its interruptions from
        them instead of drawing its own (workloads.jobs.interruptions.gpu_mtbf_h)."""
        return any(f.kind in HARDWARE_KINDS for _, f in self.entries())

    def entries(self):
        """(where, fault) of every fault, scheduled first: `where` is its dotted path."""
        return [(f"faults.scheduled.{k}", f) for k, f in enumerate(self.scheduled)] + \
            [(f"faults.random.{k}", f) for k, f in enumerate(self.random)]


@scenario_check
def faults_references(scenario) -> list[tuple[str, str]]:
    """Every station name, operator and circle selects stations; every satellite index and
    terminal exists; no scheduled fault starts before the epoch; the sections they act on are there."""
    from sim.faults.targets import TargetError, resolve_units

    cfg = scenario.faults
    if cfg is None:
        return []
    problems = []
    for where, fault in cfg.entries():
        if isinstance(fault, ScheduledFault):
            t0 = fault.start_s(scenario.epoch)
            if t0 < 0.0:   # one at or after the end of the run does not happen (a shorter --until)
                problems.append((f"{where}.at", f"{-t0:g} s before the epoch"))
        if fault.kind in POWER_KINDS and getattr(scenario, "lifetime", None) is not None \
                and getattr(scenario.lifetime, "ageing", None) is not None:
            problems.append((f"{where}.kind", f"a {fault.kind} is not combined with lifetime.ageing, which sets "
                                              f"the array efficiency and battery capacity itself"))
        try:
            resolve_units(fault, scenario)
        except TargetError as exc:
            problems.append((f"{where}.{exc.field}", exc.message))
    return problems
