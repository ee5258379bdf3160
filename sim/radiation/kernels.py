"""Radiation tick kernel: local proton fluxes, cutoff rigidity, dose and the integrated upset
hazard of every satellite; returns the satellites whose hazard crossed their next threshold.

Upsets form a non-homogeneous Poisson process with rate λ(t) = Φ(t) σ: the hazard
H = ∫ λ dt is accumulated (trapezoid over the tick) and an upset happens each time H passes
the next threshold, thresholds being separated by Exp(1) draws made by the caller
(Cinlar's time-change construction). The kernel draws no random numbers.

The environment (fluxes, cutoff, dose rate) changes on minute scales, so each tick refreshes
it for every `every`-th satellite only (those with i ≡ phase mod every, staggered so each tick
and each thread do the same share); the others keep their last values. The hazard, dose,
downtime and power-down bookkeeping run every tick for all satellites: a branch-free,
vectorised loop for the hazard, dose and crossings, and a scalar loop for downtime and the
power-down policy only in blocks where a satellite is down or wants down (rare).

The trapped-proton map is looked up without trigonometry: `resample_map` turns the
(geodetic lat, lon, alt) map into one on (u = z/r, pseudo-angle p(x, y), r) in the Earth-fixed
frame, p being a monotone stand-in for the longitude that needs one division.
"""
from __future__ import annotations

import math

import numpy as np
from numba import get_num_threads, njit, prange

from sim.core.constants import R_EARTH_EQUATORIAL_M
from sim.orbits.geodesy import ecef_to_geodetic

_RAD2DEG = 180.0 / math.pi
_STORMER_GV = 14.9
_PROTON_REST_MEV = 938.272
LOG_TRAPPED_FLOOR = math.log(1e-4)   # the map holds ln(1e-4 + J) [J in 1/(cm2 s)] ...
LOG_DOSE_FLOOR = math.log(1e-30)     # ... and ln(1e-30 + D) [D in rad/s]
_SKIP_TRAPPED = math.log(1e-4 + 1e-9)   # below: J < 1e-9 cm⁻² s⁻¹, taken as 0 without exp
_SKIP_DOSE = math.log(1e-30 + 1e-28)
MIN_CHUNK = 1024
SERIAL_BELOW = 1024   # a parallel launch costs more than the whole tick of a small fleet


@njit(cache=True)
def _trilinear(grid, lat, lon, alt, lat0, dlat, nlat, lon0, dlon, nlon, alt0, dalt, nalt, channel):
    """Linear interpolation of grid[:, :, :, channel] (regular axes) at a point, clamped to the grid."""
    x = (lat - lat0) / dlat
    y = (lon - lon0) / dlon
    z = (alt - alt0) / dalt
    x = min(max(x, 0.0), nlat - 1.000001)
    y = min(max(y, 0.0), nlon - 1.000001)
    z = min(max(z, 0.0), nalt - 1.000001)
    i = int(x)
    j = int(y)
    k = int(z)
    fx = x - i
    fy = y - j
    fz = z - k
    c00 = grid[i, j, k, channel] * (1 - fx) + grid[i + 1, j, k, channel] * fx
    c01 = grid[i, j, k + 1, channel] * (1 - fx) + grid[i + 1, j, k + 1, channel] * fx
    c10 = grid[i, j + 1, k, channel] * (1 - fx) + grid[i + 1, j + 1, k, channel] * fx
    c11 = grid[i, j + 1, k + 1, channel] * (1 - fx) + grid[i + 1, j + 1, k + 1, channel] * fx
    c0 = c00 * (1 - fy) + c10 * fy
    c1 = c01 * (1 - fy) + c11 * fy
    return c0 * (1 - fz) + c1 * fz


@njit(cache=True, inline="always")
def pseudo_angle(x, y):
    """A monotone function of atan2(y, x) on [0, 4): 0 on +x, 1 on +y, 2 on −x, 3 on −y."""
    t = x / (abs(x) + abs(y) + 1e-300)
    return 1.0 - t if y >= 0.0 else 3.0 + t


