"""Solar particle events (sim.radiation.spe): the synthetic generator against the NOAA S-scale
frequencies and the JPL-91 fluence distribution; the shipped NOAA SWPC list and its replay."""
from __future__ import annotations

from datetime import datetime, timezone

import numpy as np
import pytest
from scipy import stats

from sim.config.base import resolve_data_path
from sim.core.constants import SECONDS_PER_DAY, SECONDS_PER_HOUR, SECONDS_PER_JULIAN_YEAR
from sim.radiation import spe as spe_model
from tests.radiation.helpers import SPE_LIST

S_TARGET = np.array([50, 25, 10, 3, 0.5])   # S1..S5 per cycle (NOAA S-scale; S5 "<1")


def _cycles(rng, cycles, **kw):
    start = datetime(2019, 12, 1, tzinfo=timezone.utc)
    return start, spe_model.synthetic_events(
        rng, start, cycles * 11 * SECONDS_PER_JULIAN_YEAR, cycle_minimum=start, cycle_years=11.0,
        active_start_years=2.0, active_years=7.0, events_per_active_year=88.5 / 7.0, events_per_quiet_year=0.0,
        rise_median_h=6, decay_median_h=24, duration_sigma_ln=0.7, gamma_mean=2.5, gamma_sd=0.5, **kw)


def test_s_scale_frequencies_over_synthetic_cycles():
    """Over many synthetic 11-year cycles the S1..S5 counts per cycle average ≈ 50/25/10/3/<1
    (NOAA S-scale, spaceweather.com glossary; MODELS.md §6)."""
    cycles = 300
    start, events = _cycles(np.random.default_rng(11), cycles)
    levels = spe_model.s_level([e.peak_pfu for e in events])
    per_cycle = np.bincount(levels, minlength=6)[1:6] / cycles
    sigma = np.sqrt(S_TARGET / cycles)
    assert np.all(np.abs(per_cycle - S_TARGET) < 4 * sigma + 1e-9), per_cycle
    # the active years are where the events are
    phase = np.array([spe_model.solar_cycle_phase_years(start, start, 11.0) + e.onset_s / SECONDS_PER_JULIAN_YEAR
                      for e in events]) % 11.0
    assert np.all((phase >= 2.0) & (phase < 9.0))


def test_jpl91_event_fluence_is_lognormal():
    """Synthetic events: log10 of the >10 MeV fluence (4π × the profile's integral) is Normal(μ, σ)
    — JPL-91 structure, ECSS-E-ST-10-04C (MODELS.md §6) — with the S-scale peak marginal intact,
    peak and fluence positively rank-correlated, and decay times positive."""
    mu, sd = 8.27, 1.0
    _, events = _cycles(np.random.default_rng(21), 300, fluence_model="jpl91", fluence_log10_mean=mu,
                        fluence_log10_sd=sd, fluence_peak_correlation=0.8)
    n = len(events)
    log_f = np.log10([4 * np.pi * e.fluence_gt10_cm2_sr() for e in events])
    peaks = np.array([e.peak_pfu for e in events])
    assert abs(log_f.mean() - mu) < 4 * sd / np.sqrt(n)
    assert abs(log_f.std(ddof=1) / sd - 1.0) < 4 / np.sqrt(2 * (n - 1))
    assert stats.kstest(log_f, "norm", args=(mu, sd)).pvalue > 0.01
    assert stats.spearmanr(peaks, log_f).statistic > 0.6
    assert all(e.decay_s > 0 and e.peak_s >= e.onset_s for e in events)
    per_cycle = np.bincount(spe_model.s_level(peaks), minlength=6)[1:6] / 300
    assert np.all(np.abs(per_cycle - S_TARGET) < 4 * np.sqrt(S_TARGET / 300) + 1e-9), per_cycle


