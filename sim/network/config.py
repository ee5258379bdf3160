"""Scenario section `network:` — optical crosslinks, ground stations and routing.

Defaults and their sources are in docs/models.md (MODELS.md §7–8). Every model
forbids unknown keys, like the rest of the scenario. `network_references` checks what the
models alone cannot see (the station file, the names and satellite indices the section
refers to), for `odcsim validate` and `run` alike; the subsystem relies on it.
"""
from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field, field_validator, model_validator

from sim.config.base import Fraction, NonNegative, Positive, parse_duration_s
from sim.config.base import Strict as _Strict
from sim.config.sections import scenario_check, scenario_section


class Dwdm(_Strict):
    """Close-range mode for formations: below `range_km` a transceiver pair runs DWDM at
    `rate_gbps` (Suncatcher's bench: 1.6 Tbps per pair, arXiv:2511.19468)."""
    range_km: Positive = 10.0
    rate_gbps: Positive = 1600.0


class LinkRate(_Strict):
    """rate = min(max_gbps, ref_gbps·(ref_range_km/d)²); d ≤ dwdm.range_km → dwdm.rate_gbps.
    Default: Starlink, 100 Gbps up to 5,400 km (MODELS.md §7)."""
    max_gbps: Positive = 100.0
    ref_gbps: Positive = 100.0
    ref_range_km: Positive = 5400.0
    dwdm: Dwdm | None = None


class Acquisition(_Strict):
    """Pointing, acquisition and tracking time after a link becomes feasible, seconds.
    `uniform` on [min_s, max_s]; `exponential` with mean_s shifted by min_s and cut at max_s;
    `fixed` = mean_s. SDA OCT v3.2.0 requires ≤ 100 s (MODELS.md §7)."""
    distribution: Literal["uniform", "exponential", "fixed"] = "uniform"
    min_s: NonNegative = 2.0
    max_s: NonNegative = 30.0
    mean_s: NonNegative = 10.0

    @model_validator(mode="after")
    def _order(self):
        if self.max_s < self.min_s:
            raise ValueError(f"max_s ({self.max_s}) is below min_s ({self.min_s})")
        return self


class Crosslinks(_Strict):
    topology: Literal["grid", "nearest", "pairs"] = "grid"
    seam: bool = Field(True, description=(
        "grid: link the last plane of a Walker shell back to the first (Hypatia's +Grid wraps); "
        "false leaves the seam open (counter-rotating planes of a star pattern)"))
    seam_shift: int | None = Field(None, description=(
        "grid: slot offset across the seam; default the shell's Walker phasing F"))
    cross_plane_shift: int = Field(0, description="grid: slot offset to the next plane (Hypatia isl_shift)")
    k: Annotated[int, Field(ge=1)] = 4
    reselect_every_s: NonNegative = Field(60.0, description=(
        "nearest: re-select the k nearest neighbours (spatial index rebuild + query) this often; "
        "between re-selections the candidates are fixed and only their feasibility is evaluated each "
        "tick; 0: every tick"))
    reselect_margin_km: NonNegative = Field(0.0, description=(
        "nearest: select neighbours within max_range_km + this margin, so that satellites coming into "
        "range before the next re-selection are candidates already (they stay infeasible until in range)"))
    pairs: list[tuple[int, int]] | None = None
    max_terminals: Annotated[int, Field(ge=1)] = 4
    max_range_km: Positive = 5400.0
    grazing_altitude_km: NonNegative = 100.0
    max_slew_rate_deg_s: Positive | None = Field(None, description="None: no slew limit")
    rate: LinkRate = Field(default_factory=LinkRate)
    acquisition: Acquisition = Field(default_factory=Acquisition)
    mtbf_h: Positive | None = Field(None, description="mean time between random link failures; None: none")
    start_up: bool = Field(True, description="links feasible at the epoch start up (no acquisition)")

    @field_validator("reselect_every_s", mode="before")
    @classmethod
    def _duration(cls, v):
        return parse_duration_s(v, allow_zero=True)  # 0: re-select every tick

    @model_validator(mode="after")
    def _pairs(self):
        if self.topology == "pairs" and not self.pairs:
            raise ValueError("topology 'pairs' needs a non-empty `pairs` list")
        return self


