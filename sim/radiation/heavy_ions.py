"""Heavy-ion galactic cosmic rays (set-up, NumPy): the integral LET spectrum in silicon behind the
aluminium shield, its geomagnetic transmission, and per-device Weibull single-event rates.

No CREME96 tabulation could be shipped, so the spectrum is computed from first principles:

- Local interstellar spectrum of protons (Burger, Potgieter & Heber 2000, JGR 105, 27447, in the
  parametrisation of Usoskin et al. 2005, JGR 110, A12108):
  J_LIS(T) = 1.9e4 P^-2.78 / (1 + 0.4866 P^-2.51) [m⁻² s⁻¹ sr⁻¹ GeV⁻¹], P = √(T(T + 2 m_p c²)) [GV],
  T [GeV]. Every other element Z shares its shape in kinetic energy per nucleon, scaled by its
  abundance relative to H at equal energy per nucleon (ABUNDANCE, U).
- Force-field solar modulation (Gleeson & Axford 1968, ApJ 154, 1011): a nucleus (Z, A) loses
  Φ = (Z/A) φ per nucleon, J(ε) = J_LIS(ε + Φ) ε(ε + 2m)/((ε + Φ)(ε + Φ + 2m)), m = m_u c².
- Slowing down in a shell of t g/cm² of Al (every direction sees t; normal incidence per
  direction, as the proton transport): stopping power of the ion at the proton's velocity,
  S_ion = Z_eff² S_p(PSTAR) with Barkas' effective charge Z_eff = Z (1 − exp(−125 β Z^-2/3))
  (Barkas 1963); the range per nucleon R(ε) = ∫ A dε / (Z_eff² S_p). Nuclear fragmentation in the
  shield is neglected (it removes ~10-20 % of Fe behind a few g/cm² and adds lighter fragments).
- LET in Si at the device: Z_eff² S_p,Si / 1000 [MeV cm²/mg] at the exit energy.
- Geomagnetic transmission: a nucleus passes the vertical Størmer cutoff R_c when its free-space
  rigidity (A/Z) √(ε(ε + 2m)) exceeds R_c (sharp; the same cutoff for every arrival direction).

Φ(>L) [cm⁻² s⁻¹, omnidirectional, 4π × intensity] is tabulated on LET_GRID for each cutoff on
CUTOFF_GRID_GV, at the solar-minimum and solar-maximum potentials. A device's rate is
∫ σ(L) |dΦ/dL| dL = ∫ Φ(>L) dσ (Stieltjes sum on LET_GRID), σ(L) = σ_sat (1 − exp(−((L − L0)/W)^s))
for L > L0 (Weibull; σ orientation-averaged, no RPP / effective-LET cosine law).
"""
from __future__ import annotations

import numpy as np

from sim.radiation import transport
from sim.radiation.constants import MEV_PER_GV, PROTON_REST_MEV
from sim.radiation.steps import mix_tables

AMU_MEV = 931.494                 # atomic mass unit m_u c² [MeV]
LIS_NORM_M2_S_SR_GEV = 1.9e4      # Burger et al. 2000 as parametrised by Usoskin et al. 2005
# GCR elemental abundances at equal energy per nucleon (~1 GeV/n), Si = 100; (Z, A, abundance).
# U: rounded from the GCR composition commonly reproduced from Simpson (1983, Ann. Rev. Nucl. Part.
# Sci. 33, 323); the original table could not be read here. H/He ≈ 7 and Fe/O ≈ 0.15 at 1 GeV/n.
ABUNDANCE = ((1, 1, 1.0e5), (2, 4, 1.4e4), (6, 12, 420.0), (7, 14, 100.0), (8, 16, 400.0), (10, 20, 60.0),
             (11, 23, 10.0), (12, 24, 80.0), (13, 27, 13.0), (14, 28, 100.0), (16, 32, 16.0), (18, 40, 6.0),
             (20, 40, 14.0), (24, 52, 6.0), (26, 56, 60.0), (28, 58, 3.0))
LET_GRID = np.geomspace(1e-3, 150.0, 521)          # MeV cm²/mg, 100 per decade
CUTOFF_STEP_GV = 0.1
CUTOFF_GRID_GV = np.arange(0.0, 16.0 + CUTOFF_STEP_GV / 2, CUTOFF_STEP_GV)
_EPS_GRID = np.geomspace(1e-3, 1e6, 1801)          # exit energy per nucleon [MeV/n], 200 per decade


