"""What the upsets of one tick do, in numba: their number, times, device class and kind, and
outcome (corrected, silent or detected corruption, functional interrupt, latch-up, device
loss), with the GPU resets and restarts they cause and the device weights they change.

The device weights of satellite i, weights[i, c, k] = (devices of class c present) × σ of
kind k (bit, SEFI, SEL), are what the class and kind of an upset are picked in proportion to;
`update_weights` is the one place they are computed (at set-up, after a loss, after a dose
degradation). `lose_devices` is the one device loss (a latch-up here, the dose in the
subsystem), `_hold_down` the one GPU hold-down.
"""
from __future__ import annotations

import math

import numpy as np
from numba import njit

from sim.radiation.constants import UPSET_EVENTS

# event codes of `upset_outcomes`, positions in UPSET_EVENTS
SEU_CORRECTED, SDC, SDC_DETECTED, SEFI, SEL, DEVICE_LOST, GPU_RESET, GPU_RESTORED = range(len(UPSET_EVENTS))
N_EVENT_CODES = len(UPSET_EVENTS)
UNIFORMS_PER_UPSET = 5   # position in H, class/kind pick, then three for the outcome
REDUNDANCY_CODE = {"none": 0, "dmr": 1, "tmr": 2}
# columns of the per-class table of `upset_outcomes` (flags as 0/1)
CLASS_COLUMNS = ("per_gpu", "count", "sigma_bit_kind_cm2", "sigma_sefi_cm2", "sigma_sel_cm2", "ecc", "mbu_fraction",
                 "sigma_bit_cm2", "word_bits", "detect_fraction", "takes_down", "sefi_median_s", "sefi_sigma_ln",
                 "sel_downtime_s", "sel_destructive_p")
(_PER_GPU, _COUNT, _SIGMA_KIND, _, _, _ECC, _MBU, _SIGMA_BIT, _WORD_BITS, _DETECT, _TAKES_DOWN, _SEFI_MEDIAN,
 _SEFI_SIGMA, _SEL_DOWNTIME, _SEL_P) = range(len(CLASS_COLUMNS))


@njit(cache=True)
def crossed_upsets(crossed, hazard_prev, hazard, next_threshold):
    """Satellites with crossed[i] != 0, and their hazard at the tick start, end and threshold."""
    n = 0
    for i in range(crossed.shape[0]):
        n += crossed[i] != 0
    idx = np.empty(n, dtype=np.int64)
    h0, h1, first = np.empty(n), np.empty(n), np.empty(n)
    j = 0
    for i in range(crossed.shape[0]):
        if crossed[i] != 0:
            idx[j], h0[j], h1[j], first[j] = i, hazard_prev[i], hazard[i], next_threshold[i]
            j += 1
    return idx, h0, h1, first


POISSON_INVERSION_MAX = 30.0   # larger means: Poisson counts drawn by the caller (numpy)


@njit(cache=True)
def further_upsets(sats, h1, first, u, next_threshold, extra):
    """Upsets past the first on each crossed satellite and the next threshold: extra[j] ~
    Poisson(h1[j] − first[j]) by inversion of u[j, 0] (−1 where the mean exceeds
    POISSON_INVERSION_MAX: the caller draws those), next_threshold[sats[j]] = h1[j] + Exp(1) from
    u[j, 1]. Returns (upsets counted, means left to the caller)."""
    total = sats.shape[0]
    left = 0
    for j in range(sats.shape[0]):
        lam = max(h1[j] - first[j], 0.0)
        next_threshold[sats[j]] = h1[j] - math.log(1.0 - u[j, 1])
        if lam > POISSON_INVERSION_MAX:
            extra[j] = -1
            left += 1
            continue
        p = math.exp(-lam)
        cdf = p
        k = 0
        while u[j, 0] > cdf and k < 1000:
            k += 1
            p *= lam / k
            cdf += p
        extra[j] = k
        total += k
    return total, left


@njit(cache=True, inline="always")
def _put(code, t_s, sat, a, b, c, ev, ev_sat, ev_n):
    k = ev_n[code]
    ev[0, code, k] = t_s
    ev_sat[code, k] = sat
    ev[1, code, k] = a
    ev[2, code, k] = b
    ev[3, code, k] = c
    ev_n[code] = k + 1


@njit(cache=True, inline="always")
def _devices(i, c, classes, gpu_count, host_lost, factor):
    """Devices of class c on satellite i, times `factor`: none once the host is lost, one set per
    GPU for a per-GPU class."""
    if host_lost[i]:
        return 0.0
    n_dev = classes[c, _COUNT] * factor
    if classes[c, _PER_GPU] != 0.0:
        n_dev *= gpu_count[i]
    return n_dev