@njit(cache=True)
def _pseudo_angle_direction(p):
    """A unit (x, y) with pseudo_angle(x, y) = p, p in [0, 4]."""
    if p <= 2.0:
        t = 1.0 - p
        x, y = t, 1.0 - abs(t)
    else:
        t = p - 3.0
        x, y = t, -(1.0 - abs(t))
    norm = math.sqrt(x * x + y * y)
    return x / norm, y / norm


@njit(cache=True)
def resample_map(log_map, grid_axes, n_u, n_p, r0_m, dr_m, n_r, out):
    """Fill out (n_u, n_p + 1, n_r, 2) with log_map (on geodetic lat, lon [deg], height [km],
    axes as in `grid_axes`) at the Earth-fixed points u = z/r = −1 … 1 (n_u nodes), p = 0 … 4
    (n_p + 1 nodes, the last repeating the first), r = r0_m + k dr_m."""
    lat0, dlat, nlat = grid_axes[0], grid_axes[1], int(grid_axes[2])
    lon0, dlon, nlon = grid_axes[3], grid_axes[4], int(grid_axes[5])
    alt0, dalt, nalt = grid_axes[6], grid_axes[7], int(grid_axes[8])
    for a in range(n_u):
        u = -1.0 + 2.0 * a / (n_u - 1)
        cos_u = math.sqrt(max(1.0 - u * u, 0.0))
        for b in range(n_p + 1):
            ex, ey = _pseudo_angle_direction(4.0 * b / n_p)
            for k in range(n_r):
                r = r0_m + k * dr_m
                lat, lon, h = ecef_to_geodetic(r * cos_u * ex, r * cos_u * ey, r * u)
                for ch in range(2):
                    out[a, b, k, ch] = _trilinear(log_map, lat * _RAD2DEG, lon * _RAD2DEG, h * 1e-3, lat0, dlat,
                                                  nlat, lon0, dlon, nlon, alt0, dalt, nalt, ch)


@njit(cache=True, inline="always")
def _map_coords(env_axes, x, y, z, r):
    """Fractional node indices of the Earth-fixed point (x, y, z), |.| = r [m], in the resampled map."""
    fa = min(max((z / r + 1.0) * env_axes[0], 0.0), env_axes[1])
    fb = min(max(pseudo_angle(x, y) * env_axes[2], 0.0), env_axes[3])
    fc = min(max((r - env_axes[4]) * env_axes[5], 0.0), env_axes[6])
    return fa, fb, fc


@njit(cache=True, inline="always")
def _map_interp(env_map, fa, fb, fc):
    """(ln(1e-4 + J), ln(1e-30 + D)) interpolated at fractional node indices (fa, fb, fc)."""
    a = int(fa)
    b = int(fb)
    k = int(fc)
    wa = fa - a
    wb = fb - b
    wc = fc - k
    out0 = 0.0
    out1 = 0.0
    for da in range(2):
        w_a = wa if da else 1.0 - wa
        for db in range(2):
            w_ab = w_a * (wb if db else 1.0 - wb)
            for dk in range(2):
                w = w_ab * (wc if dk else 1.0 - wc)
                out0 += w * env_map[a + da, b + db, k + dk, 0]
                out1 += w * env_map[a + da, b + db, k + dk, 1]
    return out0, out1


@njit(cache=True, inline="always")
def _map_lookup(env_map, env_axes, x, y, z, r):
    """(ln(1e-4 + J), ln(1e-30 + D)) at the Earth-fixed point (x, y, z), |.| = r [m]."""
    fa, fb, fc = _map_coords(env_axes, x, y, z, r)
    return _map_interp(env_map, fa, fb, fc)


