"""Scheduled transfer demands (`network.transfers:`): resolved into graph nodes at set-up and
submitted by one SimPy process at their start time, then every `every`.

The endpoints were checked when the scenario was validated (sim.network.config).
"""
from __future__ import annotations

import heapq
from dataclasses import dataclass
from typing import Callable


@dataclass(frozen=True)
class ScheduledDemand:
    """One resolved `network.transfers` entry (a ring expands into one per member)."""
    src: int            # graph nodes
    dst: int
    size_bytes: float
    start_s: float
    every_s: float | None
    count: int | None


def resolve_demands(transfers, ids) -> list[ScheduledDemand]:
    """The demands of `network.transfers` between the nodes of `ids` (sim.network.ids)."""
    out = []
    for d in transfers:
        if d.ring is None:
            pairs = [(ids.node_of(d.src, as_source=True), ids.node_of(d.dst, as_source=False))]
        else:
            members = list(range(ids.n)) if d.ring == "all" else [ids.node_of(m, as_source=True) for m in d.ring]
            pairs = list(zip(members, members[1:] + members[:1]))
        count = d.count if d.count is not None else (None if d.every is not None else 1)
        out += [ScheduledDemand(s, t, d.bytes, d.start, d.every, count) for s, t in pairs]
    return out


def submit_scheduled(env, demands: list[ScheduledDemand], submit: Callable):
    """SimPy process: submit(src, dst, size_bytes) for each demand at start + k·every (one
    wake-up per instant with submissions, all of that instant's transfers together)."""
    heap = [(dem.start_s, k, 0) for k, dem in enumerate(demands)]
    heapq.heapify(heap)
    while heap:
        t_s = heap[0][0]
        if t_s > env.now:
            yield env.timeout(t_s - env.now)
        while heap and heap[0][0] <= t_s:
            _, k, done = heapq.heappop(heap)
            dem = demands[k]
            submit(dem.src, dem.dst, dem.size_bytes)
            done += 1
            if dem.every_s is not None and (dem.count is None or done < dem.count):
                heapq.heappush(heap, (dem.start_s + done * dem.every_s, k, done))
