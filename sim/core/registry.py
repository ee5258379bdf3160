"""The subsystems odcsim knows, one line each.

The simulation builds those whose scenario section is present and orders them by what they
require and provide (sim.core.simulation.order_subsystems). Subsystems that do not depend on
each other advance in the order of this list, which fixes the order of their events within a
tick (and so the /events table). A new subsystem adds its line here.
"""
from __future__ import annotations

import importlib

SUBSYSTEMS = (
    "sim.orbits.subsystem:Orbits",
    "sim.payload.subsystem:Payload",
    "sim.network.subsystem:Network",
    "sim.radiation.subsystem:Radiation",
    "sim.lifetime.subsystem:Lifetime",
    "sim.faults.subsystem:Faults",
    "sim.workloads.subsystem:Workloads",
    "sim.workloads.goodput:Goodput",
    "sim.lifetime.economics.subsystem:Economics",
    "sim.safety.subsystem:Safety",
)


def subsystem_classes() -> list[type]:
    classes = []
    for entry in SUBSYSTEMS:
        module, _, name = entry.partition(":")
        classes.append(getattr(importlib.import_module(module), name))
    return classes
