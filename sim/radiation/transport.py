"""Protons through aluminium shielding and their dose in silicon (set-up time, NumPy).

Stopping powers are NIST PSTAR's (total mass stopping power of protons in aluminium and in
silicon on PSTAR's 132 energies 1 keV–10 GeV, sim/data/pstar_proton_al_si.csv), interpolated
log–log. The CSDA range in aluminium is PSTAR's own definition, R(E) = ∫₀ᴱ dE'/S_Al(E'),
integrated once at import on a fine logarithmic grid (below 1 keV S ∝ √E, R(1 keV) = 2E/S);
above 10 GeV S is held at its 10 GeV value (the relativistic rise is < 4 % per decade there).
Checks (tests/radiation/test_transport.py): S_Si within 0.5 % of the Bethe–Bloch formula with
the density effect for 50 MeV–10 GeV; R_Al(10 MeV) = 0.1705, R_Al(100 MeV) = 10.00 g/cm²
(R_Si(100 MeV) = 9.74 g/cm²).

Slab geometry at normal incidence: a proton of energy E leaves t g/cm² of aluminium with the
energy whose range is R(E) − t.
"""
from __future__ import annotations

import numpy as np

from sim.config.base import DATA_DIR

AL_DENSITY_G_CM3 = 2.70
RAD_PER_MEV_G = 1.602176634e-8     # 1 MeV/g = 1.602e-10 Gy = 1.602e-8 rad
PSTAR_CSV = DATA_DIR / "pstar_proton_al_si.csv"
DOSE_SUB_BINS = 16                 # logarithmic sub-bins per tabulated energy bin of the dose integral


def read_pstar(path=PSTAR_CSV) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(energy [MeV], S_Al, S_Si [MeV cm²/g]) of the shipped PSTAR table."""
    with open(path) as f:
        rows = [line for line in f if line.strip() and not line.startswith("#")]
    e, s_al, s_si = np.loadtxt(rows[1:], delimiter=",", unpack=True)
    return e, s_al, s_si


_E, _S_AL, _S_SI = read_pstar()
_LOG_E, _LOG_S_AL, _LOG_S_SI = np.log(_E), np.log(_S_AL), np.log(_S_SI)


def _csda_table(n_per_decade: int = 400, e_max_mev: float = 1.0e6) -> tuple[np.ndarray, np.ndarray]:
    """(ln E, ln R_Al) on a fine grid from PSTAR's first energy to e_max_mev (trapezoid in ln E)."""
    log_e = np.linspace(_LOG_E[0], np.log(e_max_mev), int(n_per_decade * np.log10(e_max_mev / _E[0])) + 1)
    integrand = np.exp(log_e - np.interp(log_e, _LOG_E, _LOG_S_AL))   # E / S(E), d(ln E)
    r = 2.0 * _E[0] / _S_AL[0] + np.concatenate(
        ([0.0], np.cumsum(0.5 * (integrand[1:] + integrand[:-1]) * np.diff(log_e))))
    return log_e, np.log(r)


_LOG_E_R, _LOG_R_AL = _csda_table()


def range_al_g_cm2(energy_mev):
    """CSDA range of protons in aluminium [g/cm²]."""
    e = np.maximum(np.asarray(energy_mev, dtype=float), 1e-300)
    return np.exp(np.interp(np.log(e), _LOG_E_R, _LOG_R_AL, left=-np.inf))


def energy_from_range_mev(range_g_cm2):
    """The energy whose CSDA range in aluminium is `range_g_cm2` (0 for ranges ≤ 0)."""
    r = np.asarray(range_g_cm2, dtype=float)
    e = np.exp(np.interp(np.log(np.maximum(r, 1e-300)), _LOG_R_AL, _LOG_E_R))
    return np.where(r > 0.0, e, 0.0)


def shield_g_cm2(aluminium_mm: float) -> float:
    return aluminium_mm * 0.1 * AL_DENSITY_G_CM3


def energy_outside_mev(energy_inside_mev, aluminium_mm: float):
    """Energy a proton needs outside the shield to arrive inside with `energy_inside_mev`."""
    return energy_from_range_mev(range_al_g_cm2(energy_inside_mev) + shield_g_cm2(aluminium_mm))


