"""The `inference` job kind: requests arriving at ground stations, served from orbit.

Every tick: arrivals per station (counts, sim.workloads.inference.arrivals), admitted up to what
the station's ground link carries in the tick (request bytes against rate × antennas; text is
far below it, so this binds only for tiny rates); the station's reachable candidates
(sim.workloads.inference.reachability); placement by the policy (dispatch.place); then every
member's queue advances as counts (serve.serve_tick), which books the members' delivered
GPU-seconds as useful (busy share) and idle (no request, or none reaches it) and sets their GPU
utilisation, so that a lightly loaded satellite draws idle power and runs cooler. Request bytes
are accounted against the station links only; the crosslinks carry them without load (≤ 1e-4
of their capacity for conversational text), and no per-request transfer is submitted.
"""
from __future__ import annotations

import math

import numpy as np

from sim.workloads import ledger
from sim.workloads.inference import arrivals, dispatch, hist, rand, serve, tick
from sim.workloads.inference.reachability import Reachability
from sim.workloads.inference.trace import read_trace, size_classes
from sim.workloads.job import Job
from sim.workloads.tick import INFERENCE

RING_BINS = 256

PROGRESS_DTYPE = np.dtype([("t_s", "f8"), ("arrived", "i8"), ("served", "i8"), ("rejected", "i8"),
                           ("waiting", "i8"), ("in_service", "i8"), ("slo_met", "i8"), ("busy_share", "f8"),
                           ("throttled_fraction", "f8"), ("t_junction_mean_k", "f8")])
PROGRESS_UNITS = {"t_s": "s", "busy_share": "1", "throttled_fraction": "1", "t_junction_mean_k": "K"}


