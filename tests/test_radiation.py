"""Radiation environment and effects (issue 4). References are cited per test."""
from __future__ import annotations

from datetime import datetime, timezone

import numpy as np
import pytest
from scipy import stats

from sim.config import scenario_from_dict
from sim.radiation import spe as spe_model
from sim.radiation import transport
from sim.radiation import trapped
from sim.core.simulation import Simulation

from conftest import shared_data

COARSE = {"lat_step_deg": 5.0, "lon_step_deg": 10.0, "alt_step_km": 100.0,
          "energies_mev": [10.0, 20.0, 30.0, 50.0, 70.0, 100.0, 200.0, 400.0]}
QUIET = {"mode": "off"}


@pytest.fixture(scope="module")
def cache_dir(tmp_path_factory):
    """One AP8 cache for the session's radiation tests (maps are keyed by grid)."""
    return ap8_cache(tmp_path_factory)


def ap8_cache(tmp_path_factory) -> str:
    path = tmp_path_factory.getbasetemp() / "ap8cache"
    path.mkdir(exist_ok=True)
    return str(path)


def _run(tmp_path, shells, radiation, *, epoch="2026-03-20T00:00:00Z", duration="1d", dt_s=30, kinds=(),
         record_s=60 * 30):
    scenario = scenario_from_dict({"name": "rad", "epoch": epoch, "duration": duration, "dt_s": dt_s, "seed": 3,
                                   "record": {"every_s": record_s}, "constellation": shells,
                                   "radiation": radiation})
    sim = Simulation(scenario)
    seen = {k: [] for k in kinds}
    for k in kinds:
        sim.events.subscribe(k, lambda t, s, a, b, c, k=k: seen[k].append(
            np.stack([t, s.astype(float), a, b, c], axis=1)))
    result = sim.run(tmp_path / "rad.h5")
    events = {k: (np.concatenate(v) if v else np.zeros((0, 5))) for k, v in seen.items()}
    return sim, result, events


def _memory(name="mem", **kw):
    base = {"name": name, "per": "satellite", "count": 1, "bits": 1e8, "sigma_bit_cm2": 1e-13, "ecc": False,
            "mbu_fraction": 0.0}
    base.update(kw)
    return base


def test_upsets_are_poisson_at_constant_rate(tmp_path, cache_dir):
    """Constant rate: counts per satellite have mean λT and variance/mean ≈ 1, and inter-arrival
    times are exponential (KS test). Reference: the homogeneous Poisson process (Cinlar 1975)."""
    # trapped protons and SPEs off; GCR with the cutoff dependence switched off (index → 0) on a
    # circular orbit gives the same constant rate everywhere
    rad = {"trapped": {"enabled": False, **COARSE, "cache_dir": cache_dir}, "spe": QUIET,
           "cosmic_rays": {"flux_solar_min_cm2_s": 5.0, "flux_solar_max_cm2_s": 5.0, "cutoff_index": 1e-9},
           "devices": [_memory(sigma_bit_cm2=1e-12, bits=1e9)]}   # λ ≈ 5 × 1e-3 × visible ≈ 3.5e-3 /s
    shells = [{"name": "eq", "elements": [{"altitude_km": 550, "inclination_deg": 0.0, "mean_anomaly_deg": m}
                                          for m in np.linspace(0, 348, 30)]}]
    sim, _, ev = _run(tmp_path, shells, rad, duration="6h", dt_s=60, kinds=("sdc",))
    rate = sim.fleet.upset_rate_s
    assert np.ptp(rate) / rate.mean() < 1e-6
    expected = rate.mean() * 6 * 3600
    counts = np.bincount(ev["sdc"][:, 1].astype(int), minlength=30)
    assert abs(counts.mean() - expected) < 4 * np.sqrt(expected / 30)
    dispersion = counts.var(ddof=1) / counts.mean()
    assert 0.4 < dispersion < 1.8   # chi2(29)/29 99.8 % interval ≈ [0.45, 1.75]
    gaps = np.concatenate([np.diff(np.sort(ev["sdc"][ev["sdc"][:, 1] == i, 0])) for i in range(30)])
    assert stats.kstest(gaps, "expon", args=(0, 1 / rate.mean())).pvalue > 0.01


