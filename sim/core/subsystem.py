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
the run), `tick_kernel()` (the numba function that advances it one tick inside a block of
many, sim.core.blocks; without one, `advance(block)` runs in Python tick by tick), `record(t_s)`
(per-satellite time-series columns named in `recorded_units`, with units UDUNITS-2 parses
and CF attributes in `recorded_attrs`), `tables()` (its own HDF5
tables) and `summary()` (scalar metrics with units). It reaches the rest of the simulation
only through the context, never by importing another subsystem.
"""
from __future__ import annotations

import zlib
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable, ClassVar

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


@dataclass(frozen=True)
class TickKernel:
    """How a subsystem advances one tick inside a block (the contract: sim.core.blocks).

    - `function(step, row, t0_s, dt_s, *args()) -> int`: an @njit function advancing the
      subsystem from t0_s to t0_s + dt_s; `row` indexes the per-step tables `prepare` filled.
      It returns 0, or a non-zero flag where Python must act on this tick (`after_tick`).
    - `args()`: the arrays and scalars `function` reads, fetched again at every (re)start of
      the driver, so a scalar changed in `after_tick` is seen from the next tick on.
    - `prepare(first_step, last_step)`: fill the per-step tables of the coming block (values
      that depend on the time alone), row 0 = first_step.
    - `after_tick(step, flag)`: the Python work of a flagged tick, at env.now = its end, before
      the later subsystems' kernels of the same tick.
    """

    function: Callable
    args: Callable[[], tuple] = tuple
    prepare: Callable[[int, int], None] | None = None
    after_tick: Callable[[int, int], None] | None = None


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

    @property
    def max_block_ticks(self) -> int:
        """The most ticks one block holds: the rows of per-step tables (`TickKernel.prepare`)."""
        return min(self.scenario.run.block_ticks, self.clock.n_steps)

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

    def tick_kernel(self) -> TickKernel | None:
        """The numba tick of this subsystem (sim.core.blocks), or None: then `advance` runs in
        Python for every tick, and the driver returns to Python at every tick to call it."""
        return None

    def sync(self, step: int) -> None:
        """Bring Python-side views of state that the tick kernel keeps in tables (e.g. the Sun)
        to the end of tick `step`: called before Python code runs at a tick inside a block."""

    def advance(self, block: Block) -> None:
        """Advance continuous state over the ticks of `block`, in order. With a tick kernel:
        the kernel tick by tick and `after_tick` where it flags (what the block driver does)."""
        kernel = self.tick_kernel()
        if kernel is None:
            return
        if kernel.prepare is not None:
            kernel.prepare(block.first_step, block.last_step)
        for step in block.steps():
            t_s = step * block.dt_s
            flag = kernel.function(step, step - block.first_step, t_s - block.dt_s, block.dt_s, *kernel.args())
            self.sync(step)
            if flag and kernel.after_tick is not None:
                kernel.after_tick(step, flag)

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
