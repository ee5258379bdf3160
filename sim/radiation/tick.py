"""The radiation tick kernel: local proton fluxes, cutoff rigidity, dose and the integrated upset
hazard of every satellite; it flags the satellites whose hazard crossed their next threshold.

Upsets form a non-homogeneous Poisson process with rate λ(t) = Φ(t) σ: the hazard
H = ∫ λ dt is accumulated (trapezoid over the tick) and an upset happens each time H passes
the next threshold, thresholds being separated by Exp(1) draws made by the caller
(Cinlar's time-change construction). The kernel draws no random numbers; what an upset does
is decided in sim.radiation.upsets.

The environment (fluxes, cutoff, dose rate) changes on minute scales, so each tick refreshes
it for every `every`-th satellite only (those with i ≡ phase mod every, staggered so each tick
and each thread do the same share); the others keep their last values. The hazard, dose,
downtime and power-down bookkeeping run every tick for all satellites: a branch-free,
vectorised loop for the hazard, dose and crossings, and a scalar loop for downtime and the
power-down policy only in blocks where a satellite is down or wants down (rare).
"""
from __future__ import annotations

import math

import numpy as np
from numba import njit, prange

from sim.core.constants import R_EARTH_EQUATORIAL_M
from sim.core.numerics import inertial_to_earth_fixed
from sim.radiation.constants import MEV_PER_GV, PROTON_REST_MEV
from sim.radiation.environment_map import decode_dose, decode_trapped, map_coords, map_interp

BLOCK = 256   # satellites of the branch-free pass between checks for the rare down/policy path


@njit(cache=True, inline="always")
def proton_energy_mev(rigidity_gv):
    """Kinetic energy [MeV] of a proton of magnetic rigidity `rigidity_gv` [GV]."""
    pc = MEV_PER_GV * rigidity_gv
    return math.sqrt(pc * pc + PROTON_REST_MEV * PROTON_REST_MEV) - PROTON_REST_MEV


@njit(cache=True, inline="always")
def _heavy_ion_rates(i, rc, visible, hi_table, hi_inv_step_gv, hi_weight, hi_per_gpu, hi_unit, hi_rate):
    """Satellite i's heavy-ion rate per device of each class and kind (hi_table at the cutoff rc, × the
    visible sky) and its totals with the GPUs running / down."""
    g = min(rc * hi_inv_step_gv, hi_table.shape[2] - 1.000001)
    k = int(g)
    f = g - k
    on = 0.0
    off = 0.0
    for c in range(hi_table.shape[0]):
        for kd in range(2):
            r = visible * (hi_table[c, kd, k] + f * (hi_table[c, kd, k + 1] - hi_table[c, kd, k]))
            hi_unit[i, c, kd] = r
            x = hi_weight[i, c, kd] * r
            on += x
            if hi_per_gpu[c] == 0.0:
                off += x
    hi_rate[0, i] = on
    hi_rate[1, i] = off


