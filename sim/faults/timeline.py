"""The fault timeline of one run, drawn whole before the run starts.

Every fault is a row of /faults/timeline: the unit it holds down (a station, or a satellite's
terminal) from start_s to end_s. A scheduled fault is one occurrence; a random fault draws its
occurrences as a Poisson process on [0, T) of the run: N ~ Poisson(λ·T) and the N start times
uniform on [0, T) (the order statistics of a Poisson process), then one duration per occurrence,
each random fault from its own stream (substream(seed, "faults.random.<k>")), so the timeline
depends on neither the block length nor the other entries. λ is rate_per_year for the whole
target (each occurrence hits every unit of it) or 1/mtbf_h for each unit on its own. A cloud
front draws its centre uniformly among the optical stations; it holds every optical station
within radius_km of the centre (great circle) down.
"""
from __future__ import annotations

import math

import numpy as np

from sim.core.constants import SECONDS_PER_HOUR, SECONDS_PER_JULIAN_YEAR
from sim.core.subsystem import substream
from sim.faults.targets import Units, great_circle_km

TIMELINE_DTYPE = [("start_s", "f8"), ("end_s", "f8"), ("permanent", "i1"), ("kind", "i2"), ("entry", "i4"),
                  ("fault", "i4"), ("sat", "i4"), ("target", "i4")]
TIMELINE_UNITS = {"start_s": "s", "end_s": "s", "permanent": "1", "kind": "1", "entry": "1", "fault": "1",
                  "sat": "1", "target": "1"}
TIMELINE_DOC = ("one row per unit a fault holds down: start_s..end_s after the epoch (end_s is the run's end "
                "where permanent = 1); kind: fault kind code; entry: index of the fault in scheduled + random "
                "(scheduled first); fault: occurrence id (rows of one fault share it); sat: satellite (-1 a "
                "ground station); target: station index, terminal index, or -1 all of the satellite's terminals")


def draw_durations_s(rng: np.random.Generator, spec, n: int) -> np.ndarray:
    """n outage durations [s] (inf: permanent) of an OutageDuration."""
    if spec.distribution == "fixed":
        return np.full(n, spec.value_s)
    if spec.distribution == "exponential":
        return rng.exponential(spec.mean_s, n)
    if spec.distribution == "lognormal":
        return rng.lognormal(math.log(spec.median_s), spec.sigma, n)
    return np.full(n, math.inf)


def poisson_starts_s(rng: np.random.Generator, rate_per_s, horizon_s: float, n_units: int = 1):
    """(unit of each occurrence, start times [s]) of n_units independent Poisson processes of
    rate_per_s (one rate, or one per unit) on [0, horizon_s), sorted by unit then time."""
    counts = rng.poisson(np.broadcast_to(np.asarray(rate_per_s, float) * horizon_s, (n_units,)))
    unit = np.repeat(np.arange(n_units), counts)
    starts = rng.uniform(0.0, horizon_s, unit.size)
    order = np.lexsort((starts, unit))
    return unit[order], starts[order]


def build_timeline(cfg, epoch, seed: int, horizon_s: float, units: list[Units], stations=None) -> np.ndarray:
    """The structured timeline (TIMELINE_DTYPE) of the FaultsConfig `cfg` over [0, horizon_s):
    units[k] are the units of entry k (cfg.entries() order; a cloud front's: the optical stations).
    Rows sorted by start, then entry, then unit; the occurrence ids follow that order."""
    from sim.faults.config import KIND_CODE, ScheduledFault

    occurrences = []  # (start_s, entry, duration_s, sat array, target array)
    for k, (where, fault) in enumerate(cfg.entries()):
        u = units[k]
        if isinstance(fault, ScheduledFault):
            duration = math.inf if fault.duration == "permanent" else fault.duration
            if fault.start_s(epoch) < horizon_s:   # one after the end of the run does not happen
                occurrences.append((fault.start_s(epoch), k, duration, u.sat, u.index))
            continue
        rng = substream(seed, where)
        if fault.mtbf_h is not None:
            rate = (1.0 if u.weight is None else u.weight) / (fault.mtbf_h * SECONDS_PER_HOUR)
            unit, starts = poisson_starts_s(rng, rate, horizon_s, u.size)
            durations = draw_durations_s(rng, fault.duration, starts.size)
            occurrences += [(t, k, d, u.sat[j:j + 1], u.index[j:j + 1]) for j, t, d in zip(unit, starts, durations)]
            continue
        _, starts = poisson_starts_s(rng, fault.rate_per_year / SECONDS_PER_JULIAN_YEAR, horizon_s)
        starts = np.sort(starts)
        durations = draw_durations_s(rng, fault.duration, starts.size)
        if fault.kind == "cloud_front":
            centres = u.index[rng.integers(0, u.size, starts.size)] if u.size else np.zeros(0, np.int64)
            for t, d, c in zip(starts, durations, centres):
                near = great_circle_km(stations.lat_deg[c], stations.lon_deg[c], stations.lat_deg[u.index],
                                       stations.lon_deg[u.index]) <= fault.target.radius_km
                occurrences.append((t, k, d, u.sat[near], u.index[near]))
        else:
            occurrences += [(t, k, d, u.sat, u.index) for t, d in zip(starts, durations)]
    occurrences.sort(key=lambda o: (o[0], o[1]))
    rows = np.zeros(sum(o[3].size for o in occurrences), TIMELINE_DTYPE)
    r = 0
    for fault_id, (t, k, d, sat, target) in enumerate(occurrences):
        s = slice(r, r + sat.size)
        permanent = not math.isfinite(d)
        rows["start_s"][s] = t
        rows["end_s"][s] = horizon_s if permanent else t + d
        rows["permanent"][s] = permanent
        rows["kind"][s] = KIND_CODE[cfg.entries()[k][1].kind]
        rows["entry"][s] = k
        rows["fault"][s] = fault_id
        rows["sat"][s] = sat
        rows["target"][s] = target
        r += sat.size
    return rows


def down_hours(rows: np.ndarray, horizon_s: float) -> float:
    """Unit-hours down inside [0, horizon_s): the union of each unit's intervals (overlapping
    faults on one unit count once)."""
    total_s = 0.0
    if rows.size == 0:
        return 0.0
    for sat, target in np.unique(np.stack([rows["sat"], rows["target"]], axis=1), axis=0):
        sel = rows[(rows["sat"] == sat) & (rows["target"] == target)]
        order = np.argsort(sel["start_s"], kind="stable")
        end_so_far = -math.inf
        for start, end in zip(sel["start_s"][order], np.minimum(sel["end_s"][order], horizon_s)):
            start = max(start, end_so_far)
            if end > start:
                total_s += end - start
            end_so_far = max(end_so_far, end)
    return total_s / SECONDS_PER_HOUR