def environment_axes(n_u, n_p, r0_m, dr_m, n_r) -> np.ndarray:
    """The lookup constants of a resampled map: index scales and clamps per axis."""
    return np.array([0.5 * (n_u - 1), n_u - 1.000001, n_p / 4.0, n_p - 1.0e-6 * n_p,
                     r0_m, 1.0 / dr_m, max(n_r - 1.000001, 0.0)], dtype=np.float64)


@njit(cache=True, error_model="numpy")
def _refresh_range(lo, hi, every, phase, cos_g, sin_g, dt_s, env_map, env_axes, pole_ecef,
                   spe_j10_cm2_s, spe_gamma, spe_dose_log_emin, spe_dose_table, device_floor_mev,
                   gcr_free_cm2_s, gcr_transmission, gcr_inv_step_gv,
                   power_down_mode, power_down_spe_cm2_s, power_down_saa_cm2_s,
                   r_eci_m, trapped_flux_cm2_s, spe_flux_cm2_s, cutoff_gv, proton_flux_cm2_s,
                   dose_rate_rad_s, dose_rad, wants_down):
    """The environment of satellites i ≡ phase (mod every) in lo..hi-1 at the tick end. The dose
    trapezoid's half step from the old to the new dose rate is added here, so the every-tick pass
    adds dose_rate × dt_s for all."""
    n_tab = spe_dose_log_emin.shape[0]
    n_gcr = gcr_transmission.shape[0]
    first = lo + (phase - lo) % every
    if first >= hi:
        return
    m = (hi - 1 - first) // every + 1
    # geometry first, in a loop of their own (square roots, divisions, no gathers): the map
    # gathers and exponentials of the second loop then do not wait on them
    geo = np.empty((5, m))   # map node coordinates (3), cutoff rigidity [GV], visible fraction
    for j in range(m):
        i = first + j * every
        x = cos_g * r_eci_m[0, i] + sin_g * r_eci_m[1, i]
        y = -sin_g * r_eci_m[0, i] + cos_g * r_eci_m[1, i]
        z = r_eci_m[2, i]
        r = math.sqrt(x * x + y * y + z * z)
        geo[0, j], geo[1, j], geo[2, j] = _map_coords(env_axes, x, y, z, r)
        # centred dipole: sin λm = r̂·axis; L = (r/R_E)/cos²λm; R_c = 14.9/L² GV
        sin_m = (x * pole_ecef[0] + y * pole_ecef[1] + z * pole_ecef[2]) / r
        cos2 = 1.0 - sin_m * sin_m
        r_re = r / R_EARTH_EQUATORIAL_M
        geo[3, j] = _STORMER_GV * cos2 * cos2 / (r_re * r_re)
        # the Earth hides the solid angle below the horizon from SPE and GCR protons
        sin_rho = 1.0 / r_re
        geo[4, j] = 0.5 * (1.0 + math.sqrt(max(1.0 - sin_rho * sin_rho, 0.0)))
    for j in range(m):
        i = first + j * every
        log_trapped, log_dose = _map_interp(env_map, geo[0, j], geo[1, j], geo[2, j])
        rc = geo[3, j]
        visible = geo[4, j]
        trapped = 0.0
        if log_trapped > _SKIP_TRAPPED:
            trapped = max(math.exp(log_trapped) - 1e-4, 0.0)
        dose_rate = 0.0
        if log_dose > _SKIP_DOSE:
            dose_rate = max(math.exp(log_dose) - 1e-30, 0.0)
        spe = 0.0
        if spe_j10_cm2_s > 0.0:
            pc = 1000.0 * rc
            e_cut = math.sqrt(pc * pc + _PROTON_REST_MEV * _PROTON_REST_MEV) - _PROTON_REST_MEV
            e_min = max(e_cut, device_floor_mev)
            spe = visible * spe_j10_cm2_s * (e_min / 10.0) ** (-spe_gamma)
            e_dose = max(e_cut, 1.0)
            u = (math.log(e_dose) - spe_dose_log_emin[0]) / (spe_dose_log_emin[1] - spe_dose_log_emin[0])
            u = min(max(u, 0.0), n_tab - 1.000001)
            k = int(u)
            dose_rate += visible * spe_j10_cm2_s * (spe_dose_table[k] * (1.0 - (u - k))
                                                    + spe_dose_table[k + 1] * (u - k))
        # GCR transmission (1 + R_c/R0)^-k from its table on a fine R_c grid
        g = min(rc * gcr_inv_step_gv, n_gcr - 1.000001)
        kg = int(g)
        transmission = gcr_transmission[kg] + (g - kg) * (gcr_transmission[kg + 1] - gcr_transmission[kg])
        trapped_flux_cm2_s[i] = trapped
        spe_flux_cm2_s[i] = spe
        cutoff_gv[i] = rc
        proton_flux_cm2_s[i] = trapped + spe + visible * gcr_free_cm2_s * transmission
        dose_rad[i] += 0.5 * (dose_rate - dose_rate_rad_s[i]) * dt_s
        dose_rate_rad_s[i] = dose_rate
        # radiation-aware power-down: off while the local flux is above the limit
        wants_down[i] = ((power_down_mode & 1) != 0 and spe >= power_down_spe_cm2_s) or \
                        ((power_down_mode & 2) != 0 and trapped >= power_down_saa_cm2_s)


