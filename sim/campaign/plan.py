"""A campaign file → a plan of runs: sweep expansion (grid × sample × replicates), seeds, and
the validation of every run's scenario before any run starts (the YAML itself: spec.py).

Run `i` (points outer, replicates inner) gets the seed drawn from
`SeedSequence(seed, spawn_key=(0, i))`; the sample design draws from `spawn_key=(1,)`.
So a run's seed depends only on the campaign seed and its index, never on the executor.
"""
from __future__ import annotations

import copy
import hashlib
import itertools
import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import yaml
from pydantic import ValidationError

from sim.campaign.spec import CampaignConfig, Sample
from sim.config import ConfigError, _problems, read_yaml, read_yaml_with_sets, scenario_from_dict
from sim.config.base import missing_dotted, set_dotted
from sim.io.campaign_store import shard_path, shard_relpath

RUN_SEED_KEY = 0
SAMPLE_SEED_KEY = 1


@dataclass(frozen=True)
class RunTask:
    """Everything a worker needs to do one run; small and picklable."""
    index: int
    run_id: str
    point: int
    replicate: int
    seed: int
    params: dict[str, Any]          # parameter path -> label (number or variant name)
    scenario_data: dict             # the run's scenario, as YAML data, seed included
    base_dir: str                   # relative paths in the scenario resolve against this
    source: str                     # for error messages
    output: str                     # the shard, runs/<run_id>.h5 (shard_relpath)


@dataclass
class CampaignPlan:
    path: Path
    config: CampaignConfig
    yaml_text: str
    scenario_path: Path
    parameters: list[str]
    points: list[dict[str, Any]]    # per point: parameter -> label
    tasks: list[RunTask] = field(default_factory=list)

    @property
    def name(self) -> str:
        return self.config.name

    def digest(self) -> str:
        """Fingerprint of what the runs are (not of where they are written)."""
        data = [(t.run_id, t.seed, t.scenario_data) for t in self.tasks]
        return hashlib.sha256(json.dumps(data, sort_keys=True, default=str).encode()).hexdigest()

    def with_output(self, output_dir: Path) -> "CampaignPlan":
        tasks = [RunTask(**{**t.__dict__, "output": str(shard_path(output_dir, t.run_id))}) for t in self.tasks]
        return CampaignPlan(self.path, self.config, self.yaml_text, self.scenario_path,
                            self.parameters, self.points, tasks)

    def describe(self) -> str:
        """A readable account of the plan, for `odcsim validate`."""
        c = self.config
        lines = [f"# {self.path}: valid campaign {c.name!r}",
                 f"scenario: {self.scenario_path}",
                 f"points: {len(self.points)}  replicates: {c.replicates}  runs: {len(self.tasks)}",
                 f"seed: {c.seed}  executor: {c.executor}",
                 f"parameters: {', '.join(self.parameters) or '(none)'}",
                 f"metrics: {', '.join(c.metrics) if c.metrics else 'all'}"]
        for i, point in enumerate(self.points[:20]):
            lines.append(f"  point {i}: " + ", ".join(f"{k}={v}" for k, v in point.items()))
        if len(self.points) > 20:
            lines.append(f"  ... {len(self.points) - 20} more points")
        return "\n".join(lines)


# ---------------------------------------------------------------- seeds and sampling

def run_seed(campaign_seed: int, index: int) -> int:
    """Seed of run `index`: 63 bits from SeedSequence(campaign_seed, spawn_key=(0, index))."""
    state = np.random.SeedSequence(campaign_seed, spawn_key=(RUN_SEED_KEY, index)).generate_state(2, np.uint32)
    return int((int(state[1]) << 32 | int(state[0])) >> 1)


