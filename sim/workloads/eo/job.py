"""The `eo` job: Earth observation processed on board, with a bent-pipe baseline beside it.

Every tick, per member satellite (kernels in sim.workloads.eo.kernels, no per-frame objects):

1. capture: frames_per_s × the time the camera images (sunlit ground, weighted by the land
   share under the satellite; trapezoid of the tick's two ends), whole frames only;
2. store what fits in `storage_gb` (raw frames awaiting processing + products awaiting
   downlink); the rest is dropped;
3. process (process: onboard) with the GPU-seconds the hardware delivered × the utilisation
   the job set for the tick: gpu_s_per_frame each, oldest first; a share keep_fraction of the
   frames is kept and becomes a product of output size; the GPU-seconds used are booked useful,
   the rest idle;
4. downlink products through the usable ground contacts at the station rate
   (sim.workloads.eo.downlink), oldest first; delivered frames add their capture-to-ground
   latency to a histogram;
5. set the utilisation for the next tick: the share of the next tick's GPU time the queued
   work (and this tick's rate of new frames) would use, 0 where the policy defers; the GPU time
   of the next tick is throughput_fraction(level, s)·n·dt, s = `clock_sensitive_share` (the
   members' gpu_clock_sensitivity, the rate at which the payload delivers).

With process: onboard and bent_pipe_shadow (default) the same captured frames are also
booked as a bent pipe would handle them on the same satellites (same storage, same contacts,
raw frames downlinked), so every run says how much downlink processing saves and at what
latency. Policies (sim.workloads.eo.policy): immediate (naive), sunlit (process only in
sunlight), power_aware (in shadow only while the battery can still carry the rest of the eclipse).
"""
from __future__ import annotations

import numpy as np

from sim.workloads.eo import kernels, tick
from sim.workloads.eo.config import BYTES_PER_GB, EoJobConfig
from sim.workloads.eo.downlink import ContactTracker
from sim.workloads.eo.outputs import Outputs
from sim.workloads.eo.pipeline import Pipeline
from sim.workloads.eo.policy import Policy
from sim.workloads.job import Job, JobContext
from sim.workloads.ledger import CAUSE
from sim.workloads.tick import EO

SUNLIT = 0.5   # illumination at and above which a satellite counts as in sunlight (the payload's eclipse threshold)


