"""Protons through aluminium shielding and their dose in silicon (set-up time, NumPy).

Range–energy and stopping power are power-law fits to NIST PSTAR (CSDA range in Al,
electronic stopping power in Si), good to ~10 % for 5–500 MeV:

    R_Al(E) = 0.0031 E^1.74            g/cm²   (E in MeV; 10 MeV → 0.17, 100 MeV → 9.3 g/cm²)
    S_Si(E) = 200 E^-0.77              MeV cm²/g (10 MeV → 34, 100 MeV → 5.8)

Slab geometry at normal incidence: a proton of energy E leaves t g/cm² of aluminium with the
energy whose range is R(E) − t.
"""
from __future__ import annotations

import numpy as np

AL_DENSITY_G_CM3 = 2.70
RANGE_A_G_CM2 = 0.0031
RANGE_B = 1.74
STOPPING_A_MEV_CM2_G = 200.0
STOPPING_B = 0.77
RAD_PER_MEV_G = 1.602176634e-8     # 1 MeV/g = 1.602e-10 Gy = 1.602e-8 rad


def range_al_g_cm2(energy_mev):
    return RANGE_A_G_CM2 * np.asarray(energy_mev, dtype=float) ** RANGE_B


def energy_from_range_mev(range_g_cm2):
    r = np.maximum(np.asarray(range_g_cm2, dtype=float), 0.0)
    return (r / RANGE_A_G_CM2) ** (1.0 / RANGE_B)


def shield_g_cm2(aluminium_mm: float) -> float:
    return aluminium_mm * 0.1 * AL_DENSITY_G_CM3


def energy_outside_mev(energy_inside_mev, aluminium_mm: float):
    """Energy a proton needs outside the shield to arrive inside with `energy_inside_mev`."""
    return energy_from_range_mev(range_al_g_cm2(energy_inside_mev) + shield_g_cm2(aluminium_mm))


def exit_energy_mev(energy_outside_mev, aluminium_mm: float):
    """Energy behind the shield (0 if stopped)."""
    return energy_from_range_mev(range_al_g_cm2(energy_outside_mev) - shield_g_cm2(aluminium_mm))


def stopping_si_mev_cm2_g(energy_mev):
    e = np.maximum(np.asarray(energy_mev, dtype=float), 1.0)   # the fit is not valid below ~1 MeV
    return STOPPING_A_MEV_CM2_G * e ** -STOPPING_B


def dose_rate_rad_s(energies_mev: np.ndarray, integral_flux_cm2_s: np.ndarray, aluminium_mm: float) -> np.ndarray:
    """Dose rate in Si behind the shield from an omnidirectional integral spectrum tabulated on
    `energies_mev` (last axis of `integral_flux_cm2_s`): Σ over bins of ΔΦ × S_Si(E_exit) at the
    bin's geometric-mean energy; protons above the last energy are counted at the last energy."""
    e = np.asarray(energies_mev, dtype=float)
    flux = np.maximum(np.asarray(integral_flux_cm2_s, dtype=float), 0.0)
    flux = np.minimum.accumulate(flux, axis=-1)   # an integral spectrum never rises
    d_flux = flux[..., :-1] - flux[..., 1:]
    e_mid = np.sqrt(e[:-1] * e[1:])
    s_bins = np.where(exit_energy_mev(e_mid, aluminium_mm) > 0,
                      stopping_si_mev_cm2_g(exit_energy_mev(e_mid, aluminium_mm)), 0.0)
    s_top = stopping_si_mev_cm2_g(exit_energy_mev(e[-1], aluminium_mm))
    mev_g_s = (d_flux * s_bins).sum(axis=-1) + flux[..., -1] * s_top
    return mev_g_s * RAD_PER_MEV_G


def power_law_dose_table(gamma: float, aluminium_mm: float, e_min_grid_mev: np.ndarray) -> np.ndarray:
    """rad per (cm⁻²) of >10 MeV fluence for a spectrum J(>E) = J10 (E/10)^-γ truncated below
    each e_min in `e_min_grid_mev` (the cutoff energy): the SPE dose table used in the tick."""
    e = np.geomspace(1.0, 5.0e4, 400)
    out = np.empty(len(e_min_grid_mev))
    for k, e_min in enumerate(e_min_grid_mev):
        ee = np.concatenate(([e_min], e[e > e_min]))
        integral = (np.maximum(ee, 1e-9) / 10.0) ** -gamma
        out[k] = dose_rate_rad_s(ee, integral[None, :], aluminium_mm)[0]
    return out
