"""Which ticks are recorded: the time-series rows (base cadence, windows) and the day ends of
/daily, answered per step in O(log windows) without a per-step array (five years at 1 s
must not allocate).

Steps are the clock's: step k ends at t = k·dt_s; step 0 is the initial state. Time-series
rows are written at

- step 0 and the last step n_steps, always;
- inside a window [s0, s1) (its bounds rounded to steps as every cadence is): s0, s0 + e,
  s0 + 2e, ... below s1, with e = max(1, round(window.every_s / dt_s));
- outside every window: the multiples of the base cadence max(1, round(every_s / dt_s)),
  none where every_s is `never`.

So without windows the rows are today's: step % every == 0 or step == n_steps. A window
replaces the base cadence over its span (finer or coarser); windows never overlap (the
scenario refuses it).

Day ends (/daily): step k ≥ 1 is a day end when a UTC midnight falls in (t_{k−1}, t_k], i.e.
the first tick that ends at or after each midnight; n_steps is always one (the run's last,
usually partial, day).
"""
from __future__ import annotations

import bisect
import math
from datetime import datetime, timezone

import numpy as np

from sim.config.scenario import NEVER
from sim.core.constants import SECONDS_PER_DAY
from sim.core.timescale import parse_utc
from sim.io.schema import DailyField

# a bound within this fraction of a tick of a whole step counts as that step (float noise)
STEP_SNAP = 1e-9


def steps_of(seconds: float, dt_s: float) -> int:
    """A cadence or offset in whole ticks, rounded as the clock rounds the duration."""
    return int(round(seconds / dt_s))


def _ceil_step(t_s: float, dt_s: float) -> int:
    """The first step whose end time is at or after t_s (snapping float noise)."""
    x = t_s / dt_s
    nearest = round(x)
    if abs(x - nearest) <= STEP_SNAP * max(1.0, abs(x)):
        return int(nearest)
    return int(math.ceil(x))