class EoJob(Job):
    kind = "eo"
    tick_kind = EO
    events = {
        "eo_storage_full": "frames dropped for lack of storage; a: frames the satellite dropped so far, b: 1 "
                           "on-board pipeline, 0 bent-pipe shadow",
        "eo_storage_freed": "storage back below 90 % of capacity; a: frames the satellite dropped so far, b: 1 "
                            "on-board pipeline, 0 bent-pipe shadow",
    }

    def __init__(self, config: EoJobConfig, jc: JobContext):
        super().__init__(config, jc)
        ctx, fleet, members = jc.ctx, jc.fleet, jc.members
        if jc.network is None or jc.network.contacts is None:
            raise RuntimeError(f"eo job {jc.name!r} needs network.ground_stations (validation refuses this)")
        m = members.size
        cam = config.camera
        self.frame_bytes = cam.bytes_per_frame
        self.frames_per_s = np.ascontiguousarray(np.broadcast_to(cam.frames_per_s_at(fleet.a_m[members]), (m,)),
                                                 dtype=float)
        self.over = kernels.OVER_CODES[cam.over]
        self.sin_min_elevation = float(np.sin(np.radians(cam.min_sun_elevation_deg)))
        if cam.over == "land":
            from sim.workloads.eo.landmask import land_fraction
            self.land, self.cell_rad = land_fraction()
        else:
            self.land, self.cell_rad = np.zeros((1, 1), dtype=np.uint8), 1.0
        self.sun = ctx.services.get("sun")
        capacity = config.storage_gb * BYTES_PER_GB
        lat = config.latency
        self.onboard = config.onboard
        proc = config.processing
        if self.onboard:
            peak = fleet.gpu_peak_flops[members].astype(float)
            self.gpu_s_per_frame = np.array([proc.seconds_per_frame(p) for p in peak]) if proc.gpu_s_per_frame is None \
                else np.full(m, float(proc.gpu_s_per_frame))
            self.keep = float(proc.keep_fraction)
            out_bytes = proc.product_bytes(self.frame_bytes)
        else:
            self.gpu_s_per_frame, self.keep, out_bytes = np.zeros(m), 1.0, self.frame_bytes
        self.main = Pipeline(m, self.frame_bytes, out_bytes, capacity, self.onboard, lat.bin_s, lat.bins)
        self.shadow = Pipeline(m, self.frame_bytes, self.frame_bytes, capacity, False, lat.bin_s, lat.bins) \
            if self.onboard and config.bent_pipe_shadow else None
        self.tracker = ContactTracker(jc.network.contacts, ctx.events, members, fleet.n,
                                      config.radio_gbps * 1e9 if config.radio_gbps else None)
        self._weight_prev = np.zeros(m)
        self._weight_now = np.zeros(m)
        self._weights(0.0, self._weight_prev)
        self.imaging_s = np.zeros(m)
        self._phase = np.zeros(m)
        self._captured = np.zeros(m, dtype=np.int64)
        self._budget = np.zeros(m)
        self._u = np.zeros(m)
        self.delivered_s = np.zeros(m)
        fleet.gpu_utilisation[members] = 0.0
        fleet.gpu_clock_sensitivity[members] = config.clock_sensitive_share
        self.policy = Policy(config.policy, config.soc_reserve, ctx, members)
        self.st = np.zeros(tick.N_STATE)   # the scalars the tick kernel reads and advances (tick.HELD_TICKS, ...)
        self._n_events = np.zeros(4, dtype=np.int64)
        self._delivered_m = np.zeros(m)
        self._table = np.zeros((ctx.max_block_ticks, tick.N_TABLE))
        self._table_first, self._table_last = 1, 0      # the steps the table holds
        self.outputs = Outputs(self, ctx.n_steps * ctx.dt_s, config.table_every_s)

    def _weights(self, t_s: float, out: np.ndarray) -> np.ndarray:
        now = self.jc.ctx.clock.at(t_s)
        s = self.sun.unit
        return kernels.imaging_weights(self.jc.members, self.jc.fleet.r_eci_m, s[0], s[1], s[2], now.cos_gmst,
                                       now.sin_gmst, self.land, self.cell_rad, self.over, self.sin_min_elevation, out)

    @property
    def held_ticks(self) -> int:
        """Member-ticks the policy held processing back."""
        return int(self.st[tick.HELD_TICKS])

    def start(self) -> None:
        f, pol, p = self.jc.fleet, self.policy, self.main
        self._pipes = [(q, flag) for q, flag in ((self.main, 1.0), (self.shadow, 0.0)) if q is not None]
        self._utilisation_args = None
        if self.onboard:
            self._utilisation_args = (
                p.raw.count, p.n_raw, p.work, self.gpu_s_per_frame, self._captured, f.throttle_level,
                f.gpu_clock_sensitivity, f.gpu_count,
                f.illumination, SUNLIT, pol.code, f.battery_energy_wh, pol.capacity_wh, pol.bus_w, pol.gpu_idle_w,
                pol.gpu_extra_w, pol.discharge_efficiency, pol.soc_reserve, pol.eclipse_s, pol.entry_s, self._u,
                f.gpu_utilisation)

    # ------------------------------------------------------------------ the tick (sim.workloads.eo.tick)
    def prepare(self, first_step: int, last_step: int) -> None:
        """The Sun's unit vector and GMST at the end of each tick of the block (from the orbits'
        sun_table and clock_table, filled for the same block before)."""
        services, n = self.jc.ctx.services, last_step - first_step + 1
        self._table_first, self._table_last = first_step, last_step
        self._table[:n, tick.SUN_X:tick.SUN_Z + 1] = services.get("sun_table")[:n, 3:6]
        self._table[:n, tick.COS_GMST:tick.SIN_GMST + 1] = services.get("clock_table")[:n, 4:6]

    def _see_args(self) -> tuple:
        return (self.jc.fleet.r_eci_m, self.land, self.cell_rad, self.over, self.sin_min_elevation, self._weight_prev,
                self._weight_now, self.frames_per_s, float(self.jc.ctx.dt_s), self._phase, self.imaging_s,
                self._captured)

    def _halves(self) -> tuple[tuple, tuple]:
        """Arguments of tick.before_budget after (t0_s, dt_s, row, delivered), of tick.after_budget
        after (t0_s, dt_s, st, budget)."""
        jc = self.jc
        main = self.main.kernel_args()
        shadow = self.shadow.kernel_args() if self.shadow is not None else None
        process = self.main.process_args(self.gpu_s_per_frame, self.keep) if self.onboard else None
        before = (self._table, self._see_args(), main, shadow, process, jc.members, self._delivered_m,
                  self.delivered_s, self._u, self._budget, jc.ledger.gpu_s, CAUSE["useful"], CAUSE["idle"],
                  self._n_events)
        after = (main, shadow, self._utilisation_args, jc.members, self._n_events)
        return before, after

    def tick_args(self) -> tuple:
        """tick.eo_tick's arguments after (step, row, t0_s, dt_s, delivered)."""
        before, after = self._halves()
        t = self.tracker
        return (self.st, t.pending_flag, *before, t.rate_now, t.contact_s, t.capacity_bytes, self._utilisation_args)

    def step(self, t0_s: float, dt_s: float, delivered_s: np.ndarray) -> None:
        """The tick from Python (contact events arrived): the kernel's halves around the budget."""
        step = int(round((t0_s + dt_s) / dt_s))
        if not self._table_first <= step <= self._table_last:
            raise RuntimeError(f"eo job {self.jc.name!r}: tick {step} outside the prepared ticks "
                               f"{self._table_first}..{self._table_last}")
        row = step - self._table_first
        before, after = self._halves()
        delivered = self.jc.fleet.gpu_seconds_delivered_tick
        code = tick.before_budget(t0_s, dt_s, row, delivered, *before)
        budget = self.tracker.budget(t0_s, dt_s, self._budget)
        code |= tick.after_budget(t0_s, dt_s, self.st, budget, *after)
        self.after_quiet(t0_s + dt_s, code)

    def after_quiet(self, t1_s: float, code: int) -> None:
        """The events of the tick (storage full, then freed; main, then shadow) and the table row."""
        if code & tick.EVENTS:
            members, n = self.jc.members, self._n_events.tolist()
            for k, kind in ((0, "eo_storage_full"), (2, "eo_storage_freed")):
                for (pipe, flag), count in zip(self._pipes, n[k:k + 2]):
                    if count:
                        sel = pipe.began(count) if k == 0 else pipe.freed_members(count)
                        self.jc.emit(kind, t1_s, members[sel], pipe.dropped[sel].astype(float), flag)
        if code & tick.ROW:
            self.outputs.maybe_row(t1_s)

    def summary(self) -> dict[str, tuple[float, str]]:
        return self.outputs.summary()

    def tables(self) -> dict:
        return self.outputs.tables()
