"""What every subsystem provides, and the event log they share.

A subsystem owns part of FleetState, may advance it in the physics tick (vectorised, in
numba kernels), may start SimPy processes for discrete happenings, emits events of the
kinds it registers, records time-series fields and reports summary metrics. Subsystems
never import each other: they meet only through FleetState and events.
"""
from __future__ import annotations

import zlib
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Callable

import numpy as np


@dataclass(frozen=True)
class EventKind:
    code: int
    name: str
    meaning: str  # what columns a, b, c hold


class EventLog:
    """Registry of event kinds, sink to the Recorder, and fan-out to subscribers.

    `emit` takes arrays, so a tick that finds 10,000 eclipse entries pays one call, not
    10,000. Subscribers are called synchronously with the same arrays.
    """

    def __init__(self):
        self.kinds: dict[str, EventKind] = {}
        self._subscribers: dict[str, list[Callable]] = defaultdict(list)
        self._sink: Callable | None = None
        self.counts: dict[str, int] = defaultdict(int)

    def register(self, name: str, meaning: str) -> EventKind:
        if name in self.kinds:
            raise ValueError(f"event kind {name!r} registered twice")
        kind = EventKind(len(self.kinds) + 1, name, meaning)
        self.kinds[name] = kind
        return kind

    def connect(self, sink: Callable) -> None:
        self._sink = sink

    def subscribe(self, name: str, callback: Callable) -> None:
        if name not in self.kinds:
            raise KeyError(f"no event kind {name!r}; registered: {', '.join(self.kinds)}")
        self._subscribers[name].append(callback)

    def emit(self, name: str, t_s, sat, a=0.0, b=0.0, c=0.0) -> None:
        kind = self.kinds[name]
        sat = np.asarray(sat, dtype=np.int32).reshape(-1)
        n = sat.size
        if n == 0:
            return
        t_s, a, b, c = (_column(x, n) for x in (t_s, a, b, c))
        self.counts[name] += n
        if self._sink is not None:
            self._sink(t_s, sat, np.full(n, kind.code, dtype=np.int16), a, b, c)
        for callback in self._subscribers.get(name, ()):
            callback(t_s, sat, a, b, c)


def _column(value, n: int) -> np.ndarray:
    """`value` as a float64 column of length n; arrays already of that form pass untouched."""
    if isinstance(value, np.ndarray) and value.shape == (n,) and value.dtype == np.float64:
        return value
    value = np.asarray(value, dtype=np.float64)
    return value.reshape(-1) if value.size == n else np.full(n, value, dtype=np.float64)


def substream(seed: int, subsystem: str) -> np.random.Generator:
    """A random stream per subsystem, keyed by its name so that adding a subsystem does not
    shift another's draws (DESIGN.md, Determinism)."""
    key = zlib.crc32(subsystem.encode())
    return np.random.default_rng(np.random.SeedSequence([seed, key]))


@dataclass
class Subsystem:
    """Base class; override what applies. `sim` is the Simulation (env, fleet, scenario, events)."""

    sim: object
    name: str = "subsystem"
    recorded_units: dict[str, str] = field(default_factory=dict)

    def start(self) -> None:
        """Start SimPy processes (called once, before the run)."""

    def tick(self, t_s: float, dt_s: float) -> None:
        """Advance continuous state from t_s - dt_s to t_s (called every tick, in order)."""

    def record(self, t_s: float) -> dict[str, np.ndarray]:
        """Values of the recorded fields at t_s, keyed as in recorded_units."""
        return {}

    def summary(self) -> dict[str, tuple[float, str]]:
        """Scalar metrics: name -> (value, unit)."""
        return {}
