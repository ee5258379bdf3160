"""A synchronous data-parallel training job across satellites, advanced analytically per tick.

Each member holds a replica and computes its share of the global step (in proportion to its
usable GPUs × peak rate, set whenever the membership changes). In a tick with clock level ℓ_i
and n_i working GPUs the payload delivers d_i = r_i n_i dt, r_i = throughput_fraction(ℓ_i, s) =
1/(s/ℓ_i + 1 − s) with s = `clock_sensitive_share` (set on the members' gpu_clock_sensitivity), so
member i computes a step in c_i = w_i / (r_i n_i) = (w_i/n_i)(s/ℓ_i + 1 − s),
w_i = share_i · F / (peak_i · MFU) GPU-seconds; the gradients then
cross a ring all-reduce (sim.workloads.training.ring), of which `exposed_s` is not hidden, and
the step takes T = max c_i + exposed. Of every step, member i books w_i useful, (max c − c_i)ℓ_i n_i
straggler and exposed·r_i n_i communication GPU-seconds; steps per tick = running time / T.

The discrete things inside a tick (interruptions, radiation SDCs, SPE onset and end, the end of a
checkpoint write or a restart, the step at which the detector finds a corruption) are handled
at their exact times by splitting the tick into segments (sim.workloads.training.schedule; what
each does: sim.workloads.training.policy). When a member goes down (not delivering, partitioned
from the ring, a device lost): wait stalls everyone until it is back; restart rolls back to the
last checkpoint and recovers for restart_s (held while a member is still down); elastic drops it
and lets it rejoin restart_s after it is back. An interruption (Poisson, per GPU) crashes the job
under wait and restart and drops its member under elastic.
"""
from __future__ import annotations

import math

import numpy as np

from sim.workloads.job import Job, JobContext
from sim.workloads.ledger import CAUSE
from sim.workloads.tick import TRAINING
from sim.workloads.training import kernels, policy, schedule
from sim.workloads.training.checkpoints import CheckpointStore
from sim.workloads.training.config import TrainingJobConfig
from sim.workloads.training.ring import Ring, all_reduce_s, exposed_s, ring_order

EVENTS = {
    "train_checkpoint": "sat -1; a: committed step saved, b: write time [s], c: checkpoint bytes",
    "train_failure": "sat: member (-1 the job); a: cause (1 interruption, 2 member down, 3 device lost, "
                     "4 partitioned), b: committed step, c: 1 permanent GPU fault else 0",
    "train_rollback": "sat -1; a: steps lost, b: step rolled back to, c: cause (1 failure, 2 SDC detected)",
    "train_restart": "sat -1; a: committed step resumed from, b: time recovering [s]",
    "train_sdc_detected": "sat -1; a: committed step at detection, b: steps since the corruption, "
                          "c: checks until it was found",
    "train_member_dropped": "sat: member; a: active members after, b: committed step",
    "train_member_rejoined": "sat: member; a: active members after, b: committed step",
    "train_stall": "sat -1; a: 1 the job stalls (wait), 0 it resumes, b: members down",
}
PROGRESS_ROWS_MAX = 100_000


