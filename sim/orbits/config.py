"""The constellation: shells of satellites, each with one orbit definition and its hardware.

A shell is exactly one of walker | sso | cluster | elements | tle, plus the payload's hardware
sections (sim.payload.config).
"""
from __future__ import annotations

import math
from typing import Annotated, Literal

import numpy as np
from pydantic import Field, model_validator

from sim.config.base import Positive, Strict
from sim.config.sections import scenario_check
from sim.core.constants import R_EARTH_EQUATORIAL_M
from sim.core.timescale import julian_date_utc
from sim.payload.config import Battery, Bus, Gpu, Radiator, SolarArray, Thermal

AltitudeKm = Annotated[float, Field(ge=150.0, le=40000.0)]
InclinationDeg = Annotated[float, Field(ge=0.0, le=180.0)]
_R_EQ_KM = R_EARTH_EQUATORIAL_M / 1e3
LtanConvention = Annotated[Literal["mean", "true"], Field(
    description="ltan_h is mean local solar time at the ascending node (mean, the convention of "
                "mission specifications) or true (apparent) solar time (true)")]


class WalkerShell(Strict):
    altitude_km: AltitudeKm
    inclination_deg: InclinationDeg | None = Field(None, description=(
        "orbit inclination [deg]; may be left out with ltan_h, then the sun-synchronous one"))
    planes: Annotated[int, Field(ge=1)]
    sats_per_plane: Annotated[int, Field(ge=1)]
    phasing: Annotated[int, Field(ge=0)] = 0
    pattern: Literal["delta", "star"] = "delta"
    ltan_h: Annotated[float, Field(ge=0.0, lt=24.0)] | None = Field(None, description=(
        "hold the planes' ascending nodes in a band of local solar times centred here [h] "
        "(6 or 18: dawn-dusk) instead of spreading them over 360/180 deg of RAAN"))
    ltan_band_h: Annotated[float, Field(gt=0.0, le=24.0)] = Field(1.0, description=(
        "width of that band of local times [h]; the planes sit evenly inside it"))
    ltan_convention: LtanConvention = "mean"

    @model_validator(mode="after")
    def _phasing_below_planes(self):
        if self.phasing >= max(self.planes, 1) and self.planes > 1:
            raise ValueError(f"phasing F={self.phasing} must be < planes={self.planes}")
        if self.inclination_deg is None and self.ltan_h is None:
            raise ValueError("inclination_deg is required unless ltan_h is set (then it is sun-synchronous)")
        return self


class SsoShell(Strict):
    altitude_km: AltitudeKm
    ltan_h: Annotated[float, Field(ge=0.0, lt=24.0)] = 18.0
    ltan_convention: LtanConvention = "mean"
    count: Annotated[int, Field(ge=1)] = 1


class ClusterShell(Strict):
    count: Annotated[int, Field(ge=1)] = 81
    radius_m: Positive = 1000.0
    altitude_km: AltitudeKm = 650.0
    ltan_h: Annotated[float, Field(ge=0.0, lt=24.0)] | None = 18.0
    ltan_convention: LtanConvention = "mean"
    inclination_deg: InclinationDeg | None = None
    raan_deg: float | None = None

    @model_validator(mode="after")
    def _reference_orbit(self):
        if self.inclination_deg is not None:
            if abs(math.sin(math.radians(self.inclination_deg))) < 1e-6:  # sim.orbits.shells.cluster's own limit
                raise ValueError(f"inclination_deg {self.inclination_deg} is equatorial: a cluster's reference orbit "
                                 f"needs a node (give an inclination at least 1e-4 deg away from 0 and 180)")
            self.ltan_h = None
        return self


class KeplerianElements(Strict):
    altitude_km: AltitudeKm | None = None
    a_km: Annotated[float, Field(gt=_R_EQ_KM + 150.0, le=_R_EQ_KM + 40000.0)] | None = None
    e: Annotated[float, Field(ge=0.0, lt=0.9)] = 0.0
    inclination_deg: InclinationDeg
    raan_deg: float = 0.0
    argp_deg: float = 0.0
    mean_anomaly_deg: float = 0.0

    @model_validator(mode="after")
    def _one_size_and_perigee_above_the_surface(self):
        if (self.altitude_km is None) == (self.a_km is None):
            raise ValueError("give exactly one of altitude_km or a_km")
        a_km = self.a_km if self.a_km is not None else _R_EQ_KM + self.altitude_km
        if a_km * (1.0 - self.e) <= _R_EQ_KM:
            raise ValueError(f"perigee is below the Earth's surface (a = {a_km:.0f} km, e = {self.e}: "
                             f"perigee radius {a_km * (1.0 - self.e):.0f} km < {_R_EQ_KM:.0f} km)")
        return self