def test_ap8_map_maximum_matches_ap8(cache_dir):
    """The >30 MeV maximum at 550 km lies in the SAA near 30°S, 30–45°W (MODELS.md §6; the issue),
    at the same place as a fine direct AP8 scan (aep8, Sawyer & Vette 1976)."""
    when = datetime(2026, 3, 20, tzinfo=timezone.utc)
    m = trapped.ap8_map(trapped.regular_grid(3.0, -90, 90), trapped.regular_grid(5.0, -180, 180),
                        np.array([550.0, 600.0]), np.array([10.0, 30.0]), "min", when, cache_dir)
    flux, lat, lon = m.maximum(30.0, 550.0)
    assert -36 <= lat <= -24 and -50 <= lon <= -25
    fine = trapped.ap8_map(np.arange(-40.0, -19.0, 1.0), np.arange(-60.0, -14.0, 1.0), np.array([550.0, 600.0]),
                           np.array([10.0, 30.0]), "min", when, cache_dir)
    f2, lat2, lon2 = fine.maximum(30.0, 550.0)
    assert -36 <= lat2 <= -24 and -50 <= lon2 <= -25 and flux == pytest.approx(f2, rel=0.15)
    # the SAA core is a plateau: the coarse maximum sits on it (within 15 % of AP8's fine maximum)
    at_coarse = fine.flux_cm2_s[list(fine.lat_deg).index(lat), list(fine.lon_deg).index(lon), 0, 1]
    assert at_coarse > 0.85 * f2
    # cached: the second call reads the file
    again = trapped.ap8_map(m.lat_deg, m.lon_deg, m.alt_km, m.energies_mev, "min", when, cache_dir)
    assert np.array_equal(again.flux_cm2_s, m.flux_cm2_s)


def test_saa_dominates_trapped_proton_upsets(tmp_path, cache_dir):
    """28.5°, 550 km: most trapped-proton upsets fall in the South Atlantic Anomaly, as UoSAT-2 and
    Hubble observed (MODELS.md §6: UoSAT-2 'overwhelming concentration in the SAA'; HST ~15 % of
    time in the SAA)."""
    rad = {"trapped": {**COARSE, "cache_dir": cache_dir}, "spe": QUIET, "cosmic_rays": {"enabled": False},
           "devices": [_memory()]}
    shells = [{"name": "hst", "walker": {"altitude_km": 550, "inclination_deg": 28.5, "planes": 2,
                                         "sats_per_plane": 2, "phasing": 1}}]
    sim, _, ev = _run(tmp_path, shells, rad, dt_s=60, kinds=("sdc",))
    sdc = ev["sdc"]
    assert len(sdc) > 50
    # positions at the upset times from the recorded track are coarse; use the flux column instead:
    # an upset inside the SAA sees the SAA's trapped flux (> 10 % of the map maximum)
    flux = sdc[:, 4]
    peak = sim.subsystem("radiation").flux_map.maximum(50.0, 550.0)[0]
    assert np.mean(flux > 0.02 * peak) > 0.9


def test_sso_exposed_over_poles_during_spe_equatorial_not(tmp_path, cache_dir):
    """Replaying 2012-03-07 (NOAA SWPC list, ../shared/data/space_weather): an SSO sees SPE protons over
    the poles where the Størmer cutoff 14.9/L² GV is low; an equatorial orbit (R_c ≈ 10–15 GV) does not."""
    csv = shared_data("space_weather", "noaa_spe_subset_2010-2024_from_hl-radiation-ml.csv")
    rad = {"trapped": {"enabled": False, **COARSE, "cache_dir": cache_dir}, "cosmic_rays": {"enabled": False},
           "spe": {"mode": "replay", "replay_csv": str(csv)}, "devices": [_memory()]}
    shells = [{"name": "sso", "sso": {"altitude_km": 686, "ltan_h": 10.5, "count": 4}},
              {"name": "eq", "elements": [{"altitude_km": 686, "inclination_deg": 0.0, "mean_anomaly_deg": m}
                                          for m in (0, 90, 180, 270)]}]
    rad["devices"] = [_memory(bits=2e9)]
    sim, _, ev = _run(tmp_path, shells, rad, epoch="2012-03-07T12:00:00Z", duration="6h", kinds=("sdc", "spe_peak"))
    sdc = ev["sdc"]
    on_sso = sdc[:, 1] < 4
    assert on_sso.sum() > 20 and (~on_sso).sum() <= 0.01 * on_sso.sum()
    f = sim.fleet
    assert f.spe_flux_cm2_s[:4].max() > 0 or f.upset_hazard[:4].min() > 0
    assert f.upset_hazard[4:].max() < 1e-3 * f.upset_hazard[:4].mean()