BLOCK = 256   # satellites of the branch-free pass between checks for the rare down/policy path


@njit(cache=True, error_model="numpy")
def _hazard_block(lo, hi, t0_s, dt_s, dose_mark_rad, sigma_on_cm2, sigma_off_cm2, down_until_s, powered_down,
                  proton_flux_cm2_s, upset_rate_s, dose_rate_rad_s, dose_rad, hazard, hazard_prev, next_threshold,
                  crossed, down_until_start_s, wants_down):
    """The every-tick part for satellites lo..hi-1, without branches (vectorised): hazard, dose,
    crossings. Returns (crossed, above dose_mark_rad, satellites that need `_down_block`)."""
    count = 0
    over = 0
    special = 0
    for i in range(np.uint64(lo), np.uint64(hi)):
        until = down_until_s[i]
        down_until_start_s[i] = until
        was_down = until > t0_s
        s_on = sigma_on_cm2[i]
        s_off = sigma_off_cm2[i]
        rate = proton_flux_cm2_s[i] * (s_off if was_down else s_on)
        h = hazard[i]
        hazard_prev[i] = h
        h += 0.5 * (upset_rate_s[i] + rate) * dt_s
        hazard[i] = h
        upset_rate_s[i] = rate
        dose = dose_rad[i] + dose_rate_rad_s[i] * dt_s
        dose_rad[i] = dose
        over += dose >= dose_mark_rad
        c = h >= next_threshold[i]
        crossed[i] = c
        count += c
        special += was_down | (wants_down[i] != 0) | (powered_down[i] != 0)
    return count, over, special


@njit(cache=True, error_model="numpy")
def _down_block(lo, hi, t0_s, dt_s, down_until_s, powered_down, down_seconds, powerdown_seconds,
                down_until_start_s, level_change, wants_down):
    """Downtime and power-down bookkeeping of satellites lo..hi-1 (rare: run for blocks where a
    satellite is down or wants down). Returns the satellites with a level change."""
    t1_s = t0_s + dt_s
    changes = 0
    for i in range(lo, hi):
        until_start = down_until_start_s[i]
        was_down = until_start > t0_s
        if was_down:
            overlap = min(until_start, t1_s) - t0_s
            down_seconds[i] += overlap
            if powered_down[i] != 0:
                powerdown_seconds[i] += overlap
        change = 0
        if wants_down[i] != 0:
            if until_start < t1_s + dt_s:
                down_until_s[i] = t1_s + dt_s
            if powered_down[i] == 0:
                change = 1
            powered_down[i] = 1
        elif until_start <= t1_s:
            if powered_down[i] != 0:
                change = 2
            elif was_down:
                change = 3
            powered_down[i] = 0
        level_change[i] = change
        changes += change != 0
    return changes