class InferenceJob(Job):
    kind = "inference"
    tick_kind = INFERENCE
    events = {"inference_reachability": "a: network station index, b: 1 reachable again, 0 no member reachable"}

    def __init__(self, config, jc):
        super().__init__(config, jc)
        cfg, ctx = config, jc.ctx
        net = jc.network
        self.fleet = fleet = ctx.fleet
        names = net.contacts.stations.names
        chosen = names if cfg.arrivals.stations == "all" else cfg.arrivals.stations
        self.station_names = list(chosen)
        self.net_g = np.array([names.index(s) for s in chosen], np.int64)
        G = self.net_g.size
        self.members = members = np.ascontiguousarray(jc.members, np.int64)
        M = members.size
        fleet.gpu_clock_sensitivity[members] = cfg.clock_sensitive_share  # the payload delivers at this rate
        trace = read_trace(ctx.scenario.resolve_path(cfg.arrivals.trace.file)) if cfg.arrivals.trace else None
        self.arrivals = arrivals.build(cfg, trace, G, jc.rng)
        self.rand = rand.new_state(jc.rng)  # the kernels' stream
        self.cls_p, ctx_tokens, self.cls_gen = self._classes(cfg.requests, trace)
        s = cfg.service
        tpot_s = s.concurrency / s.decode_tokens_per_s
        self.cls_prefill_s = ctx_tokens / s.prefill_tokens_per_s
        self.cls_s = self.cls_prefill_s + self.cls_gen * tpot_s
        dt = ctx.dt_s
        steps = max(1, int(round(dt / cfg.queue.resolution_s)))
        delta = dt / steps
        max_wait_steps = int(math.ceil(cfg.queue.max_wait_s / delta))
        exponential = s.distribution == "exponential"
        ring_bins = 1 if exponential else RING_BINS
        ring_dt = max(delta, (float(self.cls_s.max()) + dt) / (RING_BINS - 4))
        self.par = np.zeros(serve.N_PAR)
        self.par[[serve.P_DT, serve.P_DELTA, serve.P_RING_DT, serve.P_MAX_WAIT_STEPS, serve.P_TPOT,
                  serve.P_SLO_TTFT, serve.P_SLO_TPOT, serve.P_EXPONENTIAL, serve.P_STEPS, serve.P_CONC]] = \
            [dt, delta, ring_dt, max_wait_steps, tpot_s, cfg.slo.ttft_s, cfg.slo.tpot_s, float(exponential), steps,
             s.concurrency]
        self.steps = steps
        self.ist, self.fst, self.ring, self.qring, self.act, self.act_n, self.is_act = \
            serve.new_state(M, max_wait_steps + 2, ring_bins)
        self.split = np.zeros(self.cls_p.size, np.int64)
        self.hist = hist.new()
        self.sums = np.zeros(serve.N_SUMS)
        self.policy = dispatch.POLICY[cfg.placement]
        self.st = np.zeros(tick.N_STATE)   # the scalars the tick kernel reads and advances (tick.TICKS, ...)
        self.reach = Reachability(net, fleet, ctx.events, members, self.net_g, cfg.reachability, self.st)
        self._scratch = dispatch.new_scratch(cfg.reachability.candidates)
        r = cfg.requests
        mean_ctx, mean_gen = float(self.cls_p @ ctx_tokens), float(self.cls_p @ self.cls_gen)
        self.bytes_up = mean_ctx * r.bytes_per_token + r.overhead_bytes
        self.bytes_down = mean_gen * r.bytes_per_token + r.overhead_bytes
        st = net.contacts.stations
        link_bytes_s = (st.rate_bps * st.antennas)[self.net_g] / 8.0
        self.max_per_tick = np.floor(link_bytes_s * dt / max(self.bytes_up, self.bytes_down)).astype(np.int64)
        z = lambda dtype=np.int64: np.zeros(G, dtype)  # noqa: E731
        self.arrived, self.placed, self.rej_unreach, self.rej_link, self.reach_ticks = z(), z(), z(), z(), z()
        self.lat_sum = z(float)
        self.reachable, self._was_reachable = z(), np.ones(G, np.int64)
        self._progress: list[tuple] = []
        self.st[tick.PROGRESS_NEXT_S] = cfg.progress_every_s
        self._last = np.zeros(4)
        self._work_rows = (ledger.CAUSE["useful"], ledger.CAUSE["idle"])
        self._delivered_m = np.zeros(M)

    @property
    def ticks(self) -> int:
        return int(self.st[tick.TICKS])

    @staticmethod
    def _classes(r, trace):
        """(probability, context tokens, generated tokens) of the request size classes."""
        if trace is None or "trace" not in (r.context_tokens, r.generated_tokens):
            return np.ones(1), np.array([float(r.context_tokens)]), np.array([float(r.generated_tokens)])
        ctx = trace.context if r.context_tokens == "trace" else np.full(trace.n, r.context_tokens)
        gen = trace.generated if r.generated_tokens == "trace" else np.full(trace.n, r.generated_tokens)
        return size_classes(ctx.astype(float), gen.astype(float), r.size_classes)

    def start(self) -> None:
        self.fleet.gpu_utilisation[self.members] = 0.0  # nothing to serve before the first request

    # ------------------------------------------------------------------ the tick
    def prepare(self, first_step: int, last_step: int) -> None:
        """Draw ahead the arrivals of the coming ticks (Poisson)."""
        if isinstance(self.arrivals, arrivals.PoissonArrivals):
            self.arrivals.cover(first_step, last_step, self.jc.ctx.dt_s)

    def tick_args(self) -> tuple:
        """tick.inference_tick's arguments after (step, t0_s, dt_s, delivered)."""
        self.st[tick.DIRTY] = 0.0
        r, f = self.reach, self.fleet
        job_args = (self.max_per_tick, self.arrived, self.rej_link, r.cand_m, r.cand_lat, r.cand_n, r.valid,
                    self.policy, self.config.service.concurrency, f.gpu_count, self._delivered_m, self.ist, self.fst,
                    self.members, f.t_junction_k, self.placed, self.rej_unreach, self.lat_sum, self.reachable,
                    self.reach_ticks, self._was_reachable, *self._scratch, self.act, self.act_n, self.is_act,
                    self.rand, self.steps, self.ring, self.qring, self.par, self.cls_p, self.cls_s,
                    self.cls_prefill_s, self.cls_gen, self.split, self.hist, self.sums, f.gpu_utilisation,
                    self.jc.ledger.gpu_s, *self._work_rows)
        return (self.st, *arrivals.kernel_args(self.arrivals), r.args(), job_args, self.members, self._delivered_m,
                float(self.config.progress_every_s))

    def tick_key(self) -> tuple:
        links, c = self.reach.network.links, self.reach.contacts
        return (links.epoch if links is not None else 0, id(links.state) if links is not None else 0,
                id(c.margin), id(c.usable), id(self.reach.view_sat), self.st[tick.DIRTY])

    def step(self, t0_s: float, dt_s: float, delivered_s: np.ndarray) -> None:
        """The tick from Python: the same kernel call as the subsystem's tick kernel makes."""
        step = int(round((t0_s + dt_s) / dt_s))
        self.prepare(step, step)
        code = tick.inference_tick(step, t0_s, dt_s, self.fleet.gpu_seconds_delivered_tick, *self.tick_args())
        if code & tick.FULL:
            raise RuntimeError(f"inference job {self.jc.name!r}: tick {step} not covered by the arrivals drawn")
        self.after_quiet(t0_s + dt_s, code)

    def after_quiet(self, t1_s: float, code: int) -> None:
        """The Python part of a tick the kernel ran: the reachability events, the progress row."""
        if code & tick.EVENTS:
            idx = np.flatnonzero(self.reachable != self._was_reachable)
            self.jc.emit("inference_reachability", t1_s, np.full(idx.size, -1), self.net_g[idx],
                         self.reachable[idx].astype(float))
            self._was_reachable[:] = self.reachable
        if code & tick.PROGRESS:
            self._progress_row(t1_s)
            self.st[tick.PROGRESS_NEXT_S] += self.config.progress_every_s

    def _progress_row(self, t_s: float) -> None:
        s, f, m = self.sums, self.fleet, self.members
        useful, idle = s[serve.USEFUL_S] - self._last[0], s[serve.IDLE_S] - self._last[1]
        self._last[:2] = s[serve.USEFUL_S], s[serve.IDLE_S]
        self._progress.append((t_s, int(self.arrived.sum()), int(s[serve.SERVED]), int(self.rejected()),
                               int(s[serve.WAITING]), int(s[serve.IN_SERVICE]), int(s[serve.MET]),
                               useful / (useful + idle) if useful + idle > 0 else 0.0,
                               float(np.mean(f.throttle_level[m] < 1.0 - 1e-9)), float(np.mean(f.t_junction_k[m]))))

    # ------------------------------------------------------------------ outputs
    def rejected(self) -> float:
        return float(self.rej_unreach.sum() + self.rej_link.sum() + self.sums[serve.TIMEOUT])

    def summary(self) -> dict[str, tuple[float, str]]:
        s, h = self.sums, self.hist
        served = s[serve.SERVED]
        arrived = float(self.arrived.sum())
        mean = lambda k: s[k] / served if served else math.nan  # noqa: E731
        pct = lambda row, q: hist.percentile(h[row], q)  # noqa: E731
        frac = self.reach_ticks / max(self.ticks, 1)
        placed = float(self.placed.sum())
        out = {
            "arrived": (arrived, "1"), "served": (served, "1"), "rejected": (self.rejected(), "1"),
            "rejected_unreachable": (float(self.rej_unreach.sum()), "1"),
            "rejected_link": (float(self.rej_link.sum()), "1"),
            "rejected_timeout": (float(s[serve.TIMEOUT]), "1"),
            "waiting_at_end": (float(s[serve.WAITING]), "1"),
            "in_service_at_end": (float(s[serve.IN_SERVICE]), "1"),
            "slo_met_fraction": (s[serve.MET] / served if served else math.nan, "1"),
            "slo_met_of_arrived": (s[serve.MET] / arrived if arrived else math.nan, "1"),
            "ttft_mean_s": (mean(serve.TTFT_SUM), "s"), "tpot_mean_s": (mean(serve.TPOT_SUM), "s"),
            "e2e_mean_s": (mean(serve.E2E_SUM), "s"), "wait_mean_s": (mean(serve.WAIT_SUM), "s"),
            "reachability_mean": (float(frac.mean()), "1"), "reachability_min": (float(frac.min()), "1"),
            "path_latency_mean_ms": (float(self.lat_sum.sum()) / placed * 1e3 if placed else math.nan, "ms"),
            "bytes_up": (float(self.placed.sum()) * self.bytes_up, "byte"),
            "bytes_down": (served * self.bytes_down, "byte"),
            "busy_share": (s[serve.USEFUL_S] / (s[serve.USEFUL_S] + s[serve.IDLE_S])
                           if s[serve.USEFUL_S] + s[serve.IDLE_S] > 0 else 0.0, "1"),
        }
        for row, name in enumerate(hist.KINDS):
            for q in (50, 90, 99):
                out[f"{name}_p{q}_s"] = (pct(row, q), "s")
        return out

    def tables(self) -> dict:
        G = self.net_g.size
        st = np.zeros(G, [("station", "U64"), ("network_index", "i8"), ("arrived", "i8"), ("placed", "i8"),
                          ("rejected_unreachable", "i8"), ("rejected_link", "i8"), ("reachable_fraction", "f8"),
                          ("path_latency_mean_ms", "f8"), ("bytes_up", "f8")])
        st["station"] = self.station_names
        st["network_index"] = self.net_g
        st["arrived"], st["placed"] = self.arrived, self.placed
        st["rejected_unreachable"], st["rejected_link"] = self.rej_unreach, self.rej_link
        st["reachable_fraction"] = self.reach_ticks / max(self.ticks, 1)
        with np.errstate(invalid="ignore", divide="ignore"):
            st["path_latency_mean_ms"] = np.where(self.placed > 0, self.lat_sum / self.placed * 1e3, np.nan)
        st["bytes_up"] = self.placed * self.bytes_up
        e = hist.edges_s()
        lat = np.zeros(hist.N_BINS, [("bin_lo_s", "f8"), ("bin_hi_s", "f8")] + [(k, "i8") for k in hist.KINDS])
        lat["bin_lo_s"], lat["bin_hi_s"] = e[:-1], e[1:]
        for row, k in enumerate(hist.KINDS):
            lat[k] = self.hist[row]
        progress = np.array(self._progress, dtype=PROGRESS_DTYPE)
        return {"stations": (st, {"reachable_fraction__units": "1", "path_latency_mean_ms__units": "ms",
                                  "bytes_up__units": "byte"}),
                "latency": (lat, {"bin_lo_s__units": "s", "bin_hi_s__units": "s"}),
                "progress": (progress, {f"{k}__units": u for k, u in PROGRESS_UNITS.items()})}