def exit_energy_mev(energy_outside_mev, aluminium_mm: float):
    """Energy behind the shield (0 if stopped)."""
    return energy_from_range_mev(range_al_g_cm2(energy_outside_mev) - shield_g_cm2(aluminium_mm))


def stopping_si_mev_cm2_g(energy_mev):
    """PSTAR total mass stopping power of protons in silicon [MeV cm²/g], log–log in the table
    (held at the end values outside 1 keV–10 GeV)."""
    e = np.maximum(np.asarray(energy_mev, dtype=float), 1e-300)
    return np.exp(np.interp(np.log(e), _LOG_E, _LOG_S_SI))


def stopping_al_mev_cm2_g(energy_mev):
    """PSTAR total mass stopping power of protons in aluminium [MeV cm²/g] (as stopping_si_mev_cm2_g)."""
    e = np.maximum(np.asarray(energy_mev, dtype=float), 1e-300)
    return np.exp(np.interp(np.log(e), _LOG_E, _LOG_S_AL))


def dose_rate_rad_s(energies_mev: np.ndarray, integral_flux_cm2_s: np.ndarray, aluminium_mm: float,
                    sub_bins: int = DOSE_SUB_BINS) -> np.ndarray:
    """Dose rate in Si behind the shield from an omnidirectional integral spectrum tabulated on
    `energies_mev` (last axis of `integral_flux_cm2_s`): D = ∫ φ(E) S_Si(E_exit(E)) dE, φ = −dJ/dE,
    φ constant on each of `sub_bins` logarithmic sub-bins of every tabulated bin, J interpolated as a
    power law between the tabulated energies (linearly where it reaches 0); protons above the last
    energy are counted at the last energy. The protons that barely get through carry much of the dose
    behind a thick shield; one midpoint S_Si(E_exit) per bin misjudged it by tens of %."""
    e = np.asarray(energies_mev, dtype=float)
    flux = np.maximum(np.asarray(integral_flux_cm2_s, dtype=float), 0.0)
    flux = np.minimum.accumulate(flux, axis=-1)   # an integral spectrum never rises
    w = np.linspace(0.0, 1.0, sub_bins + 1)                                   # fraction of each bin in ln E
    e_sub = e[:-1, None] * (e[1:, None] / e[:-1, None]) ** w[None, :]          # (n_bins, sub_bins + 1)
    lo, hi = flux[..., :-1, None], flux[..., 1:, None]
    ratio = np.where(lo > 0.0, hi / np.where(lo > 0.0, lo, 1.0), 0.0)
    power = lo * np.where(ratio > 0.0, ratio, 1.0) ** w
    j_sub = np.where(ratio > 0.0, power, lo + (hi - lo) * w)                 # J at the sub-bin edges
    d_flux = j_sub[..., :-1] - j_sub[..., 1:]
    # ∫ S_Si(E_x(E)) dE over a sub-bin = ∫ S_Si(E_x) S_Al(E)/S_Al(E_x) dE_x (dE/dE_x = S_Al(E)/S_Al(E_x)):
    # S_Al at the sub-bin's middle × the Si/Al ratio at its exit × the exit energies it spans, exact
    # at the stopping edge (E_x → 0, where S_Si(E_x) itself diverges)
    e_mid = np.sqrt(e_sub[:, :-1] * e_sub[:, 1:])
    exit_edges = exit_energy_mev(e_sub, aluminium_mm)
    exit_mid = exit_energy_mev(e_mid, aluminium_mm)
    si_over_al = stopping_si_mev_cm2_g(np.maximum(exit_mid, 1e-3)) / stopping_al_mev_cm2_g(np.maximum(exit_mid, 1e-3))
    s_sub = stopping_al_mev_cm2_g(e_mid) * si_over_al * np.diff(exit_edges, axis=-1) / np.diff(e_sub, axis=-1)
    exit_top = exit_energy_mev(e[-1], aluminium_mm)
    s_top = stopping_si_mev_cm2_g(exit_top) if exit_top > 0 else 0.0
    mev_g_s = (d_flux * s_sub).sum(axis=(-2, -1)) + flux[..., -1] * s_top
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
