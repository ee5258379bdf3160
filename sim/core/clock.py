"""The clock: one object per run that every subsystem reads for the time of the current tick.

Simulation time is `step · dt_s` seconds since the epoch; the Julian dates and GMST of that
instant are computed once per tick here, not by each subsystem.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime

from sim.core.constants import SECONDS_PER_DAY
from sim.core.timescale import TT_MINUS_UTC_D, gmst_rad, julian_date_utc


@dataclass(frozen=True)
class Instant:
    """One simulation time and what is derived from it."""

    t_s: float            # seconds since the epoch
    jd_utc: float         # Julian date, UTC (= UT1 here)
    jd_tt: float          # Julian date, TT (Sun ephemeris)
    gmst_rad: float       # Greenwich mean sidereal time
    cos_gmst: float
    sin_gmst: float


def instant(epoch_jd_utc: float, t_s: float) -> Instant:
    jd_utc = epoch_jd_utc + t_s / SECONDS_PER_DAY
    gmst = gmst_rad(jd_utc)
    return Instant(t_s, jd_utc, jd_utc + TT_MINUS_UTC_D, gmst, math.cos(gmst), math.sin(gmst))


@dataclass
class Clock:
    """Epoch, tick and the current instant. `now` is the end of the tick being advanced (the
    state the subsystems are bringing the fleet to); `previous_t_s` its start."""

    epoch: datetime
    dt_s: float
    n_steps: int
    epoch_jd_utc: float = field(init=False)
    step: int = field(init=False, default=0)
    now: Instant = field(init=False)

    def __post_init__(self):
        self.epoch_jd_utc = julian_date_utc(self.epoch)
        self.now = instant(self.epoch_jd_utc, 0.0)

    @property
    def t_s(self) -> float:
        return self.now.t_s

    @property
    def previous_t_s(self) -> float:
        return self.now.t_s - self.dt_s

    @property
    def duration_s(self) -> float:
        return self.n_steps * self.dt_s

    def time_of_step(self, step: int) -> float:
        return step * self.dt_s

    def advance_to(self, step: int) -> Instant:
        self.step = step
        self.now = instant(self.epoch_jd_utc, self.time_of_step(step))
        return self.now

    def at(self, t_s: float) -> Instant:
        """The instant of any time (for set-up and records between ticks)."""
        return self.now if t_s == self.now.t_s else instant(self.epoch_jd_utc, t_s)
