"""The frame queues against a per-frame reference: a plain Python list of frames (each with its
capture time and the GPU-seconds or bytes it still needs) served oldest first, which the
kernels replace by integer counts in capture-time bins."""
from __future__ import annotations

import math

import numpy as np
import pytest

from sim.workloads.eo import kernels
from sim.workloads.eo.pipeline import Pipeline, histogram_percentile


class FrameList:
    """Reference: every frame an object with a capture time and what it still needs."""

    def __init__(self, unit):
        self.unit = unit
        self.frames: list[list[float]] = []   # [capture time, remaining]

    def push(self, t, n):
        self.frames += [[t, self.unit] for _ in range(n)]

    def drain(self, budget):
        done = []
        while self.frames and budget > 0:
            f = self.frames[0]
            take = min(budget, f[1])
            f[1] -= take
            budget -= take
            if f[1] <= 1e-9 * self.unit:
                done.append(self.frames.pop(0)[0])
        return done


def test_downlink_of_one_queue_matches_a_per_frame_reference():
    """Frames pushed at random times, downlinked with random byte budgets: the same frames
    leave at the same ticks; with bins narrower than the push spacing the capture times (hence
    latencies) are exact too."""
    rng = np.random.default_rng(5)
    size = 3.0e6
    p = Pipeline(1, size, size, 1e15, onboard=False, bin_s=1.0, bins=4096)
    ref = FrameList(size)
    ref_latencies = []
    for k in range(600):
        t = 10.0 * k
        n = int(rng.integers(0, 4))
        p.store(np.array([n], dtype=np.int64), t + 5.0)
        ref.push(t + 5.0, n)
        budget = float(rng.choice([0.0, 0.0, 2.5e6, 7.7e6, 2.0e7]))
        p.downlink(np.array([budget]), t + 10.0)
        ref_latencies += [t + 10.0 - c for c in ref.drain(budget)]
        assert p.delivered[0] == len(ref_latencies)
        assert p.n_out[0] == len(ref.frames)
    assert p.balance() == 0
    assert p.latency_mean_s() == pytest.approx(np.mean(ref_latencies), rel=1e-12)
    lo = np.searchsorted(p.edges_s, ref_latencies, side="right") - 1
    assert np.array_equal(np.bincount(lo, minlength=p.hist.size), p.hist)


def test_processing_books_gpu_seconds_and_keeps_whole_frames():
    """GPU budgets spent on 2.5 GPU-s frames: processed counts and the GPU-seconds used equal
    the per-frame reference; kept = round-down of keep × processed (error diffusion)."""
    rng = np.random.default_rng(9)
    g = 2.5
    p = Pipeline(1, 1e8, 1e6, 1e15, onboard=True, bin_s=60.0, bins=256)
    ref = FrameList(g)
    processed = used_ref = 0.0
    for k in range(400):
        n = int(rng.integers(0, 5))
        p.store(np.array([n], dtype=np.int64), 10.0 * k)
        ref.push(10.0 * k, n)
        budget = float(rng.uniform(0.0, 12.0))
        before = sum(f[1] for f in ref.frames)
        spent = p.process(np.array([budget]), np.array([g]), 0.7)[0]
        processed += len(ref.drain(budget))
        used_ref = before - sum(f[1] for f in ref.frames)
        assert spent == pytest.approx(used_ref, abs=1e-9)
        assert p.processed[0] == processed
    assert p.n_out[0] == math.floor(0.7 * processed + 1e-9)
    assert p.screened[0] + p.n_out[0] == processed
    assert p.balance() == 0


def test_storage_drops_what_does_not_fit():
    p = Pipeline(2, 10.0, 10.0, 35.0, onboard=False, bin_s=60.0, bins=8)
    began = p.store(np.array([2, 5], dtype=np.int64), 0.0)
    assert list(p.n_out) == [2, 3] and list(p.dropped) == [0, 2] and list(began) == [1]
    assert p.store(np.array([0, 1], dtype=np.int64), 5.0) is None    # still full: no second event
    p.downlink(np.array([0.0, 15.0]), 10.0)            # 1.5 frames leave satellite 1
    assert list(p.delivered) == [0, 1] and p.stored_bytes()[1] == pytest.approx(15.0)
    assert p.freed() is not None                       # 15 B ≤ min(35 − 10, 0.9 × 35)
    p.store(np.array([0, 3], dtype=np.int64), 20.0)    # 20 B free: 2 fit
    assert list(p.dropped) == [0, 4] and p.balance() == 0
    p.downlink(np.array([0.0, 5.0]), 30.0)             # 30 B stored: above 0.9 × 35, still full
    assert p.freed() is None


