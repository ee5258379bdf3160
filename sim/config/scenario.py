"""The root Scenario: time, recording, environment, the constellation and every registered
section (sim.config.sections).

Every model forbids unknown keys, so a typo is an error that names the field, never a
silently ignored setting.
"""
from __future__ import annotations

import functools
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any, Literal, Optional

import yaml
from pydantic import Field, create_model, field_validator, model_validator

from sim.config import sections
from sim.config.base import DurationS, Positive, Strict, parse_duration_s, resolve_data_path, utc_datetime
from sim.config.base import offset_or_time as _offset_or_time
from sim.orbits.config import Shell
from sim.payload.config import HARDWARE_SECTIONS, Environment

NEVER = "never"   # record.every_s: no base cadence, only the windows (and the first and last rows)


class RecordWindow(Strict):
    """[start, end) during which the time series is recorded every `every_s` (from `start` on)
    instead of at the base cadence."""

    start: float | datetime = Field(description=(
        "window start: seconds after the epoch (YAML accepts 0, 90s, 45m, 6h, 7d) or an ISO 8601 UTC time"))
    end: float | datetime = Field(description="window end (excluded), as `start`")
    every_s: Positive = Field(description="cadence inside the window (a multiple of dt_s after rounding)")

    _bounds = field_validator("start", "end", mode="before")(classmethod(lambda cls, v: _offset_or_time(v)))

    @field_validator("every_s", mode="before")
    @classmethod
    def _duration(cls, v):
        return parse_duration_s(v)


class Record(Strict):
    every_s: Positive | Literal["never"] = Field(60.0, description=(
        "base cadence of the time series (rounded to whole ticks); `never`: only the windows, the "
        "first and the last row"))
    windows: list[RecordWindow] = Field(default_factory=list, description=(
        "periods recorded at their own cadence; outside them every_s applies"))
    daily: bool = Field(True, description=(
        "write /daily: every accumulator of every satellite at each UTC day's end (and the run's end)"))
    compression: Literal["none", "lzf", "gzip"] = "lzf"
    state_vectors: bool = Field(False, description=(
        "also record float64 inertial (TEME) position and velocity of every satellite, "
        "/timeseries/r_eci_{x,y,z}_m and v_eci_{x,y,z}_m_s, for formation and relative-motion "
        "analysis"))

    @field_validator("every_s", mode="before")
    @classmethod
    def _duration(cls, v):
        if isinstance(v, str) and v.strip().lower() == NEVER:
            return NEVER
        try:
            return parse_duration_s(v)
        except ValueError as exc:
            raise ValueError(f"{exc} (use `never` to record only the windows)") from None


def _deep_merge(base: dict, override: dict) -> dict:
    out = dict(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _deep_merge(out[key], value)
        else:
            out[key] = value
    return out


class Run(Strict):
    block_ticks: Annotated[int, Field(ge=1, le=1_000_000)] = Field(4096, description=(
        "the most ticks the block driver advances per call (sim.core.blocks); results do not "
        "depend on it, memory of per-step tables and the time between Python visits do"))


class ScenarioBase(Strict):
    """The sections every scenario has; the registered ones (radiation, network, ...) are added
    by `_scenario_model`."""

    name: str = "scenario"
    epoch: datetime
    duration: DurationS = 86400.0
    dt_s: Positive = 10.0
    seed: Annotated[int, Field(ge=0)] = 0
    output: str | None = None
    record: Record = Field(default_factory=Record)
    run: Run = Field(default_factory=Run)
    environment: Environment = Field(default_factory=Environment)
    constellation: list[Shell] = Field(min_length=1)
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
        self._check_record()
        for i, shell in enumerate(self.constellation):
            if shell.name is None:
                shell.name = f"{shell.orbit_kind}{i}"
        names = [s.name for s in self.constellation]
        if len(set(names)) != len(names):
            raise ValueError(f"shell names must be unique, got {names}")
        return self

    def _check_record(self) -> None:
        """record.every_s and the windows against the run: bounds resolved to seconds after the
        epoch, inside the run, at least one tick long, cadences not below dt_s, no overlaps."""
        record = self.record
        if record.every_s != NEVER and record.every_s < self.dt_s:
            raise ValueError(f"record.every_s ({record.every_s}) is shorter than dt_s ({self.dt_s})")
        spans = []
        for i, window in enumerate(record.windows):
            where = f"record.windows.{i}"
            for key in ("start", "end"):
                value = getattr(window, key)
                if isinstance(value, datetime):
                    offset = (value - self.epoch).total_seconds()
                    if offset < 0:
                        raise ValueError(f"{where}.{key}: {value.isoformat()} is before the epoch")
                    setattr(window, key, offset)
            if window.end > self.duration:
                raise ValueError(f"{where}.end: {window.end:g} s is after the end of the run "
                                 f"({self.duration:g} s)")
            if round(window.end / self.dt_s) <= round(window.start / self.dt_s):
                raise ValueError(f"{where}: [{window.start:g} s, {window.end:g} s) holds no tick of "
                                 f"dt_s = {self.dt_s:g} s (end must be after start)")
            if window.every_s < self.dt_s:
                raise ValueError(f"{where}.every_s ({window.every_s:g}) is shorter than dt_s ({self.dt_s:g})")
            spans.append((round(window.start / self.dt_s), round(window.end / self.dt_s), i))
        spans.sort()
        for (_, end, i), (start, _, j) in zip(spans, spans[1:]):
            if start < end:
                raise ValueError(f"record.windows.{j} overlaps record.windows.{i} (windows may touch, "
                                 f"not overlap)")

    # the directory of the YAML file; relative paths (TLE files) resolve against it
    _base_dir: Path = Path(".")

    def resolved_yaml(self) -> str:
        data = self.model_dump(mode="json", exclude_none=True)
        return yaml.safe_dump(data, sort_keys=False)

    def default_output(self) -> Path:
        return Path(self.output) if self.output else Path("results") / f"{self.name}.h5"

    def resolve_path(self, relative: str) -> Path:
        """A file the scenario names: `data:<name>` is shipped with odcsim (sim/data), anything
        else is relative to the scenario file."""
        return resolve_data_path(relative, self._base_dir)


@functools.cache
def scenario_model() -> type[ScenarioBase]:
    """The root model: ScenarioBase plus every registered section. Built on first use, not at
    import, so that a section module may import sim.config first without being left out."""
    registered = sections.discover()
    return create_model("Scenario", __base__=ScenarioBase, __module__=__name__,
                        **{name: (Optional[model], None) for name, model in registered.items()})


def __getattr__(name: str):
    if name == "Scenario":
        return scenario_model()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
