"""Scenario configuration: pydantic models, YAML loading, `--set` overrides, clear errors.

Every model forbids unknown keys, so a typo is an error that names the field, never a
silently ignored setting. Errors are raised as ConfigError with the file and the dotted
field path; the CLI turns them into exit status 2.
"""
from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import (Field, ValidationError, field_validator,
                      model_validator)

from sim.radiation.config import RadiationConfig
from sim.config.base import (Fraction, NonNegative, Positive, PositiveFraction, Strict, parse_duration_s,
                           utc_datetime)
from sim.network.config import NetworkConfig


class ConfigError(ValueError):
    """Bad input: names the file, the field path and what is wrong."""

    def __init__(self, source: str | Path, problems: list[tuple[str, str]]):
        self.source = str(source)
        self.problems = problems
        lines = [f"{self.source}: {path or '<top level>'}: {msg}" for path, msg in problems]
        super().__init__("\n".join(lines))


DurationS = Annotated[float, Field(description="seconds; YAML accepts 90s, 45m, 6h, 7d")]


AltitudeKm = Annotated[float, Field(ge=150.0, le=40000.0)]
InclinationDeg = Annotated[float, Field(ge=0.0, le=180.0)]


# ---------------------------------------------------------------- orbits

class WalkerShell(Strict):
    altitude_km: AltitudeKm
    inclination_deg: InclinationDeg
    planes: Annotated[int, Field(ge=1)]
    sats_per_plane: Annotated[int, Field(ge=1)]
    phasing: Annotated[int, Field(ge=0)] = 0
    pattern: Literal["delta", "star"] = "delta"

    @model_validator(mode="after")
    def _phasing_below_planes(self):
        if self.phasing >= max(self.planes, 1) and self.planes > 1:
            raise ValueError(f"phasing F={self.phasing} must be < planes={self.planes}")
        return self


class SsoShell(Strict):
    altitude_km: AltitudeKm
    ltan_h: Annotated[float, Field(ge=0.0, lt=24.0)] = 18.0
    count: Annotated[int, Field(ge=1)] = 1


class ClusterShell(Strict):
    count: Annotated[int, Field(ge=1)] = 81
    radius_m: Positive = 1000.0
    altitude_km: AltitudeKm = 650.0
    ltan_h: Annotated[float, Field(ge=0.0, lt=24.0)] | None = 18.0
    inclination_deg: InclinationDeg | None = None
    raan_deg: float | None = None

    @model_validator(mode="after")
    def _reference_orbit(self):
        if self.inclination_deg is not None:
            self.ltan_h = None
        return self


class KeplerianElements(Strict):
    altitude_km: AltitudeKm | None = None
    a_km: Annotated[float, Field(gt=6378.137 + 150.0, le=6378.137 + 40000.0)] | None = None
    e: Annotated[float, Field(ge=0.0, lt=0.9)] = 0.0
    inclination_deg: InclinationDeg
    raan_deg: float = 0.0
    argp_deg: float = 0.0
    mean_anomaly_deg: float = 0.0

    @model_validator(mode="after")
    def _one_size(self):
        if (self.altitude_km is None) == (self.a_km is None):
            raise ValueError("give exactly one of altitude_km or a_km")
        return self


class TleShell(Strict):
    path: str = Field(description="TLE (2- or 3-line) or OMM JSON (.json/.json.gz); relative to the YAML")
    limit: Annotated[int, Field(ge=1)] | None = None


# ---------------------------------------------------------------- hardware

GPU_PRESETS: dict[str, dict[str, Any]] = {
    # NVIDIA H100 SXM5; thresholds and clocks from nvidia-smi -q (MODELS.md §3)
    "h100-sxm": dict(tdp_w=700.0, idle_w=75.0, max_clock_mhz=1980.0, idle_clock_mhz=345.0,
                     t_max_operating_c=87.0, t_slowdown_c=89.0, t_shutdown_c=92.0,
                     t_restart_c=70.0, r_jc_k_w=0.03),
    # H100 PCIe 80 GB: 350 W TDP (NVIDIA PB-11133-001)
    "h100-pcie": dict(tdp_w=350.0, idle_w=50.0, max_clock_mhz=1755.0, idle_clock_mhz=345.0,
                      t_max_operating_c=87.0, t_slowdown_c=89.0, t_shutdown_c=92.0,
                      t_restart_c=70.0, r_jc_k_w=0.06),
}


