"""Heavy-ion GCR: the Weibull rate integral, ion stopping and LET, the transmitted integral LET
spectrum, and the heavy-ion term in the upset hazard and in the class/kind pick."""
from __future__ import annotations

import math

import numpy as np
import pytest
from pydantic import ValidationError
from scipy.integrate import quad

from sim.radiation import heavy_ions as hi
from sim.radiation import transport
from sim.radiation.config import RadiationConfig
from tests.radiation.helpers import COARSE, QUIET, memory, run

WEIBULL = {"l0_mev_cm2_mg": 2.0, "width_mev_cm2_mg": 15.0, "shape": 1.7, "sigma_sat_cm2": 3e-5}


def _phi_closed_form(let):
    """Φ(>L) = A L^-1.2 exp(−L/25) [cm⁻² s⁻¹]: a smooth spectrum with an iron-knee-like fall."""
    return 1e-3 * np.asarray(let, dtype=float) ** -1.2 * np.exp(-np.asarray(let, dtype=float) / 25.0)


def test_rate_on_the_let_grid_is_the_integral_of_sigma_times_the_differential_spectrum():
    """∫ σ(L) |dΦ/dL| dL by the Stieltjes sum on LET_GRID against scipy.integrate.quad of the same
    Weibull σ and the analytic derivative of a closed-form Φ (reference: quad, rel. 1e-10)."""
    w = WEIBULL

    def integrand(x):
        s = hi.weibull_cm2(x, w["l0_mev_cm2_mg"], w["width_mev_cm2_mg"], w["shape"], w["sigma_sat_cm2"])
        dphi = _phi_closed_form(x) * (1.2 / x + 1.0 / 25.0)
        return float(s) * dphi

    ref = quad(integrand, w["l0_mev_cm2_mg"], 150.0, limit=400, epsrel=1e-10)[0]
    ref += _phi_closed_form(150.0) * float(hi.weibull_cm2(150.0, *w.values()))   # ions beyond the grid
    sigma = hi.weibull_cm2(hi.LET_GRID, *w.values())
    got = hi.rate_s(_phi_closed_form(hi.LET_GRID), sigma)
    assert got == pytest.approx(ref, rel=2e-3)


def test_weibull_is_zero_below_onset_and_saturates():
    s = hi.weibull_cm2(np.array([0.5, 2.0, 2.0 + 15.0, 1e4]), *WEIBULL.values())
    assert s[0] == 0.0 and s[1] == 0.0
    assert s[2] == pytest.approx(3e-5 * (1 - math.exp(-1.0)))
    assert s[3] == pytest.approx(3e-5)


def _bethe_let_si(eps_mev, z, a):
    """LET [MeV cm²/mg] of a bare nucleus in Si from the Bethe formula without shell or density
    corrections (PDG 2024 eq. 34.5, K = 0.307075 MeV cm²/mol, I = 173 eV, Z/A = 14/28.0855)."""
    gamma = 1.0 + eps_mev / hi.AMU_MEV
    beta2 = 1.0 - 1.0 / gamma ** 2
    me = 0.51099895
    bg2 = beta2 * gamma ** 2
    m = a * hi.AMU_MEV
    t_max = 2 * me * bg2 / (1 + 2 * gamma * me / m + (me / m) ** 2)
    log = 0.5 * math.log(2 * me * bg2 * t_max / (173e-6) ** 2)
    return 0.307075 * z * z * (14 / 28.0855) / beta2 * (log - beta2) / 1e3


@pytest.mark.parametrize("z, a, eps", [(26, 56, 300.0), (26, 56, 1000.0), (8, 16, 500.0), (2, 4, 200.0)])
def test_let_of_fast_nuclei_in_silicon_is_bethes(z, a, eps):
    """Z_eff² × PSTAR S_p at the same velocity against the Bethe formula for the bare nucleus
    (reference: PDG eq. 34.5; Z_eff = Z within 0.01 % at these speeds), within 2 %."""
    assert hi.let_si(eps, z) == pytest.approx(_bethe_let_si(eps, z, a), rel=0.02)


def test_iron_bragg_peak_in_silicon_is_near_the_knee_of_the_let_spectrum():
    """Fe's largest LET in Si (Barkas Z_eff × PSTAR) is 26-31 MeV cm²/mg at 0.5-3 MeV/n — the iron
    knee of the GCR LET spectra (SRIM tables give ≈ 29 at ≈ 1 MeV/n: secondary, not a tight target)."""
    eps = np.geomspace(0.05, 100.0, 4000)
    let = hi.let_si(eps, 26)
    assert 26.0 < let.max() < 31.0 and 0.5 < eps[let.argmax()] < 3.0


