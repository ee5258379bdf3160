"""The campaign YAML: a base scenario, what to vary, how many seeds, and where to run.

A campaign file names a base scenario and says what to vary:

    name: radiator_vs_orbit
    scenario: quickstart.yaml            # relative to this file
    overrides: {dt_s: 30}                # dotted paths, applied to every run
    duration: 6h                         # shortcut for overrides: {duration: ...}
    sweep:
      grid:                              # Cartesian product, in the order given
        constellation.0.radiator.area_m2: [3, 4.5, 6]
        constellation.0:                 # a mapping = labelled variants of a whole section
          walker550: {walker: {...}}
          dawn_dusk650: {sso: {...}}
      names: {constellation.0: orbit}    # optional column names for swept paths
      sample:                            # combined with every grid point
        n: 8
        method: lhs                      # lhs | uniform | log-uniform
        ranges:
          constellation.0.battery.capacity_wh: [4000, 12000]
          constellation.0.solar_array.area_m2: {low: 8, high: 20, scale: log}
    replicates: 3
    seed: 2026
    metrics: [gpu_hours_delivered, delivered_fraction]   # default: every scalar metric
    executor: processes                  # processes | dask-local
    workers: 2                           # default: the number of cores (--workers wins)
    definitions: {...}                   # ignored: a place for YAML anchors used above

These models check the file alone; sim.campaign.plan expands it into runs and checks every
run's scenario.
"""
from __future__ import annotations

from typing import Annotated, Any, Literal, get_args

from pydantic import Field, field_validator, model_validator

from sim.config.base import Strict, parse_duration_s

SampleMethod = Literal["lhs", "uniform", "log-uniform"]
Executor = Literal["processes", "dask-local"]
SAMPLE_METHODS = get_args(SampleMethod)
EXECUTORS = get_args(Executor)


class SampleRange(Strict):
    low: float
    high: float
    scale: Literal["linear", "log"] = "linear"
    integer: bool = False

    @model_validator(mode="before")
    @classmethod
    def _from_pair(cls, data: Any):
        if isinstance(data, (list, tuple)):
            if len(data) != 2:
                raise ValueError("a range is [low, high] or {low, high, scale, integer}")
            return {"low": data[0], "high": data[1]}
        return data

    @model_validator(mode="after")
    def _ordered(self):
        if not self.high > self.low:
            raise ValueError(f"high ({self.high}) must exceed low ({self.low})")
        if self.scale == "log" and not self.low > 0:
            raise ValueError("a log-scale range needs low > 0")
        return self


class Sample(Strict):
    n: Annotated[int, Field(ge=1)]
    method: SampleMethod = "lhs"
    ranges: dict[str, SampleRange] = Field(min_length=1)


class Sweep(Strict):
    grid: dict[str, list[Any] | dict[str, Any]] = Field(default_factory=dict)
    sample: Sample | None = None
    names: dict[str, str] = Field(default_factory=dict, description="column names for swept paths")

    @field_validator("grid")
    @classmethod
    def _non_empty(cls, grid):
        for path, values in grid.items():
            if len(values) == 0:
                raise ValueError(f"{path}: no values to sweep")
        return grid


class CampaignConfig(Strict):
    name: str = "campaign"
    scenario: str
    overrides: dict[str, Any] = Field(default_factory=dict)
    duration: float | None = None
    sweep: Sweep = Field(default_factory=Sweep)
    replicates: Annotated[int, Field(ge=1)] = 1
    seed: Annotated[int, Field(ge=0)] = 0
    metrics: list[str] | None = None
    executor: Executor = "processes"
    workers: Annotated[int, Field(ge=1)] | None = None
    definitions: Any = Field(None, description="free-form; a place for YAML anchors (&payload)")

    @field_validator("duration", mode="before")
    @classmethod
    def _duration(cls, v):
        return None if v is None else parse_duration_s(v)

    @model_validator(mode="after")
    def _disjoint(self):
        sampled = set(self.sweep.sample.ranges) if self.sweep.sample else set()
        both = sampled & set(self.sweep.grid)
        if both:
            raise ValueError(f"swept both on the grid and by sampling: {', '.join(sorted(both))}")
        return self
