"""Scenario section `safety:` — close approaches inside the fleet, collision probability and
screening against a TLE/OMM catalogue (sim.safety.subsystem).

    safety:
      formation: {threshold_m: 50, screening_radius_m: 300, rescreen_every_s: 60}
      uncertainty: {sigma_rtn_m: [2, 10, 2], hard_body_radius_m: 5, samples: 10000}
      catalogue:                     # optional: the fleet against other objects
        path: data:starperf_starlink_tle_2020-06-28.txt
        threshold_m: 5000
        sigma_rtn_m: [100, 500, 100]
        pc_threshold: 1.0e-4         # a conjunction at or above it counts an avoidance manoeuvre

Sources and validity of every default: docs/models.md (Formation and conjunction safety).
"""
from __future__ import annotations

from typing import Annotated

from pydantic import Field, field_validator

from sim.config.base import DurationS, Positive, Strict, parse_duration_s
from sim.config.sections import scenario_check, scenario_section

SigmaRtn = Annotated[list[Annotated[float, Field(ge=0.0)]], Field(min_length=3, max_length=3)]


class Formation(Strict):
    threshold_m: Positive = Field(50.0, description="a closest approach below this miss distance is a "
                                                    "close_approach event [m] (U: a judgement, ~ a few body sizes)")
    screening_radius_m: Positive = Field(300.0, description="pairs closer than this are tracked every tick "
                                                            "(minimum separation, time below the threshold) [m]")
    rescreen_every_s: DurationS = Field(60.0, description="the k-d tree re-screen cadence (sooner when a "
                                                           "satellite's speed relative to the fleet mean doubles)")

    @field_validator("rescreen_every_s", mode="before")
    @classmethod
    def _duration(cls, v):
        return parse_duration_s(v)


class Uncertainty(Strict):
    sigma_rtn_m: SigmaRtn = Field([2.0, 10.0, 2.0], description="1-sigma position uncertainty of every fleet "
                                  "satellite, radial / in-track / cross-track [m] (U: relative GNSS navigation "
                                  "in a formation is at the cm-m level; in-track dominates)")
    hard_body_radius_m: Positive = Field(5.0, description="combined hard-body radius of a pair [m] (U)")
    samples: Annotated[int, Field(ge=100, le=1_000_000)] = Field(
        10_000, description="Monte Carlo samples of the position offsets per encounter (Pc resolution 1/samples)")
    window_sigmas: Positive = Field(5.0, description="an encounter lasts while the nominal separation is below "
                                                     "hard_body_radius_m + window_sigmas x the largest combined sigma")


class Catalogue(Strict):
    path: str = Field(description="TLE (2- or 3-line) or OMM file of the other objects (python-sgp4); "
                                  "relative to the YAML or data:NAME")
    limit: Annotated[int, Field(ge=1)] | None = Field(None, description="use only the first N objects")
    threshold_m: Positive = Field(5000.0, description="a closest approach below this miss distance is a "
                                                      "conjunction (a row of /safety/conjunctions) [m]")
    screen_every_s: DurationS = Field(60.0, description="the catalogue is propagated (sgp4) and screened "
                                                        "with a k-d tree this often")
    sigma_rtn_m: SigmaRtn = Field([100.0, 500.0, 100.0], description="1-sigma position uncertainty of a "
                                  "catalogue object, radial / in-track / cross-track [m] (U: TLE accuracy is "
                                  "~0.1-1 km near epoch, in-track largest)")
    pc_threshold: Annotated[float, Field(gt=0.0, le=1.0)] = Field(
        1e-4, description="a conjunction with Pc at or above this counts an avoidance manoeuvre (1e-4: the "
                          "common operational threshold, NASA CARA)")

    @field_validator("screen_every_s", mode="before")
    @classmethod
    def _duration(cls, v):
        return parse_duration_s(v)


@scenario_section("safety")
class SafetyConfig(Strict):
    formation: Formation | None = Field(default_factory=Formation, description="close approaches between "
                                        "fleet satellites (null: off)")
    uncertainty: Uncertainty = Field(default_factory=Uncertainty)
    catalogue: Catalogue | None = Field(None, description="screening of the fleet against a TLE/OMM catalogue")


def load_catalogue(scenario, cfg: Catalogue) -> list:
    """The catalogue's Satrec objects (sim.orbits.tle.load_tle: OSError, ValueError)."""
    from sim.orbits.tle import load_tle
    path = scenario.resolve_path(cfg.path)
    if not path.exists():
        raise FileNotFoundError(f"file not found: {path}")
    satrecs = load_tle(path)
    return satrecs[:cfg.limit] if cfg.limit else satrecs


@scenario_check
def _check_safety(scenario) -> list[tuple[str, str]]:
    cfg = getattr(scenario, "safety", None)
    if cfg is None:
        return []
    problems = []
    f = cfg.formation
    if f is not None and f.threshold_m > f.screening_radius_m:
        problems.append(("safety.formation.threshold_m", f"{f.threshold_m} m is above screening_radius_m "
                                                         f"({f.screening_radius_m} m): pairs must be tracked"))
    if f is not None and f.rescreen_every_s < scenario.dt_s:
        problems.append(("safety.formation.rescreen_every_s", "must be at least one tick (dt_s)"))
    if cfg.catalogue is not None:
        if cfg.catalogue.screen_every_s < scenario.dt_s:
            problems.append(("safety.catalogue.screen_every_s", "must be at least one tick (dt_s)"))
        try:
            load_catalogue(scenario, cfg.catalogue)
        except (OSError, ValueError, UnicodeDecodeError) as exc:
            problems.append(("safety.catalogue.path", f"not a readable TLE or OMM file: {exc}"))
    return problems
