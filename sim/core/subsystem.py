"""The subsystem contract: what a subsystem declares, and the context it is built with.

A subsystem declares (class attributes):

- `name`: also its random-stream key (`Context.rng`) and its summary prefix;
- `section`: the scenario key that turns it on, or None for always on. Without its section
  the subsystem is not built at all;
- `requires` / `provides`: services and event kinds. The simulation orders subsystems so
  that every requirement is provided by one built before, and refuses a cycle or a missing
  requirement by name. A service is an object handed out through `Context.services`;
  event kinds are the names in `events`;
- `uses`: optional services and event kinds: when some subsystem of the scenario provides them
  it is ordered first, otherwise they are simply absent (`"name" in ctx.services`);
- `events`: {kind: what columns a, b, c mean} it may emit (`event_kinds` may narrow them for
  a scenario);
- `fields`: the FleetState arrays it owns (FieldSpec: unit and role).

It is constructed with a Context and may implement `start()` (SimPy processes, once before
the run), `advance(block)` (continuous state over a block of ticks), `record(t_s)`
(per-satellite time-series columns named in `recorded_units`, with units UDUNITS-2 parses
and CF attributes in `recorded_attrs`), `tables()` (its own HDF5
tables) and `summary()` (scalar metrics with units). It reaches the rest of the simulation
only through the context, never by importing another subsystem.
"""
from __future__ import annotations

import zlib
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np

from sim.core.fleet import FieldSpec

if TYPE_CHECKING:
    import simpy

    from sim.config.scenario import Scenario
    from sim.core.clock import Clock
    from sim.core.events import EventLog
    from sim.core.fleet import FleetState


def substream(seed: int, name: str) -> np.random.Generator:
    """A random stream per subsystem, keyed by its name so that adding a subsystem does not
    shift another's draws (DESIGN.md, Determinism)."""
    key = zlib.crc32(name.encode())
    return np.random.default_rng(np.random.SeedSequence([seed, key]))


@dataclass(frozen=True)
class Block:
    """Ticks first_step .. last_step (inclusive), each dt_s long: tick k advances the state from
    (k − 1)·dt_s to k·dt_s. A subsystem advances them in order."""

    first_step: int
    last_step: int
    dt_s: float

    @property
    def n_ticks(self) -> int:
        return self.last_step - self.first_step + 1

    def steps(self) -> range:
        return range(self.first_step, self.last_step + 1)

    @property
    def start_s(self) -> float:
        return (self.first_step - 1) * self.dt_s

    @property
    def end_s(self) -> float:
        return self.last_step * self.dt_s


class ServiceError(LookupError):
    """A subsystem asked for a service nobody provides (a wiring error, not bad input)."""


class Services:
    """Named services the subsystems provide to one another."""

    def __init__(self):
        self._services: dict[str, Any] = {}
        self._providers: dict[str, str] = {}

    def provide(self, name: str, service: Any, by: str) -> None:
        if name in self._services:
            raise ServiceError(f"service {name!r} provided twice: by {self._providers[name]!r} and {by!r}")
        self._services[name] = service
        self._providers[name] = by

    def get(self, name: str) -> Any:
        try:
            return self._services[name]
        except KeyError:
            known = ", ".join(sorted(self._services)) or "none"
            raise ServiceError(f"no service {name!r} (provided so far: {known}); declare it in `requires` "
                               f"so the simulation orders its provider first") from None

    def __contains__(self, name: str) -> bool:
        return name in self._services


@dataclass
class Context:
    """What a subsystem is built with and reads at run time."""

    env: "simpy.Environment"
    scenario: "Scenario"
    fleet: "FleetState"
    events: "EventLog"
    clock: "Clock"
    services: Services = field(default_factory=Services)

    @property
    def dt_s(self) -> float:
        return self.clock.dt_s

    @property
    def n_steps(self) -> int:
        return self.clock.n_steps

    @property
    def elapsed_s(self) -> float:
        """Simulated time advanced so far."""
        return self.clock.t_s

    def rng(self, name: str) -> np.random.Generator:
        return substream(self.scenario.seed, name)


class Subsystem:
    """Base class: declare the class attributes, override what applies."""

    name: ClassVar[str] = ""
    section: ClassVar[str | None] = None
    requires: ClassVar[tuple[str, ...]] = ()
    uses: ClassVar[tuple[str, ...]] = ()
    provides: ClassVar[tuple[str, ...]] = ()
    events: ClassVar[dict[str, str]] = {}
    fields: ClassVar[tuple[FieldSpec, ...]] = ()

    def __init__(self, ctx: Context):
        self.ctx = ctx
        self.recorded_units: dict[str, str] = {}
        # CF attributes of the recorded columns beside their units: long_name, standard_name
        self.recorded_attrs: dict[str, dict[str, str]] = {}
        self.recorded_dtypes: dict[str, str] = {}

    @classmethod
    def is_enabled(cls, scenario: "Scenario") -> bool:
        return cls.section is None or getattr(scenario, cls.section, None) is not None

    @classmethod
    def event_kinds(cls, scenario: "Scenario") -> dict[str, str]:
        """The event kinds this subsystem emits in `scenario` (default: all it declares)."""
        return dict(cls.events)

    @classmethod
    def fields_for(cls, scenario: "Scenario") -> tuple[FieldSpec, ...]:
        """The FleetState fields this subsystem owns in `scenario` (default: all it declares)."""
        return cls.fields

    def provide(self, name: str, service: Any) -> None:
        if name not in self.provides:
            raise ServiceError(f"{self.name} provides {name!r} without declaring it in `provides`")
        self.ctx.services.provide(name, service, self.name)

    def start(self) -> None:
        """Start SimPy processes (called once, before the run)."""

    def advance(self, block: Block) -> None:
        """Advance continuous state over the ticks of `block`, in order."""

    def record(self, t_s: float) -> dict[str, np.ndarray]:
        """Values of the recorded fields at t_s, keyed as in recorded_units."""
        return {}

    def tables(self) -> dict[str, np.ndarray | tuple[np.ndarray, dict]]:
        """This subsystem's own tables, written to /<name>/<table>: a structured array, or
        (array, attrs) with e.g. `<column>__units` attributes."""
        return {}

    def summary(self) -> dict[str, tuple[float, str]]:
        """Scalar metrics: name -> (value, unit)."""
        return {}