class RecordPlan:
    """The record steps and day-end steps of one run.

    `record_config` is the scenario's `record` section (every_s, windows, daily); `epoch`
    places the UTC midnights (None: the epoch is a midnight, days every 86400 s).
    """

    def __init__(self, record_config, dt_s: float, n_steps: int, epoch: datetime | str | None = None):
        self.dt_s = float(dt_s)
        self.n_steps = int(n_steps)
        if self.n_steps < 1:
            raise ValueError(f"n_steps must be at least 1, not {n_steps}")
        every_s = record_config.every_s
        self.base_every = None if every_s == NEVER else max(1, steps_of(every_s, self.dt_s))
        windows = sorted(
            (steps_of(w.start, self.dt_s), steps_of(w.end, self.dt_s), max(1, steps_of(w.every_s, self.dt_s)))
            for w in record_config.windows
        )
        self.windows: tuple[tuple[int, int, int], ...] = tuple(
            (s0, min(s1, self.n_steps), e) for s0, s1, e in windows if s0 < min(s1, self.n_steps))
        for (_, s1, _), (s0, _, _) in zip(self.windows, self.windows[1:]):
            if s0 < s1:
                raise ValueError("record windows overlap")
        self._starts = [w[0] for w in self.windows]
        self.daily = bool(getattr(record_config, "daily", True))
        # seconds from the epoch to its next UTC midnight (a midnight epoch: one whole day)
        if epoch is None:
            self.first_midnight_s = SECONDS_PER_DAY
        else:
            moment = parse_utc(epoch)
            midnight = moment.replace(hour=0, minute=0, second=0, microsecond=0, tzinfo=timezone.utc)
            self.first_midnight_s = SECONDS_PER_DAY - (moment - midnight).total_seconds()

    @classmethod
    def for_scenario(cls, scenario) -> "RecordPlan":
        """The plan of a scenario, with the clock's step count."""
        n_steps = max(1, int(round(scenario.duration / scenario.dt_s)))
        return cls(scenario.record, scenario.dt_s, n_steps, scenario.epoch)

    @property
    def base_every_s(self) -> float:
        """The base cadence in seconds after rounding; 0 for `never`."""
        return 0.0 if self.base_every is None else self.base_every * self.dt_s

    # -- time-series rows ---------------------------------------------------------------------

    def _window_at(self, step: int) -> tuple[int, int, int] | None:
        i = bisect.bisect_right(self._starts, step) - 1
        if i >= 0 and step < self.windows[i][1]:
            return self.windows[i]
        return None

    def is_record_step(self, step: int) -> bool:
        """Whether a time-series row is written after step `step`."""
        if step == 0 or step == self.n_steps:
            return True
        if step < 0 or step > self.n_steps:
            return False
        return self._cadence_step(step)

    def next_record_step(self, step: int) -> int:
        """The first record step at or after `step` (n_steps at the latest)."""
        if step <= 0:
            return 0
        current = int(step)
        while current < self.n_steps:
            window = self._window_at(current)
            if window is not None:
                s0, s1, e = window
                candidate = s0 + -(-(current - s0) // e) * e
                if candidate < s1:
                    return min(candidate, self.n_steps)
                current = s1
                continue
            i = bisect.bisect_right(self._starts, current)
            next_start = self._starts[i] if i < len(self._starts) else self.n_steps
            if self.base_every is not None:
                candidate = -(-current // self.base_every) * self.base_every
                if candidate < next_start:
                    return min(candidate, self.n_steps)
            current = next_start
        return self.n_steps

    def n_records(self) -> int:
        """How many time-series rows the run writes (closed form, O(windows))."""
        count = self._base_in(0, self.n_steps + 1)            # base multiples in [0, n_steps] ...
        for s0, s1, e in self.windows:                         # ... but a window replaces them
            count += -(-(s1 - s0) // e) - self._base_in(s0, s1)   # s0, s0 + e, ... < s1
        return count + (not self._cadence_step(0)) + (not self._cadence_step(self.n_steps))

    def _base_in(self, lo: int, hi: int) -> int:
        """Multiples of the base cadence in [lo, hi)."""
        if self.base_every is None or hi <= lo:
            return 0
        return -(-hi // self.base_every) - -(-lo // self.base_every)

    def _cadence_step(self, step: int) -> bool:
        """`is_record_step` without the always-recorded first and last steps."""
        window = self._window_at(step)
        if window is not None:
            return (step - window[0]) % window[2] == 0
        return self.base_every is not None and step % self.base_every == 0

    # -- day ends (/daily) ----------------------------------------------------------------------

    def _day_step(self, j: int) -> int:
        """The step that ends day j (0: the epoch's day), before clipping to the run."""
        return max(1, _ceil_step(self.first_midnight_s + j * SECONDS_PER_DAY, self.dt_s))

    def _first_day_at_or_after(self, step: int) -> int:
        """The smallest j whose day step is >= step."""
        j = max(0, int(math.floor(((step - 1) * self.dt_s - self.first_midnight_s) / SECONDS_PER_DAY)))
        while j > 0 and self._day_step(j - 1) >= step:
            j -= 1
        while self._day_step(j) < step:
            j += 1
        return j

    def next_day_step(self, step: int) -> int:
        """The first day-end step at or after `step` (n_steps at the latest; steps >= 1)."""
        step = max(int(step), 1)
        if step >= self.n_steps:
            return self.n_steps
        return min(self._day_step(self._first_day_at_or_after(step)), self.n_steps)

    def next_output_step(self, step: int) -> int:
        """The first step at or after `step` that writes a time-series row or (with daily on) a
        /daily row: where a block of ticks must end for the Recorder."""
        record = self.next_record_step(step)
        return min(record, self.next_day_step(step)) if self.daily and step >= 1 else record

    def is_day_step(self, step: int) -> bool:
        """Whether a /daily row is written after step `step`."""
        if step < 1 or step > self.n_steps:
            return False
        return self.next_day_step(step) == step

    def n_days(self) -> int:
        """How many /daily rows the run writes (0 with `daily: false`)."""
        if not self.daily:
            return 0
        if self.dt_s > SECONDS_PER_DAY:   # several midnights may end in one tick: count the ticks
            return sum(1 for _ in self.day_steps())
        return self._first_day_at_or_after(self.n_steps) + 1   # the days ending before the last step, + it

    def day_steps(self):
        """The day-end steps in order (an iterator, one value per /daily row)."""
        step = 1
        while True:
            step = self.next_day_step(step)
            yield step
            if step >= self.n_steps:
                return
            step += 1


# -- what /daily holds: the FleetState accumulators ---------------------------------------------

def daily_fields(fleet) -> dict[str, DailyField]:
    """The /daily datasets of a FleetState: every field of role "accumulator", with its unit,
    description and (for a per-satellite table) row count."""
    return {name: DailyField(fleet.specs[name].unit, fleet.specs[name].description, fleet.specs[name].rows)
            for name in fleet.names("accumulator") if not fleet.specs[name].vector}


def daily_values(fleet) -> dict[str, np.ndarray]:
    """The arrays of a /daily row, as `Recorder.append_daily` takes them (views, not copies)."""
    return {name: getattr(fleet, name) for name in fleet.names("accumulator") if not fleet.specs[name].vector}