@njit(cache=True, error_model="numpy")
def _step_range(lo, hi, every, phase, cos_g, sin_g, t0_s, dt_s, dose_mark_rad, env_map, env_axes, pole_ecef,
                spe_j10_cm2_s, spe_gamma, spe_dose_log_emin, spe_dose_table, device_floor_mev,
                gcr_free_cm2_s, gcr_transmission, gcr_inv_step_gv,
                power_down_mode, power_down_spe_cm2_s, power_down_saa_cm2_s,
                r_eci_m, sigma_on_cm2, sigma_off_cm2, down_until_s, powered_down,
                trapped_flux_cm2_s, spe_flux_cm2_s, cutoff_gv, proton_flux_cm2_s, upset_rate_s,
                dose_rate_rad_s, dose_rad, down_seconds, powerdown_seconds, hazard, hazard_prev,
                next_threshold, crossed, down_until_start_s, level_change, wants_down):
    """`radiation_step` for satellites lo..hi-1; returns (crossed, level changes, above the dose mark)."""
    _refresh_range(lo, hi, every, phase, cos_g, sin_g, dt_s, env_map, env_axes, pole_ecef,
                   spe_j10_cm2_s, spe_gamma, spe_dose_log_emin, spe_dose_table, device_floor_mev,
                   gcr_free_cm2_s, gcr_transmission, gcr_inv_step_gv,
                   power_down_mode, power_down_spe_cm2_s, power_down_saa_cm2_s,
                   r_eci_m, trapped_flux_cm2_s, spe_flux_cm2_s, cutoff_gv, proton_flux_cm2_s,
                   dose_rate_rad_s, dose_rad, wants_down)
    count = 0
    changes = 0
    over = 0
    for b0 in range(lo, hi, BLOCK):
        b1 = min(b0 + BLOCK, hi)
        k, o, special = _hazard_block(b0, b1, t0_s, dt_s, dose_mark_rad, sigma_on_cm2, sigma_off_cm2,
                                      down_until_s, powered_down, proton_flux_cm2_s, upset_rate_s,
                                      dose_rate_rad_s, dose_rad, hazard, hazard_prev, next_threshold,
                                      crossed, down_until_start_s, wants_down)
        count += k
        over += o
        if special:
            changes += _down_block(b0, b1, t0_s, dt_s, down_until_s, powered_down, down_seconds,
                                   powerdown_seconds, down_until_start_s, level_change, wants_down)
    return count, changes, over


def step_parallel(n: int) -> bool:
    """Whether `radiation_step` (parallel) beats `radiation_step_serial` for n satellites: with one
    numba thread the parallel launch only adds its cost. Both give identical results."""
    return n >= SERIAL_BELOW and get_num_threads() > 1


