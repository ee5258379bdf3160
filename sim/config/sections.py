"""Scenario sections register themselves here; the root Scenario is built from them.

A concept's config module decorates its top-level model with `@scenario_section("name")` and
may register checks (`@scenario_check`) of what the models alone cannot see (files, names
that refer to other sections). `discover()` imports `sim.<concept>.config` (and `sim.<concept>.<part>.config`) of every
concept package, so a new concept's section appears without editing the root model.
"""
from __future__ import annotations

import importlib
import pkgutil
from pathlib import Path
from typing import Callable

SECTIONS: dict[str, type] = {}
CHECKS: list[Callable] = []
# tags of tagged unions in lists (e.g. the `kind` of a workloads job), left out of error paths
UNION_TAGS: set[str] = set()


def scenario_section(name: str):
    """Register a pydantic model as the optional top-level scenario section `name`."""
    def register(model: type) -> type:
        if name in SECTIONS and SECTIONS[name] is not model:
            raise ValueError(f"scenario section {name!r} registered twice")
        SECTIONS[name] = model
        return model
    return register


def scenario_check(check: Callable) -> Callable:
    """Register `check(scenario) -> [(dotted path, problem)]`, run after the models validate
    (by `validate` and `run` alike)."""
    CHECKS.append(check)
    return check


def discover() -> dict[str, type]:
    """Import every concept's config module; the registered sections, by name."""
    import sim
    root = Path(sim.__path__[0])
    for info in sorted(pkgutil.iter_modules(sim.__path__), key=lambda m: m.name):
        if info.ispkg and (root / info.name / "config.py").exists():
            importlib.import_module(f"sim.{info.name}.config")
        # a concept's sub-concept (sim/lifetime/economics) registers its own section
        for sub in sorted((root / info.name).glob("*/config.py")) if info.ispkg else ():
            if (sub.parent / "__init__.py").exists():
                importlib.import_module(f"sim.{info.name}.{sub.parent.name}.config")
    return dict(sorted(SECTIONS.items()))