def test_a_full_ring_merges_into_its_last_bin():
    """More capture times than bins: the last bin absorbs them with the frame-weighted mean."""
    p = Pipeline(1, 1.0, 1.0, 1e9, onboard=False, bin_s=1.0, bins=3)
    for t in (0.0, 10.0, 20.0, 30.0, 40.0):
        p.store(np.array([2], dtype=np.int64), t)
    assert p.out.count[0] == 3
    assert p.out.t[0, 2] == pytest.approx(30.0) and p.out.n[0, 2] == 6
    p.downlink(np.array([10.0]), 100.0)
    assert p.latency_mean_s() == pytest.approx(np.mean([100, 100, 90, 90, 70, 70, 70, 70, 70, 70]))


def test_histogram_percentiles_against_numpy():
    """p50/p95 of a log-normal sample from the 400-bin histogram against numpy.percentile of
    the sample: within one bin (edges 3.8 % apart)."""
    rng = np.random.default_rng(2)
    sample = rng.lognormal(mean=7.0, sigma=1.2, size=200_000)
    edges = kernels.histogram_edges_s(400, 1.0, 30 * 86400.0)
    counts = np.bincount(np.searchsorted(edges, sample, side="right") - 1, minlength=400)
    for q in (50.0, 95.0):
        assert histogram_percentile(counts, edges, q) == pytest.approx(np.percentile(sample, q), rel=0.02)
    assert math.isnan(histogram_percentile(np.zeros(400, dtype=np.int64), edges, 50.0))


def test_capture_rounds_down_and_carries_the_fraction():
    prev, now = np.array([0.0, 1.0]), np.array([1.0, 1.0])
    phase, imaging, out = np.zeros(2), np.zeros(2), np.zeros(2, dtype=np.int64)
    kernels.capture_tick(prev, now, np.array([0.15, 0.15]), 10.0, phase, imaging, out)
    assert list(out) == [0, 1] and list(imaging) == [5.0, 10.0]
    assert phase == pytest.approx([0.75, 0.5])
    kernels.capture_tick(prev, now, np.array([0.15, 0.15]), 10.0, phase, imaging, out)
    assert list(out) == [2, 2]


def test_imaging_weight_against_geodesy_and_the_sun():
    """The kernel's land share under a satellite at 510 km against the raster at the geodetic
    nadir from sim.orbits.geodesy (exact WGS84 inversion): the same cell for ≥ 98 % of random
    points (the kernel takes the ellipsoid point on the geocentric radius, < 0.02° away); 0
    wherever the Sun is below the minimum elevation at the sub-satellite point."""
    from sim.orbits.geodesy import eci_to_geodetic
    from sim.workloads.eo.landmask import land_fraction, land_share

    rng = np.random.default_rng(4)
    n = 4000
    u = rng.normal(size=(3, n))
    r = u / np.linalg.norm(u, axis=0) * (6378137.0 + 510e3)
    gmst = 1.234
    lat, lon, alt = np.zeros(n), np.zeros(n), np.zeros(n)
    eci_to_geodetic(r, gmst, lat, lon, alt)
    raster, cell = land_fraction()
    members = np.arange(n)
    sun = np.array([0.3, -0.9, 0.3]) / np.linalg.norm([0.3, -0.9, 0.3])
    weight = kernels.imaging_weights(members, r, *sun, np.cos(gmst), np.sin(gmst), raster, cell,
                                     kernels.OVER_LAND, np.sin(np.radians(10.0)), np.zeros(n))
    sun_up = (sun @ (r / np.linalg.norm(r, axis=0))) >= np.sin(np.radians(10.0))
    assert np.all(weight[~sun_up] == 0.0) and sun_up.sum() > 1000
    expected = land_share(lat, lon)
    assert np.mean(weight[sun_up] == expected[sun_up]) >= 0.98
    sunlit = kernels.imaging_weights(members, r, *sun, np.cos(gmst), np.sin(gmst), raster, cell,
                                     kernels.OVER_SUNLIT, np.sin(np.radians(10.0)), np.zeros(n))
    assert np.array_equal(sunlit, sun_up.astype(float))
