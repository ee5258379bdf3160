"""Link geometry per tick: crosslink feasibility and ground-station elevation.

A link is feasible when its margin is ≥ 0; margins are continuous in time so that the
crossing inside a tick can be interpolated (sim.core.numerics.threshold_crossings).
"""
from __future__ import annotations

import math

import numpy as np

from numba import njit, prange

# below this many elements (links, or satellites × stations) the serial variants are used:
# a parallel launch costs 2–100 µs, more than the work
PARALLEL_MIN = 4096


@njit(cache=True, fastmath=True, inline="always", error_model="numpy")
def _isl_one(j, r_eci_m, v_eci_m_s, link_a, link_b, max_range_m, clear_radius_m, max_slew_rad_s,
             rate_max_bps, rate_ref_bps, range_ref_m, dwdm_range_m, dwdm_rate_bps,
             range_m, rate_bps, slew_rad_s, margin):
    a = link_a[j]
    b = link_b[j]
    ax = r_eci_m[0, a]
    ay = r_eci_m[1, a]
    az = r_eci_m[2, a]
    dx = r_eci_m[0, b] - ax
    dy = r_eci_m[1, b] - ay
    dz = r_eci_m[2, b] - az
    d2 = dx * dx + dy * dy + dz * dz
    d = math.sqrt(d2)
    range_m[j] = d
    m = (max_range_m - d) / max_range_m
    # closest approach of the segment a→b to the Earth's centre
    s = 0.0
    if d2 > 0.0:
        s = -(ax * dx + ay * dy + az * dz) / d2
        s = min(max(s, 0.0), 1.0)
    px = ax + s * dx
    py = ay + s * dy
    pz = az + s * dz
    h_min = math.sqrt(px * px + py * py + pz * pz)
    m = min(m, (h_min - clear_radius_m) / clear_radius_m)
    # rate from the link budget
    if d <= dwdm_range_m:
        rate_bps[j] = dwdm_rate_bps
    else:
        q = range_ref_m / d
        rate_bps[j] = min(rate_max_bps, rate_ref_bps * q * q)
    # slew: line-of-sight rate relative to each end's orbital frame
    if d > 0.0:
        ux = dx / d
        uy = dy / d
        uz = dz / d
        wx = v_eci_m_s[0, b] - v_eci_m_s[0, a]
        wy = v_eci_m_s[1, b] - v_eci_m_s[1, a]
        wz = v_eci_m_s[2, b] - v_eci_m_s[2, a]
        lx = (uy * wz - uz * wy) / d
        ly = (uz * wx - ux * wz) / d
        lz = (ux * wy - uy * wx) / d
        worst = 0.0
        for end in range(2):
            k = a if end == 0 else b
            rx = r_eci_m[0, k]
            ry = r_eci_m[1, k]
            rz = r_eci_m[2, k]
            vx = v_eci_m_s[0, k]
            vy = v_eci_m_s[1, k]
            vz = v_eci_m_s[2, k]
            r2 = rx * rx + ry * ry + rz * rz
            ox = lx - (ry * vz - rz * vy) / r2
            oy = ly - (rz * vx - rx * vz) / r2
            oz = lz - (rx * vy - ry * vx) / r2
            cx = oy * uz - oz * uy
            cy = oz * ux - ox * uz
            cz = ox * uy - oy * ux
            worst = max(worst, math.sqrt(cx * cx + cy * cy + cz * cz))
        slew_rad_s[j] = worst
        if max_slew_rad_s > 0.0:
            m = min(m, (max_slew_rad_s - worst) / max_slew_rad_s)
    else:
        slew_rad_s[j] = 0.0
    margin[j] = m