class Gpu(Strict):
    preset: str = "h100-sxm"
    count: Annotated[int, Field(ge=0)] = 4
    tdp_w: Positive
    idle_w: NonNegative
    max_clock_mhz: Positive
    idle_clock_mhz: Positive
    t_max_operating_c: float
    t_slowdown_c: float
    t_shutdown_c: float
    t_restart_c: float
    r_jc_k_w: NonNegative
    dvfs_exponent: Annotated[float, Field(ge=1.0, le=4.0)] = 3.0
    level_step: Annotated[float, Field(gt=0.0, le=0.5)] = 0.05
    slowdown_level: PositiveFraction = 0.5
    capped_level: Fraction = 0.0
    throttle_hysteresis_k: NonNegative = 3.0
    throttle_hold_s: NonNegative = 60.0

    @model_validator(mode="before")
    @classmethod
    def _apply_preset(cls, data: Any):
        if isinstance(data, str):
            data = {"preset": data}
        if not isinstance(data, dict):
            return data
        name = data.get("preset", "h100-sxm")
        if name not in GPU_PRESETS:
            raise ValueError(f"unknown GPU preset {name!r}; known: {', '.join(sorted(GPU_PRESETS))}")
        return {**GPU_PRESETS[name], **data}

    @model_validator(mode="after")
    def _ordering(self):
        if not self.idle_w < self.tdp_w:
            raise ValueError(f"idle_w ({self.idle_w}) must be below tdp_w ({self.tdp_w})")
        if not self.idle_clock_mhz <= self.max_clock_mhz:
            raise ValueError("idle_clock_mhz must not exceed max_clock_mhz")
        if not (self.t_restart_c < self.t_max_operating_c <= self.t_slowdown_c <= self.t_shutdown_c):
            raise ValueError("temperatures must satisfy t_restart_c < t_max_operating_c <= "
                             "t_slowdown_c <= t_shutdown_c")
        return self


class SolarArray(Strict):
    area_m2: NonNegative = 14.0
    efficiency: PositiveFraction = 0.30
    degradation_per_year: Annotated[float, Field(ge=0.0, lt=1.0)] = 0.01
    age_years: NonNegative = 0.0
    tracking: Literal["sun", "body"] = "sun"


class Battery(Strict):
    capacity_wh: Positive = 8000.0
    soc_floor: Fraction = 0.20
    soc_release: Fraction = 0.30
    initial_soc: Fraction = 1.0
    charge_efficiency: PositiveFraction = 0.95
    discharge_efficiency: PositiveFraction = 0.95

    @model_validator(mode="after")
    def _hysteresis(self):
        if self.soc_release < self.soc_floor:
            raise ValueError("soc_release must be >= soc_floor")
        return self


class Bus(Strict):
    power_w: NonNegative = 200.0


class Radiator(Strict):
    area_m2: Positive = 3.0
    emissivity: PositiveFraction = 0.80
    absorptivity: Fraction = 0.07
    sides: Literal[1, 2] = 2
    orientation: Literal["nadir", "zenith", "edge_on_sun"] = "edge_on_sun"


class Thermal(Strict):
    c_payload_j_k: Positive = 60000.0
    c_radiator_j_k: Positive = 20000.0
    g_payload_radiator_w_k: Positive = 200.0
    initial_temperature_k: Positive | None = None


ORBIT_KINDS = ("walker", "sso", "cluster", "elements", "tle")


class Shell(Strict):
    name: str | None = None
    walker: WalkerShell | None = None
    sso: SsoShell | None = None
    cluster: ClusterShell | None = None
    elements: list[KeplerianElements] | None = None
    tle: TleShell | None = None
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


