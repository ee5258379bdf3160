"""The buffers of the in-kernel upsets (sim.radiation.upset_kernel): the radiation stream's next
doubles, and the upset events not emitted yet.

Uniforms: the buffer holds the stream's doubles from the kernel's next one on; a refill first
steps the generator back over the doubles not used (PCG64 `advance` by minus their count, exact:
the generator is a 128-bit LCG) and draws the buffer again from there, so the k-th double the
kernel uses is the stream's k-th whatever the refills, and the Python path (`resync`, before it
draws with the generator itself) continues the stream exactly where the kernel stopped. The
upsets are therefore those the Python path draws tick by tick, for any block length.

Events: `flush` emits the buffered rows code by code (copies: subscribers may keep them). The
recorder orders the event table by time, so rows emitted at a later visit take their place.
"""
from __future__ import annotations

import numpy as np

from sim.radiation import upset_kernel
from sim.radiation.constants import UPSET_EVENTS

UNIFORM_BUFFER = 1 << 15   # doubles drawn per refill
REFILL_BELOW = 1 << 13     # refill when fewer are left
EVENT_ROWS = 1 << 12       # buffered events per code


class UpsetBuffers:
    def __init__(self, rng: np.random.Generator, n_sats: int):
        if not isinstance(rng.bit_generator, np.random.PCG64):
            raise TypeError("radiation: the in-kernel upsets step the stream back, which needs PCG64")
        self.rng = rng
        self.uniforms = np.zeros(UNIFORM_BUFFER)
        self.cursor = np.zeros(2, dtype=np.int64)   # next unread, filled
        self.threshold_scratch = np.zeros(n_sats)
        self.lost_mark = np.zeros(n_sats, dtype=np.int8)
        codes = len(UPSET_EVENTS)
        self.ev = np.empty((4, codes, EVENT_ROWS))
        self.ev_sat = np.empty((codes, EVENT_ROWS), dtype=np.int32)
        self.ev_n = np.zeros(codes, dtype=np.int64)
        self.urgent = np.zeros(codes, dtype=np.int64)

    def set_urgent(self, subscribed) -> None:
        """urgent[code] = 1 where the code's event kind has subscribers (they must see it in its tick)."""
        self.urgent[:] = [1 if subscribed(name) else 0 for name in UPSET_EVENTS]

    def unused(self) -> int:
        return int(self.cursor[upset_kernel.FILLED] - self.cursor[upset_kernel.NEXT])

    def resync(self) -> None:
        """Put the generator back at the first unused double and empty the buffer."""
        left = self.unused()
        if left:
            self.rng.bit_generator.advance(-left)
        self.cursor[:] = 0

    def refill(self) -> None:
        """Top up the uniforms when few are left (the same doubles, from the same stream positions)."""
        if self.unused() >= REFILL_BELOW:
            return
        self.resync()
        self.uniforms[:] = self.rng.random(UNIFORM_BUFFER)
        self.cursor[upset_kernel.FILLED] = UNIFORM_BUFFER

    def flush(self, emit_codes) -> None:
        """Emit the buffered events through emit_codes(ev, ev_sat, ev_n, codes) and empty the buffers."""
        codes = np.flatnonzero(self.ev_n)
        if codes.size:
            n = int(self.ev_n.max())
            ev, ev_sat, ev_n = self.ev[:, :, :n].copy(), self.ev_sat[:, :n].copy(), self.ev_n.copy()
            self.ev_n[:] = 0
            emit_codes(ev, ev_sat, ev_n, codes)

    def take_lost(self) -> np.ndarray:
        """Satellites that lost a device in the kernel since the last call."""
        sats = np.flatnonzero(self.lost_mark)
        self.lost_mark[sats] = 0
        return sats

    def kernel_args(self) -> tuple:
        return (self.urgent, self.uniforms, self.cursor, self.threshold_scratch, self.ev, self.ev_sat, self.ev_n,
                self.lost_mark)