@njit(cache=True)
def device_counts(sats, classes, gpu_count, host_lost):
    """(len(sats), classes) devices present on the satellites."""
    out = np.empty((sats.shape[0], classes.shape[0]))
    for j in range(sats.shape[0]):
        for c in range(classes.shape[0]):
            out[j, c] = _devices(sats[j], c, classes, gpu_count, host_lost, 1.0)
    return out


@njit(cache=True)
def _satellite_weights(i, classes, dose_factor, gpu_count, host_lost, weights):
    for c in range(classes.shape[0]):
        n_dev = _devices(i, c, classes, gpu_count, host_lost, dose_factor[i, c])
        for kd in range(3):
            weights[i, c, kd] = n_dev * classes[c, _SIGMA_KIND + kd]


@njit(cache=True)
def update_weights(sats, classes, dose_factor, gpu_count, host_lost, weights):
    """weights[i, c, k] = devices of class c × dose_factor[i, c] × σ_k of the class, for i in sats."""
    for j in range(sats.shape[0]):
        _satellite_weights(sats[j], classes, dose_factor, gpu_count, host_lost, weights)


@njit(cache=True)
def _hold_down(i, t_s, until_s, cls, t1_s, throttle_level, gpu_on, down_until_start_s, gpu_down_until_s,
               gpu_down_since_s, down_seconds, pending, ev, ev_sat, ev_n):
    """GPUs of satellite i off from t_s to until_s [s]: count the part of the tick the step kernel
    did not see; a reset event when they were running. pending = [open, level]: a reset of this
    tick whose restart (at most t1_s) is emitted when the next reset shows it over, or by the caller
    after the satellite's last upset — not before, as a later upset may extend the period."""
    covered = down_until_start_s[i]
    down_seconds[i] += max(min(until_s, t1_s) - max(t_s, covered), 0.0)
    down_until_start_s[i] = max(covered, until_s)
    gpu_down_until_s[i] = max(gpu_down_until_s[i], until_s)
    if covered <= t_s:
        if pending[0] != 0.0:   # the period opened earlier in this tick ended at `covered`
            _put(GPU_RESTORED, covered, i, 0.0, pending[1], covered - gpu_down_since_s[i],
                 ev, ev_sat, ev_n)
        level = throttle_level[i] if gpu_on[i] != 0 else 0.0
        _put(GPU_RESET, t_s, i, level, 0.0, float(cls), ev, ev_sat, ev_n)
        gpu_down_since_s[i] = t_s
        pending[0] = 1.0
        pending[1] = level



@njit(cache=True, inline="always")
def _close_pending(i, t1_s, pending, gpu_down_until_s, gpu_down_since_s, ev, ev_sat, ev_n):
    """After satellite i's last hold-down of the tick: its restart, if the period ends in the tick."""
    back = gpu_down_until_s[i]
    if pending[0] != 0.0 and back <= t1_s:   # down and back up within the tick
        _put(GPU_RESTORED, back, i, 0.0, pending[1], back - gpu_down_since_s[i], ev, ev_sat, ev_n)


@njit(cache=True)
def _lose_device(i, t_s, cls, cause, t1_s, classes, weights, dose_factor, gpu_count, host_lost, dose_rad,
                 throttle_level, gpu_on, down_until_start_s, gpu_down_until_s, gpu_down_since_s, down_seconds,
                 pending, ev, ev_sat, ev_n, counts_by_class):
    """One device of class cls of satellite i lost at t_s: a per-GPU device takes its GPU with it,
    a per-satellite one (the host) holds every GPU down for good. Emits device_lost (b = cause:
    1 latch-up, 2 dose) and recomputes the satellite's weights."""
    if classes[cls, _PER_GPU] != 0.0:
        gpu_count[i] = max(gpu_count[i] - 1, 0)
    elif not host_lost[i]:
        host_lost[i] = True
        _hold_down(i, t_s, np.inf, cls, t1_s, throttle_level, gpu_on, down_until_start_s, gpu_down_until_s,
                   gpu_down_since_s, down_seconds, pending, ev, ev_sat, ev_n)
    _put(DEVICE_LOST, t_s, i, float(cls), cause, dose_rad[i], ev, ev_sat, ev_n)
    counts_by_class[cls, DEVICE_LOST] += 1
    _satellite_weights(i, classes, dose_factor, gpu_count, host_lost, weights)


