"""Conventions shared by every scenario section: strict models and constrained numbers.

A module of its own so that sim.config and the subsystem sections it imports
(config_network, config_radiation) use one definition without a circular import.
"""
from __future__ import annotations

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