@njit(cache=True, fastmath=True, parallel=True)
def isl_geometry(r_eci_m, v_eci_m_s, link_a, link_b, max_range_m, clear_radius_m, max_slew_rad_s,
                 rate_max_bps, rate_ref_bps, range_ref_m, dwdm_range_m, dwdm_rate_bps,
                 range_m, rate_bps, slew_rad_s, margin):
    """For each candidate link (link_a[j], link_b[j]):

    range_m    |r_b − r_a| [m]
    rate_bps   min(rate_max, rate_ref·(range_ref/d)²), or dwdm_rate when d ≤ dwdm_range_m [bit/s]
    slew_rad_s the larger of the two terminals' line-of-sight angular rates in their orbital
               (LVLH) frames: |(ω_los − ω_orbit) × u| with ω_los = u × v_rel / d [rad/s]
    margin     min of (max_range − d)/max_range, (h_min − R_clear)/R_clear with h_min the
               segment's closest distance to the Earth's centre and R_clear = R_E + grazing
               altitude, and (slew_max − slew)/slew_max when max_slew_rad_s > 0 [1]; ≥ 0 feasible.
    """
    for j in prange(link_a.size):
        _isl_one(j, r_eci_m, v_eci_m_s, link_a, link_b, max_range_m, clear_radius_m, max_slew_rad_s,
                 rate_max_bps, rate_ref_bps, range_ref_m, dwdm_range_m, dwdm_rate_bps, range_m, rate_bps,
                 slew_rad_s, margin)


@njit(cache=True, fastmath=True, error_model="numpy")
def isl_geometry_serial(r_eci_m, v_eci_m_s, link_a, link_b, max_range_m, clear_radius_m, max_slew_rad_s,
                        rate_max_bps, rate_ref_bps, range_ref_m, dwdm_range_m, dwdm_rate_bps,
                        range_m, rate_bps, slew_rad_s, margin):
    """isl_geometry without a parallel launch (few links: the launch costs more than the work)."""
    for j in range(link_a.size):
        _isl_one(j, r_eci_m, v_eci_m_s, link_a, link_b, max_range_m, clear_radius_m, max_slew_rad_s,
                 rate_max_bps, rate_ref_bps, range_ref_m, dwdm_range_m, dwdm_rate_bps, range_m, rate_bps,
                 slew_rad_s, margin)


@njit(cache=True, fastmath=True, inline="always", error_model="numpy")
def _elevation_one(i, r_eci_m, station_eci_m, station_up, sin_min_elevation, margin):
    sx = r_eci_m[0, i]
    sy = r_eci_m[1, i]
    sz = r_eci_m[2, i]
    for g in range(station_eci_m.shape[1]):
        dx = sx - station_eci_m[0, g]
        dy = sy - station_eci_m[1, g]
        dz = sz - station_eci_m[2, g]
        up = dx * station_up[0, g] + dy * station_up[1, g] + dz * station_up[2, g]
        margin[g, i] = up / math.sqrt(dx * dx + dy * dy + dz * dz) - sin_min_elevation[g]


@njit(cache=True, fastmath=True, parallel=True)
def ground_elevation_margin(r_eci_m, station_eci_m, station_up, sin_min_elevation, margin):
    """margin[g, i] = sin(elevation of satellite i seen from station g) − sin(mask of g) [1];
    ≥ 0 in view. station_eci_m and station_up (unit local vertical, geodetic) are (3, G) in
    the same inertial frame as r_eci_m (3, N); margin is (G, N)."""
    for i in prange(r_eci_m.shape[1]):
        _elevation_one(i, r_eci_m, station_eci_m, station_up, sin_min_elevation, margin)


@njit(cache=True, fastmath=True, error_model="numpy")
def ground_elevation_margin_serial(r_eci_m, station_eci_m, station_up, sin_min_elevation, margin):
    """ground_elevation_margin without a parallel launch (few satellites × stations)."""
    for i in range(r_eci_m.shape[1]):
        _elevation_one(i, r_eci_m, station_eci_m, station_up, sin_min_elevation, margin)