@njit(cache=True, error_model="numpy")
def lose_devices(i, n, t_s, cls, cause, t1_s, classes, weights, dose_factor, gpu_count, host_lost, dose_rad,
                 throttle_level, gpu_on, down_until_start_s, gpu_down_until_s, gpu_down_since_s, down_seconds,
                 ev, ev_sat, ev_n, counts_by_class):
    """n devices of class cls of satellite i lost at t_s (within the tick ending at t1_s), with
    the events of `_lose_device` and `_hold_down` into ev, ev_sat, ev_n as in `upset_outcomes`."""
    pending = np.zeros(2)
    for _ in range(n):
        _lose_device(i, t_s, cls, cause, t1_s, classes, weights, dose_factor, gpu_count, host_lost, dose_rad,
                     throttle_level, gpu_on, down_until_start_s, gpu_down_until_s, gpu_down_since_s, down_seconds,
                     pending, ev, ev_sat, ev_n, counts_by_class)
    _close_pending(i, t1_s, pending, gpu_down_until_s, gpu_down_since_s, ev, ev_sat, ev_n)


@njit(cache=True, inline="always")
def _pick_weight(i, c, kd, weights, flux_scale, hi_unit, classes, gpu_count, host_lost, dose_factor):
    """Rate of kind kd of class c on satellite i up to one factor common to all: the proton part
    weights × flux_scale (the local flux, or 1 in a run without heavy ions) plus the heavy-ion SEU
    (kind 0) or SEL (kind 2) of the devices present."""
    w = weights[i, c, kd] * flux_scale
    if hi_unit.shape[1] > 0 and kd != 1:
        w += _devices(i, c, classes, gpu_count, host_lost, dose_factor[i, c]) * hi_unit[i, c, kd // 2]
    return w


@njit(cache=True, error_model="numpy")
def upset_outcomes(sats, extra, h0, h1, first, uniforms, t0_s, dt_s, scrub_s, redundancy, classes,
                   weights, hi_unit, dose_factor, gpu_count, host_lost, proton_flux_cm2_s, dose_rad, throttle_level,
                   gpu_on, down_until_start_s, gpu_down_until_s, gpu_down_since_s, down_seconds,
                   pos_scratch, ev, ev_sat, ev_n, counts_by_class, lost):
    """Every upset of one tick, satellite by satellite and in time order on each satellite, so an
    upset sees the resets, latch-ups and losses of the earlier ones.

    Satellite sats[j] (hazard h0[j] → h1[j] over [t0_s, t0_s + dt_s], threshold first[j] crossed)
    has 1 + extra[j] upsets: one at `first`, the others uniform in H on [first, h1] (their number
    Poisson(h1 − first), drawn by the caller); time is linear in H within the tick. Row r of
    `uniforms` (UNIFORMS_PER_UPSET columns, rows in the order sats × (1 + extra)) drives upset r:
    u0 its position in H (unused for the first), u1 the (class, kind) pick in proportion to
    their rates, weights[i] × the local proton flux + the heavy-ion rates hi_unit[i] [1/s per device;
    kinds SEU → bit, SEL] × the devices present (a run without heavy ions has no hi_unit classes and
    picks by weights[i] alone) (per-GPU classes left out while the GPUs are down, unless that leaves nothing),
    u2..u4 its outcome — bit upset: u2 multi-bit (mbu_fraction), u3 a pair with an earlier upset of
    the same word before the next scrub (ECC classes), u4 detection; SEFI: downtime log-normal
    (Box–Muller on u2, u3); SEL: u2 destructive. A destructive SEL loses one GPU (per-GPU class) or
    the host (per-satellite class: GPUs down for good; `_lose_device`); weights[i] is then
    recomputed and lost[j] set (the caller updates the total cross-sections). Redundancy: 0 none,
    1 DMR (per-GPU errors detected), 2 TMR (per-GPU errors masked). classes[c] holds class c's
    parameters in the order of CLASS_COLUMNS (flags 0/1). Times and downtimes in s, fluxes in
    1/(cm2 s).

    Events of code k go to t = ev[0, k, :ev_n[k]], sat = ev_sat[k, :ev_n[k]], a, b, c = ev[1..3, k, ...]
    (codes SEU_CORRECTED … GPU_RESTORED; a, b, c as in the event registry); counts_by_class[class,
    code] counts the first six codes.
    """
    t1_s = t0_s + dt_s
    n_cls = classes.shape[0]
    n_pick = n_cls * 3
    row = 0
    pending = np.zeros(2)
    for j in range(sats.shape[0]):
        i = sats[j]
        m = 1 + extra[j]
        pending[0] = 0.0
        span = h1[j] - h0[j]
        inv_span = dt_s / max(span, 1e-300)
        # positions in H, sorted (insertion sort: a few upsets per satellite)
        pos_scratch[0] = first[j]
        for k in range(1, m):
            p = first[j] + uniforms[row + k, 0] * (h1[j] - first[j])
            q = k
            while q > 1 and pos_scratch[q - 1] > p:
                pos_scratch[q] = pos_scratch[q - 1]
                q -= 1
            pos_scratch[q] = p
        flux = proton_flux_cm2_s[i]
        flux_scale = flux if hi_unit.shape[1] > 0 else 1.0
        for k in range(m):
            u = uniforms[row + k]
            if k == 0:
                t_s = t0_s + max(first[j] - h0[j], 0.0) * inv_span
            else:
                t_s = t0_s + min(pos_scratch[k] - h0[j], span) * inv_span
            # class and kind
            down = down_until_start_s[i] > t0_s
            total = 0.0
            for c in range(n_cls):
                if down and classes[c, _PER_GPU] != 0.0:
                    continue
                for kd in range(3):
                    total += _pick_weight(i, c, kd, weights, flux_scale, hi_unit, classes, gpu_count, host_lost,
                                          dose_factor)
            if total <= 0.0:   # taken down earlier in this tick: the hazard saw them running
                down = False
                for c in range(n_cls):
                    for kd in range(3):
                        total += _pick_weight(i, c, kd, weights, flux_scale, hi_unit, classes, gpu_count,
                                              host_lost, dose_factor)
            target = u[1] * total
            pick = 0
            cum = 0.0
            for f in range(n_pick):
                c = f // 3
                if not (down and classes[c, _PER_GPU] != 0.0):
                    cum += _pick_weight(i, c, f - 3 * c, weights, flux_scale, hi_unit, classes, gpu_count,
                                        host_lost, dose_factor)
                if cum < target:
                    pick += 1
            pick = min(pick, n_pick - 1)
            cls = pick // 3
            kind = pick - 3 * cls
            gpu_cls = classes[cls, _PER_GPU] != 0.0
            takes_down = classes[cls, _TAKES_DOWN] != 0.0
            if kind == 0:   # bit upset
                multi = u[2] < classes[cls, _MBU]
                bits = 2.0 if multi else 1.0
                has_ecc = classes[cls, _ECC] != 0.0
                if has_ecc:
                    p_pair = min(flux * (classes[cls, _SIGMA_BIT] * classes[cls, _WORD_BITS] * 0.5 * scrub_s), 1.0)
                    multi = multi or u[3] < p_pair
                corrected = has_ecc and not multi
                if not corrected and gpu_cls and redundancy == 2:
                    corrected = True
                if corrected:
                    code = SEU_CORRECTED
                elif (has_ecc and multi) or u[4] < classes[cls, _DETECT] or (gpu_cls and redundancy == 1):
                    code = SDC_DETECTED
                else:
                    code = SDC
                _put(code, t_s, i, float(cls), bits, flux, ev, ev_sat, ev_n)
                counts_by_class[cls, code] += 1
            elif kind == 1:   # SEFI
                z = math.sqrt(-2.0 * math.log(1.0 - u[2])) * math.cos(2.0 * math.pi * u[3])
                downtime = classes[cls, _SEFI_MEDIAN] * math.exp(classes[cls, _SEFI_SIGMA] * z)
                if takes_down:
                    _hold_down(i, t_s, t_s + downtime, cls, t1_s, throttle_level, gpu_on, down_until_start_s,
                               gpu_down_until_s, gpu_down_since_s, down_seconds, pending,
                               ev, ev_sat, ev_n)
                _put(SEFI, t_s, i, float(cls), downtime, flux, ev, ev_sat, ev_n)
                counts_by_class[cls, SEFI] += 1
            else:   # SEL
                downtime = classes[cls, _SEL_DOWNTIME]
                destructive = u[2] < classes[cls, _SEL_P]
                if takes_down:
                    _hold_down(i, t_s, t_s + downtime, cls, t1_s, throttle_level, gpu_on, down_until_start_s,
                               gpu_down_until_s, gpu_down_since_s, down_seconds, pending,
                               ev, ev_sat, ev_n)
                _put(SEL, t_s, i, float(cls), downtime, 1.0 if destructive else 0.0,
                     ev, ev_sat, ev_n)
                counts_by_class[cls, SEL] += 1
                if destructive:
                    _lose_device(i, t_s, cls, 1.0, t1_s, classes, weights, dose_factor, gpu_count, host_lost,
                                 dose_rad, throttle_level, gpu_on, down_until_start_s, gpu_down_until_s,
                                 gpu_down_since_s, down_seconds, pending, ev, ev_sat, ev_n, counts_by_class)
                    lost[j] = True
        _close_pending(i, t1_s, pending, gpu_down_until_s, gpu_down_since_s, ev, ev_sat, ev_n)
        row += m
