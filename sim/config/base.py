"""Conventions shared by every scenario section: strict models, constrained numbers,
durations, UTC times, the dotted-path walker and the error that names file and field.

Every concept's config module builds on this one (never on sim.config.scenario), so the
sections and the root scenario share one definition without a circular import.
"""
from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field

from sim.core.constants import SECONDS_PER_DAY, SECONDS_PER_HOUR
from sim.core.timescale import parse_utc


class ConfigError(ValueError):
    """Bad input: names the file, the field path and what is wrong."""

    def __init__(self, source: str | Path, problems: list[tuple[str, str]]):
        self.source = str(source)
        self.problems = problems
        lines = [f"{self.source}: {path or '<top level>'}: {msg}" for path, msg in problems]
        super().__init__("\n".join(lines))


class Strict(BaseModel):
    """Unknown keys are errors; defaults are validated like given values; NaN and infinities
    are refused in every number (no setting means "unbounded" by inf)."""

    model_config = ConfigDict(extra="forbid", validate_default=True, allow_inf_nan=False)


Positive = Annotated[float, Field(gt=0.0)]
NonNegative = Annotated[float, Field(ge=0.0)]
Fraction = Annotated[float, Field(ge=0.0, le=1.0)]
PositiveFraction = Annotated[float, Field(gt=0.0, le=1.0)]
DurationS = Annotated[float, Field(description="seconds; YAML accepts 90s, 45m, 6h, 7d")]


def utc_datetime(value: Any) -> Any:
    """ISO 8601 text (a trailing Z allowed) or a datetime → a tz-aware UTC datetime; naive
    datetimes are taken as UTC. Anything else is returned for pydantic to reject."""
    if isinstance(value, str) or hasattr(value, "tzinfo"):
        return parse_utc(value)
    return value


def offset_or_time(value: Any) -> Any:
    """A time in the run: a duration after the epoch (0 allowed) or an ISO 8601 UTC time (resolved
    to seconds after the epoch by the scenario, which knows the epoch)."""
    if hasattr(value, "tzinfo"):
        return utc_datetime(value)
    try:
        return parse_duration_s(value, allow_zero=True)
    except ValueError:
        pass
    try:
        return utc_datetime(str(value))
    except ValueError:
        raise ValueError(f"{value!r} is neither a duration after the epoch (0, 90s, 45m, 6h, 7d) nor an "
                         f"ISO 8601 UTC time (2026-03-20T12:00:00Z)") from None


_DURATION = re.compile(r"^\s*([0-9]*\.?[0-9]+)\s*(s|m|h|d)?\s*$")
_UNIT_S = {"s": 1.0, "m": 60.0, "h": SECONDS_PER_HOUR, "d": SECONDS_PER_DAY, None: 1.0}


def parse_duration_s(value: Any, *, allow_zero: bool = False) -> float:
    """`90s`, `45m`, `6h`, `7d` or a number of seconds → seconds; positive, or also zero
    where the field gives zero a meaning (an offset from the epoch, "every tick")."""
    if isinstance(value, bool):
        raise ValueError(f"not a duration: {value!r}")
    if isinstance(value, (int, float)):
        seconds = float(value)
    else:
        match = _DURATION.match(str(value))
        if not match:
            raise ValueError(f"not a duration: {value!r} (use e.g. 90s, 45m, 6h, 7d)")
        seconds = float(match.group(1)) * _UNIT_S[match.group(2)]
    if not (seconds >= 0 if allow_zero else seconds > 0):
        raise ValueError(f"duration must be {'non-negative' if allow_zero else 'positive'}, got {value!r}")
    return seconds


# ---------------------------------------------------------------- files a scenario names

DATA_PREFIX = "data:"
DATA_DIR = Path(__file__).resolve().parents[1] / "data"


def resolve_data_path(name: str, base_dir: Path) -> Path:
    """`data:<name>` → the file shipped in sim/data; an absolute path as it is; anything else
    relative to `base_dir` (the directory of the scenario file)."""
    if name.startswith(DATA_PREFIX):
        return DATA_DIR / name[len(DATA_PREFIX):]
    path = Path(name)
    return path if path.is_absolute() else base_dir / path


# ---------------------------------------------------------------- dotted paths (a.b.0.c)

class DottedPathError(KeyError):
    def __init__(self, where: str, message: str):
        super().__init__(where)
        self.where, self.message = where, message


def walk_dotted(data: Any, dotted: str, *, create: bool = False) -> tuple[Any, str]:
    """The container holding the last part of `dotted`, and that part. With `create`,
    missing mapping keys are made on the way; list indices must exist. Raises
    DottedPathError naming the first part that does not exist."""
    parts = dotted.split(".")
    node = data
    for depth, key in enumerate(parts[:-1]):
        here = ".".join(parts[: depth + 1])
        if isinstance(node, list):
            if not key.isdigit() or int(key) >= len(node):
                raise DottedPathError(here, f"no list element {key!r} (list has {len(node)})")
            node = node[int(key)]
        elif isinstance(node, dict):
            if key not in node:
                if not create:
                    raise DottedPathError(here, "no such setting")
                node[key] = {}
            node = node[key]
        else:
            raise DottedPathError(here, "is a value, not a section")
    last = parts[-1]
    if isinstance(node, list):
        if not last.isdigit() or int(last) >= len(node):
            raise DottedPathError(dotted, f"no list element {last!r}")
    elif isinstance(node, dict):
        if not create and last not in node:
            raise DottedPathError(dotted, "no such setting")
    else:
        raise DottedPathError(dotted, "parent is a value, not a section")
    return node, last


def set_dotted(data: dict, dotted: str, value: Any, source: str | Path = "--set") -> None:
    """Set `a.b.0.c` in nested dicts/lists. Missing dict keys are created; list indices must
    exist (so a typo in an index is reported)."""
    try:
        node, last = walk_dotted(data, dotted, create=True)
    except DottedPathError as err:
        raise ConfigError(source, [(err.where, err.message)]) from None
    node[int(last) if isinstance(node, list) else last] = value


def missing_dotted(data: Any, dotted: str) -> str | None:
    """None if `dotted` names a setting in `data`, else the first part that does not exist."""
    try:
        walk_dotted(data, dotted)
    except DottedPathError as err:
        return err.where
    return None