class TleShell(Strict):
    path: str = Field(description="TLE (2- or 3-line) or OMM JSON (.json/.json.gz); relative to the YAML")
    limit: Annotated[int, Field(ge=1)] | None = None


ORBIT_KINDS = ("walker", "sso", "cluster", "elements", "tle")


class Adcs(Strict):
    max_yaw_rate_deg_s: Annotated[float, Field(gt=0.0, description=(
        "largest yaw rate the attitude control can hold, deg/s; yaw steering needing more is "
        "recorded (events yaw_rate_limit_start/end, summary orbits.yaw_rate_exceeded_hours). "
        "Default 0.2: GPS Block IIR's hardware yaw rate (Kouba 2009), a large spacecraft "
        "with long solar wings; a judgement for a data-centre satellite"))] = 0.2


AttitudeLaw = Literal["nadir_yaw_steering", "nadir_fixed", "sun_pointing"]


class Shell(Strict):
    name: str | None = None
    walker: WalkerShell | None = None
    sso: SsoShell | None = None
    cluster: ClusterShell | None = None
    elements: list[KeplerianElements] | None = None
    tle: TleShell | None = None
    attitude: AttitudeLaw = Field("nadir_yaw_steering", description=(
        "pointing of the whole spacecraft (sim.orbits.attitude): nadir_yaw_steering (nadir, "
        "yawed so the Sun stays in the x-z plane: array wings face the Sun, edge-on radiators "
        "never see it), nadir_fixed (nadir, no yaw: wings see cos beta, side radiators see "
        "the Sun at sin beta), sun_pointing (inertial, array normal to the Sun)"))
    adcs: Adcs = Field(default_factory=Adcs)
    gpu: Gpu = Field(default_factory=lambda: Gpu.model_validate({}))
    solar_array: SolarArray = Field(default_factory=SolarArray)
    battery: Battery = Field(default_factory=Battery)
    bus: Bus = Field(default_factory=Bus)
    radiator: Radiator = Field(default_factory=Radiator)
    thermal: Thermal = Field(default_factory=Thermal)

    @model_validator(mode="after")
    def _exactly_one_orbit(self):
        given = [k for k in ORBIT_KINDS if getattr(self, k) is not None]
        if len(given) != 1:
            raise ValueError(f"a shell needs exactly one of {', '.join(ORBIT_KINDS)}; got "
                             f"{', '.join(given) or 'none'}")
        if self.elements is not None and not self.elements:
            raise ValueError("elements: the list is empty")
        return self

    @property
    def orbit_kind(self) -> str:
        return next(k for k in ORBIT_KINDS if getattr(self, k) is not None)


def shell_size(shell, scenario) -> int:
    """Satellites of one shell without building the fleet; a TLE/OMM shell reads its file
    (OSError or ValueError when it cannot)."""
    kind = shell.orbit_kind
    if kind == "walker":
        return shell.walker.planes * shell.walker.sats_per_plane
    if kind in ("sso", "cluster"):
        return getattr(shell, kind).count
    if kind == "elements":
        return len(shell.elements)
    from sim.orbits.build import shell_satrecs
    return len(shell_satrecs(shell, scenario))


def fleet_size(scenario) -> int | None:
    """Satellites of the scenario's fleet; None when a TLE file cannot be read (reported by
    `tle_files_readable`)."""
    try:
        return sum(shell_size(shell, scenario) for shell in scenario.constellation)
    except (OSError, ValueError):
        return None


@scenario_check
def tle_files_readable(scenario) -> list[tuple[str, str]]:
    """Every TLE/OMM file a shell names exists, parses and holds at least one satellite."""
    problems = []
    for i, shell in enumerate(scenario.constellation):
        if shell.tle is None:
            continue
        where, path = f"constellation.{i}.tle.path", scenario.resolve_path(shell.tle.path)
        if not path.exists():
            problems.append((where, f"file not found: {path}"))
            continue
        try:
            count = shell_size(shell, scenario)
        except (OSError, ValueError, UnicodeDecodeError) as exc:
            problems.append((where, f"not a readable TLE or OMM file: {exc}"))
            continue
        if count == 0:
            problems.append((where, f"no satellites in {path}"))
            continue
        from sim.orbits.build import shell_satrecs
        from sim.orbits.tle import SGP4Propagator
        propagator = SGP4Propagator(shell_satrecs(shell, scenario), julian_date_utc(scenario.epoch))
        propagator.propagate(0.0, np.empty((3, count)), np.empty((3, count)))
        why = propagator.failure(0.0)
        if why is not None:
            problems.append((where, f"{why} ({path}; scenario epoch {scenario.epoch.isoformat()})"))
    return problems