@njit(cache=True, error_model="numpy")
def _refresh_range(lo, hi, every, phase, cos_g, sin_g, dt_s, env_map, env_axes, geomag,
                   spe_j10_cm2_s, spe_gamma, spe_dose_log_emin, spe_dose_table, device_floor_mev,
                   gcr_free_cm2_s, gcr_transmission, gcr_inv_step_gv,
                   hi_table, hi_inv_step_gv, hi_weight, hi_per_gpu, hi_unit, hi_rate,
                   power_down_mode, power_down_spe_cm2_s, power_down_saa_cm2_s,
                   r_eci_m, trapped_flux_cm2_s, spe_flux_cm2_s, cutoff_gv, proton_flux_cm2_s,
                   dose_rate_rad_s, dose_rad, wants_down):
    """The environment of satellites i ≡ phase (mod every) in lo..hi-1 at the tick end. The
    every-tick pass then adds dose_rate × dt_s with the new rate for all, so the trapezoid
    ½ (old + new) dt_s of a refreshed satellite needs ½ (old − new) dt_s here: the tick's dose
    increment is never negative (the sign was once reversed, and the recorded dose fell where
    the rate dropped by more than two thirds in a tick)."""
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
        x, y, z = inertial_to_earth_fixed(r_eci_m[0, i], r_eci_m[1, i], r_eci_m[2, i], cos_g, sin_g)
        r = math.sqrt(x * x + y * y + z * z)
        geo[0, j], geo[1, j], geo[2, j] = map_coords(env_axes, x, y, z, r)
        # centred dipole: sin λm = r̂·axis; L = (r/R_E)/cos²λm; R_c = C_St/L² = C_St cos⁴Λ
        # (cos²Λ = 1/L), Λ shifted poleward by the storm-time δ: cos(Λ + δ), 0 past the pole
        sin_m = (x * geomag[0] + y * geomag[1] + z * geomag[2]) / r
        cos2 = 1.0 - sin_m * sin_m
        r_re = r / R_EARTH_EQUATORIAL_M
        inv_l = cos2 / r_re
        cos_inv = math.sqrt(inv_l) * geomag[4] - math.sqrt(max(1.0 - inv_l, 0.0)) * geomag[5]
        cos_inv = max(cos_inv, 0.0)
        c2 = cos_inv * cos_inv
        geo[3, j] = geomag[3] * c2 * c2
        # the Earth hides the solid angle below the horizon from SPE and GCR protons
        sin_rho = 1.0 / r_re
        geo[4, j] = 0.5 * (1.0 + math.sqrt(max(1.0 - sin_rho * sin_rho, 0.0)))
    for j in range(m):
        i = first + j * every
        log_trapped, log_dose = map_interp(env_map, geo[0, j], geo[1, j], geo[2, j])
        rc = geo[3, j]
        visible = geo[4, j]
        trapped = decode_trapped(log_trapped)
        dose_rate = decode_dose(log_dose)
        spe = 0.0
        if spe_j10_cm2_s > 0.0:
            e_cut = proton_energy_mev(rc)
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
        if hi_table.shape[0] > 0:
            _heavy_ion_rates(i, rc, visible, hi_table, hi_inv_step_gv, hi_weight, hi_per_gpu, hi_unit, hi_rate)
        dose_rad[i] += 0.5 * (dose_rate_rad_s[i] - dose_rate) * dt_s
        dose_rate_rad_s[i] = dose_rate
        # radiation-aware power-down: off while the local flux is above the limit
        wants_down[i] = ((power_down_mode & 1) != 0 and spe >= power_down_spe_cm2_s) or \
                        ((power_down_mode & 2) != 0 and trapped >= power_down_saa_cm2_s)


@njit(cache=True, error_model="numpy")
def _hazard_block(lo, hi, t0_s, dt_s, dose_mark_rad, sigma_on_cm2, sigma_off_cm2, hi_rate, down_until_s,
                  powered_down, proton_flux_cm2_s, upset_rate_s, dose_rate_rad_s, dose_rad, hazard, hazard_prev,
                  next_threshold, crossed, down_until_start_s, wants_down):
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
        rate = proton_flux_cm2_s[i] * (s_off if was_down else s_on) + (hi_rate[1, i] if was_down else hi_rate[0, i])
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
def _step_range(lo, hi, every, phase, cos_g, sin_g, t0_s, dt_s, dose_mark_rad, env_map, env_axes, geomag,
                spe_j10_cm2_s, spe_gamma, spe_dose_log_emin, spe_dose_table, device_floor_mev,
                gcr_free_cm2_s, gcr_transmission, gcr_inv_step_gv,
                hi_table, hi_inv_step_gv, hi_weight, hi_per_gpu, hi_unit, hi_rate,
                power_down_mode, power_down_spe_cm2_s, power_down_saa_cm2_s,
                r_eci_m, sigma_on_cm2, sigma_off_cm2, down_until_s, powered_down,
                trapped_flux_cm2_s, spe_flux_cm2_s, cutoff_gv, proton_flux_cm2_s, upset_rate_s,
                dose_rate_rad_s, dose_rad, down_seconds, powerdown_seconds, hazard, hazard_prev,
                next_threshold, crossed, down_until_start_s, level_change, wants_down):
    """`radiation_step` for satellites lo..hi-1; returns (crossed, level changes, above the dose mark)."""
    _refresh_range(lo, hi, every, phase, cos_g, sin_g, dt_s, env_map, env_axes, geomag,
                   spe_j10_cm2_s, spe_gamma, spe_dose_log_emin, spe_dose_table, device_floor_mev,
                   gcr_free_cm2_s, gcr_transmission, gcr_inv_step_gv,
                   hi_table, hi_inv_step_gv, hi_weight, hi_per_gpu, hi_unit, hi_rate,
                   power_down_mode, power_down_spe_cm2_s, power_down_saa_cm2_s,
                   r_eci_m, trapped_flux_cm2_s, spe_flux_cm2_s, cutoff_gv, proton_flux_cm2_s,
                   dose_rate_rad_s, dose_rad, wants_down)
    count = 0
    changes = 0
    over = 0
    for b0 in range(lo, hi, BLOCK):
        b1 = min(b0 + BLOCK, hi)
        k, o, special = _hazard_block(b0, b1, t0_s, dt_s, dose_mark_rad, sigma_on_cm2, sigma_off_cm2, hi_rate,
                                      down_until_s, powered_down, proton_flux_cm2_s, upset_rate_s,
                                      dose_rate_rad_s, dose_rad, hazard, hazard_prev, next_threshold,
                                      crossed, down_until_start_s, wants_down)
        count += k
        over += o
        if special:
            changes += _down_block(b0, b1, t0_s, dt_s, down_until_s, powered_down, down_seconds,
                                   powerdown_seconds, down_until_start_s, level_change, wants_down)
    return count, changes, over