@njit(cache=True, fastmath=True, error_model="numpy")
def around_ball_m(px, py, pz, qx, qy, qz, radius_m):
    """Length of the shortest path from p to q that stays out of the ball of radius_m about
    the Earth's centre [m]: the straight line when it clears the ball, else the two tangent
    segments and the great-circle arc between them (a lower bound on any path whose hops
    clear that ball)."""
    rp = math.sqrt(px * px + py * py + pz * pz)
    rq = math.sqrt(qx * qx + qy * qy + qz * qz)
    c = (px * qx + py * qy + pz * qz) / max(rp * rq, 1e-300)
    theta = math.acos(min(max(c, -1.0), 1.0))
    alpha = math.acos(min(radius_m / max(rp, 1e-300), 1.0))
    beta = math.acos(min(radius_m / max(rq, 1e-300), 1.0))
    if theta <= alpha + beta:
        dx = px - qx
        dy = py - qy
        dz = pz - qz
        return math.sqrt(dx * dx + dy * dy + dz * dz)
    return (math.sqrt(max(rp * rp - radius_m * radius_m, 0.0)) + math.sqrt(max(rq * rq - radius_m * radius_m, 0.0))
            + radius_m * (theta - alpha - beta))


@njit(cache=True, error_model="numpy")
def _heap_push(heap_f, heap_node, size, f, node):
    k = size
    heap_f[k] = f
    heap_node[k] = node
    while k > 0:
        parent = (k - 1) >> 1
        if heap_f[parent] <= heap_f[k]:
            break
        heap_f[parent], heap_f[k] = heap_f[k], heap_f[parent]
        heap_node[parent], heap_node[k] = heap_node[k], heap_node[parent]
        k = parent
    return size + 1


@njit(cache=True, error_model="numpy")
def _heap_pop(heap_f, heap_node, size):
    f = heap_f[0]
    node = heap_node[0]
    size -= 1
    heap_f[0] = heap_f[size]
    heap_node[0] = heap_node[size]
    k = 0
    while True:
        left = 2 * k + 1
        if left >= size:
            break
        child = left
        if left + 1 < size and heap_f[left + 1] < heap_f[left]:
            child = left + 1
        if heap_f[k] <= heap_f[child]:
            break
        heap_f[child], heap_f[k] = heap_f[k], heap_f[child]
        heap_node[child], heap_node[k] = heap_node[k], heap_node[child]
        k = child
    return f, node, size


@njit(cache=True, error_model="numpy")
def shortest_path(indptr, neighbour, edge_link, link_weight_s, pos_m, inv_c_s_m, ball_radius_m,
                  start, start_cost_s, goal, goal_cost_s, goal_m, query,
                  dist_s, heur_s, pred, seen, closed, is_goal, goal_exit_s, heap_f, heap_node, path_out):
    """A* shortest path by latency over the crosslink graph (satellites only; stations never relay).

    Graph: CSR over satellites (indptr (N+1,), neighbour, edge_link: the candidate link of each
    directed entry); link_weight_s[link] is the hop latency d/c [s], inf while the link is down.
    The path starts at any satellite in `start` having already cost start_cost_s (0 for a
    satellite source; uplink d/c for a station) and ends at any satellite in `goal` plus
    goal_cost_s (0, or the downlink d/c). Heuristic: around_ball_m(r, goal_m, ball_radius_m)·inv_c,
    the shortest way to the destination point outside a ball every remaining hop clears
    (crosslinks clear R_E + grazing altitude; the last ground hop clears a ball just under its
    station). It is a distance in a metric space in which every hop costs exactly its own length,
    so it is admissible and consistent and the first goal settled under the bound is optimal.
    `query` must differ between calls (scratch arrays dist_s, heur_s, pred, seen, closed, is_goal,
    goal_exit_s of size N are stamped, never cleared); heap arrays hold ≥ len(start) + len(neighbour).
    Writes the satellite path into path_out; returns (latency_s, path length), (inf, 0) unreachable.
    """
    gx = goal_m[0]
    gy = goal_m[1]
    gz = goal_m[2]
    for k in range(goal.size):
        v = goal[k]
        if is_goal[v] != query or goal_cost_s[k] < goal_exit_s[v]:
            is_goal[v] = query
            goal_exit_s[v] = goal_cost_s[k]
    size = 0
    for k in range(start.size):
        v = start[k]
        if seen[v] != query or start_cost_s[k] < dist_s[v]:
            if seen[v] != query:
                heur_s[v] = around_ball_m(pos_m[0, v], pos_m[1, v], pos_m[2, v], gx, gy, gz, ball_radius_m) * inv_c_s_m
            seen[v] = query
            dist_s[v] = start_cost_s[k]
            pred[v] = -1
            size = _heap_push(heap_f, heap_node, size, dist_s[v] + heur_s[v], v)
    best = math.inf
    best_node = -1
    while size > 0:
        f, u, size = _heap_pop(heap_f, heap_node, size)
        if f >= best:
            break
        if closed[u] == query:
            continue
        closed[u] = query
        g = dist_s[u]
        if is_goal[u] == query and g + goal_exit_s[u] < best:
            best = g + goal_exit_s[u]
            best_node = u
        for e in range(indptr[u], indptr[u + 1]):
            w = link_weight_s[edge_link[e]]
            if w == math.inf:
                continue
            v = neighbour[e]
            ng = g + w
            if seen[v] != query:
                heur_s[v] = around_ball_m(pos_m[0, v], pos_m[1, v], pos_m[2, v], gx, gy, gz, ball_radius_m) * inv_c_s_m
            elif ng >= dist_s[v]:
                continue
            seen[v] = query
            dist_s[v] = ng
            pred[v] = u
            size = _heap_push(heap_f, heap_node, size, ng + heur_s[v], v)
    if best_node < 0:
        return math.inf, 0
    length = 0
    u = best_node
    while u >= 0:
        path_out[length] = u
        length += 1
        u = pred[u]
    path_out[:length] = path_out[:length][::-1].copy()
    return best, length


