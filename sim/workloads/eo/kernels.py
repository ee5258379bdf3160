"""Numba kernels of the eo job: what the camera sees, and the per-satellite frame queues.

Frames are integer counts, never objects. A queue is a ring of capture-time bins per satellite
(`q_t` mean capture time of the bin [s], `q_n` frames in it; `head`, `count`), drained from the
head with a budget (GPU-seconds for processing, bytes for the downlink): whole frames leave, the
part of the head frame already worked on is kept in `progress`. So for every satellite, exactly,

    captured = delivered + screened + dropped + queued (raw + products)

Latencies of delivered frames go into a fixed-bin histogram (log-spaced edges, bin 0 below the
first edge). Kernel module: imports only numpy, numba, math and sim.core.
"""
from __future__ import annotations

import math

import numpy as np
from numba import njit

from sim.core.constants import SECONDS_PER_HOUR, WGS84_FLATTENING
from sim.core.numerics import inertial_to_earth_fixed
from sim.payload.gpu import throughput_fraction

OVER_LAND, OVER_SUNLIT, OVER_ALWAYS = 0, 1, 2
OVER_CODES = {"land": OVER_LAND, "sunlit": OVER_SUNLIT, "always": OVER_ALWAYS}
_E2 = WGS84_FLATTENING * (2.0 - WGS84_FLATTENING)
LAND_SCALE = 255.0     # land_fraction raster: uint8, 255 = all land
FREED_SHARE = 0.9      # a full storage counts as freed again below this share of its capacity
KEEP_ROUNDING = 1e-9   # a kept share that sums to a whole frame up to rounding counts as that frame


@njit(cache=True, inline="always", error_model="numpy")
def imaging_weight(x, y, z, sx, sy, sz, cos_gmst, sin_gmst, land, cell_rad, mode, sin_min_elevation):
    """0..1: how much the camera images at inertial position (x, y, z) with the Sun along the
    unit vector s: 0 unless the sub-satellite point sees the Sun above the minimum elevation
    (geocentric vertical); then 1, or (mode land) the land share of the raster cell under it
    (geodetic latitude, rows from 90° N, columns from 180° W)."""
    if mode == OVER_ALWAYS:
        return 1.0
    r = math.sqrt(x * x + y * y + z * z)
    if (x * sx + y * sy + z * sz) < sin_min_elevation * r:
        return 0.0
    if mode == OVER_SUNLIT:
        return 1.0
    xe, ye, ze = inertial_to_earth_fixed(x, y, z, cos_gmst, sin_gmst)
    lon = math.atan2(ye, xe)
    lat = math.atan2(ze, (1.0 - _E2) * math.sqrt(xe * xe + ye * ye))
    rows, cols = land.shape
    row = min(max(int((0.5 * math.pi - lat) / cell_rad), 0), rows - 1)
    col = min(max(int((lon + math.pi) / cell_rad), 0), cols - 1)
    return land[row, col] / LAND_SCALE


@njit(cache=True, error_model="numpy")
def imaging_weights(members, r_eci_m, sx, sy, sz, cos_gmst, sin_gmst, land, cell_rad, mode, sin_min_elevation, out):
    for m in range(members.shape[0]):
        i = members[m]
        out[m] = imaging_weight(r_eci_m[0, i], r_eci_m[1, i], r_eci_m[2, i], sx, sy, sz, cos_gmst, sin_gmst,
                                land, cell_rad, mode, sin_min_elevation)
    return out


@njit(cache=True, error_model="numpy")
def capture_tick(weight_prev, weight_now, frames_per_s, dt_s, phase, imaging_s, captured):
    """Frames captured in one tick: the imaging time is the trapezoid of the weights at the tick
    start and end; fractional frames carry over in `phase` (whole frames only leave it).
    `captured[m]` is this tick's count; `imaging_s` accumulates; weight_prev becomes weight_now."""
    for m in range(weight_now.shape[0]):
        seconds = 0.5 * (weight_prev[m] + weight_now[m]) * dt_s
        imaging_s[m] += seconds
        acc = phase[m] + frames_per_s[m] * seconds
        n = int(acc)
        phase[m] = acc - n
        captured[m] = n
        weight_prev[m] = weight_now[m]
    return captured


@njit(cache=True, error_model="numpy")
def see_and_capture(members, r_eci_m, sx, sy, sz, cos_gmst, sin_gmst, land, cell_rad, mode, sin_min_elevation,
                    weight_prev, weight_now, frames_per_s, dt_s, phase, imaging_s, captured):
    """`imaging_weights` at the tick end, then `capture_tick`, in one launch."""
    imaging_weights(members, r_eci_m, sx, sy, sz, cos_gmst, sin_gmst, land, cell_rad, mode, sin_min_elevation,
                    weight_now)
    return capture_tick(weight_prev, weight_now, frames_per_s, dt_s, phase, imaging_s, captured)


