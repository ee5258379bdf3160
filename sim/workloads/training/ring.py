"""The ring of a ring all-reduce: its order, its links, and what the crosslinks leave of it.

Consecutive members of the ring order (and the last with the first) exchange gradients over
the crosslink between them. A ring link that is not UP breaks the ring there: the members fall
into arcs (runs joined by up ring links). One break leaves a single arc of every member (the
ring runs as a line: full-duplex links carry the two directions, the bandwidth term is the
same); the job keeps the largest arc, and the members outside it are partitioned. A member whose
GPUs are down still relays through its terminals, so the ring links stay the same whoever is
active.

    t = 2(n−1)/n · S / B + 2(n−1)·α      (n active members, S bytes, B the bottleneck link rate)
"""
from __future__ import annotations

import numpy as np

LINK_UP = 2   # sim.network.links.UP
_NO_HOPS, _NO_PRESENT = np.zeros(0, dtype=np.int64), np.zeros(0, dtype=bool)
_NO_STATE, _NO_RATE = np.zeros(0, dtype=np.int8), np.zeros(0)


def all_reduce_s(n: int, size_bytes: float, bottleneck_bps: float, latency_s: float) -> float:
    """Ring all-reduce time of size_bytes among n members over links of bottleneck_bps [s]
    (Patarasuk & Yuan 2009: 2(n−1) steps, each moving S/n bytes)."""
    if n <= 1:
        return 0.0
    return 2.0 * (n - 1) / n * size_bytes * 8.0 / bottleneck_bps + 2.0 * (n - 1) * latency_s


def exposed_s(all_reduce: float, compute: float, overlap: float) -> float:
    """The part of the all-reduce the step waits for: (1 − overlap) of it, and never less than
    what sticks out past the compute it overlaps."""
    return max((1.0 - overlap) * all_reduce, all_reduce - compute, 0.0)


def ring_keys(order: np.ndarray, n_fleet: int) -> np.ndarray:
    """Crosslink keys (sim.network.ids: a·N + b, a < b) of the ring's hops order[j] → order[j+1]."""
    a, b = order, np.roll(order, -1)
    return np.minimum(a, b).astype(np.int64) * n_fleet + np.maximum(a, b)


def _cycle(members: list[int], adjacent: dict[int, set[int]], budget: int = 200_000) -> list[int] | None:
    """A Hamiltonian cycle through `members` over `adjacent`, or None when none is found within
    `budget` moves. Depth first from the first member, fewest free neighbours first (Warnsdorff),
    pruned where a vertex off the path can no longer get its two ring neighbours."""
    n = len(members)
    if n <= 2:
        return list(members) if n == 1 or members[1] in adjacent[members[0]] else None
    rank = {v: i for i, v in enumerate(members)}
    start = members[0]
    free = {v: len(adjacent[v]) for v in members}      # neighbours not on the path
    path, on_path = [start], {start}
    for y in adjacent[start]:
        free[y] -= 1

    def viable(prev: int, end: int) -> bool:
        # prev became interior: its free neighbours lost it as an option
        for y in adjacent[prev]:
            if y not in on_path and free[y] + (y in adjacent[end]) + (y in adjacent[start]) < 2:
                return False
        return any(y not in on_path for y in adjacent[start])

    def options(end: int) -> list[int]:
        return sorted((y for y in adjacent[end] if y not in on_path), key=lambda y: (free[y], rank[y]))

    stack = [iter(options(start))]
    moves = 0
    while stack and moves < budget:
        moves += 1
        x = next(stack[-1], None)
        if x is None:
            stack.pop()
            v = path.pop()
            on_path.discard(v)
            for y in adjacent[v]:
                free[y] += 1
            continue
        prev = path[-1]
        path.append(x)
        on_path.add(x)
        for y in adjacent[x]:
            free[y] -= 1
        if len(path) == n:
            if start in adjacent[x]:
                return path
            ok = False
        else:
            ok = prev == start or viable(prev, x)
        if ok:
            stack.append(iter(options(x)))
        else:
            path.pop()
            on_path.discard(x)
            for y in adjacent[x]:
                free[y] += 1
    return None