@njit(cache=True, error_model="numpy")
def max_min_fair_csr(capacity, indptr, resource, tol, rates, remaining, count, active):
    """Progressive filling (Bertsekas & Gallager §6.5.2) over flows in CSR form: flow f crosses
    resource[indptr[f]:indptr[f+1]]. Writes rates (F,); remaining (R,), count (R,) int64 and
    active (F,) bool are work arrays. Per bottleneck level O(F + R + entries)."""
    n_flows = indptr.size - 1
    n_res = capacity.size
    for r in range(n_res):
        remaining[r] = capacity[r]
        count[r] = 0
    n_active = 0
    for f in range(n_flows):
        rates[f] = 0.0
        active[f] = indptr[f + 1] > indptr[f]
        if active[f]:
            n_active += 1
            for e in range(indptr[f], indptr[f + 1]):
                count[resource[e]] += 1
    while n_active > 0:
        delta = math.inf
        tightest = -1
        for r in range(n_res):
            if count[r] > 0:
                share = remaining[r] / count[r]
                if share < delta:
                    delta = share
                    tightest = r
        if delta < 0.0:
            delta = 0.0
        for f in range(n_flows):
            if active[f]:
                rates[f] += delta
        for r in range(n_res):
            if count[r] > 0:
                remaining[r] -= delta * count[r]
        frozen = 0
        for f in range(n_flows):
            if not active[f]:
                continue
            hit = False
            for e in range(indptr[f], indptr[f + 1]):
                if remaining[resource[e]] <= tol:
                    hit = True
                    break
            if hit:
                active[f] = False
                frozen += 1
        if frozen == 0:  # numerical guard: freeze the flows of the tightest resource
            for f in range(n_flows):
                if active[f]:
                    for e in range(indptr[f], indptr[f + 1]):
                        if resource[e] == tightest:
                            active[f] = False
                            frozen += 1
                            break
        # recount from the flows still active
        for r in range(n_res):
            count[r] = 0
        n_active = 0
        for f in range(n_flows):
            if active[f]:
                n_active += 1
                for e in range(indptr[f], indptr[f + 1]):
                    count[resource[e]] += 1


