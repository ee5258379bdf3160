"""Every settable dotted path of the scenario and campaign schema, read from the pydantic models
(sim.config.sections.discover() gives the sections), for the fuzz suite to aim at."""
from __future__ import annotations

import types
import typing

from pydantic import BaseModel

from sim.campaign.spec import CampaignConfig
from sim.config.scenario import scenario_model

MAX_DEPTH = 6


def _models_in(annotation) -> list[tuple[str, type[BaseModel]]]:
    """("", Model) for a model annotation, ("0", Model) for a list of models; through Optional,
    Annotated and unions."""
    origin = typing.get_origin(annotation)
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [("", annotation)]
    if origin is typing.Annotated:
        return _models_in(typing.get_args(annotation)[0])
    if origin in (typing.Union, types.UnionType):
        return [m for arg in typing.get_args(annotation) for m in _models_in(arg)]
    if origin in (list, tuple):
        args = typing.get_args(annotation)
        return [("0" if not step else f"0.{step}", m) for step, m in _models_in(args[0])] if args else []
    return []


def model_paths(model: type[BaseModel], prefix: str = "", depth: int = 0) -> list[str]:
    """Dotted paths of every field of `model` and of the models inside it (list entries as .0)."""
    out = []
    for name, field in model.model_fields.items():
        path = f"{prefix}{name}"
        out.append(path)
        if depth < MAX_DEPTH:
            for step, sub in _models_in(field.annotation):
                out += model_paths(sub, f"{path}.{step}." if step else f"{path}.", depth + 1)
    return sorted(set(out))


def scenario_paths() -> list[str]:
    return model_paths(scenario_model())


def campaign_paths() -> list[str]:
    return model_paths(CampaignConfig)
