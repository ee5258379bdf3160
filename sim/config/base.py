"""Conventions shared by every scenario section: strict models and constrained numbers.

A module of its own so that sim.config and the subsystem sections it imports
(config_network, config_radiation) use one definition without a circular import.
"""
from __future__ import annotations

import re
from datetime import datetime, timezone
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field


class Strict(BaseModel):
    """Unknown keys are errors; defaults are validated like given values."""

    model_config = ConfigDict(extra="forbid", validate_default=True)


Positive = Annotated[float, Field(gt=0.0)]
NonNegative = Annotated[float, Field(ge=0.0)]
Fraction = Annotated[float, Field(ge=0.0, le=1.0)]
PositiveFraction = Annotated[float, Field(gt=0.0, le=1.0)]


def utc_datetime(value: Any) -> Any:
    """ISO 8601 text (a trailing Z allowed) or a datetime → a tz-aware UTC datetime; naive
    datetimes are taken as UTC. Anything else is returned for pydantic to reject."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value.replace("Z", "+00:00"))
    if isinstance(value, datetime) and value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    return value


_DURATION = re.compile(r"^\s*([0-9]*\.?[0-9]+)\s*(s|m|h|d)?\s*$")
_UNIT_S = {"s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0, None: 1.0}


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