def test_shipped_event_list_and_its_replay():
    """The shipped NOAA SWPC subset: 69 events 2010-08..2024-05 (sim/data/SOURCE.md), among them
    the 2012-03-07 S3 event (begin 05:10Z, maximum 2012-03-08 11:15Z, 6530 pfu; NOAA SWPC list).
    Replayed from 2012-03-07T00:00Z it starts 5 h 10 min in and rises to its peak at the maximum."""
    rows = spe_model.read_event_list(resolve_data_path(SPE_LIST, None))
    assert len(rows) == 69 and rows[0][0].year == 2010 and rows[-1][0].year == 2024
    begin, peak, pfu = next(r for r in rows if r[0].date().isoformat() == "2012-03-07")
    assert (begin.hour, begin.minute, peak.isoformat(), pfu) == (5, 10, "2012-03-08T11:15:00+00:00", 6530.0)
    epoch = datetime(2012, 3, 7, tzinfo=timezone.utc)
    events = spe_model.replay_events(resolve_data_path(SPE_LIST, None), epoch, 2 * SECONDS_PER_DAY, decay_h=24.0,
                                     gamma=2.0)
    ev = events[0]
    assert ev.onset_s == pytest.approx(5 * SECONDS_PER_HOUR + 600.0) and ev.s_level == 3
    assert ev.j10_pfu(ev.peak_s) == pytest.approx(6530.0) and ev.j10_pfu(ev.onset_s) == pytest.approx(10.0)


def test_malformed_event_list_names_the_row(tmp_path):
    path = tmp_path / "spe.csv"
    path.write_text("# a comment\nbegin_utc,max_utc,max_pfu_gt10MeV\n2012-03-07T05:10Z,2012-03-08T11:15Z,6530\n"
                    "2012-03-13T18:10Z,March 13,469\n")
    with pytest.raises(ValueError, match="data row 2: 'March 13' is not an ISO 8601"):
        spe_model.read_event_list(path)
    path.write_text("begin,max\n2012-03-07T05:10Z,2012-03-08T11:15Z\n")
    with pytest.raises(ValueError, match="no column begin_utc, max_utc, max_pfu_gt10MeV"):
        spe_model.read_event_list(path)


def jpl_annual_cdf(log10_f, w, mu, sd, n_max=40):
    """P(annual >10 MeV fluence ≤ F) of the JPL model, ECSS-E-ST-10-04C eqs. I-5..I-7: N ~ Poisson(w)
    events a year, each with log10 F ~ Normal(μ, σ), evaluated without sampling — the n-fold
    convolution G_n(F) = ∫ f(x) G_{n−1}(F − x) dx by quadrature in log10 x on the grid log10_f."""
    y = np.asarray(log10_f, dtype=float)
    dy = y[1] - y[0]
    weight = stats.norm.pdf(y, mu, sd) * dy            # f(x) dx with x = 10^y
    f = 10.0 ** y
    rest = f[:, None] - f[None, :]                      # F_i − x_j
    inside = rest > 0.0
    pos = (np.log10(np.where(inside, rest, f[0])) - y[0]) / dy
    k = np.clip(pos.astype(int), 0, len(y) - 2)
    frac = np.clip(pos - k, 0.0, 1.0)
    below = inside & (pos < 0.0)                        # F − x under the grid: G_{n−1} ≈ 0 there (n ≥ 2)
    g = stats.norm.cdf(y, mu, sd)                       # G_1
    p_n = stats.poisson.pmf(np.arange(n_max + 1), w)
    cdf = p_n[0] + p_n[1] * g
    for n in range(2, n_max + 1):
        g_prev = g[k] * (1.0 - frac) + g[k + 1] * frac
        g = (weight[None, :] * np.where(inside & ~below, g_prev, 0.0)).sum(axis=1)
        cdf = cdf + p_n[n] * g
    return cdf