def ring_order(members: np.ndarray, setting, links, n_fleet: int) -> tuple[np.ndarray, bool]:
    """(ring order of the member ids, whether every hop had an up crosslink at the start).

    setting: "members", "auto" or a list of the ids; `links` the network's Crosslinks or None."""
    members = np.asarray(members, dtype=np.int64)
    if isinstance(setting, list):
        order = np.asarray(setting, dtype=np.int64)
    else:
        order = members
    if links is None or members.size < 2:
        return order, True
    up = links.state == LINK_UP
    linked = set(links.keys[up].tolist())
    if all(int(k) in linked for k in ring_keys(order, n_fleet)):
        return order, True
    if setting != "auto":
        return order, False
    member_set = set(members.tolist())
    adjacent: dict[int, set[int]] = {int(m): set() for m in members}
    for a, b in zip(links.a[up].tolist(), links.b[up].tolist()):
        if a in member_set and b in member_set:
            adjacent[a].add(b)
            adjacent[b].add(a)
    cycle = _cycle([int(m) for m in members], adjacent)
    if cycle is None:
        return members, False
    return np.asarray(cycle, dtype=np.int64), True


class Ring:
    """The ring over the network's crosslinks (or a fixed link rate without crosslinks)."""

    def __init__(self, order: np.ndarray, members: np.ndarray, links, n_fleet: int, fixed_bps: float | None):
        self.order = order
        self.links = links
        self.n_fleet = n_fleet
        self.fixed_bps = fixed_bps
        pos = np.searchsorted(members, order)
        self.position = pos                 # index into the job's member arrays of each ring slot
        self.keys = ring_keys(order, n_fleet)
        self._epoch = None
        self._j = np.zeros(order.size, dtype=np.int64)
        self._present = np.zeros(order.size, dtype=bool)

    def _index(self) -> None:
        links = self.links
        if self._epoch != links.epoch:
            self._epoch = links.epoch
            if links.keys.size == 0:
                self._j[:] = 0
                self._present[:] = False
            else:
                self._j = np.minimum(np.searchsorted(links.keys, self.keys), links.keys.size - 1)
                self._present = links.keys[self._j] == self.keys

    def arrays(self) -> tuple:
        """(ring hop link indices, present, link state, link rate, fixed rate) for the quiet-tick
        kernel; no hops without crosslinks."""
        if self.links is None or self.order.size < 2:
            return _NO_HOPS, _NO_PRESENT, _NO_STATE, _NO_RATE, self.fixed_bps or np.inf
        self._index()
        return self._j, self._present, self.links.state, self.links.rate_bps, np.inf

    def state(self) -> tuple[np.ndarray | None, float]:
        """(member mask of the largest arc, or None when the whole ring holds; bottleneck rate
        [bit/s] of the up ring links of that arc, inf without any link to cross)."""
        if self.links is None:
            return None, (self.fixed_bps if self.fixed_bps is not None else np.inf)
        n = self.order.size
        if n < 2:
            return None, np.inf
        self._index()
        j = self._j
        up = self._present & (self.links.state[j] == LINK_UP)
        rate = self.links.rate_bps[j]
        if up.all():
            return None, float(rate.min())
        broken = np.flatnonzero(~up)
        if broken.size == 1:     # a line through every member
            return None, float(rate[up].min()) if up.any() else np.inf
        # arcs: slots broken[k]+1 .. broken[k+1] (cyclic); hop h joins slot h and h+1
        starts = (broken + 1) % n
        lengths = np.diff(np.concatenate([broken, [broken[0] + n]]))
        k = int(np.argmax(lengths))
        slots = (starts[k] + np.arange(lengths[k])) % n
        mask = np.zeros(n, dtype=bool)
        mask[self.position[slots]] = True
        hops = slots[:-1]       # the up hops inside the arc
        bottleneck = float(rate[hops].min()) if hops.size else np.inf
        return mask, bottleneck
