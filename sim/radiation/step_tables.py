"""The radiation tick kernel's per-step inputs that depend on the time alone (NumPy, per block).

For each step k of a block (tick from t0 = k·dt − dt to t1 = t0 + dt) one row of
sim.radiation.steps' tables (GMST comes from the orbits' clock_table): the storm-time cutoff
shift of Kp at t1, the SPE flux and the spectral index of the strongest event at t1
(sim.radiation.steps.spe_steps), the free-space GCR flux and the heavy-ion modulation
interpolated at t1, and whether an SPE onset, peak or end falls in (t0, k·dt]. Every row is
computed elementwise from its step alone, so a step's values do not depend on the block it is
prepared in. The table holds twice the longest block: a block that starts after a flagged tick
inside the prepared range reads it at an offset instead of recomputing it. The SPE dose tables
(sim.radiation.environment.SpeDoseTables, ~0.2 s each) are made when an event is first the
strongest in a prepared step.
"""
from __future__ import annotations

import numpy as np

from sim.radiation import steps
from sim.radiation.environment import SPE_DOSE_LOG_EMIN, SPE_PFU_TO_OMNI


class StepTables:
    """Rows of the tick kernel's per-step tables (`floats`, `ints`) for steps first..last, read at
    row (step − first of the block) + `offset`."""

    def __init__(self, rad, rows: int):
        self.rad = rad
        self.rows = 2 * max(int(rows), 1)
        self.floats = steps.empty_float_table(self.rows)
        self.ints = steps.empty_int_table(self.rows)
        events = rad.spe_events
        self._events = np.array([(ev.onset_s, ev.peak_s, ev.peak_pfu, ev.decay_s, ev.end_s) for ev in events],
                                dtype=np.float64).reshape(len(events), 5).T.copy()
        self._gamma = np.array([2.0] + [ev.gamma for ev in events])
        self._times = np.sort(self._events[[0, 1, 4]].ravel())   # onsets, peaks, ends
        self.dose_tables = np.zeros((1 + len(events), SPE_DOSE_LOG_EMIN.size))
        self._have_dose = np.zeros(1 + len(events), dtype=bool)
        self._have_dose[0] = True   # no SPE: the kernel does not read the table
        self.first, self.last, self.offset = 1, 0, 0

    def prepare(self, first: int, last: int) -> None:
        """Make steps first..last readable from row 0 + offset."""
        if self.first <= first and last <= self.last:
            self.offset = first - self.first
            return
        if last - first + 1 > self.rows:
            raise ValueError(f"radiation: a block of {last - first + 1} ticks exceeds the {self.rows} rows "
                             "of the step tables")
        n = max(min(self.rows, self.rad.ctx.n_steps - first + 1), last - first + 1)
        k = np.arange(first, first + n, dtype=np.int64)
        t_s = k * self.rad.ctx.dt_s          # Clock.time_of_step
        t0_s = t_s - self.rad.ctx.dt_s
        self.fill(0, t0_s + self.rad.ctx.dt_s, t0_s, t_s)
        self.first, self.last, self.offset = first, first + n - 1, 0

    def invalidate(self) -> None:
        self.first, self.last, self.offset = 1, 0, 0

    def fill(self, row0: int, t1_s: np.ndarray, t0_s: np.ndarray, t_s: np.ndarray) -> None:
        """Rows row0.. for ticks ending at t1_s (t0_s + dt_s, the kernel's tick end) whose SPE
        events are those in (t0_s, t_s] (t_s: the step's time)."""
        rad = self.rad
        rows = slice(row0, row0 + t1_s.size)
        f, i = self.floats[rows], self.ints[rows]
        f[:, steps.GEOMAG:steps.GEOMAG + 6] = rad._geomag
        if rad._kp is not None:
            shift = np.radians(rad.cfg.geomagnetic.cutoff_shift_deg_per_kp * rad.kp(t1_s))
            f[:, steps.GEOMAG + 4] = np.cos(shift)
            f[:, steps.GEOMAG + 5] = np.sin(shift)
        j10 = np.zeros(t1_s.size)
        strongest = np.full(t1_s.size, -1, dtype=np.int64)
        if self._times.size:
            steps.spe_steps(t1_s, *self._events, j10, strongest)
            first = np.searchsorted(self._times, t0_s, side="right")   # first time > t0
            i[:, steps.SPE_EMIT] = (first < self._times.size) & (self._times[np.minimum(first, self._times.size - 1)]
                                                                 <= t_s)
        else:
            i[:, steps.SPE_EMIT] = 0
        f[:, steps.SPE_J10] = SPE_PFU_TO_OMNI * j10
        f[:, steps.SPE_GAMMA] = self._gamma[strongest + 1]
        i[:, steps.DOSE_TABLE] = strongest + 1
        for e in np.unique(strongest + 1):
            if not self._have_dose[e]:
                self.dose_tables[e] = rad._dose_table(self._gamma[e])
                self._have_dose[e] = True
        f[:, steps.GCR_FREE] = np.interp(t1_s, rad._gcr_table_s, rad._gcr_table_cm2_s)
        f[:, steps.HI_MODULATION] = np.interp(t1_s, rad._gcr_m_s, rad._gcr_m)