def test_annual_fluence_against_the_jpl_model():
    """The annual >10 MeV fluence of the generator as odcsim runs it (20,000 active years, the
    default rate and fluence parameters, fluence = 4π × each event's profile integral, summed by
    onset year) against the JPL model's own distribution (ECSS-E-ST-10-04C eqs. I-5..I-7, computed
    by convolution, `jpl_annual_cdf`): the empirical CDF at the model's 50/90/95/99 % fluences
    within 4 binomial s.e. of the level, and the mean within 4 s.e. of w 10^μ exp((σ ln 10)²/2)."""
    from sim.radiation.config import SolarEvents
    s = SolarEvents()
    years = 20000
    start = datetime(2000, 1, 1, tzinfo=timezone.utc)
    events = spe_model.synthetic_events(
        np.random.default_rng(5), start, years * SECONDS_PER_JULIAN_YEAR, cycle_minimum=start, cycle_years=11.0,
        active_start_years=0.0, active_years=11.0, events_per_active_year=s.events_per_active_year,
        events_per_quiet_year=0.0, rise_median_h=s.rise_median_h, decay_median_h=s.decay_median_h,
        duration_sigma_ln=s.duration_sigma_ln, gamma_mean=s.gamma_mean, gamma_sd=s.gamma_sd,
        fluence_model="jpl91", fluence_log10_mean=s.fluence_log10_mean, fluence_log10_sd=s.fluence_log10_sd,
        fluence_peak_correlation=s.fluence_peak_correlation)
    year = np.array([int(e.onset_s // SECONDS_PER_JULIAN_YEAR) for e in events])
    fluence = np.array([4 * np.pi * e.fluence_gt10_cm2_sr() for e in events])
    annual = np.bincount(year, weights=fluence, minlength=years)[:years]
    w, mu, sd = s.events_per_active_year, s.fluence_log10_mean, s.fluence_log10_sd
    grid = np.arange(4.0, 13.0, 0.005)
    cdf = jpl_annual_cdf(grid, w, mu, sd)
    for level in (0.5, 0.9, 0.95, 0.99):
        f_level = 10.0 ** np.interp(level, cdf, grid)
        empirical = np.mean(annual <= f_level)
        assert abs(empirical - level) < 4 * np.sqrt(level * (1 - level) / years), (level, f_level, empirical)
    mean = w * 10.0 ** mu * np.exp(0.5 * (sd * np.log(10.0)) ** 2)
    assert abs(annual.mean() / mean - 1.0) < 4 * annual.std() / np.sqrt(years) / mean, (annual.mean(), mean)


def test_default_rates_keep_the_large_s_scale_counts():
    """With the default JPL rate (6.15 per active year, 0.5 per quiet year: 45 events per cycle)
    the events are the 45 largest of the S-scale distribution: S2..S5 per cycle at NOAA's 25/10/3/0.5
    (4σ over 300 cycles) and S1 the remaining 45 − 38.5."""
    from sim.radiation.config import SolarEvents
    s = SolarEvents()
    start = datetime(2019, 12, 1, tzinfo=timezone.utc)
    cycles = 300
    events = spe_model.synthetic_events(
        np.random.default_rng(8), start, cycles * 11 * SECONDS_PER_JULIAN_YEAR, cycle_minimum=start,
        cycle_years=s.cycle_years, active_start_years=s.active_start_years, active_years=s.active_years,
        events_per_active_year=s.events_per_active_year, events_per_quiet_year=s.events_per_quiet_year,
        rise_median_h=s.rise_median_h, decay_median_h=s.decay_median_h, duration_sigma_ln=s.duration_sigma_ln,
        gamma_mean=s.gamma_mean, gamma_sd=s.gamma_sd, fluence_log10_mean=s.fluence_log10_mean,
        fluence_log10_sd=s.fluence_log10_sd, fluence_peak_correlation=s.fluence_peak_correlation)
    per_cycle = np.bincount(spe_model.s_level([e.peak_pfu for e in events]), minlength=6)[1:6] / cycles
    n = s.events_per_active_year * s.active_years + s.events_per_quiet_year * (s.cycle_years - s.active_years)
    target = np.array([n - 38.5, 25.0, 10.0, 3.0, 0.5])
    assert np.all(np.abs(per_cycle - target) < 4 * np.sqrt(target / cycles) + 1e-9), per_cycle
