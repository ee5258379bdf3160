"""Request arrivals per station and tick, as counts (never one object per request).

    poisson  Poisson(rate × dt) per station and tick
    gamma    a renewal process per station with Gamma(k, 1/(k·rate)) inter-arrival times
             (mean 1/rate, CV² = 1/k; k < 1 is burstier than Poisson; the `burstiness` of vLLM's
             benchmark_serving.py); one Gamma draw per request, in a kernel
    trace    the trace's arrival times (sim.workloads.inference.trace), replayed at time_scale and
             looping; station k starts k/G of the way through, so stations do not arrive in step
"""
from __future__ import annotations

import numpy as np

from sim.workloads.inference import dispatch, rand


class PoissonArrivals:
    def __init__(self, rate_per_s: float, n_stations: int, rng):
        self.rate, self.rng = rate_per_s, rng
        self.counts = np.zeros(n_stations, np.int64)

    def counts_in(self, t0_s: float, dt_s: float) -> np.ndarray:
        self.counts[:] = self.rng.poisson(self.rate * dt_s, self.counts.size)
        return self.counts


class GammaArrivals:
    def __init__(self, rate_per_s: float, shape: float, n_stations: int, rng):
        self.shape, self.scale = shape, 1.0 / (shape * rate_per_s)
        self.next_s = rng.gamma(shape, self.scale, n_stations)
        self.state = rand.new_state(rng)
        self.counts = np.zeros(n_stations, np.int64)

    def counts_in(self, t0_s: float, dt_s: float) -> np.ndarray:
        dispatch.gamma_counts(self.state, self.next_s, t0_s + dt_s, self.shape, self.scale, self.counts)
        return self.counts


class TraceArrivals:
    def __init__(self, trace, time_scale: float, n_stations: int):
        self.t_s = trace.t_s / time_scale
        self.period_s = trace.period_s / time_scale
        self.offset_s = np.arange(n_stations) * self.period_s / n_stations

    def _before(self, x_s: np.ndarray) -> np.ndarray:
        """Requests of the periodic replay before time x_s (from the trace's start)."""
        laps = np.floor(x_s / self.period_s)
        return laps.astype(np.int64) * self.t_s.size + np.searchsorted(self.t_s, x_s - laps * self.period_s)

    def counts_in(self, t0_s: float, dt_s: float) -> np.ndarray:
        return self._before(self.offset_s + (t0_s + dt_s)) - self._before(self.offset_s + t0_s)


def build(cfg, trace, n_stations: int, rng):
    a = cfg.arrivals
    if a.process == "poisson":
        return PoissonArrivals(a.rate_per_s, n_stations, rng)
    if a.process == "gamma":
        return GammaArrivals(a.rate_per_s, a.burstiness, n_stations, rng)
    return TraceArrivals(trace, a.trace.time_scale, n_stations)