@njit(cache=True, error_model="numpy")
def push(m, t_s, n, bin_s, q_t, q_n, head, count):
    """Append n frames captured at t_s to satellite m's queue: into the tail bin while it is
    younger than bin_s (or the ring is full), else into a new bin."""
    if n <= 0:
        return
    k_bins = q_t.shape[1]
    c = count[m]
    if c > 0:
        tail = (head[m] + c - 1) % k_bins
        if t_s - q_t[m, tail] < bin_s or c == k_bins:
            nt = q_n[m, tail]
            q_t[m, tail] = (q_t[m, tail] * nt + t_s * n) / (nt + n)
            q_n[m, tail] = nt + n
            return
    tail = (head[m] + c) % k_bins
    q_t[m, tail] = t_s
    q_n[m, tail] = n
    count[m] = c + 1


@njit(cache=True, error_model="numpy")
def drain(m, budget, unit, progress, q_t, q_n, head, count, out_t, out_n):
    """Spend up to `budget` on satellite m's queue, `unit` per frame, oldest first; `progress[m]`
    is what the head frame already received. Whole frames that finish are listed in
    out_t/out_n (capture time, frames). Returns (budget used, chunks listed)."""
    k_bins = q_t.shape[1]
    used = 0.0
    chunks = 0
    while count[m] > 0 and budget > 0.0:
        h = head[m]
        n_head = q_n[m, h]
        need = n_head * unit - progress[m]
        if budget >= need:
            budget -= need
            used += need
            progress[m] = 0.0
            out_t[chunks] = q_t[m, h]
            out_n[chunks] = n_head
            chunks += 1
            q_n[m, h] = 0
            head[m] = (h + 1) % k_bins
            count[m] -= 1
        else:
            total = progress[m] + budget
            k = min(int(total / unit), n_head - 1)
            progress[m] = min(max(total - k * unit, 0.0), unit)
            used += budget
            budget = 0.0
            if k > 0:
                q_n[m, h] = n_head - k
                out_t[chunks] = q_t[m, h]
                out_n[chunks] = k
                chunks += 1
    return used, chunks


@njit(cache=True, error_model="numpy")
def store_tick(captured, t_capture_s, frame_bytes, capacity_bytes, into_raw, n_raw, n_out, out_bytes, sent,
               bin_s, q_t, q_n, head, count, dropped, full, began):
    """Store this tick's frames where they fit (used = raw·frame_bytes + products·out_bytes −
    bytes of the head product already sent); the rest is dropped. Frames go into the queue
    given (the raw queue when processed on board, else the downlink queue). A satellite that
    drops while not marked `full` is marked and listed in `began`; returns how many."""
    n_began = 0
    for m in range(captured.shape[0]):
        n = captured[m]
        if n <= 0:
            continue
        free = capacity_bytes - (n_raw[m] * frame_bytes + n_out[m] * out_bytes - sent[m])
        fits = min(n, max(int(free / frame_bytes), 0))
        if fits < n:
            dropped[m] += n - fits
            if not full[m]:
                full[m] = True
                began[n_began] = m
                n_began += 1
        if fits > 0:
            if into_raw:
                n_raw[m] += fits
            else:
                n_out[m] += fits
            push(m, t_capture_s, fits, bin_s, q_t, q_n, head, count)
    return n_began


@njit(cache=True, error_model="numpy")
def freed_tick(full, n_raw, n_out, sent, frame_bytes, out_bytes, capacity_bytes, freed):
    """Satellites marked full whose storage fell below FREED_SHARE of the capacity (and holds
    room for a frame): unmarked and listed; returns how many. The margin keeps a satellite that
    downlinks a frame and captures the next from flapping between full and freed."""
    n_freed = 0
    limit = min(capacity_bytes - frame_bytes, FREED_SHARE * capacity_bytes)
    for m in range(full.shape[0]):
        if full[m] and n_raw[m] * frame_bytes + n_out[m] * out_bytes - sent[m] <= limit:
            full[m] = False
            freed[n_freed] = m
            n_freed += 1
    return n_freed


