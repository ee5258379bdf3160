"""Pair tracking kernels of the safety subsystem: closest approach inside a tick, time below a
threshold, and the Monte Carlo collision probability along an encounter.

A tracked pair (a, b) is satellite a of the fleet and object b: another fleet satellite, or a
catalogue object whose states at the tick ends sgp4 tabulated (sim.safety.catalogue). The
relative state x = r_b − r_a, w = v_b − v_a is known at both tick ends; inside the tick the
relative position is the cubic Hermite interpolant of (x0, w0) and (x1, w1). A closest
approach lies inside the tick where the range rate x·w goes from negative to non-negative; its
time is the root of p(s)·p'(s) (bisection on the bracket, 60 halvings), its distance |p(s)|.

Collision probability (Monte Carlo along the encounter): an encounter lasts while the
nominal separation is below `window_m`; each of `samples` draws z (6 standard normals, the
same draws for every encounter: common random numbers) offsets a by σ_a ⊙ z[0:3] in a's RTN
frame and b by σ_b ⊙ z[3:6] in b's RTN frame (frames at each tick end), and a sample is a hit
when the offset relative path (the chord of each tick) comes within the hard-body radius in
any tick of the encounter. Pc = hits / samples when the encounter ends.
"""
from __future__ import annotations

import math

import numpy as np
from numba import njit

FLAG_EVENT, FLAG_ENCOUNTER, FLAG_POOL = 1, 2, 4
# event buffer columns: pair, t_tca_s, miss_m, rel_speed_m_s, encounter serial, x_rtn (3), w_rtn (3)
EV_COLUMNS = 11


@njit(cache=True, inline="always", error_model="numpy")
def _hermite(s, dt, x0, w0, x1, w1, k):
    """Component k of the Hermite relative position and velocity at s ∈ [0, 1] of the tick."""
    s2, s3 = s * s, s * s * s
    p = ((2 * s3 - 3 * s2 + 1) * x0[k] + (s3 - 2 * s2 + s) * dt * w0[k] + (-2 * s3 + 3 * s2) * x1[k]
         + (s3 - s2) * dt * w1[k])
    v = ((6 * s2 - 6 * s) * (x0[k] - x1[k]) / dt + (3 * s2 - 4 * s + 1) * w0[k] + (3 * s2 - 2 * s) * w1[k])
    return p, v


@njit(cache=True, error_model="numpy")
def hermite_closest(dt, x0, w0, x1, w1):
    """(s, distance, relative speed) of the closest approach inside a tick whose range rate
    goes from < 0 at s = 0 to ≥ 0 at s = 1 (bisection of p·p' on [0, 1])."""
    lo, hi = 0.0, 1.0
    for _ in range(60):
        mid = 0.5 * (lo + hi)
        g = 0.0
        for k in range(3):
            p, v = _hermite(mid, dt, x0, w0, x1, w1, k)
            g += p * v
        if g < 0.0:
            lo = mid
        else:
            hi = mid
    s = 0.5 * (lo + hi)
    d2, u2 = 0.0, 0.0
    for k in range(3):
        p, v = _hermite(s, dt, x0, w0, x1, w1, k)
        d2 += p * p
        u2 += v * v
    return s, math.sqrt(d2), math.sqrt(u2)


@njit(cache=True, inline="always", error_model="numpy")
def rtn_axes(r, v, j, out):
    """Rows 0, 1, 2 of `out`: the radial, in-track and cross-track unit vectors of state j."""
    rn = math.sqrt(r[0, j] ** 2 + r[1, j] ** 2 + r[2, j] ** 2)
    hx = r[1, j] * v[2, j] - r[2, j] * v[1, j]
    hy = r[2, j] * v[0, j] - r[0, j] * v[2, j]
    hz = r[0, j] * v[1, j] - r[1, j] * v[0, j]
    hn = math.sqrt(hx * hx + hy * hy + hz * hz)
    out[0, 0], out[0, 1], out[0, 2] = r[0, j] / rn, r[1, j] / rn, r[2, j] / rn
    out[2, 0], out[2, 1], out[2, 2] = hx / hn, hy / hn, hz / hn
    out[1, 0] = out[2, 1] * out[0, 2] - out[2, 2] * out[0, 1]
    out[1, 1] = out[2, 2] * out[0, 0] - out[2, 0] * out[0, 2]
    out[1, 2] = out[2, 0] * out[0, 1] - out[2, 1] * out[0, 0]