def lis_proton(t_mev):
    """Burger et al. (2000) proton LIS [cm⁻² s⁻¹ sr⁻¹ MeV⁻¹] at kinetic energy t_mev."""
    t = np.asarray(t_mev, dtype=float) / 1e3
    p = np.sqrt(t * (t + 2.0 * PROTON_REST_MEV / 1e3))
    return LIS_NORM_M2_S_SR_GEV * p ** -2.78 / (1.0 + 0.4866 * p ** -2.51) * 1e-7   # /m² → /cm², /GeV → /MeV


def modulated(eps_mev, z: int, a: int, phi_mv: float, abundance: float):
    """Force-field modulated intensity of nucleus (z, a) [cm⁻² s⁻¹ sr⁻¹ (MeV/n)⁻¹] at ε MeV/n."""
    eps = np.asarray(eps_mev, dtype=float)
    big = eps + phi_mv * z / a
    return abundance * lis_proton(big) * eps * (eps + 2 * AMU_MEV) / (big * (big + 2 * AMU_MEV))


def rigidity_gv(eps_mev, z: int, a: int):
    """Magnetic rigidity [GV] of a fully ionised nucleus (z, a) at ε MeV/n."""
    eps = np.asarray(eps_mev, dtype=float)
    return a / z * np.sqrt(eps * (eps + 2 * AMU_MEV)) / MEV_PER_GV


def effective_charge(eps_mev, z: int):
    """Barkas (1963): Z_eff = Z (1 − exp(−125 β Z^-2/3)) at ε MeV/n."""
    gamma = 1.0 + np.asarray(eps_mev, dtype=float) / AMU_MEV
    beta = np.sqrt(1.0 - 1.0 / gamma ** 2)
    return z * (1.0 - np.exp(-125.0 * beta * z ** (-2.0 / 3.0)))


def _proton_equivalent(eps_mev):
    """Proton kinetic energy [MeV] at the velocity of ε MeV/n."""
    return np.asarray(eps_mev, dtype=float) * PROTON_REST_MEV / AMU_MEV


def let_si(eps_mev, z: int):
    """LET [MeV cm²/mg] in Si of nucleus z at ε MeV/n: Z_eff² S_p,Si(same velocity)."""
    return effective_charge(eps_mev, z) ** 2 * transport.stopping_si_mev_cm2_g(_proton_equivalent(eps_mev)) / 1e3


def _stopping_al_per_nucleon(eps_mev, z: int, a: int):
    """dε/dx [MeV/n per g/cm²] of nucleus (z, a) in Al."""
    return effective_charge(eps_mev, z) ** 2 * transport.stopping_al_mev_cm2_g(_proton_equivalent(eps_mev)) / a


def range_al_g_cm2(eps_mev, z: int, a: int):
    """CSDA range [g/cm²] in Al of nucleus (z, a) at ε MeV/n (trapezoid in ln ε from 1 keV/n, S ∝ √ε below)."""
    log_e = np.log(_EPS_GRID)
    s = _stopping_al_per_nucleon(_EPS_GRID, z, a)
    integrand = _EPS_GRID / s
    r = 2.0 * _EPS_GRID[0] / s[0] + np.concatenate(([0.0], np.cumsum(0.5 * (integrand[1:] + integrand[:-1])
                                                                    * np.diff(log_e))))
    return np.exp(np.interp(np.log(np.asarray(eps_mev, dtype=float)), log_e, np.log(r)))


def _species_bins(z: int, a: int, abundance: float, phi_mv: float, shield_g_cm2: float):
    """Exit-energy bins of one species behind the shield: (omnidirectional flux per bin [cm⁻² s⁻¹],
    LET at the device [MeV cm²/mg], free-space rigidity [GV])."""
    edges = _EPS_GRID
    mid = np.sqrt(edges[1:] * edges[:-1])
    log_r = np.log(range_al_g_cm2(edges, z, a))
    r_in = np.exp(np.interp(np.log(range_al_g_cm2(mid, z, a) + shield_g_cm2), log_r, np.log(edges)))
    # j_x dε_x = j dε: dε/dε_x = S(ε)/S(ε_x) (equal range increments)
    ratio = _stopping_al_per_nucleon(r_in, z, a) / _stopping_al_per_nucleon(mid, z, a)
    flux = 4.0 * np.pi * modulated(r_in, z, a, phi_mv, abundance) * ratio * np.diff(edges)
    return flux, let_si(mid, z), rigidity_gv(r_in, z, a)