@njit(cache=True, error_model="numpy")
def process_tick(budget_s, gpu_s_per_frame, keep_fraction, work, raw_t, raw_n, raw_head, raw_count,
                 n_raw, processed, screened, keep_phase, bin_s, q_t, q_n, head, count, n_out, spent_s,
                 out_t, out_n):
    """Process queued raw frames with each satellite's GPU-second budget (gpu_s_per_frame per
    satellite, at full clock): finished frames are
    screened (a share keep_fraction kept, by error diffusion in keep_phase, so kept counts are
    whole frames), kept ones join the downlink queue with their capture time. spent_s: the
    GPU-seconds used (the rest of the budget is idle)."""
    for m in range(budget_s.shape[0]):
        spent_s[m] = 0.0
        if budget_s[m] <= 0.0 or raw_count[m] == 0:
            continue
        used, chunks = drain(m, budget_s[m], gpu_s_per_frame[m], work, raw_t, raw_n, raw_head, raw_count,
                             out_t, out_n)
        spent_s[m] = used
        for c in range(chunks):
            k = out_n[c]
            n_raw[m] -= k
            processed[m] += k
            acc = keep_phase[m] + k * keep_fraction
            kept = min(int(acc + KEEP_ROUNDING), k)
            keep_phase[m] = acc - kept
            screened[m] += k - kept
            n_out[m] += kept
            push(m, out_t[c], kept, bin_s, q_t, q_n, head, count)
    return spent_s


@njit(cache=True, error_model="numpy")
def downlink_tick(budget_bytes, out_bytes, t_s, sent, q_t, q_n, head, count, n_out, delivered, bytes_down,
                  hist, log_first_edge, log_step, latency_sum, out_t, out_n):
    """Downlink each satellite's products with its byte budget of the tick; frames delivered at
    t_s go into the latency histogram (and latency_sum[0], frame-seconds)."""
    n_bins = hist.shape[0]
    for m in range(budget_bytes.shape[0]):
        if budget_bytes[m] <= 0.0 or count[m] == 0:
            continue
        used, chunks = drain(m, budget_bytes[m], out_bytes, sent, q_t, q_n, head, count, out_t, out_n)
        bytes_down[m] += used
        for c in range(chunks):
            k = out_n[c]
            n_out[m] -= k
            delivered[m] += k
            latency = max(t_s - out_t[c], 0.0)
            latency_sum[0] += k * latency
            b = 0
            if latency > 0.0:
                b = int(math.floor((math.log(latency) - log_first_edge) / log_step)) + 1
                b = min(max(b, 0), n_bins - 1)
            hist[b] += k
    return bytes_down


POLICY_IMMEDIATE, POLICY_SUNLIT, POLICY_POWER_AWARE = 0, 1, 2
POLICY_CODES = {"immediate": POLICY_IMMEDIATE, "sunlit": POLICY_SUNLIT, "power_aware": POLICY_POWER_AWARE}


@njit(cache=True, error_model="numpy")
def utilisation_tick(members, t_s, dt_s, raw_count, n_raw, work, gpu_s_per_frame, captured, throttle_level,
                     gpu_clock_sensitivity, gpu_count,
                     illumination, sunlit, policy, battery_energy_wh, capacity_wh, bus_w, gpu_idle_w, gpu_extra_w,
                     discharge_efficiency, soc_reserve, eclipse_s, entry_s, u, gpu_utilisation):
    """The utilisation of the next tick per member (sim.workloads.eo.job, step 5), written to u
    and to the fleet's gpu_utilisation; returns the members the policy held back."""
    held = 0
    for m in range(members.shape[0]):
        i = members[m]
        pending = n_raw[m] * gpu_s_per_frame[m] - work[m] if raw_count[m] > 0 else 0.0
        demand = pending + captured[m] * gpu_s_per_frame[m]
        capacity = throughput_fraction(throttle_level[i], gpu_clock_sensitivity[i]) * gpu_count[i] * dt_s
        if capacity > 0.0:
            x = min(demand / capacity, 1.0)
        else:
            x = 1.0 if demand > 0.0 else 0.0
        if policy != POLICY_IMMEDIATE and illumination[i] < sunlit:
            ok = False
            if policy == POLICY_POWER_AWARE:
                started = t_s if math.isnan(entry_s[m]) else entry_s[m]
                t_left = max(eclipse_s[m] - (t_s - started), 0.0)
                idle_w = bus_w[m] + gpu_count[i] * gpu_idle_w[m]
                need_wh = (idle_w * t_left + gpu_count[i] * gpu_extra_w[m] * dt_s) / (
                    SECONDS_PER_HOUR * discharge_efficiency[m])
                ok = battery_energy_wh[i] - need_wh >= soc_reserve * capacity_wh[m]
            if not ok:
                if x > 0.0:
                    held += 1
                x = 0.0
        u[m] = x
        gpu_utilisation[i] = x
    return held


def histogram_edges_s(n_bins: int, first_s: float, last_s: float) -> np.ndarray:
    """Edges of the latency histogram: bin 0 is [0, first_s), then log-spaced up to last_s,
    the last bin open above (n_bins + 1 edges, the last infinite)."""
    inner = np.geomspace(first_s, last_s, n_bins - 1)
    return np.concatenate(([0.0], inner, [np.inf]))
