"""Radiation tick kernel: local proton fluxes, cutoff rigidity, dose and the integrated upset
hazard of every satellite; returns the satellites whose hazard crossed their next threshold.

Upsets form a non-homogeneous Poisson process with rate λ(t) = Φ(t) σ: the hazard
H = ∫ λ dt is accumulated (trapezoid over the tick) and an upset happens each time H passes
the next threshold, thresholds being separated by Exp(1) draws made by the caller
(Cinlar's time-change construction). The kernel draws no random numbers.

The environment (fluxes, cutoff, dose rate) changes on minute scales, so each tick refreshes
it for every `every`-th satellite only (those with i ≡ phase mod every, staggered so each tick
and each thread do the same share); the others keep their last values. The hazard, dose,
downtime and power-down bookkeeping run every tick for all satellites.

The trapped-proton map is looked up without trigonometry: `resample_map` turns the
(geodetic lat, lon, alt) map into one on (u = z/r, pseudo-angle p(x, y), r) in the Earth-fixed
frame, p being a monotone stand-in for the longitude that needs one division.
"""
from __future__ import annotations

import math

import numpy as np
from numba import get_num_threads, njit, prange

from sim.constants import R_EARTH_EQUATORIAL_M
from sim.kernels.geometry import ecef_to_geodetic

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
def _map_lookup(env_map, env_axes, x, y, z, r):
    """(ln(1e-4 + J), ln(1e-30 + D)) at the Earth-fixed point (x, y, z), |.| = r [m]."""
    fa = min(max((z / r + 1.0) * env_axes[0], 0.0), env_axes[1])
    fb = min(max(pseudo_angle(x, y) * env_axes[2], 0.0), env_axes[3])
    fc = min(max((r - env_axes[4]) * env_axes[5], 0.0), env_axes[6])
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


def environment_axes(n_u, n_p, r0_m, dr_m, n_r) -> np.ndarray:
    """The lookup constants of a resampled map: index scales and clamps per axis."""
    return np.array([0.5 * (n_u - 1), n_u - 1.000001, n_p / 4.0, n_p - 1.0e-6 * n_p,
                     r0_m, 1.0 / dr_m, max(n_r - 1.000001, 0.0)], dtype=np.float64)


@njit(cache=True, error_model="numpy")
def _step_range(lo, hi, every, phase, cos_g, sin_g, t0_s, dt_s, env_map, env_axes, pole_ecef,
                spe_j10_cm2_s, spe_gamma, spe_dose_log_emin, spe_dose_table, device_floor_mev,
                gcr_free_cm2_s, gcr_transmission, gcr_inv_step_gv,
                power_down_mode, power_down_spe_cm2_s, power_down_saa_cm2_s,
                r_eci_m, sigma_on_cm2, sigma_off_cm2, down_until_s, powered_down,
                trapped_flux_cm2_s, spe_flux_cm2_s, cutoff_gv, proton_flux_cm2_s, upset_rate_s,
                dose_rate_rad_s, dose_rad, down_seconds, powerdown_seconds, hazard, hazard_prev,
                next_threshold, crossed, down_until_start_s, level_change):
    """`radiation_step` for satellites lo..hi-1; returns (crossed, level changes, max dose)."""
    t1_s = t0_s + dt_s
    n_tab = spe_dose_log_emin.shape[0]
    n_gcr = gcr_transmission.shape[0]
    count = 0
    changes = 0
    dose_max = 0.0
    refresh = np.uint64(lo + (phase - lo) % every)   # the next satellite whose environment is refreshed
    for i in range(np.uint64(lo), np.uint64(hi)):
        trapped = trapped_flux_cm2_s[i]
        spe = spe_flux_cm2_s[i]
        flux = proton_flux_cm2_s[i]
        dose_rate_start = dose_rate_rad_s[i]
        dose_rate = dose_rate_start
        if i == refresh:
            refresh += np.uint64(every)
            x = cos_g * r_eci_m[0, i] + sin_g * r_eci_m[1, i]
            y = -sin_g * r_eci_m[0, i] + cos_g * r_eci_m[1, i]
            z = r_eci_m[2, i]
            r = math.sqrt(x * x + y * y + z * z)
            log_trapped, log_dose = _map_lookup(env_map, env_axes, x, y, z, r)
            trapped = 0.0
            if log_trapped > _SKIP_TRAPPED:
                trapped = max(math.exp(log_trapped) - 1e-4, 0.0)
            dose_rate = 0.0
            if log_dose > _SKIP_DOSE:
                dose_rate = max(math.exp(log_dose) - 1e-30, 0.0)
            # centred dipole: sin λm = r̂·axis; L = (r/R_E)/cos²λm; R_c = 14.9/L² GV
            sin_m = (x * pole_ecef[0] + y * pole_ecef[1] + z * pole_ecef[2]) / r
            cos2 = 1.0 - sin_m * sin_m
            r_re = r / R_EARTH_EQUATORIAL_M
            rc = _STORMER_GV * cos2 * cos2 / (r_re * r_re)
            # the Earth hides the solid angle below the horizon from SPE and GCR protons
            sin_rho = 1.0 / r_re
            visible = 0.5 * (1.0 + math.sqrt(max(1.0 - sin_rho * sin_rho, 0.0)))
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
            flux = trapped + spe + visible * gcr_free_cm2_s * transmission
            trapped_flux_cm2_s[i] = trapped
            spe_flux_cm2_s[i] = spe
            cutoff_gv[i] = rc
            proton_flux_cm2_s[i] = flux
            dose_rate_rad_s[i] = dose_rate
        # time the GPUs were down during this tick (a reset, a latch-up or a power-down)
        until_start = down_until_s[i]
        down_until_start_s[i] = until_start
        was_down = until_start > t0_s
        if was_down:
            overlap = min(until_start, t1_s) - t0_s
            down_seconds[i] += overlap
            if powered_down[i] != 0:
                powerdown_seconds[i] += overlap
        rate = flux * (sigma_off_cm2[i] if was_down else sigma_on_cm2[i])
        h = hazard[i]
        hazard_prev[i] = h
        h += 0.5 * (upset_rate_s[i] + rate) * dt_s
        hazard[i] = h
        upset_rate_s[i] = rate
        dose = dose_rad[i] + 0.5 * (dose_rate_start + dose_rate) * dt_s
        dose_rad[i] = dose
        dose_max = max(dose_max, dose)
        # radiation-aware power-down: off for the next tick while the local flux is above the limit
        want = ((power_down_mode & 1) != 0 and spe >= power_down_spe_cm2_s) or \
               ((power_down_mode & 2) != 0 and trapped >= power_down_saa_cm2_s)
        change = 0
        if want:
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
        if change != 0:
            changes += 1
        if h >= next_threshold[i]:
            crossed[i] = 1
            count += 1
        else:
            crossed[i] = 0
    return count, changes, dose_max