def test_s_scale_frequencies_over_synthetic_cycles():
    """Over many synthetic 11-year cycles the S1..S5 counts per cycle average ≈ 50/25/10/3/<1
    (NOAA S-scale, spaceweather.com glossary; MODELS.md §6)."""
    rng = np.random.default_rng(11)
    cycles = 300
    start = datetime(2019, 12, 1, tzinfo=timezone.utc)
    events = spe_model.synthetic_events(
        rng, start, cycles * 11 * spe_model.SECONDS_PER_YEAR, cycle_minimum=start, cycle_years=11.0,
        active_start_years=2.0, active_years=7.0, events_per_active_year=88.5 / 7.0 - 4 * 0.0 / 7,
        events_per_quiet_year=0.0, rise_median_h=6, decay_median_h=24, duration_sigma_ln=0.7, gamma_mean=2.5,
        gamma_sd=0.5)
    levels = spe_model.s_level([e.peak_pfu for e in events])
    per_cycle = np.bincount(levels, minlength=6)[1:6] / cycles
    target = np.array([50, 25, 10, 3, 0.5])
    sigma = np.sqrt(target / cycles)
    assert np.all(np.abs(per_cycle - target) < 4 * sigma + 1e-9), per_cycle
    # the active years are where the events are
    phase = np.array([spe_model.solar_cycle_phase_years(start, start, 11.0) + e.onset_s / spe_model.SECONDS_PER_YEAR
                      for e in events]) % 11.0
    assert np.all((phase >= 2.0) & (phase < 9.0))


def test_alsat1_legacy_memory(tmp_path, cache_dir):
    """Alsat-1 OBC386 memory, ~686 km SSO: 4.04e-7 upsets/bit/day, 98.6 % single-bit (MODELS.md §6,
    8-year in-orbit study). The cross-section 1e-13 cm²/bit is the top of the commercial-SRAM proton
    σ_sat range (MODELS.md §6, U); the agreement is stated in docs/models.md."""
    rad = {"shielding_al_mm": 2.0, "upset_threshold_mev": 10.0,
           "trapped": {**COARSE, "cache_dir": cache_dir}, "spe": QUIET,
           "devices": [_memory(bits=1e8, sigma_bit_cm2=1e-13, mbu_fraction=0.014)]}
    shells = [{"name": "alsat1", "sso": {"altitude_km": 686, "ltan_h": 10.5, "count": 4}}]
    sim, result, ev = _run(tmp_path, shells, rad, duration="2d", dt_s=60, kinds=("sdc",))
    sdc = ev["sdc"]
    per_bit_day = len(sdc) / (4 * 1e8 * 2.0)
    assert 4.04e-7 / 3 < per_bit_day < 4.04e-7 * 3, per_bit_day
    single = np.mean(sdc[:, 3] == 1.0)
    assert abs(single - 0.986) < 4 * np.sqrt(0.986 * 0.014 / len(sdc))


def test_dose_650km_dawn_dusk_10mm(tmp_path, cache_dir):
    """650 km dawn–dusk SSO behind 10 mm Al: the dose rate is of the order of Suncatcher's
    ~150 rad(Si)/yr (0.75 krad per 5 years; MODELS.md §1)."""
    rad = {"shielding_al_mm": 10.0, "trapped": {**COARSE, "cache_dir": cache_dir}, "spe": QUIET,
           "devices": [_memory(sigma_bit_cm2=0.0)]}
    shells = [{"name": "dd", "sso": {"altitude_km": 650, "ltan_h": 18, "count": 3}}]
    sim, _, _ = _run(tmp_path, shells, rad, duration="2d", dt_s=60)
    rad_per_year = sim.fleet.dose_rad.mean() / 2.0 * 365.25
    assert 150 / 5 < rad_per_year < 150 * 3, rad_per_year


def test_range_energy_against_pstar():
    """Range fit vs NIST PSTAR CSDA ranges in Al (10 MeV 0.170, 100 MeV 9.0 g/cm², ±10 %)."""
    assert transport.range_al_g_cm2(10.0) == pytest.approx(0.170, rel=0.1)
    assert transport.range_al_g_cm2(100.0) == pytest.approx(9.0, rel=0.1)
    assert transport.rigidity_to_energy_mev(1.0) == pytest.approx(433.3, rel=1e-3)


def test_absent_section_is_inert(tmp_path):
    """No `radiation:` section: no subsystem built, no events registered, no summary keys."""
    scenario = scenario_from_dict({"name": "plain", "epoch": "2026-03-20T00:00:00Z", "duration": "10m", "dt_s": 60,
                                   "constellation": [{"sso": {"altitude_km": 650}}]})
    sim = Simulation(scenario)
    assert "radiation" not in [s.name for s in sim.subsystems]
    assert not any(k.startswith("radiation.") for k in sim.summary())
    assert not any(k in sim.events.kinds for k in ("sefi", "spe_onset"))
