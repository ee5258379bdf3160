"""The event log every subsystem emits into: kinds, sink to the Recorder, subscribers.

An event is one row (t_s, sat, kind, a, b, c); `emit` takes arrays, so a tick that finds
10,000 eclipse entries pays one call, not 10,000.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
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
        self._deferred: list[Callable[[], None]] = []
        self._flushing = False

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

    def defer(self, flush: Callable[[], None]) -> None:
        """Register an emitter that buffers its events between visits (the radiation upsets drawn in
        its tick kernel): `flush` (which emits them) runs before every emit of anyone else, so its
        rows reach the sink before any row emitted after them, as if they had been emitted in their
        tick, and the Recorder's table stays in time order without a sort at close."""
        self._deferred.append(flush)

    def subscribed(self, name: str) -> bool:
        """Whether some subscriber listens to `name` (an emitter may then not delay its events)."""
        return bool(self._subscribers.get(name))

    def emit(self, name: str, t_s, sat, a=0.0, b=0.0, c=0.0) -> None:
        if self._deferred and not self._flushing:
            self._flushing = True
            try:
                for flush in self._deferred:
                    flush()
            finally:
                self._flushing = False
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
