"""Radiation tick kernel: local proton fluxes, cutoff rigidity, dose and the integrated upset
hazard of every satellite; returns the satellites whose hazard crossed their next threshold.

Upsets form a non-homogeneous Poisson process with rate λ(t) = Φ(t) σ: the hazard
H = ∫ λ dt is accumulated (trapezoid over the tick) and an upset happens each time H passes
the next threshold, thresholds being separated by Exp(1) draws made by the caller
(Cinlar's time-change construction). The kernel draws no random numbers.
"""
from __future__ import annotations

import math

from numba import njit, prange

from sim.constants import R_EARTH_EQUATORIAL_M
from sim.kernels.geometry import ecef_to_geodetic

_RAD2DEG = 180.0 / math.pi
_STORMER_GV = 14.9
_PROTON_REST_MEV = 938.272


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


@njit(cache=True, parallel=True)
def radiation_step(r_eci_m, gmst_rad, t0_s, dt_s,
                   log_map, grid_axes, pole_ecef,
                   spe_j10_cm2_s, spe_gamma, spe_dose_log_emin, spe_dose_table, device_floor_mev,
                   gcr_free_cm2_s, gcr_r0_gv, gcr_index,
                   sigma_on_cm2, sigma_off_cm2, power_down_mode, power_down_spe_cm2_s, power_down_saa_cm2_s,
                   down_until_s, powered_down,
                   trapped_flux_cm2_s, spe_flux_cm2_s, cutoff_gv, upset_rate_s, dose_rate_rad_s,
                   dose_rad, down_seconds, powerdown_seconds, hazard, hazard_prev, next_threshold, crossed,
                   down_until_start_s, level_change):
    """Advance every satellite from t0_s to t0_s + dt_s.

    log_map (n_lat, n_lon, n_alt, 2): ln(1e-4 + J_trapped(>E_floor)) [cm⁻² s⁻¹] and
    ln(1e-30 + dose rate) [rad(Si)/s] behind the shield; grid_axes = (lat0, dlat, n_lat, lon0,
    dlon, n_lon, alt0, dalt, n_alt) in deg/km. pole_ecef: unit dipole axis. spe_j10_cm2_s:
    omnidirectional free-space >10 MeV SPE flux (4π × pfu); its integral spectrum (E/10)^-γ is
    cut at max(E_cutoff, device_floor_mev); spe_dose_table gives rad per unit >10 MeV fluence
    on a ln(E_min) grid. sigma_on/off_cm2: total upset cross-section (all classes, kinds) with
    the GPUs running / powered down. Writes the per-satellite outputs and sets crossed[i] = 1
    where hazard passed next_threshold. down_until_start_s receives down_until_s as it was at
    t0_s (before this tick's power-down decision); level_change[i] is 1 where the policy powers
    the GPUs down at t0_s + dt_s, 2 where a policy power-down ended (at down_until_s), 3 where a
    reset or latch-up ended within the tick (at down_until_start_s), else 0.
    Returns (satellites crossed, satellites with a level change).
    """
    n = r_eci_m.shape[1]
    c = math.cos(gmst_rad)
    s = math.sin(gmst_rad)
    lat0, dlat, nlat = grid_axes[0], grid_axes[1], int(grid_axes[2])
    lon0, dlon, nlon = grid_axes[3], grid_axes[4], int(grid_axes[5])
    alt0, dalt, nalt = grid_axes[6], grid_axes[7], int(grid_axes[8])
    t1_s = t0_s + dt_s
    n_tab = spe_dose_log_emin.shape[0]
    count = 0
    changes = 0
    for i in prange(n):
        x = c * r_eci_m[0, i] + s * r_eci_m[1, i]
        y = -s * r_eci_m[0, i] + c * r_eci_m[1, i]
        z = r_eci_m[2, i]
        r = math.sqrt(x * x + y * y + z * z)
        lat, lon, h = ecef_to_geodetic(x, y, z)
        lat_deg = lat * _RAD2DEG
        lon_deg = lon * _RAD2DEG
        trapped = math.exp(_trilinear(log_map, lat_deg, lon_deg, h * 1e-3, lat0, dlat, nlat, lon0, dlon, nlon,
                                      alt0, dalt, nalt, 0)) - 1e-4
        if trapped < 0.0:
            trapped = 0.0
        dose_rate = math.exp(_trilinear(log_map, lat_deg, lon_deg, h * 1e-3, lat0, dlat, nlat, lon0, dlon, nlon,
                                        alt0, dalt, nalt, 1)) - 1e-30
        if dose_rate < 0.0:
            dose_rate = 0.0
        # centred dipole: sin λm = r̂·axis; L = (r/R_E)/cos²λm; R_c = 14.9/L² GV
        sin_m = (x * pole_ecef[0] + y * pole_ecef[1] + z * pole_ecef[2]) / r
        cos2 = 1.0 - sin_m * sin_m
        r_re = r / R_EARTH_EQUATORIAL_M
        rc = _STORMER_GV * cos2 * cos2 / (r_re * r_re)
        pc = 1000.0 * rc
        e_cut = math.sqrt(pc * pc + _PROTON_REST_MEV * _PROTON_REST_MEV) - _PROTON_REST_MEV
        # the Earth hides the solid angle below the horizon from SPE and GCR protons
        sin_rho = 1.0 / r_re
        visible = 0.5 * (1.0 + math.sqrt(max(1.0 - sin_rho * sin_rho, 0.0)))
        spe = 0.0
        if spe_j10_cm2_s > 0.0:
            e_min = max(e_cut, device_floor_mev)
            spe = visible * spe_j10_cm2_s * (e_min / 10.0) ** (-spe_gamma)
            e_dose = max(e_cut, 1.0)
            u = (math.log(e_dose) - spe_dose_log_emin[0]) / (spe_dose_log_emin[1] - spe_dose_log_emin[0])
            u = min(max(u, 0.0), n_tab - 1.000001)
            k = int(u)
            table = spe_dose_table[k] * (1.0 - (u - k)) + spe_dose_table[k + 1] * (u - k)
            dose_rate += visible * spe_j10_cm2_s * table
        gcr = visible * gcr_free_cm2_s * (1.0 + rc / gcr_r0_gv) ** (-gcr_index)
        # time the GPUs were down during this tick (a reset, a latch-up or a power-down)
        until_start = down_until_s[i]
        down_until_start_s[i] = until_start
        was_down = until_start > t0_s
        if was_down:
            overlap = min(down_until_s[i], t1_s) - t0_s
            down_seconds[i] += overlap
            if powered_down[i] != 0:
                powerdown_seconds[i] += overlap
        sigma = sigma_off_cm2[i] if was_down else sigma_on_cm2[i]
        flux = trapped + spe + gcr
        rate = flux * sigma
        hazard_prev[i] = hazard[i]
        hazard[i] += 0.5 * (upset_rate_s[i] + rate) * dt_s
        dose_rad[i] += 0.5 * (dose_rate_rad_s[i] + dose_rate) * dt_s
        trapped_flux_cm2_s[i] = trapped
        spe_flux_cm2_s[i] = spe
        cutoff_gv[i] = rc
        upset_rate_s[i] = rate
        dose_rate_rad_s[i] = dose_rate
        # radiation-aware power-down: off for the next tick while the local flux is above the limit
        want = False
        if (power_down_mode & 1) != 0 and spe >= power_down_spe_cm2_s:
            want = True
        if (power_down_mode & 2) != 0 and trapped >= power_down_saa_cm2_s:
            want = True
        change = 0
        if want:
            if down_until_s[i] < t1_s + dt_s:
                down_until_s[i] = t1_s + dt_s
            if powered_down[i] == 0:
                change = 1
            powered_down[i] = 1
        elif down_until_s[i] <= t1_s:
            if powered_down[i] != 0:
                change = 2
            elif was_down:
                change = 3
            powered_down[i] = 0
        level_change[i] = change
        if change != 0:
            changes += 1
        if hazard[i] >= next_threshold[i]:
            crossed[i] = 1
            count += 1
        else:
            crossed[i] = 0
    return count, changes