@njit(cache=True, parallel=True, error_model="numpy")
def radiation_step(chunk, every, phase, cos_g, sin_g, t0_s, dt_s, dose_mark_rad, env_map, env_axes, geomag,
                   spe_j10_cm2_s, spe_gamma, spe_dose_log_emin, spe_dose_table, device_floor_mev,
                   gcr_free_cm2_s, gcr_transmission, gcr_inv_step_gv,
                   hi_table, hi_inv_step_gv, hi_weight, hi_per_gpu, hi_unit, hi_rate,
                   power_down_mode, power_down_spe_cm2_s, power_down_saa_cm2_s, *arrays):
    """Advance every satellite from t0_s to t0_s + dt_s, in one parallel launch over chunks.

    Satellites with i ≡ phase (mod every) first refresh their environment at t0_s + dt_s (the
    Earth-fixed frame is the inertial one rotated by the GMST angle: cos_g, sin_g): env_map
    from sim.radiation.environment_map.resample_map (the encoded J_trapped(>E_floor)
    [cm⁻² s⁻¹] and dose rate [rad(Si)/s] behind the shield), env_axes from its
    `environment_axes`; geomag: (dipole axis x, y, z, C_St [GV], cos δ, sin δ) of
    sim.radiation.geomag.kernel_vector, δ the storm-time cutoff-latitude shift;
    spe_j10_cm2_s: omnidirectional free-space >10 MeV SPE flux (4π × pfu), integral
    spectrum (E/10)^-γ cut at max(E_cutoff, device_floor_mev); spe_dose_table: rad per unit
    >10 MeV fluence on a ln(E_min) grid; gcr_transmission: (1 + R_c/R0)^-k at R_c = k /
    gcr_inv_step_gv. Heavy ions (sim.radiation.heavy_ions): hi_table[c, k, j] the rate per device
    [1/s] of class c, kind k (0 SEU, 1 SEL) at R_c = j / hi_inv_step_gv (no classes: no heavy ions);
    the refresh writes hi_unit[i, c, k] (× the visible sky) and hi_rate[0 / 1, i] = Σ hi_weight ×
    hi_unit over all classes / the per-satellite ones (hi_per_gpu 0), which the hazard adds to the
    proton rate with the GPUs running / down. The others keep their last fluxes and dose rate.
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
                              geomag, spe_j10_cm2_s, spe_gamma, spe_dose_log_emin, spe_dose_table,
                              device_floor_mev, gcr_free_cm2_s, gcr_transmission, gcr_inv_step_gv,
                              hi_table, hi_inv_step_gv, hi_weight, hi_per_gpu, hi_unit, hi_rate,
                              power_down_mode, power_down_spe_cm2_s, power_down_saa_cm2_s, *arrays)
        count += k
        changes += m
        over += d
    return count, changes, over


@njit(cache=True, error_model="numpy")
def radiation_step_serial(chunk, every, phase, cos_g, sin_g, t0_s, dt_s, dose_mark_rad, env_map, env_axes, geomag,
                          spe_j10_cm2_s, spe_gamma, spe_dose_log_emin, spe_dose_table, device_floor_mev,
                          gcr_free_cm2_s, gcr_transmission, gcr_inv_step_gv,
                          hi_table, hi_inv_step_gv, hi_weight, hi_per_gpu, hi_unit, hi_rate,
                          power_down_mode, power_down_spe_cm2_s, power_down_saa_cm2_s, *arrays):
    """`radiation_step` on the calling thread (no parallel launch): for small fleets."""
    return _step_range(0, arrays[0].shape[1], every, phase, cos_g, sin_g, t0_s, dt_s, dose_mark_rad, env_map, env_axes,
                       geomag, spe_j10_cm2_s, spe_gamma, spe_dose_log_emin, spe_dose_table,
                       device_floor_mev, gcr_free_cm2_s, gcr_transmission, gcr_inv_step_gv,
                       hi_table, hi_inv_step_gv, hi_weight, hi_per_gpu, hi_unit, hi_rate,
                       power_down_mode, power_down_spe_cm2_s, power_down_saa_cm2_s, *arrays)

