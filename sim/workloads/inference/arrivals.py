"""Request arrivals per station and tick, as counts (never one object per request).

    poisson  Poisson(rate × dt) per station and tick, drawn ahead CHUNK_TICKS ticks at a time (the
             same draws, in the same order, as one tick at a time)
    gamma    a renewal process per station with Gamma(k, 1/(k·rate)) inter-arrival times
             (mean 1/rate, CV² = 1/k; k < 1 is burstier than Poisson; the `burstiness` of vLLM's
             benchmark_serving.py); one Gamma draw per request, in a kernel
    trace    the trace's arrival times (sim.workloads.inference.trace), replayed at time_scale and
             looping; station k starts k/G of the way through, so stations do not arrive in step
"""
from __future__ import annotations

import numpy as np

from sim.workloads.inference import dispatch, rand, tick

CHUNK_TICKS = 1024


class PoissonArrivals:
    kind = tick.POISSON

    def __init__(self, rate_per_s: float, n_stations: int, rng):
        self.rate, self.rng = rate_per_s, rng
        self.counts = np.zeros(n_stations, np.int64)
        self.drawn = np.zeros((0, n_stations), np.int64)   # counts of ticks drawn_first, drawn_first + 1, ...
        self.drawn_first = 1

    def cover(self, first_step: int, last_step: int, dt_s: float) -> None:
        """Have the counts of ticks first_step .. last_step drawn (whole chunks, in order)."""
        end = self.drawn_first + self.drawn.shape[0]       # first tick not drawn
        if last_step < end:
            return
        keep = self.drawn[max(first_step - self.drawn_first, 0):]
        chunks = [keep]
        while end <= last_step:
            chunks.append(self.rng.poisson(self.rate * dt_s, (CHUNK_TICKS, self.counts.size)))
            end += CHUNK_TICKS
        self.drawn_first = end - sum(c.shape[0] for c in chunks)
        self.drawn = np.ascontiguousarray(np.concatenate(chunks), np.int64)

    def counts_in(self, t0_s: float, dt_s: float) -> np.ndarray:
        step = int(round((t0_s + dt_s) / dt_s))
        self.cover(step, step, dt_s)
        self.counts[:] = self.drawn[step - self.drawn_first]
        return self.counts


class GammaArrivals:
    kind = tick.GAMMA

    def __init__(self, rate_per_s: float, shape: float, n_stations: int, rng):
        self.shape, self.scale = shape, 1.0 / (shape * rate_per_s)
        self.next_s = rng.gamma(shape, self.scale, n_stations)
        self.state = rand.new_state(rng)
        self.counts = np.zeros(n_stations, np.int64)

    def counts_in(self, t0_s: float, dt_s: float) -> np.ndarray:
        dispatch.gamma_counts(self.state, self.next_s, t0_s + dt_s, self.shape, self.scale, self.counts)
        return self.counts


class TraceArrivals:
    """Counts by sim.workloads.inference.tick.trace_counts."""
    kind = tick.TRACE

    def __init__(self, trace, time_scale: float, n_stations: int):
        self.t_s = np.ascontiguousarray(trace.t_s / time_scale, dtype=float)
        self.period_s = float(trace.period_s / time_scale)
        self.offset_s = np.arange(n_stations) * self.period_s / n_stations
        self.counts = np.zeros(n_stations, np.int64)

    def counts_in(self, t0_s: float, dt_s: float) -> np.ndarray:
        tick.trace_counts(self.t_s, self.period_s, self.offset_s, t0_s, dt_s, self.counts)
        return self.counts.copy()


def kernel_args(arrivals) -> tuple:
    """tick.inference_tick's (arrival_kind, counts, drawn, drawn_first, gamma_rng, next_s, shape,
    scale, trace_t_s, period_s, offset_s): what the job's kind uses, fillers for the rest."""
    a = arrivals
    no_i, no_x, no_u = np.zeros((0, a.counts.size), np.int64), np.zeros(0), np.zeros(4, np.uint64)
    poisson = isinstance(a, PoissonArrivals)
    gamma = isinstance(a, GammaArrivals)
    trace = isinstance(a, TraceArrivals)
    return (a.kind, a.counts, a.drawn if poisson else no_i, a.drawn_first if poisson else 1,
            a.state if gamma else no_u, a.next_s if gamma else no_x, float(a.shape) if gamma else 0.0,
            float(a.scale) if gamma else 0.0, a.t_s if trace else no_x, a.period_s if trace else 1.0,
            a.offset_s if trace else no_x)


def build(cfg, trace, n_stations: int, rng):
    a = cfg.arrivals
    if a.process == "poisson":
        return PoissonArrivals(a.rate_per_s, n_stations, rng)
    if a.process == "gamma":
        return GammaArrivals(a.rate_per_s, a.burstiness, n_stations, rng)
    return TraceArrivals(trace, a.trace.time_scale, n_stations)