@njit(cache=True, error_model="numpy")
def hermite_crossing(dt, x0, w0, x1, w1, threshold, lo, hi):
    """s in [lo, hi] where the Hermite distance crosses `threshold` (it is on opposite sides at
    lo and hi; bisection, 50 halvings)."""
    below_lo = _distance(lo, dt, x0, w0, x1, w1) < threshold
    for _ in range(50):
        mid = 0.5 * (lo + hi)
        if (_distance(mid, dt, x0, w0, x1, w1) < threshold) == below_lo:
            lo = mid
        else:
            hi = mid
    return 0.5 * (lo + hi)


@njit(cache=True, inline="always", error_model="numpy")
def _distance(s, dt, x0, w0, x1, w1):
    d2 = 0.0
    for k in range(3):
        p, _ = _hermite(s, dt, x0, w0, x1, w1, k)
        d2 += p * p
    return math.sqrt(d2)


@njit(cache=True, error_model="numpy")
def seconds_below(dt, x0, w0, x1, w1, d0, d1, interior, s_min, d_min, threshold):
    """Time of the tick the Hermite relative motion spends below `threshold`: the whole tick
    when both ends are below, else up to / from the crossing (bisection), or between the two
    crossings about an interior minimum below it."""
    if d0 < threshold and d1 < threshold:
        return dt
    if d0 < threshold:
        return dt * hermite_crossing(dt, x0, w0, x1, w1, threshold, 0.0, 1.0)
    if d1 < threshold:
        return dt * (1.0 - hermite_crossing(dt, x0, w0, x1, w1, threshold, 0.0, 1.0))
    if interior and d_min < threshold:
        return dt * (hermite_crossing(dt, x0, w0, x1, w1, threshold, s_min, 1.0)
                     - hermite_crossing(dt, x0, w0, x1, w1, threshold, 0.0, s_min))
    return 0.0


@njit(cache=True, error_model="numpy")
def mc_tick(x0, x1, frame_a, frame_b, sig_a, sig_b, z, hbr, hits, row):
    """Mark the samples whose offset relative chord x0 → x1 comes within `hbr` this tick."""
    ux, uy, uz = x1[0] - x0[0], x1[1] - x0[1], x1[2] - x0[2]
    uu = ux * ux + uy * uy + uz * uz
    hbr2 = hbr * hbr
    for s in range(z.shape[0]):
        if hits[row, s]:
            continue
        wx, wy, wz = x0[0], x0[1], x0[2]
        for k in range(3):
            ob = sig_b[k] * z[s, 3 + k]
            oa = sig_a[k] * z[s, k]
            wx += ob * frame_b[k, 0] - oa * frame_a[k, 0]
            wy += ob * frame_b[k, 1] - oa * frame_a[k, 1]
            wz += ob * frame_b[k, 2] - oa * frame_a[k, 2]
        tau = 0.0
        if uu > 0.0:
            tau = min(1.0, max(0.0, -(wx * ux + wy * uy + wz * uz) / uu))
        dx, dy, dz = wx + tau * ux, wy + tau * uy, wz + tau * uz
        if dx * dx + dy * dy + dz * dz < hbr2:
            hits[row, s] = 1


