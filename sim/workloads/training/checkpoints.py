"""The checkpoints a training job keeps, and what a rollback to one of them costs.

A checkpoint holds the committed step and every member's cumulative useful GPU-seconds at the
moment its write began (the state it saves), and whether that state was already silently
corrupted. The last K completed checkpoints are kept; the initial state (step 0) always is.
A rollback to checkpoint c moves each member's useful GPU-seconds since c to `rollback`, and
drops the checkpoints newer than c (they belong to the abandoned history).
"""
from __future__ import annotations

from collections import deque
from dataclasses import dataclass

import numpy as np


@dataclass
class Saved:
    t_s: float                 # time of the saved state (the write's start)
    step: float                # committed step saved
    useful_s: np.ndarray       # cumulative useful GPU-seconds of every member at t_s
    corrupt: bool              # the state was silently corrupted when saved


class CheckpointStore:
    def __init__(self, n_members: int, keep_last: int):
        self.origin = Saved(-np.inf, 0.0, np.zeros(n_members), False)
        self.kept: deque[Saved] = deque(maxlen=keep_last)

    def set_keep(self, keep_last: int) -> None:
        """Keep the last `keep_last` from now on (the oldest go first when it shrinks)."""
        self.kept = deque(self.kept, maxlen=keep_last)

    def add(self, saved: Saved) -> None:
        self.kept.append(saved)

    def latest(self) -> Saved:
        return self.kept[-1] if self.kept else self.origin

    def latest_before(self, t_s: float) -> Saved:
        """The newest clean checkpoint whose state predates t_s (the initial state if none)."""
        for saved in reversed(self.kept):
            if saved.t_s < t_s and not saved.corrupt:
                return saved
        return self.origin

    def discard_after(self, saved: Saved) -> None:
        while self.kept and self.kept[-1] is not saved:
            self.kept.pop()