def test_ion_range_in_aluminium_scales_the_proton_range_by_a_over_z_squared():
    """Consistency check: above a few hundred MeV/n (Z_eff = Z) range differences of a nucleus equal
    (A m_u / m_p)/Z² × those of a proton of the same velocity (sim.radiation.transport's own PSTAR
    range; the nucleus has A m_u of mass per unit of the proton's)."""
    e1, e2 = 300.0, 2000.0
    for z, a in ((26, 56), (8, 16)):
        ion = hi.range_al_g_cm2(e2, z, a) - hi.range_al_g_cm2(e1, z, a)
        p = transport.range_al_g_cm2(e2 * hi.PROTON_REST_MEV / hi.AMU_MEV) - transport.range_al_g_cm2(
            e1 * hi.PROTON_REST_MEV / hi.AMU_MEV)
        assert ion == pytest.approx(a * hi.AMU_MEV / hi.PROTON_REST_MEV / z ** 2 * p, rel=0.002)


def test_integral_spectrum_direct_sum_matches_the_grid_rate():
    """Consistency check: Σ over the species' exit-energy bins of flux × σ(LET) equals the Stieltjes
    rate on the tabulated Φ(>L), within 1 %, at solar minimum behind 100 mil Al, no cutoff."""
    t = transport.shield_g_cm2(2.54)
    direct = 0.0
    for z, a, ab in hi.ABUNDANCE:
        flux, let, _ = hi._species_bins(z, a, ab / hi.ABUNDANCE[0][2], 450.0, t)
        direct += (flux * hi.weibull_cm2(let, *WEIBULL.values())).sum()
    grid = hi.rate_s(hi.integral_let_spectrum(450.0, t, [0.0])[0], hi.weibull_cm2(hi.LET_GRID, *WEIBULL.values()))
    assert grid == pytest.approx(direct, rel=0.01)


def test_spectrum_falls_with_cutoff_modulation_and_past_the_iron_knee():
    """Φ(>L) never rises with L, with the cutoff or with the modulation potential; past Fe's Bragg
    peak (with Ni the heaviest nucleus here) it drops by more than 10× between 20 and 30 MeV cm²/mg."""
    t = transport.shield_g_cm2(2.54)
    cut = [0.0, 1.0, 4.0, 12.0]
    lo, hi_ = hi.integral_let_spectrum(450.0, t, cut), hi.integral_let_spectrum(1050.0, t, cut)
    for phi in (lo, hi_):
        assert np.all(np.diff(phi, axis=1) <= 1e-30) and np.all(np.diff(phi, axis=0) <= 1e-30)
    assert np.all(hi_ <= lo + 1e-30)
    i20, i30 = np.searchsorted(hi.LET_GRID, [20.0, 30.0])
    assert lo[0, i30] < 0.1 * lo[0, i20]


def test_free_space_gcr_protons_of_the_lis_are_near_the_shipped_proton_defaults():
    """Consistency check, order of magnitude: the force-field proton flux (4π ∫ J dE) at 450 / 1050 MV
    is within a factor 2 of cosmic_rays.flux_solar_min/max_cm2_s (4 and 2 cm⁻² s⁻¹, themselves U)."""
    e = np.geomspace(1.0, 1e6, 4000)
    cr = RadiationConfig().cosmic_rays
    for phi, ref in ((450.0, cr.flux_solar_min_cm2_s), (1050.0, cr.flux_solar_max_cm2_s)):
        flux = 4 * np.pi * np.trapezoid(hi.modulated(e, 1, 1, phi, 1.0), e)
        assert 0.5 * ref < flux < 2.0 * ref


def test_bad_weibull_names_the_field():
    with pytest.raises(ValidationError, match="width_mev_cm2_mg"):
        RadiationConfig(devices=[{"name": "x", "heavy_ion": {"sel": {**WEIBULL, "width_mev_cm2_mg": 0.0}}}])


SSO = [{"name": "dd", "sso": {"altitude_km": 650, "ltan_h": 18, "count": 6}}]


def _radiation(devices, **heavy):
    return {"trapped": {**COARSE, "enabled": False}, "spe": QUIET, "devices": devices,
            "cosmic_rays": {"flux_solar_min_cm2_s": 0.0, "flux_solar_max_cm2_s": 0.0, "heavy_ions": heavy}}


def test_without_heavy_ion_cross_sections_the_run_is_unchanged(tmp_path, cache_dir):
    """Device classes without `heavy_ion`: the same datasets as with heavy ions switched off."""
    devices = [memory(sigma_bit_cm2=1e-9)]
    radiation = {"trapped": {**COARSE, "cache_dir": cache_dir}, "spe": QUIET, "devices": devices}
    a = run(tmp_path / "a", SSO, radiation, duration="6h")[1]
    radiation["cosmic_rays"] = {"heavy_ions": {"enabled": False}}
    b = run(tmp_path / "b", SSO, radiation, duration="6h")[1]
    assert a.summary == b.summary