def sample_points(sample: Sample, campaign_seed: int) -> list[dict[str, float]]:
    """The n sampled points: Latin hypercube or i.i.d. uniform on the unit cube, then each
    coordinate mapped onto its range (linear, or logarithmic for log scale / log-uniform)."""
    from scipy.stats import qmc

    names = list(sample.ranges)
    rng = np.random.default_rng(np.random.SeedSequence(campaign_seed, spawn_key=(SAMPLE_SEED_KEY,)))
    if sample.method == "lhs":
        try:
            sampler = qmc.LatinHypercube(d=len(names), rng=rng)
        except TypeError:  # scipy < 1.15
            sampler = qmc.LatinHypercube(d=len(names), seed=rng)
        unit = sampler.random(sample.n)
    else:
        unit = rng.random((sample.n, len(names)))
    points = []
    for row in unit:
        point = {}
        for name, u in zip(names, row):
            r = sample.ranges[name]
            if r.scale == "log" or sample.method == "log-uniform":
                if not r.low > 0:
                    raise ValueError(f"{name}: log-uniform sampling needs low > 0")
                value = math.exp(math.log(r.low) + float(u) * (math.log(r.high) - math.log(r.low)))
            else:
                value = r.low + float(u) * (r.high - r.low)
            point[name] = int(round(value)) if r.integer else value
        points.append(point)
    return points


def _grid_axis(path: str, values: list | dict) -> list[tuple[Any, Any]]:
    """(label, value) pairs of one grid axis; a mapping gives labelled variants."""
    if isinstance(values, dict):
        return [(str(label), value) for label, value in values.items()]
    out = []
    for value in values:
        if isinstance(value, (dict, list)):
            label = json.dumps(value, sort_keys=True, separators=(",", ":"))
        else:
            label = value
        out.append((label, value))
    return out


def expand_points(config: CampaignConfig) -> tuple[list[str], list[dict[str, tuple[Any, Any]]]]:
    """Parameters and points (parameter -> (label, value)): grid product × sample points."""
    grid_axes = [[(path, lv) for lv in _grid_axis(path, values)] for path, values in config.sweep.grid.items()]
    grid_points = [dict((p, lv) for p, lv in combo) for combo in itertools.product(*grid_axes)]
    parameters = list(config.sweep.grid)
    if config.sweep.sample is not None:
        sampled = sample_points(config.sweep.sample, config.seed)
        parameters += list(config.sweep.sample.ranges)
        sampled_points = [{k: (v, v) for k, v in s.items()} for s in sampled]
        points = [{**g, **s} for g in grid_points for s in sampled_points]
    else:
        points = grid_points
    return parameters, points


# ---------------------------------------------------------------- loading

def load_campaign(path: str | Path, sets: list[str] | tuple[str, ...] = ()) -> CampaignPlan:
    """Read and check a campaign YAML; expand it into runs and validate every run's scenario.

    `sets` are `KEY=VALUE` overrides of the campaign file's own top-level settings
    (e.g. `replicates=2`, `duration=2h`). Raises ConfigError naming the campaign file and
    the dotted path of every problem, before any run starts.
    """
    path = Path(path)
    config = _read_config(path, tuple(sets))
    scenario_path, base = _base_scenario(path, config)

    common = copy.deepcopy(base)
    for dotted, value in config.overrides.items():
        set_dotted(common, dotted, value, source=path)
    if config.duration is not None:
        common["duration"] = config.duration

    try:
        parameters, points = expand_points(config)
    except ValueError as err:
        raise ConfigError(path, [("sweep.sample", str(err))]) from None
    columns = _column_names(path, config, parameters)
    labelled_points, tasks = _tasks(path, config, scenario_path, common, points)
    text = path.read_text()
    if sets:
        text += "\n# command-line overrides: " + " ".join(sets) + "\n"
    return CampaignPlan(path, config, text, scenario_path, columns, labelled_points, tasks)


def _read_config(path: Path, sets: tuple[str, ...]) -> CampaignConfig:
    data = read_yaml_with_sets(path, sets)
    if "scenario" not in data and "constellation" in data:
        raise ConfigError(path, [("scenario", "this is a scenario file, not a campaign (no `scenario:` key)")])
    try:
        return CampaignConfig.model_validate(data)
    except (ValidationError, ValueError) as err:
        problems = _problems(err) if isinstance(err, ValidationError) else [("", str(err))]
        raise ConfigError(path, problems) from None