def integral_let_spectrum(phi_mv: float, shield_g_cm2: float, cutoffs_gv=CUTOFF_GRID_GV, let=LET_GRID,
                          species=ABUNDANCE) -> np.ndarray:
    """Φ(>L) [cm⁻² s⁻¹, omnidirectional] on `let` (last axis) for each cutoff in `cutoffs_gv`."""
    h_norm = next(ab for z, _, ab in species if z == 1)
    cutoffs = np.atleast_1d(np.asarray(cutoffs_gv, dtype=float))
    out = np.zeros((cutoffs.size, let.size))
    for z, a, ab in species:
        flux, l_dev, rig = _species_bins(z, a, ab / h_norm, phi_mv, shield_g_cm2)
        k = np.searchsorted(let, l_dev, side="left")      # bins with let[k-1] < L ≤ let[k] count in Φ(>let[:k])
        passes = rig[None, :] > cutoffs[:, None]
        for j in range(cutoffs.size):
            hist = np.bincount(k, weights=flux * passes[j], minlength=let.size + 1)
            out[j] += np.cumsum(hist[::-1])[::-1][1:]     # Φ(>let[i]) = Σ bins with index k > i
    return out


def weibull_cm2(let, l0: float, width: float, shape: float, sigma_sat_cm2: float):
    """σ(L) = σ_sat (1 − exp(−((L − L0)/W)^s)) for L > L0, else 0 [cm²]."""
    x = np.maximum(np.asarray(let, dtype=float) - l0, 0.0) / width
    return sigma_sat_cm2 * -np.expm1(-x ** shape)


def rate_s(phi_gt: np.ndarray, sigma_cm2: np.ndarray) -> np.ndarray:
    """∫ σ(L) |dΦ/dL| dL = ∫ Φ(>L) dσ on a common LET grid (last axis): Σ Δσ × the geometric mean
    of Φ at the interval's ends (exact for a power-law Φ in the interval to O(Δ²)), plus
    Φ(>L_max) σ(L_max) for the ions beyond the grid."""
    lo, hi = phi_gt[..., :-1], phi_gt[..., 1:]
    mean = np.sqrt(np.maximum(lo, 0.0) * np.maximum(hi, 0.0))
    return (np.diff(sigma_cm2) * mean).sum(axis=-1) + phi_gt[..., -1] * sigma_cm2[-1]


def device_rate_tables(devices, phi_mv: float, shield_g_cm2: float) -> np.ndarray:
    """(classes, 2, CUTOFF_GRID_GV.size) heavy-ion rate per device [1/s] of kind 0 SEU (σ_sat per bit ×
    the class's bits), 1 SEL, against the cutoff; 0 where a class has no such cross-section."""
    phi_gt = integral_let_spectrum(phi_mv, shield_g_cm2)
    out = np.zeros((len(devices), 2, CUTOFF_GRID_GV.size))
    for c, d in enumerate(devices):
        hi = d.heavy_ion
        if hi is None:
            continue
        for kind, (w, per_device) in enumerate(((hi.seu, d.bits), (hi.sel, 1.0))):
            if w is not None:
                sigma = weibull_cm2(LET_GRID, w.l0_mev_cm2_mg, w.width_mev_cm2_mg, w.shape, w.sigma_sat_cm2)
                out[c, kind] = per_device * rate_s(phi_gt, sigma)
    return out


class HeavyIonRates:
    """Per-device heavy-ion rates of a run: tables at solar minimum and maximum, mixed per tick by
    the same modulation m(t) ∈ [0, 1] as the GCR protons. `active` is False when no class has a
    heavy-ion cross-section (or cosmic rays are off): the kernel then sees empty tables."""

    def __init__(self, cfg, shield_g_cm2: float):
        hi = cfg.cosmic_rays.heavy_ions
        self.active = bool(cfg.cosmic_rays.enabled and hi.enabled and any(d.heavy_ion for d in cfg.devices))
        n_cls = len(cfg.devices) if self.active else 0
        if self.active:
            self.table_min = device_rate_tables(cfg.devices, hi.phi_solar_min_mv, shield_g_cm2)
            self.table_max = device_rate_tables(cfg.devices, hi.phi_solar_max_mv, shield_g_cm2)
        else:
            self.table_min = self.table_max = np.zeros((0, 2, 2))
        self.has_kind = (self.table_min.max(axis=-1) > 0.0) if n_cls else np.zeros((0, 2), dtype=bool)
        self._now = self.table_min.copy()
        self._m = 0.0

    def now(self, m: float) -> np.ndarray:
        """The table at modulation m (recomputed only when m changes)."""
        if self.active and m != self._m:
            self._m = m
            mix_tables(self.table_min, self.table_max, float(m), self._now)
        return self._now