class Station(_Strict):
    name: str
    lat_deg: Annotated[float, Field(ge=-90.0, le=90.0)]
    lon_deg: Annotated[float, Field(ge=-180.0, le=360.0)]
    alt_m: float = 0.0
    min_elevation_deg: Annotated[float, Field(ge=-5.0, lt=90.0)] | None = None
    kind: Literal["rf", "optical"] | None = None
    rate_gbps: Positive | None = None
    clear_sky_probability: Fraction | None = None
    antennas: Annotated[int, Field(ge=1)] | None = None
    operator: str | None = Field(None, description="who runs the station (faults target operators)")


class StationDefaults(_Strict):
    """Applied to every station that does not set the field (inline or from a file)."""
    min_elevation_deg: Annotated[float, Field(ge=-5.0, lt=90.0)] = 10.0
    kind: Literal["rf", "optical"] = "rf"
    rate_gbps: Positive = 1.0
    clear_sky_probability: Fraction = 1.0
    antennas: Annotated[int, Field(ge=1)] = 1
    operator: str | None = Field(None, description=(
        "operator of the stations that do not name one (GeoJSON files name theirs in properties.provider)"))


class GroundStations(_Strict):
    file: str | None = Field(None, description=(
        "GeoJSON FeatureCollection (coordinates [lon, lat(, alt_m)], properties.name) or a StarPerf "
        "ground-station XML; relative to the scenario YAML"))
    limit: Annotated[int, Field(ge=1)] | None = None
    defaults: StationDefaults = Field(default_factory=StationDefaults)
    stations: list[Station] = Field(default_factory=list)

    @model_validator(mode="before")
    @classmethod
    def _list_form(cls, data: Any):
        return {"stations": data} if isinstance(data, list) else data

    @model_validator(mode="after")
    def _some(self):
        if self.file is None and not self.stations:
            raise ValueError("give `stations` or a `file`")
        names = [s.name for s in self.stations]
        if len(set(names)) != len(names):
            raise ValueError("station names must be unique")
        return self


class Routing(_Strict):
    every_s: Positive = Field(60.0, description=(
        "refresh interval: latencies along current routes, link rates in the flow allocation, and "
        "shortest paths of the latency pairs (latencies drift with range)"))
    reoptimize_s: Positive | None = Field(None, description=(
        "re-compute the shortest path of a transfer whose route is still intact once it is this old "
        "(checked at each refresh); None: only new transfers and broken routes are routed"))
    latency_pairs: list[tuple[str, str]] = Field(default_factory=list, description=(
        "named ground-station pairs whose path latency is tracked (events route_latency)"))

    @field_validator("every_s", "reoptimize_s", mode="before")
    @classmethod
    def _duration(cls, v):
        return v if v is None else parse_duration_s(v)


Endpoint = Annotated[int, Field(strict=True)] | str