def test_heavy_ion_latch_ups_follow_the_tabulated_rate_at_the_satellites_cutoff(tmp_path):
    """A per-satellite device with only a heavy-ion SEL σ (no proton σ, GCR protons off): every
    upset is a latch-up; each satellite's rate at the end is visible sky × the device's table
    interpolated at its cutoff (reference: NumPy interpolation of the set-up table at the kernel's
    cutoff_gv, visible = ½(1 + √(1 − (R/r)²))); the latch-up count is Poisson in the hazard (4σ)."""
    sel = {"l0_mev_cm2_mg": 1.0, "width_mev_cm2_mg": 10.0, "shape": 1.5, "sigma_sat_cm2": 5.0}
    dev = {"name": "latcher", "per": "satellite", "takes_down_gpus": False, "heavy_ion": {"sel": sel}}
    sim, _, events = run(tmp_path, SSO, _radiation([dev]), epoch="2019-12-01T00:00:00Z", duration="1d",
                         dt_s=60, kinds=("sel", "sdc", "seu_corrected"))
    rad = sim.subsystem("radiation")
    f = rad.fleet
    assert len(events["sdc"]) == 0 and len(events["seu_corrected"]) == 0
    total = f.upset_hazard.sum()
    assert total > 50 and abs(len(events["sel"]) - total) < 4 * math.sqrt(total) + 1
    r_re = np.linalg.norm(f.r_eci_m, axis=0) / 6378137.0
    visible = 0.5 * (1 + np.sqrt(1 - 1 / r_re ** 2))
    table = rad.heavy_ions.now(0.0)[0, 1]   # solar minimum at the cycle-25 minimum (m = 0)
    expect = visible * np.interp(f.cutoff_gv, hi.CUTOFF_GRID_GV, table)
    np.testing.assert_allclose(f.upset_rate_s, expect, rtol=1e-5)
    assert np.all(rad.heavy_ions.table_min[0, 0] == 0.0)   # no SEU σ: no SEU rate


def test_the_class_and_kind_pick_weighs_heavy_ion_rates_against_proton_rates():
    """One upset on each of 20,000 satellites: a class with a proton bit σ (rate flux × bits × σ_bit)
    and a heavy-ion SEL (rate hi_unit per device) gives latch-ups with probability
    hi / (hi + flux σ) (binomial, 4σ); without heavy-ion classes every upset is a bit upset."""
    from sim.radiation import upsets
    from sim.radiation.devices import Devices
    n = 20000
    dev_cfg = memory(takes_down_gpus=False, heavy_ion={"sel": WEIBULL})
    cfg = RadiationConfig(devices=[dev_cfg])
    gpu_count = np.full(n, 4, dtype=np.int32)
    rng = np.random.default_rng(4)
    results = {}
    for with_hi in (True, False):
        dev = Devices(cfg, gpu_count, np.array([[0.0, 1.0]]) if with_hi else None)
        dev.update_weights(np.arange(n), gpu_count)
        if with_hi:
            dev.hi_unit[:, 0, 1] = 3e-5
        flux = np.full(n, 2.0)   # proton rate 2 × 1e8 × 1e-13 = 2e-5 per s
        ev = np.zeros((4, upsets.N_EVENT_CODES, n + 2)), np.zeros((upsets.N_EVENT_CODES, n + 2), np.int32), \
            np.zeros(upsets.N_EVENT_CODES, np.int64)
        counts = np.zeros((1, 6), np.int64)
        z = np.zeros(n)
        upsets.upset_outcomes(np.arange(n), np.zeros(n, np.int64), z, np.ones(n), np.full(n, 0.5),
                              rng.random((n, upsets.UNIFORMS_PER_UPSET)), 0.0, 10.0, 3600.0, 0, dev.table,
                              dev.weights, dev.hi_unit, dev.dose_factor, gpu_count, dev.host_lost, flux, np.zeros(n),
                              np.ones(n), np.ones(n, np.int8), np.zeros(n), np.zeros(n), np.zeros(n), np.zeros(n),
                              np.empty(1), *ev, counts, np.zeros(n, bool))
        results[with_hi] = counts[0]
    p = 3e-5 / (3e-5 + 2e-5)
    sel = results[True][upsets.SEL]
    assert abs(sel - n * p) < 4 * math.sqrt(n * p * (1 - p))
    assert results[False][upsets.SEL] == 0 and results[False][:3].sum() == n