# ---------------------------------------------------------------- scenario

class Record(Strict):
    every_s: Positive = 60.0
    compression: Literal["none", "lzf", "gzip"] = "lzf"

    @field_validator("every_s", mode="before")
    @classmethod
    def _duration(cls, v):
        return parse_duration_s(v)


class Environment(Strict):
    fluxes: bool = Field(True, description="false: deep-space sink only (no Sun, albedo, Earth IR on radiators)")
    eclipse_model: Literal["conical", "cylindrical"] = "conical"
    solar_constant_w_m2: Positive = 1361.0


HARDWARE_SECTIONS = ("gpu", "solar_array", "battery", "bus", "radiator", "thermal")


def _deep_merge(base: dict, override: dict) -> dict:
    out = dict(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _deep_merge(out[key], value)
        else:
            out[key] = value
    return out


class Scenario(Strict):
    name: str = "scenario"
    epoch: datetime
    duration: DurationS = 86400.0
    dt_s: Positive = 10.0
    seed: Annotated[int, Field(ge=0)] = 0
    output: str | None = None
    record: Record = Field(default_factory=Record)
    environment: Environment = Field(default_factory=Environment)
    constellation: list[Shell] = Field(min_length=1)
    radiation: RadiationConfig | None = None
    network: NetworkConfig | None = None
    defaults: dict[str, Any] = Field(default_factory=dict, description=(
        "hardware shared by every shell (gpu, solar_array, battery, bus, radiator, thermal); "
        "a shell's own settings win"))

    @model_validator(mode="before")
    @classmethod
    def _apply_defaults(cls, data: Any):
        if not isinstance(data, dict) or not isinstance(data.get("defaults"), dict):
            return data
        defaults = data["defaults"]
        unknown = [k for k in defaults if k not in HARDWARE_SECTIONS]
        if unknown:
            raise ValueError(f"defaults: unknown section(s) {', '.join(map(str, unknown))}; "
                             f"allowed: {', '.join(HARDWARE_SECTIONS)}")
        shells = data.get("constellation")
        if isinstance(shells, list):
            merged = []
            for shell in shells:
                if isinstance(shell, dict):
                    shell = dict(shell)
                    for key, value in defaults.items():
                        own = shell.get(key)
                        if isinstance(value, str) or isinstance(own, str):
                            value = {"preset": value} if isinstance(value, str) else value
                            own = {"preset": own} if isinstance(own, str) else own
                        if own is None:
                            shell[key] = value
                        elif isinstance(own, dict) and isinstance(value, dict):
                            shell[key] = _deep_merge(value, own)
                merged.append(shell)
            data = {**data, "constellation": merged}
        return data

    @field_validator("duration", mode="before")
    @classmethod
    def _duration(cls, v):
        return parse_duration_s(v)

    @field_validator("epoch", mode="before")
    @classmethod
    def _epoch_utc(cls, v):
        return utc_datetime(v)

    @model_validator(mode="after")
    def _steps(self):
        if self.dt_s > self.duration:
            raise ValueError(f"dt_s ({self.dt_s}) exceeds the duration ({self.duration} s)")
        if self.record.every_s < self.dt_s:
            raise ValueError(f"record.every_s ({self.record.every_s}) is shorter than dt_s ({self.dt_s})")
        for i, shell in enumerate(self.constellation):
            if shell.name is None:
                shell.name = f"{shell.orbit_kind}{i}"
        names = [s.name for s in self.constellation]
        if len(set(names)) != len(names):
            raise ValueError(f"shell names must be unique, got {names}")
        return self

    # the directory of the YAML file; relative paths (TLE files) resolve against it
    _base_dir: Path = Path(".")

    def resolved_yaml(self) -> str:
        data = self.model_dump(mode="json", exclude_none=True)
        return yaml.safe_dump(data, sort_keys=False)

    def default_output(self) -> Path:
        return Path(self.output) if self.output else Path("results") / f"{self.name}.h5"

    def resolve_path(self, relative: str) -> Path:
        path = Path(relative)
        return path if path.is_absolute() else (self._base_dir / path)


# ---------------------------------------------------------------- loading

def _format_loc(loc: tuple) -> str:
    return ".".join(str(p) for p in loc if p not in ("function-after", "function-before"))


def _problems(err: ValidationError) -> list[tuple[str, str]]:
    out = []
    for e in err.errors():
        msg = e["msg"]
        if e["type"] == "extra_forbidden":
            msg = "unknown key"
        elif e["type"] == "missing":
            msg = "required field is missing"
        out.append((_format_loc(e["loc"]), msg))
    return out


def read_yaml(path: str | Path) -> dict:
    path = Path(path)
    if not path.exists():
        raise ConfigError(path, [("", "file not found")])
    try:
        data = yaml.safe_load(path.read_text())
    except yaml.YAMLError as exc:
        where = getattr(exc, "problem_mark", None)
        line = f" (line {where.line + 1}, column {where.column + 1})" if where else ""
        raise ConfigError(path, [("", f"not valid YAML{line}: {getattr(exc, 'problem', exc)}")]) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(path, [("", f"cannot read: {exc}")]) from None
    if not isinstance(data, dict):
        raise ConfigError(path, [("", "expected a mapping of settings at the top level")])
    return data


def set_dotted(data: dict, dotted: str, value: Any, source: str | Path = "--set") -> None:
    """Set `a.b.0.c` in nested dicts/lists. Missing dict keys are created at the last level
    only; list indices and intermediate keys must exist (so a typo is reported)."""
    parts = dotted.split(".")
    node: Any = data
    for depth, key in enumerate(parts[:-1]):
        here = ".".join(parts[: depth + 1])
        if isinstance(node, list):
            if not key.isdigit() or int(key) >= len(node):
                raise ConfigError(source, [(here, f"no list element {key!r} (list has {len(node)})")])
            node = node[int(key)]
        elif isinstance(node, dict):
            if key not in node:
                node[key] = {}
            node = node[key]
        else:
            raise ConfigError(source, [(here, "is a value, not a section")])
    last = parts[-1]
    if isinstance(node, list):
        if not last.isdigit() or int(last) >= len(node):
            raise ConfigError(source, [(dotted, f"no list element {last!r}")])
        node[int(last)] = value
    elif isinstance(node, dict):
        node[last] = value
    else:
        raise ConfigError(source, [(dotted, "parent is a value, not a section")])


def parse_set_option(text: str) -> tuple[str, Any]:
    if "=" not in text:
        raise ConfigError("--set", [(text, "expected KEY=VALUE, e.g. constellation.0.radiator.area_m2=4")])
    key, raw = text.split("=", 1)
    try:
        value = yaml.safe_load(raw)
    except yaml.YAMLError:
        value = raw
    return key.strip(), value


def scenario_from_dict(data: dict, source: str | Path = "<scenario>", base_dir: Path | None = None) -> Scenario:
    try:
        scenario = Scenario.model_validate(data)
    except ValidationError as err:
        raise ConfigError(source, _problems(err)) from None
    scenario._base_dir = Path(base_dir) if base_dir is not None else Path(".")
    missing = []
    for i, shell in enumerate(scenario.constellation):
        if shell.tle is not None and not scenario.resolve_path(shell.tle.path).exists():
            missing.append((f"constellation.{i}.tle.path",
                            f"file not found: {scenario.resolve_path(shell.tle.path)}"))
    if missing:
        raise ConfigError(source, missing)
    return scenario


def load_scenario(path: str | Path, overrides: list[str] | tuple[str, ...] = (), *,
                  seed: int | None = None, until: Any = None) -> Scenario:
    """Read a scenario YAML, apply `--set` overrides, `--seed` and `--until`, validate."""
    path = Path(path)
    data = read_yaml(path)
    for text in overrides:
        key, value = parse_set_option(text)
        set_dotted(data, key, value, source=path)
    if seed is not None:
        data["seed"] = seed
    if until is not None:
        data["duration"] = until
    return scenario_from_dict(data, source=path, base_dir=path.parent)