@njit(cache=True, error_model="numpy")
def track_pairs(t0, dt, ra0, va0, ra1, va1, rb0, vb0, rb1, vb1, cand_a, cand_b, cand_pair, n_cand,
                threshold, window, hbr, sig_a, sig_b, z, hits, pair_row, free, n_free, min_sep, t_min, below_s,
                n_close, in_enc, enc_serial, max_pc, missed, ev, n_ev, enc, n_enc):
    """One tick of every tracked pair: minimum separation, time below `threshold`, closest
    approaches below it (rows of `ev`), and the encounter Monte Carlo. An encounter takes a row
    of `hits` from the free list (free[:n_free]) and gives it back when it ends, writing
    (pair, serial, Pc, t_end) to `enc`; without a free row it is not sampled (missed[0] counts
    its ticks). Returns FLAG_EVENT | FLAG_ENCOUNTER | FLAG_POOL (fewer than a quarter of the
    rows, or 8, left free: Python grows the pool)."""
    flag = 0
    x0, w0, x1, w1 = np.empty(3), np.empty(3), np.empty(3), np.empty(3)
    frame_a, frame_b = np.empty((3, 3)), np.empty((3, 3))
    m = z.shape[0]
    for c in range(n_cand):
        a, b, p = cand_a[c], cand_b[c], cand_pair[c]
        for k in range(3):
            x0[k] = rb0[k, b] - ra0[k, a]
            w0[k] = vb0[k, b] - va0[k, a]
            x1[k] = rb1[k, b] - ra1[k, a]
            w1[k] = vb1[k, b] - va1[k, a]
        d0 = math.sqrt(x0[0] ** 2 + x0[1] ** 2 + x0[2] ** 2)
        d1 = math.sqrt(x1[0] ** 2 + x1[1] ** 2 + x1[2] ** 2)
        rd0 = x0[0] * w0[0] + x0[1] * w0[1] + x0[2] * w0[2]
        rd1 = x1[0] * w1[0] + x1[1] * w1[1] + x1[2] * w1[2]
        d_min, t_at = (d0, t0) if d0 < d1 else (d1, t0 + dt)
        interior = rd0 < 0.0 and rd1 >= 0.0
        s, dc, uc = 0.0, d_min, 0.0
        if interior:
            s, dc, uc = hermite_closest(dt, x0, w0, x1, w1)
            if dc < d_min:
                d_min, t_at = dc, t0 + s * dt
        if d_min < min_sep[p]:
            min_sep[p], t_min[p] = d_min, t_at
        below_s[p] += seconds_below(dt, x0, w0, x1, w1, d0, d1, interior, s, dc, threshold)
        if d_min < window and not in_enc[p]:
            if n_free[0] > 0:
                n_free[0] -= 1
                pair_row[p] = free[n_free[0]]
                hits[pair_row[p], :] = 0
                in_enc[p] = 1
                enc_serial[p] += 1
            else:
                missed[0] += 1
        if in_enc[p]:
            row = pair_row[p]
            if d_min >= window:
                count = 0
                for q in range(m):
                    count += hits[row, q]
                pc = count / m
                max_pc[p] = max(max_pc[p], pc)
                j = n_enc[0]
                enc[j, 0], enc[j, 1], enc[j, 2], enc[j, 3] = p, enc_serial[p], pc, t0 + dt
                n_enc[0] = j + 1
                in_enc[p] = 0
                free[n_free[0]] = row
                n_free[0] += 1
                pair_row[p] = -1
                flag |= FLAG_ENCOUNTER
            else:
                rtn_axes(ra1, va1, a, frame_a)
                rtn_axes(rb1, vb1, b, frame_b)
                mc_tick(x0, x1, frame_a, frame_b, sig_a, sig_b, z, hbr, hits, row)
        if interior and dc < threshold:
            n_close[p] += 1
            j = n_ev[0]
            serial = enc_serial[p] if in_enc[p] else -1
            ev[j, 0], ev[j, 1], ev[j, 2], ev[j, 3], ev[j, 4] = p, t0 + s * dt, dc, uc, serial
            # relative state at the TCA in a's RTN frame at the tick end (the CDM's RTN miss)
            rtn_axes(ra1, va1, a, frame_a)
            px, vx = _hermite(s, dt, x0, w0, x1, w1, 0)
            py, vy = _hermite(s, dt, x0, w0, x1, w1, 1)
            pz, vz = _hermite(s, dt, x0, w0, x1, w1, 2)
            for k in range(3):
                ev[j, 5 + k] = px * frame_a[k, 0] + py * frame_a[k, 1] + pz * frame_a[k, 2]
                ev[j, 8 + k] = vx * frame_a[k, 0] + vy * frame_a[k, 1] + vz * frame_a[k, 2]
            n_ev[0] = j + 1
            flag |= FLAG_EVENT
    if n_free[0] < max(8, free.shape[0] // 4):
        flag |= FLAG_POOL
    return flag


@njit(cache=True, error_model="numpy")
def spread_exceeded(v, bound):
    """Whether some velocity is more than `bound` from the fleet's mean velocity (v: (3, N))."""
    n = v.shape[1]
    mx, my, mz = 0.0, 0.0, 0.0
    for i in range(n):
        mx += v[0, i]
        my += v[1, i]
        mz += v[2, i]
    mx, my, mz = mx / n, my / n, mz / n
    b2 = bound * bound
    for i in range(n):
        if (v[0, i] - mx) ** 2 + (v[1, i] - my) ** 2 + (v[2, i] - mz) ** 2 > b2:
            return True
    return False


FLAG_RESCREEN, FLAG_CATALOGUE = 64, 128   # the catalogue pairs' track_pairs flags are shifted by 3


@njit(cache=True, error_model="numpy")
def safety_tick(step, row, t0_s, dt_s, r, v, r_prev, v_prev, form_on, k_rescreen, since, bound, ftrack,
                cat_on, k_cat, cat_s0, table, ctrack):
    """One tick of the safety subsystem (the block contract): the fleet's tracked pairs, the
    re-screen flag (every k_rescreen ticks since the last, or when a velocity leaves the bound
    the margin assumed), the catalogue's tracked pairs against the sgp4 table (row step − cat_s0)
    and the catalogue screen flag (step % k_cat == 0); then the tick-end states become the next
    tick's start states."""
    flag = 0
    if form_on:
        flag |= track_pairs(t0_s, dt_s, r_prev, v_prev, r, v, r_prev, v_prev, r, v, *ftrack)
        since[0] += 1
        if since[0] >= k_rescreen or spread_exceeded(v, bound):
            flag |= FLAG_RESCREEN
    if cat_on:
        j = step - cat_s0
        flag |= track_pairs(t0_s, dt_s, r_prev, v_prev, r, v, table[j - 1, 0:3], table[j - 1, 3:6],
                            table[j, 0:3], table[j, 3:6], *ctrack) << 3
        if step % k_cat == 0:
            flag |= FLAG_CATALOGUE
    r_prev[:, :] = r
    v_prev[:, :] = v
    return flag


@njit(cache=True, error_model="numpy")
def linear_reach(r_a, v_a, r_b, v_b, interval_s, radius_m, gradient, out):
    """out[k]: whether pair k (columns of the (3, K) states at a screen) can come within radius_m
    in the next interval_s: the closest approach of the straight-line relative motion x + w·τ,
    τ ∈ [0, T], within radius_m + 1.5·½·G·d·T², where d = |x| + |w|·T bounds the separation and
    G bounds the gravity gradient (2μ/r³), so that ½·G·d·T² bounds how far the true relative
    path bends from the line (the Taylor remainder; ×1.5 for J2 and the gradient's change)."""
    for k in range(out.shape[0]):
        x0, x1, x2 = r_b[0, k] - r_a[0, k], r_b[1, k] - r_a[1, k], r_b[2, k] - r_a[2, k]
        w0, w1, w2 = v_b[0, k] - v_a[0, k], v_b[1, k] - v_a[1, k], v_b[2, k] - v_a[2, k]
        ww = w0 * w0 + w1 * w1 + w2 * w2
        tau = 0.0
        if ww > 0.0:
            tau = min(interval_s, max(0.0, -(x0 * w0 + x1 * w1 + x2 * w2) / ww))
        d_line = math.sqrt((x0 + w0 * tau) ** 2 + (x1 + w1 * tau) ** 2 + (x2 + w2 * tau) ** 2)
        d = math.sqrt(x0 * x0 + x1 * x1 + x2 * x2) + math.sqrt(ww) * interval_s
        out[k] = d_line < radius_m + 0.75 * gradient * d * interval_s * interval_s