def step_chunk(n: int) -> int:
    """Satellites per work item: two items per numba thread, at least MIN_CHUNK."""
    items = 2 * get_num_threads()
    return max(MIN_CHUNK, (n + items - 1) // items)


@njit(cache=True, parallel=True, error_model="numpy")
def radiation_step(chunk, every, phase, cos_g, sin_g, t0_s, dt_s, dose_mark_rad, env_map, env_axes, pole_ecef,
                   spe_j10_cm2_s, spe_gamma, spe_dose_log_emin, spe_dose_table, device_floor_mev,
                   gcr_free_cm2_s, gcr_transmission, gcr_inv_step_gv,
                   power_down_mode, power_down_spe_cm2_s, power_down_saa_cm2_s, *arrays):
    """Advance every satellite from t0_s to t0_s + dt_s, in one parallel launch over chunks.

    Satellites with i ≡ phase (mod every) first refresh their environment at t0_s + dt_s (the
    Earth-fixed frame is the inertial one rotated by the GMST angle: cos_g, sin_g): env_map
    from `resample_map` (ln(1e-4 + J_trapped(>E_floor)) [cm⁻² s⁻¹], ln(1e-30 + dose rate)
    [rad(Si)/s] behind the shield), env_axes from `environment_axes`; pole_ecef: unit dipole
    axis; spe_j10_cm2_s: omnidirectional free-space >10 MeV SPE flux (4π × pfu), integral
    spectrum (E/10)^-γ cut at max(E_cutoff, device_floor_mev); spe_dose_table: rad per unit
    >10 MeV fluence on a ln(E_min) grid; gcr_transmission: (1 + R_c/R0)^-k at R_c = k /
    gcr_inv_step_gv. The others keep their last fluxes and dose rate.
    dose_mark_rad: the dose [rad] whose crossing the caller wants to know of.
    `arrays` (FleetState names): r_eci_m, sigma_on_cm2, sigma_off_cm2 (total upset
    cross-section with the GPUs running / down), gpu_down_until_s, radiation_powered_down,
    trapped_flux_cm2_s, spe_flux_cm2_s, cutoff_gv, proton_flux_cm2_s, upset_rate_s,
    dose_rate_rad_s, dose_rad, radiation_down_seconds, radiation_powerdown_seconds,
    upset_hazard, upset_hazard_prev, upset_next_threshold, upset_crossed, down_until_start_s,
    level_change, radiation_wants_down. crossed[i] = 1 where the hazard passed next_threshold;
    down_until_start_s receives gpu_down_until_s as it was at t0_s; level_change[i] is 1 where
    the policy powers the GPUs down at t0_s + dt_s, 2 where a policy power-down ended (at
    down_until_s), 3 where a reset or latch-up ended within the tick (at down_until_start_s);
    it is written only in blocks with a satellite down or wanting down, so the caller zeroes
    the entries it has handled. wants_down[i] (refreshed with the environment) is 1 while the
    local flux is above the power-down limit.
    Returns (satellites crossed, satellites with a level change, satellites with dose ≥ dose_mark_rad).
    """
    n = arrays[0].shape[1]
    n_items = (n + chunk - 1) // chunk
    count = 0
    changes = 0
    over = 0
    for c in prange(n_items):
        lo = c * chunk
        k, m, d = _step_range(lo, min(lo + chunk, n), every, phase, cos_g, sin_g, t0_s, dt_s, dose_mark_rad,
                              env_map, env_axes,
                              pole_ecef, spe_j10_cm2_s, spe_gamma, spe_dose_log_emin, spe_dose_table,
                              device_floor_mev, gcr_free_cm2_s, gcr_transmission, gcr_inv_step_gv,
                              power_down_mode, power_down_spe_cm2_s, power_down_saa_cm2_s, *arrays)
        count += k
        changes += m
        over += d
    return count, changes, over


@njit(cache=True, error_model="numpy")
def radiation_step_serial(chunk, every, phase, cos_g, sin_g, t0_s, dt_s, dose_mark_rad, env_map, env_axes, pole_ecef,
                          spe_j10_cm2_s, spe_gamma, spe_dose_log_emin, spe_dose_table, device_floor_mev,
                          gcr_free_cm2_s, gcr_transmission, gcr_inv_step_gv,
                          power_down_mode, power_down_spe_cm2_s, power_down_saa_cm2_s, *arrays):
    """`radiation_step` on the calling thread (no parallel launch): for small fleets."""
    return _step_range(0, arrays[0].shape[1], every, phase, cos_g, sin_g, t0_s, dt_s, dose_mark_rad, env_map, env_axes,
                       pole_ecef, spe_j10_cm2_s, spe_gamma, spe_dose_log_emin, spe_dose_table,
                       device_floor_mev, gcr_free_cm2_s, gcr_transmission, gcr_inv_step_gv,
                       power_down_mode, power_down_spe_cm2_s, power_down_saa_cm2_s, *arrays)


# ---------------------------------------------------------------------------- upset outcomes
# event codes of `upset_outcomes`: the first six are also the columns of counts_by_class
SEU_CORRECTED, SDC, SDC_DETECTED, SEFI, SEL, DEVICE_LOST, GPU_RESET, GPU_RESTORED = range(8)
N_EVENT_CODES = 8
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


@njit(cache=True, error_model="numpy")
def upset_outcomes(sats, extra, h0, h1, first, uniforms, t0_s, dt_s, scrub_s, redundancy, classes,
                   weights, dose_factor, gpu_count, host_lost, proton_flux_cm2_s, dose_rad, throttle_level, gpu_on,
                   down_until_start_s, gpu_down_until_s, gpu_down_since_s, down_seconds,
                   pos_scratch, ev, ev_sat, ev_n, counts_by_class, lost):
    """Every upset of one tick, satellite by satellite and in time order on each satellite, so an
    upset sees the resets, latch-ups and losses of the earlier ones.

    Satellite sats[j] (hazard h0[j] → h1[j] over [t0_s, t0_s + dt_s], threshold first[j] crossed)
    has 1 + extra[j] upsets: one at `first`, the others uniform in H on [first, h1] (their number
    Poisson(h1 − first), drawn by the caller); time is linear in H within the tick. Row r of
    `uniforms` (UNIFORMS_PER_UPSET columns, rows in the order sats × (1 + extra)) drives upset r:
    u0 its position in H (unused for the first), u1 the (class, kind) pick in proportion to
    weights[i] (per-GPU classes left out while the GPUs are down, unless that leaves nothing),
    u2..u4 its outcome — bit upset: u2 multi-bit (mbu_fraction), u3 a pair with an earlier upset of
    the same word before the next scrub (ECC classes), u4 detection; SEFI: downtime log-normal
    (Box–Muller on u2, u3); SEL: u2 destructive. A destructive SEL loses one GPU (per-GPU class) or
    the host (per-satellite class: GPUs down for good); weights[i] is then recomputed and lost[j]
    set (the caller updates the total cross-sections). Redundancy: 0 none, 1 DMR (per-GPU errors
    detected), 2 TMR (per-GPU errors masked). classes[c] holds class c's parameters in the order of
    CLASS_COLUMNS (flags 0/1). Times and downtimes in s, fluxes in 1/(cm2 s).

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
                    total += weights[i, c, kd]
            if total <= 0.0:   # taken down earlier in this tick: the hazard saw them running
                down = False
                for c in range(n_cls):
                    for kd in range(3):
                        total += weights[i, c, kd]
            target = u[1] * total
            pick = 0
            cum = 0.0
            for f in range(n_pick):
                c = f // 3
                if not (down and classes[c, _PER_GPU] != 0.0):
                    cum += weights[i, c, f - 3 * c]
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
                    if gpu_cls:
                        gpu_count[i] = max(gpu_count[i] - 1, 0)
                    elif not host_lost[i]:
                        host_lost[i] = True
                        _hold_down(i, t_s, np.inf, cls, t1_s, throttle_level, gpu_on, down_until_start_s,
                                   gpu_down_until_s, gpu_down_since_s, down_seconds, pending,
                                   ev, ev_sat, ev_n)
                    _put(DEVICE_LOST, t_s, i, float(cls), 1.0, dose_rad[i], ev, ev_sat, ev_n)
                    counts_by_class[cls, DEVICE_LOST] += 1
                    lost[j] = True
                    for c in range(n_cls):
                        n_dev = 0.0
                        if not host_lost[i]:
                            n_dev = classes[c, _COUNT] * dose_factor[i, c]
                            if classes[c, _PER_GPU] != 0.0:
                                n_dev *= gpu_count[i]
                        for kd in range(3):
                            weights[i, c, kd] = n_dev * classes[c, _SIGMA_KIND + kd]
        back = gpu_down_until_s[i]
        if pending[0] != 0.0 and back <= t1_s:   # down and back up within the tick
            _put(GPU_RESTORED, back, i, 0.0, pending[1], back - gpu_down_since_s[i],
                 ev, ev_sat, ev_n)
        row += m