@njit(cache=True, error_model="numpy")
def allocate_flows(resource, indptr, link_keys, link_state, link_rate_bps, up, r1, r3, n_sats, n_stations,
                   station_rate_bps, station_total_bps, rel_tol, ids, capacity, inverse, rates, remaining, count,
                   active):
    """One re-allocation of a group of flows in one call: the resource ids the flows cross
    (flow f: resource[indptr[f]:indptr[f+1]], network resource ids) are numbered in sorted order
    (ids (U,) as np.unique, inverse as its return_inverse), decoded into capacities [bit/s]
    (crosslink hop 2·key + direction < r1: the link's rate while state == up, else 0; station
    edge r1 ≤ id < r3: the station's rate; station total ≥ r3: rate × antennas), then
    max_min_fair_csr with tol = rel_tol·max(1, max capacity). Returns U; writes rates (F,)."""
    order = np.argsort(resource, kind="mergesort")
    m = -1
    prev = 0
    for k in range(order.size):
        r = resource[order[k]]
        if m < 0 or r != prev:
            m += 1
            ids[m] = r
            prev = r
        inverse[order[k]] = m
    n_unique = m + 1
    n_links = link_keys.size
    top = 1.0
    for u in range(n_unique):
        r = ids[u]
        c = 0.0
        if r < r1:
            key = r // 2
            if n_links > 0:
                j = min(np.searchsorted(link_keys, key), n_links - 1)
                if link_keys[j] == key and link_state[j] == up:
                    c = link_rate_bps[j]
        elif r < r3:
            c = station_rate_bps[((r - r1) % (n_stations * n_sats)) // n_sats]
        else:
            c = station_total_bps[(r - r3) % n_stations]
        capacity[u] = c
        if c > top:
            top = c
    max_min_fair_csr(capacity[:n_unique], indptr, inverse, rel_tol * top, rates, remaining, count, active)
    return n_unique


# ---------------------------------------------------------------- one pass per tick: geometry + crossings
# The tick kernels below evaluate the margins and, in the same pass, compare them with the
# previous tick's (the crossings of sim.core.numerics.threshold_crossings, same formula),
# so the arrays are read once and Python learns from the returned counts whether anything changed.
# `*_range` is the serial body over elements lo..hi-1 (unsigned indices so loads vectorise);
# the parallel variant runs it over blocks of BLOCK elements.
BLOCK = 4096          # links per parallel block
GROUND_BLOCK = 1024   # satellites per parallel block (× every station)


@njit(cache=True, fastmath=True, error_model="numpy")
def isl_tick_range(lo, hi, r_eci_m, v_eci_m_s, link_a, link_b, max_range_m, clear_radius_m, max_slew_rad_s,
                   rate_max_bps, rate_ref_bps, range_ref_m, dwdm_range_m, dwdm_rate_bps,
                   range_m, rate_bps, slew_rad_s, margin_prev, margin, state, up_state, t0_s, dt_s,
                   direction, t_cross_s):
    """isl_geometry on links lo..hi-1, then the crossing of 0 between margin_prev and margin
    (direction −1 falling, +1 rising, 0 none; t_cross_s interpolated where direction ≠ 0).
    Returns (crossings, links with state == up_state, links with margin_prev ≥ 0)."""
    n_cross = 0
    n_up = 0
    n_feasible = 0
    for j in range(np.uint64(lo), np.uint64(hi)):
        _isl_one(j, r_eci_m, v_eci_m_s, link_a, link_b, max_range_m, clear_radius_m, max_slew_rad_s,
                 rate_max_bps, rate_ref_bps, range_ref_m, dwdm_range_m, dwdm_rate_bps, range_m, rate_bps,
                 slew_rad_s, margin)
        b = margin_prev[j]
        a = margin[j]
        d = 0
        if b >= 0.0:
            n_feasible += 1
            if a < 0.0:
                d = -1
        elif a >= 0.0:
            d = 1
        direction[j] = d
        if d != 0:
            t_cross_s[j] = t0_s + dt_s * b / (b - a)
            n_cross += 1
        if state[j] == up_state:
            n_up += 1
    return n_cross, n_up, n_feasible


@njit(cache=True, fastmath=True, parallel=True)
def isl_tick(r_eci_m, v_eci_m_s, link_a, link_b, max_range_m, clear_radius_m, max_slew_rad_s,
             rate_max_bps, rate_ref_bps, range_ref_m, dwdm_range_m, dwdm_rate_bps,
             range_m, rate_bps, slew_rad_s, margin_prev, margin, state, up_state, t0_s, dt_s,
             direction, t_cross_s):
    """isl_tick_range over all links in parallel; same returns."""
    n_cross = 0
    n_up = 0
    n_feasible = 0
    for j in prange(link_a.size):
        _isl_one(j, r_eci_m, v_eci_m_s, link_a, link_b, max_range_m, clear_radius_m, max_slew_rad_s,
                 rate_max_bps, rate_ref_bps, range_ref_m, dwdm_range_m, dwdm_rate_bps, range_m, rate_bps,
                 slew_rad_s, margin)
        b = margin_prev[j]
        a = margin[j]
        falling = (b >= 0.0) & (a < 0.0)
        rising = (b < 0.0) & (a >= 0.0)
        d = -1 if falling else (1 if rising else 0)
        direction[j] = d
        span = b - a
        t_cross_s[j] = t0_s + dt_s * b / (span if span != 0.0 else 1.0)
        n_cross += d * d
        n_up += 1 if state[j] == up_state else 0
        n_feasible += 1 if b >= 0.0 else 0
    return n_cross, n_up, n_feasible


@njit(cache=True, fastmath=True, error_model="numpy")
def ground_tick_range(lo, hi, r_eci_m, station_eci_m, station_up, sin_min_elevation, margin_prev, margin,
                      t0_s, dt_s, direction, t_cross_s):
    """ground_elevation_margin for satellites lo..hi-1 (every station), then the crossing of 0
    between margin_prev and margin; direction and t_cross_s are flat (G·N,), index g·N + i,
    t_cross_s written everywhere (meaningful where direction ≠ 0). Returns the crossings.
    Station outer, satellite inner: contiguous and branch-free, so the loop vectorises."""
    n = r_eci_m.shape[1]
    count = 0
    for g in range(station_eci_m.shape[1]):
        gx = station_eci_m[0, g]
        gy = station_eci_m[1, g]
        gz = station_eci_m[2, g]
        ux = station_up[0, g]
        uy = station_up[1, g]
        uz = station_up[2, g]
        s = sin_min_elevation[g]
        base = np.uint64(g * n)
        for i in range(np.uint64(lo), np.uint64(hi)):
            dx = r_eci_m[0, i] - gx
            dy = r_eci_m[1, i] - gy
            dz = r_eci_m[2, i] - gz
            a = (dx * ux + dy * uy + dz * uz) / math.sqrt(dx * dx + dy * dy + dz * dz) - s
            b = margin_prev[g, i]
            margin[g, i] = a
            falling = (b >= 0.0) & (a < 0.0)
            rising = (b < 0.0) & (a >= 0.0)
            d = -1 if falling else (1 if rising else 0)
            direction[base + i] = d
            span = b - a
            t_cross_s[base + i] = t0_s + dt_s * b / (span if span != 0.0 else 1.0)
            count += d * d
    return count


@njit(cache=True, fastmath=True, parallel=True)
def ground_tick(r_eci_m, station_eci_m, station_up, sin_min_elevation, margin_prev, margin, t0_s, dt_s,
                direction, t_cross_s):
    """ground_tick_range over all satellites, blocks in parallel; returns the crossings."""
    n = r_eci_m.shape[1]
    count = 0
    for k in prange((n + GROUND_BLOCK - 1) // GROUND_BLOCK):
        count += ground_tick_range(k * GROUND_BLOCK, min(k * GROUND_BLOCK + GROUND_BLOCK, n), r_eci_m, station_eci_m, station_up,
                                   sin_min_elevation, margin_prev, margin, t0_s, dt_s, direction, t_cross_s)
    return count