class Demand(_Strict):
    """Scheduled transfers: `size` bytes from src to dst at `start`, then every `every`
    (`count` times in all; without `count`, until the end of the run). src/dst: a satellite
    index or a ground-station name, checked against the fleet and the stations when the
    scenario is validated.
    `ring` instead of src/dst: each member i sends to the next member (the last to the first),
    the pattern of one step of a ring all-reduce; `all` = every satellite in index order."""
    src: Endpoint | None = None
    dst: Endpoint | None = None
    ring: Literal["all"] | list[Annotated[int, Field(strict=True)]] | None = None
    size_gb: Positive | None = Field(None, description="gigabytes (1e9 B)")
    size_bytes: Positive | None = None
    start: NonNegative = Field(0.0, description="first submission, duration from the epoch")
    every: Positive | None = Field(None, description="repeat interval; None: once")
    count: Annotated[int, Field(ge=1)] | None = Field(None, description="submissions in all; None: 1 without "
                                                      "`every`, unlimited with it")

    @field_validator("start", "every", mode="before")
    @classmethod
    def _duration(cls, v):
        # start: 0 (the epoch) is allowed; every: 0 is refused by its gt=0
        return v if v is None else parse_duration_s(v, allow_zero=True)

    @model_validator(mode="after")
    def _check(self):
        if (self.size_gb is None) == (self.size_bytes is None):
            raise ValueError("give exactly one of `size_gb` and `size_bytes`")
        if self.ring is None:
            if self.src is None or self.dst is None:
                raise ValueError("give `src` and `dst`, or `ring`")
            if self.src == self.dst:
                raise ValueError(f"src and dst are the same ({self.src!r})")
        else:
            if self.src is not None or self.dst is not None:
                raise ValueError("`ring` replaces `src` and `dst`; give one form only")
            if isinstance(self.ring, list) and (len(self.ring) < 2 or len(set(self.ring)) != len(self.ring)):
                raise ValueError("`ring` needs at least two distinct satellite indices")
        if self.count is not None and self.count > 1 and self.every is None:
            raise ValueError("`count` > 1 needs `every`")
        return self

    @property
    def bytes(self) -> float:
        return self.size_bytes if self.size_bytes is not None else self.size_gb * 1e9


@scenario_section("network")
class NetworkConfig(_Strict):
    crosslinks: Crosslinks | None = None
    ground_stations: GroundStations | None = None
    routing: Routing = Field(default_factory=Routing)
    transfers: list[Demand] = Field(default_factory=list, description=(
        "scheduled transfer demands, submitted by the network subsystem at their times"))


@scenario_check
def network_references(scenario) -> list[tuple[str, str]]:
    """The station file exists and parses; every satellite index and station name the section
    names exists (with a 'did you mean' for a near miss); +Grid has a Walker shell to link."""
    from sim.network.ids import endpoint_problem
    from sim.network.stations import StationFileError, build_stations
    from sim.orbits.config import fleet_size

    cfg = scenario.network
    if cfg is None:
        return []
    problems: list[tuple[str, str]] = []
    names = None
    known_names = True
    if cfg.ground_stations is not None:
        try:
            names = build_stations(cfg.ground_stations, scenario.resolve_path).names
        except FileNotFoundError as exc:
            problems.append(("network.ground_stations.file", f"file not found: {exc.filename}"))
            known_names = False
        except (StationFileError, OSError) as exc:
            path = scenario.resolve_path(cfg.ground_stations.file)
            problems.append(("network.ground_stations.file", f"cannot read {path}: {exc}"))
            known_names = False
    n_sats = fleet_size(scenario)

    def endpoint(value, path):
        if (isinstance(value, int) and n_sats is None) or (isinstance(value, str) and not known_names):
            return  # unknown until the file that says it is fixed
        problem = endpoint_problem(value, n_sats or 0, names)
        if problem is not None:
            problems.append((path, problem))

    c = cfg.crosslinks
    if c is not None and c.topology == "grid" and not any(s.walker is not None for s in scenario.constellation):
        problems.append(("network.crosslinks.topology", "'grid' needs at least one walker shell"))
    if c is not None and c.topology == "pairs":
        for k, pair in enumerate(c.pairs):
            for end, sat in enumerate(pair):
                endpoint(sat, f"network.crosslinks.pairs.{k}.{end}")
    for p, pair in enumerate(cfg.routing.latency_pairs):
        for end, name in enumerate(pair):
            endpoint(name, f"network.routing.latency_pairs.{p}.{end}")
    for k, d in enumerate(cfg.transfers):
        where = f"network.transfers.{k}"
        if d.ring is None:
            endpoint(d.src, f"{where}.src")
            endpoint(d.dst, f"{where}.dst")
        elif d.ring == "all":
            if n_sats is not None and n_sats < 2:
                problems.append((f"{where}.ring", "a ring needs at least two satellites"))
        else:
            for j, member in enumerate(d.ring):
                endpoint(member, f"{where}.ring.{j}")
    return problems
