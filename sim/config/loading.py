"""Reading scenario files: YAML, `--set` overrides, validation, and errors that name the file
and the dotted field path (the CLI turns them into exit status 2)."""
from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from sim.config import sections
from sim.config.base import ConfigError, set_dotted
from sim.config.scenario import ScenarioBase, scenario_model


def _format_loc(loc: tuple) -> str:
    """The dotted field path of a pydantic error location, without validator names and without
    the tag pydantic inserts after the index of a tagged-union list entry (jobs.0.training.x)."""
    parts = []
    for i, part in enumerate(loc):
        if part in ("function-after", "function-before"):
            continue
        if i and isinstance(loc[i - 1], int) and part in sections.UNION_TAGS:
            continue
        parts.append(str(part))
    return ".".join(parts)


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


class _UniqueKeyLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):   # libyaml's parser where built
    """safe_load that refuses a key given twice in one mapping (PyYAML keeps the last silently)."""

    def construct_mapping(self, node, deep=False):
        if isinstance(node, yaml.MappingNode):
            seen: dict = {}
            # the mapping's own keys only: a `<<: *anchor` merge may be overridden, as YAML says
            for key_node, _ in node.value:
                if key_node.tag == "tag:yaml.org,2002:merge":
                    continue
                key = self.construct_object(key_node, deep=True)
                try:
                    first = seen.setdefault(key, key_node.start_mark)
                except TypeError:
                    continue   # an unhashable key: construct_mapping reports it
                if first is not key_node.start_mark:
                    raise yaml.constructor.ConstructorError(
                        None, None, f"duplicate key {key!r} (first given on line {first.line + 1})",
                        key_node.start_mark)
        return super().construct_mapping(node, deep=deep)


def read_yaml(path: str | Path) -> dict:
    path = Path(path)
    if not path.exists():
        raise ConfigError(path, [("", "file not found")])
    try:
        data = yaml.load(path.read_text(), Loader=_UniqueKeyLoader)
    except yaml.YAMLError as exc:
        where = getattr(exc, "problem_mark", None)
        line = f" (line {where.line + 1}, column {where.column + 1})" if where else ""
        raise ConfigError(path, [("", f"not valid YAML{line}: {getattr(exc, 'problem', exc)}")]) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(path, [("", f"cannot read: {exc}")]) from None
    if not isinstance(data, dict):
        raise ConfigError(path, [("", "expected a mapping of settings at the top level")])
    return data


def parse_set_option(text: str) -> tuple[str, Any]:
    if "=" not in text:
        raise ConfigError("--set", [(text, "expected KEY=VALUE, e.g. constellation.0.radiator.area_m2=4")])
    key, raw = text.split("=", 1)
    try:
        value = yaml.safe_load(raw)
    except yaml.YAMLError:
        value = raw
    return key.strip(), value


def read_yaml_with_sets(path: Path, sets: list[str] | tuple[str, ...] = ()) -> dict:
    """A YAML file's settings with `KEY=VALUE` overrides applied (errors name the file)."""
    data = read_yaml(path)
    for text in sets:
        key, value = parse_set_option(text)
        set_dotted(data, key, value, source=path)
    return data


def scenario_from_dict(data: dict, source: str | Path = "<scenario>", base_dir: Path | None = None) -> ScenarioBase:
    """Validate a scenario mapping, then run every registered check (files, cross-references);
    ConfigError listing every problem by dotted path."""
    try:
        scenario = scenario_model().model_validate(data)
    except ValidationError as err:
        raise ConfigError(source, _problems(err)) from None
    scenario._base_dir = Path(base_dir) if base_dir is not None else Path(".")
    problems = [problem for check in sections.CHECKS for problem in check(scenario)]
    if problems:
        raise ConfigError(source, problems)
    return scenario


def load_scenario(path: str | Path, overrides: list[str] | tuple[str, ...] = (), *,
                  seed: int | None = None, until: Any = None) -> ScenarioBase:
    """Read a scenario YAML, apply `--set` overrides, `--seed` and `--until`, validate."""
    path = Path(path)
    data = read_yaml_with_sets(path, overrides)
    if seed is not None:
        data["seed"] = seed
    if until is not None:
        data["duration"] = until
    return scenario_from_dict(data, source=path, base_dir=path.parent)