def step_chunk(n: int) -> int:
    """Satellites per work item: two items per numba thread, at least MIN_CHUNK."""
    items = 2 * get_num_threads()
    return max(MIN_CHUNK, (n + items - 1) // items)


@njit(cache=True, parallel=True, error_model="numpy")
def radiation_step(chunk, every, phase, cos_g, sin_g, t0_s, dt_s, env_map, env_axes, pole_ecef,
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
    `arrays` (FleetState names): r_eci_m, sigma_on_cm2, sigma_off_cm2 (total upset
    cross-section with the GPUs running / down), gpu_down_until_s, radiation_powered_down,
    trapped_flux_cm2_s, spe_flux_cm2_s, cutoff_gv, proton_flux_cm2_s, upset_rate_s,
    dose_rate_rad_s, dose_rad, radiation_down_seconds, radiation_powerdown_seconds,
    upset_hazard, upset_hazard_prev, upset_next_threshold, upset_crossed, down_until_start_s,
    level_change. crossed[i] = 1 where the hazard passed next_threshold; down_until_start_s
    receives gpu_down_until_s as it was at t0_s; level_change[i] is 1 where the policy powers
    the GPUs down at t0_s + dt_s, 2 where a policy power-down ended (at down_until_s), 3 where
    a reset or latch-up ended within the tick (at down_until_start_s), else 0.
    Returns (satellites crossed, satellites with a level change, maximum dose [rad]).
    """
    n = arrays[0].shape[1]
    n_items = (n + chunk - 1) // chunk
    count = 0
    changes = 0
    maxima = np.zeros(n_items)
    for c in prange(n_items):
        lo = c * chunk
        k, m, d = _step_range(lo, min(lo + chunk, n), every, phase, cos_g, sin_g, t0_s, dt_s, env_map, env_axes,
                              pole_ecef, spe_j10_cm2_s, spe_gamma, spe_dose_log_emin, spe_dose_table,
                              device_floor_mev, gcr_free_cm2_s, gcr_transmission, gcr_inv_step_gv,
                              power_down_mode, power_down_spe_cm2_s, power_down_saa_cm2_s, *arrays)
        count += k
        changes += m
        maxima[c] = d
    return count, changes, maxima.max()


@njit(cache=True, error_model="numpy")
def radiation_step_serial(chunk, every, phase, cos_g, sin_g, t0_s, dt_s, env_map, env_axes, pole_ecef,
                          spe_j10_cm2_s, spe_gamma, spe_dose_log_emin, spe_dose_table, device_floor_mev,
                          gcr_free_cm2_s, gcr_transmission, gcr_inv_step_gv,
                          power_down_mode, power_down_spe_cm2_s, power_down_saa_cm2_s, *arrays):
    """`radiation_step` on the calling thread (no parallel launch): for small fleets."""
    return _step_range(0, arrays[0].shape[1], every, phase, cos_g, sin_g, t0_s, dt_s, env_map, env_axes,
                       pole_ecef, spe_j10_cm2_s, spe_gamma, spe_dose_log_emin, spe_dose_table,
                       device_floor_mev, gcr_free_cm2_s, gcr_transmission, gcr_inv_step_gv,
                       power_down_mode, power_down_spe_cm2_s, power_down_saa_cm2_s, *arrays)