class TrainingJob(Job):
    kind = "training"
    tick_kind = TRAINING
    events = EVENTS

    def __init__(self, config: TrainingJobConfig, jc: JobContext):
        super().__init__(config, jc)
        f, m = jc.fleet, jc.members
        self.n = n = m.size
        self.st = np.zeros(kernels.N_STATE)   # the scalar state the tick kernel reads (kernels.GATE, ...)
        self.F = config.model.step_flops
        self.S = config.model.all_reduce_bytes
        self.tokens_per_step = config.model.tokens_per_step
        self.peak = f.gpu_peak_flops[m].astype(float)
        self.installed = f.gpu_count_installed[m].astype(np.int64)
        f.gpu_clock_sensitivity[m] = config.clock_sensitive_share   # the payload delivers at this rate
        self.count = f.gpu_count[m].astype(np.int64)             # working GPUs as last seen (updated in place)
        self.failed = np.zeros(n, dtype=np.int64)               # GPUs lost to permanent interruptions
        self.usable = np.ones(n)                                # share of the working GPUs the job can use
        self.is_member = np.zeros(f.n, dtype=bool)
        self.is_member[m] = True
        self.position = np.full(f.n, -1, dtype=np.int64)
        self.position[m] = np.arange(n)
        self.store = CheckpointStore(n, config.checkpoint.keep_last)
        self.useful_cum = np.zeros(n)
        self.active = np.ones(n, dtype=bool)
        self.rejoin_at = np.full(n, np.inf)                     # elastic: when a dropped member rejoins
        self.w = np.zeros(n)                                    # useful GPU-seconds per step of each member
        self.version = 0
        self.mode = policy.RUN
        self.stalled = False
        self.recompute_s = 0.0
        self.pending_save = None
        self.corrupt_t_s = None       # time of the first corruption of the current state
        self.corrupt_step = 0.0
        self.detect_step = np.inf
        self.checks_to_detect = 0
        self.spe_active = False
        self.pending: list[tuple[float, int, int]] = []         # (t_s, event code, member position)
        # steps_computed, run_s and exposed_s are in st (properties below), the tick kernel adds to them
        self.counts = dict.fromkeys(("checkpoints", "rollbacks", "lost_steps", "restarts",
                                     "failures", "interruptions", "permanent_faults", "sdc_corruptions",
                                     "sdc_detected", "sdc_recomputes", "sdc_masked", "members_dropped",
                                     "step_time_weighted_s"), 0.0)
        self.progress: list[tuple] = []
        every = config.progress_every_s
        self.progress_every_s = max(every, jc.ctx.clock.duration_s / PROGRESS_ROWS_MAX, jc.ctx.dt_s)
        self.ring = None
        self.ring_complete = True
        self.acc = np.zeros((len(CAUSE), n))
        self.busy = np.zeros(n)
        self._rates = np.zeros(n)
        self._bottleneck = np.inf
        self._cache = None
        self.restart_from_s = 0.0
        self.quiet_out = np.zeros(3)
        self.set_shares()
        self.sync()

    def sync(self) -> None:
        """Write what the tick kernel's quiet path depends on into st: whether it may be tried,
        the checkpoint interval now and the step a corruption is detected at."""
        st = self.st
        gate = kernels.GATE_NONE
        if not self.pending and not self.stalled and self.all_active and not (self.rejoin_at < math.inf).any():
            if self.mode == policy.RUN and self.recompute_s == 0.0:
                gate = kernels.GATE_RUN
            elif self.mode == policy.CKPT:
                gate = kernels.GATE_HOLD_CHECKPOINT
            elif self.mode == policy.RESTART:
                gate = kernels.GATE_HOLD_RESTART
        st[kernels.GATE] = gate
        st[kernels.ANY_FAILED] = 1.0 if self.failed.any() else 0.0
        every_s, every_steps = policy.interval(self)
        st[kernels.EVERY_S] = every_s if every_s is not None else math.inf
        st[kernels.EVERY_STEPS] = every_steps if every_steps is not None else math.inf
        st[kernels.DETECT_STEP] = self.detect_step if self.corrupt_t_s is not None else math.inf

    def _add_pending(self, items) -> None:
        self.pending.extend(items)
        if self.pending:
            self.st[kernels.GATE] = 0.0

    # ------------------------------------------------------------------ set-up
    def start(self) -> None:
        jc, cfg = self.jc, self.config
        links = jc.network.links if jc.network is not None else None
        fixed = cfg.allreduce.bandwidth_gbps * 1e9 if cfg.allreduce.bandwidth_gbps else None
        order, self.ring_complete = ring_order(jc.members, cfg.allreduce.ring, links, jc.fleet.n)
        self.ring = Ring(order, jc.members, links, jc.fleet.n, fixed)
        events = jc.ctx.events
        for name, code in (("sdc", policy.SDC), ("sdc_detected", policy.SDC_DETECTED)):
            if name in events.kinds:
                events.subscribe(name, lambda t, sat, a, b, c, code=code: self._on_member_event(t, sat, code))
        if cfg.spe.action != "run" and jc.radiation is not None:
            for name, code in (("spe_onset", policy.SPE_ONSET), ("spe_end", policy.SPE_END)):
                if name in events.kinds:
                    events.subscribe(name, lambda t, sat, a, b, c, code=code: self._on_job_event(t, code))
            self.spe_active = any(ev.onset_s <= 0.0 < ev.end_s for ev in jc.radiation.spe_events)
            if self.spe_active and cfg.spe.action == "pause":
                self.mode = policy.PAUSE
            policy.protect_history(self)
        self.sync()
        hardware = getattr(jc.ctx.scenario.faults, "hardware_faults", lambda: False)()
        if hardware:   # the faults section is the one place hardware faults are defined (sim.faults)
            events.subscribe("fault_start", self._on_hardware_fault)
        elif cfg.interruptions.gpu_mtbf_h is not None:
            jc.ctx.env.process(self._interruptions())
        schedule.progress_row(self, 0.0, math.nan)

    def _interruptions(self):
        """Candidate interruptions at the rate of every installed GPU; step() keeps those that hit a
        working GPU of a member that is up (thinning), so the rate follows the working GPUs."""
        env, rng = self.jc.ctx.env, self.jc.rng
        mean_s = self.config.interruptions.gpu_mtbf_h * 3600.0 / max(int(self.installed.sum()), 1)
        while True:
            yield env.timeout(rng.exponential(mean_s))
            self._add_pending([(env.now, policy.INTERRUPT, -1)])

    def _on_member_event(self, t_s, sat, code: int) -> None:
        hit = self.is_member[sat]
        if hit.any():
            pos = self.position[sat[hit]]
            self._add_pending(list(zip(t_s[hit].tolist(), [code] * int(hit.sum()), pos.tolist())))

    def _on_hardware_fault(self, t_s, sat, kind, target, fault_id) -> None:
        """fault_start of a GPU fault on a member (sim.faults kinds gpu_reset, gpu_lost): an interruption
        of one of its GPUs, permanent for gpu_lost, booked as the job's own interruptions are."""
        from sim.faults.config import KIND_CODE
        code = np.where(kind == KIND_CODE["gpu_reset"], policy.HW_RESET,
                        np.where(kind == KIND_CODE["gpu_lost"], policy.HW_LOST, 0))
        hit = (code > 0) & (sat >= 0)
        hit[hit] = self.is_member[sat[hit]]
        if hit.any():
            self._add_pending(list(zip(t_s[hit].tolist(), code[hit].tolist(), self.position[sat[hit]].tolist())))

    def _on_job_event(self, t_s, code: int) -> None:
        self._add_pending([(float(t), code, -1) for t in t_s])

    # ------------------------------------------------------------------ scalars kept in st
    def _st(index: int, doc: str):
        def get(self) -> float:
            return float(self.st[index])

        def put(self, value: float) -> None:
            self.st[index] = value
        return property(get, put, doc=doc)

    committed = _st(kernels.COMMITTED, "committed steps")
    since_s = _st(kernels.SINCE_S, "compute time since the last checkpoint [s]")
    since_steps = _st(kernels.SINCE_STEPS, "steps since the last checkpoint")
    steps_computed = _st(kernels.STEPS_COMPUTED, "steps computed (committed and later rolled back)")
    run_s = _st(kernels.RUN_S, "time computing [s]")
    exposed_s = _st(kernels.EXPOSED_S, "exposed all-reduce time summed over the steps [s]")
    next_progress_s = _st(kernels.NEXT_PROGRESS_S, "time of the next progress row [s]")
    remaining_s = _st(kernels.REMAINING_S, "of the checkpoint write or the restart in progress [s]")
    del _st

    def tick_args(self) -> tuple:
        """The arrays and scalars of kernels.train_tick after (t0_s, dt_s, delivered)."""
        self.sync()
        f, cfg = self.jc.fleet, self.config
        ring_j, present, state, rate, fixed = self.ring.arrays()
        return (self.jc.members, f.gpu_count, self.count, self.usable, self.w, self.useful_cum, ring_j, present, state,
                rate, float(fixed), float(self.S), float(cfg.allreduce.latency_s), float(cfg.allreduce.overlap),
                self.st, self.jc.ledger.gpu_s, policy.USEFUL, policy.STRAGGLER, policy.COMM, policy.IDLE,
                policy.CHECKPOINT, policy.RESTART_C, f.gpu_utilisation, self.quiet_out)

    def tick_key(self) -> tuple:
        links = self.ring.links if self.ring is not None else None
        return (links.epoch, id(links.state), id(links.rate_bps)) if links is not None else ()

    def after_quiet(self, t1_s: float, code: int) -> None:
        """The Python part of a tick the kernel booked quietly (a progress row due)."""
        if code == kernels.PROGRESS_DUE:
            schedule.progress_row(self, t1_s, float(self.quiet_out[1]))

    # ------------------------------------------------------------------ the step model
    def set_shares(self) -> None:
        """Shares of the global step in proportion to usable GPUs × peak rate of the active members."""
        g = np.maximum(self.count - self.failed, 0)
        self.usable[:] = np.where(self.count > 0, g / np.maximum(self.count, 1), 0.0)   # in place: the tick
        capacity = float((g * self.peak)[self.active].sum())                              # kernel holds them
        self.w[:] = np.where(self.active, g * self.F / (self.config.model.mfu * capacity), 0.0) if capacity > 0 \
            else 0.0
        self.version += 1
        self._cache = None
        self.all_active = bool(self.active.all())

    def timing(self, rates: np.ndarray, bottleneck_bps: float) -> tuple[float, float, float]:
        """(step time T, slowest compute time, exposed all-reduce time) of the active members."""
        key = (self.version, bottleneck_bps)      # step() clears the cache every tick (new rates)
        if self._cache is not None and self._cache[0] == key:
            return self._cache[1]
        act = self.active
        n_active = int(act.sum())
        if n_active == 0:
            out = (np.inf, np.inf, 0.0)
        else:
            tc = float(np.max(self.w[act] / rates[act]))
            ar = all_reduce_s(n_active, self.S, bottleneck_bps, self.config.allreduce.latency_s) \
                if np.isfinite(bottleneck_bps) else 0.0
            ex = exposed_s(ar, tc, self.config.allreduce.overlap)
            out = (tc + ex, tc, ex)
        self._cache = (key, out)
        return out

    def step(self, t0_s: float, dt_s: float, delivered_s: np.ndarray) -> None:
        schedule.advance_tick(self, t0_s, dt_s, delivered_s)

    # ------------------------------------------------------------------ outputs
    def summary(self) -> dict[str, tuple[float, str]]:
        c, jc = self.counts, self.jc
        m = jc.members
        books = {cause: jc.ledger.total(cause, m) for cause in CAUSE}
        delivered = sum(books.values())
        available = float(jc.fleet.gpu_seconds_available[m].sum())
        steps_run, run_s = self.steps_computed, self.run_s
        mean_step = run_s / steps_run if steps_run > 0 else float("nan")
        out = {
            "steps": (self.committed, "1"),
            "steps_computed": (steps_run, "1"),
            "mean_step_time_s": (mean_step, "s"),
            "exposed_communication_fraction": (self.exposed_s / run_s if run_s > 0 else 0.0, "1"),
            "ring_complete": (1.0 if self.ring_complete else 0.0, "1"),
            "corrupted_at_end": (1.0 if self.corrupt_t_s is not None else 0.0, "1"),
            "useful_fraction_of_delivered": (books["useful"] / delivered if delivered > 0 else 0.0, "1"),
            "goodput_fraction": (books["useful"] / available if available > 0 else 0.0, "1"),
            "useful_gpu_hours": (books["useful"] / 3600.0, "h"),
        }
        if self.tokens_per_step:
            out["tokens"] = (self.committed * self.tokens_per_step, "1")
        for k in ("checkpoints", "rollbacks", "lost_steps", "restarts", "failures", "interruptions",
                  "permanent_faults", "sdc_corruptions", "sdc_detected", "sdc_recomputes", "sdc_masked",
                  "members_dropped"):
            out[k] = (float(c[k]), "1")
        return out

    def tables(self) -> dict:
        dtype = [("t_s", "f8"), ("step", "f8"), ("step_time_s", "f8"), ("steps_computed", "f8"),
                 ("active_members", "i4"), ("mode", "i1")]
        rows = np.array(self.progress, dtype=dtype)
        attrs = {"t_s__units": "s", "step__units": "1", "step_time_s__units": "s", "steps_computed__units": "1",
                 "active_members__units": "1", "mode__units": "1", "mode__meaning": policy.MODE_NAMES}
        return {"progress": (rows, attrs)}