def _base_scenario(path: Path, config: CampaignConfig) -> tuple[Path, dict]:
    """The base scenario's path and YAML data, after checking that it is valid and that every
    overridden or swept path names one of its settings."""
    scenario_path = Path(config.scenario)
    if not scenario_path.is_absolute():
        scenario_path = path.parent / scenario_path
    if not scenario_path.exists():
        raise ConfigError(path, [("scenario", f"file not found: {scenario_path}")])
    base = read_yaml(scenario_path)
    try:
        base_scenario = scenario_from_dict(copy.deepcopy(base), source=scenario_path, base_dir=scenario_path.parent)
    except ConfigError as err:
        raise ConfigError(path, [("scenario", f"the base scenario is invalid: {err}")]) from None
    known = base_scenario.model_dump(mode="json")
    named = [("overrides", d) for d in config.overrides] + [("sweep.grid", d) for d in config.sweep.grid]
    if config.sweep.sample is not None:
        named += [("sweep.sample.ranges", d) for d in config.sweep.sample.ranges]
    problems = []
    for section, dotted in named:
        missing = missing_dotted(known, dotted)
        if missing is not None:
            problems.append((f"{section}.{dotted}", f"no setting {missing!r} in the scenario {scenario_path.name}"))
    if problems:
        raise ConfigError(path, problems)
    return scenario_path, base


def _column_names(path: Path, config: CampaignConfig, parameters: list[str]) -> list[str]:
    names = config.sweep.names
    problems = [(f"sweep.names.{swept}", "not a swept path") for swept in names if swept not in parameters]
    columns = [names.get(p, p) for p in parameters]
    if len(set(columns)) != len(columns):
        problems.append(("sweep.names", f"column names must be unique, got {columns}"))
    if problems:
        raise ConfigError(path, problems)
    return columns


def _tasks(path: Path, config: CampaignConfig, scenario_path: Path, common: dict,
           points: list[dict[str, tuple[Any, Any]]]) -> tuple[list[dict[str, Any]], list[RunTask]]:
    """The labelled points and every run's task; each point's scenario is validated."""
    names = config.sweep.names
    n_runs = len(points) * config.replicates
    width = max(4, len(str(max(n_runs - 1, 0))))
    problems: list[tuple[str, str]] = []
    labelled_points, tasks = [], []
    for p, point in enumerate(points):
        labels = {names.get(k, k): label for k, (label, _) in point.items()}
        labelled_points.append(labels)
        point_data = copy.deepcopy(common)
        for dotted, (_, value) in point.items():
            set_dotted(point_data, dotted, copy.deepcopy(value), source=path)
        where = ", ".join(f"{k}={v}" for k, v in labels.items()) or "the base scenario"
        try:
            scenario_from_dict(copy.deepcopy(point_data), source=path, base_dir=scenario_path.parent)
        except ConfigError as err:
            for field_path, msg in err.problems:
                problems.append((field_path, f"{msg} (at sweep point {p}: {where})"))
            continue
        for r in range(config.replicates):
            index = p * config.replicates + r
            seed = run_seed(config.seed, index)
            run_data = copy.deepcopy(point_data)
            run_data["seed"] = seed
            run_id = f"r{index:0{width}d}"
            tasks.append(RunTask(index=index, run_id=run_id, point=p, replicate=r, seed=seed,
                                 params=labels, scenario_data=run_data,
                                 base_dir=str(scenario_path.parent.resolve()),
                                 source=f"{path} (run {run_id})", output=shard_relpath(run_id)))
    if problems:
        raise ConfigError(path, problems)
    return labelled_points, tasks


def resolved_campaign_yaml(plan: CampaignPlan) -> str:
    return yaml.safe_dump(plan.config.model_dump(mode="json"), sort_keys=False)
