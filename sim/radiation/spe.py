"""Solar particle events: the solar-cycle phase, a stochastic generator and a historical replay.

An event is a >10 MeV proton flux profile at 1 AU (pfu = cm⁻² s⁻¹ sr⁻¹) that rises from the
10 pfu threshold at onset to its peak log-linearly, then decays exponentially and ends when it
falls back below 10 pfu (NOAA SWPC's event definition). Its spectrum is a power law in energy,
J(>E) = J10 (E / 10 MeV)^-γ.

Generator (JPL model structure, Feynman et al. 1993, ECSS-E-ST-10-04C Annex I.2.3): onsets are a
Poisson process whose rate is `events_per_active_year` (w) during the 7 active years of each 11-year
cycle and `events_per_quiet_year` otherwise (JPL/ESP convention: 7 active years); each event's
>10 MeV fluence is log-normal, log10 F ~ Normal(μ, σ), F omnidirectional in cm⁻² (F/4π per steradian
for an isotropic flux). Frequency and fluence come from the one model, so the annual fluence is the
model's compound Poisson sum (ECSS eq. I-7); its mean is w 10^μ exp((σ ln 10)²/2).

Peak fluxes follow the NOAA S-scale frequencies per cycle (S1 50, S2 25, S3 10, S4 3, S5 <1:
spaceweather.com glossary, MODELS.md §6), log N(>P) interpolated linearly in log P between the S
thresholds and continued above 1e5 pfu with the S4→S5 slope. The model's n events per cycle are
the n largest of that distribution: with the default w they are fewer than the 88.5 ≥S1 events of
the S-scale, so S2..S5 keep their NOAA counts and only the smallest S1 events are not generated
(events with more than 88.5 per cycle would sit at the 10 pfu threshold). The peak is
rank-correlated with the fluence through a Gaussian copula (ρ); the profile's duration then follows
from both: F/4π = (P − 10)(t_rise/ln(P/10) + τ), with the sampled rise time capped at half of
D ln(P/10), D = F/(4π (P − 10)), so that τ ≥ D/2.

Replay: the events of a NOAA-style list at their dates (or moved by a shift), or only its n largest
(>10 MeV peak), largest first, at chosen onsets (`replay_largest`: a worst case built from the
list); `scale_fluence` multiplies an event's >10 MeV fluence by k keeping its rise, decay and
spectrum: the peak P' solves F(P') = k F(P), F(P) = (P − 10)(t_rise/ln(P/10) + τ) (increasing in P).
"""
from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import numpy as np

from sim.core.constants import SECONDS_PER_HOUR, SECONDS_PER_JULIAN_YEAR
from sim.core.timescale import parse_utc
from sim.radiation.steps import event_j10_pfu

S_THRESHOLDS_PFU = np.array([10.0, 1e2, 1e3, 1e4, 1e5])
S_PER_CYCLE = np.array([50.0, 25.0, 10.0, 3.0, 0.5])   # S5 "<1": taken as 0.5


@dataclass
class SolarParticleEvent:
    onset_s: float        # scenario seconds of the 10 pfu crossing
    peak_s: float
    peak_pfu: float       # >10 MeV
    decay_s: float        # e-folding time after the peak
    gamma: float          # integral spectral index

    @property
    def end_s(self) -> float:
        return self.peak_s + self.decay_s * np.log(max(self.peak_pfu, 10.0) / 10.0)

    @property
    def s_level(self) -> int:
        return s_level(self.peak_pfu)

    def j10_pfu(self, t_s: float) -> float:
        return event_j10_pfu(float(t_s), self.onset_s, self.peak_s, self.peak_pfu, self.decay_s, float(self.end_s))

    def fluence_gt10_cm2_sr(self) -> float:
        """∫ J10 dt over the event (cm⁻² sr⁻¹)."""
        rise = self.peak_s - self.onset_s
        ratio = max(self.peak_pfu / 10.0, 1.0 + 1e-12)
        rise_part = (self.peak_pfu - 10.0) * rise / np.log(ratio)
        decay_part = (self.peak_pfu - 10.0) * self.decay_s
        return rise_part + decay_part


def s_level(peak_pfu) -> np.ndarray | int:
    """NOAA S-scale level (0 below 10 pfu) of >10 MeV peak fluxes."""
    level = np.searchsorted(S_THRESHOLDS_PFU, np.asarray(peak_pfu, dtype=float), side="right")
    return int(level) if np.ndim(level) == 0 else level


def solar_cycle_phase_years(t: datetime, cycle_minimum: datetime, cycle_years: float) -> float:
    """Years since the most recent solar minimum (modulo the cycle length)."""
    dt_years = (t - cycle_minimum).total_seconds() / SECONDS_PER_JULIAN_YEAR
    return float(dt_years % cycle_years)


def is_active(phase_years: float, active_start_years: float, active_years: float) -> bool:
    return active_start_years <= phase_years < active_start_years + active_years


def sample_peak_pfu(rng: np.random.Generator, size: int, events_per_cycle: float | None = None) -> np.ndarray:
    """Peak >10 MeV fluxes drawn from the S-scale frequency distribution (`peak_pfu_quantile`)."""
    return peak_pfu_quantile(rng.random(size), events_per_cycle)


def peak_pfu_quantile(u: np.ndarray, events_per_cycle: float | None = None) -> np.ndarray:
    """Peak >10 MeV flux exceeded by a fraction u ∈ (0, 1] of the `events_per_cycle` largest
    events of the S-scale distribution (None: all 88.5 ≥S1 events per cycle); where u ×
    events_per_cycle exceeds the S-scale total, the 10 pfu threshold."""
    cum = np.cumsum(S_PER_CYCLE[::-1])[::-1]            # N(≥threshold) per cycle
    log_p = np.log10(S_THRESHOLDS_PFU)
    log_n = np.log10(cum)
    slope = (log_n[-1] - log_n[-2]) / (log_p[-1] - log_p[-2])
    log_p = np.append(log_p, log_p[-1] + 1.0)            # extend one decade above S5
    log_n = np.append(log_n, log_n[-1] + slope)
    # inverse CDF: u ∈ (0,1] → N(>P)/N(>10) = u
    u = np.asarray(u, dtype=float)
    n_events = cum[0] if events_per_cycle is None else max(float(events_per_cycle), 1e-300)
    target = np.minimum(np.log10(n_events) + np.log10(np.maximum(u, 1e-300)), log_n[0])
    below = target < log_n[-1]
    out = 10.0 ** np.interp(-target, -log_n, log_p)
    out[below] = 10.0 ** log_p[-1]
    return out


def synthetic_events(rng: np.random.Generator, epoch: datetime, duration_s: float, *, cycle_minimum: datetime,
                     cycle_years: float, active_start_years: float, active_years: float,
                     events_per_active_year: float, events_per_quiet_year: float, rise_median_h: float,
                     decay_median_h: float, duration_sigma_ln: float, gamma_mean: float,
                     gamma_sd: float, fluence_model: str = "jpl91", fluence_log10_mean: float = 8.27,
                     fluence_log10_sd: float = 1.0,
                     fluence_peak_correlation: float = 0.8) -> list[SolarParticleEvent]:
    """Events with onsets in [0, duration_s) of the scenario, drawn piecewise over active/quiet
    spans of the cycle (thinning-free: each span has a constant rate). fluence_model 'jpl91':
    log10 fluence ~ N(mean, sd) and the decay time follows; 'profile': log-normal decay time.
    Peaks are the largest of the S-scale distribution for the rates' events per cycle (module doc)."""
    events = []
    t = 0.0
    phase0 = solar_cycle_phase_years(epoch, cycle_minimum, cycle_years)
    per_cycle = events_per_active_year * active_years + events_per_quiet_year * (cycle_years - active_years)
    while t < duration_s:
        phase = (phase0 + t / SECONDS_PER_JULIAN_YEAR) % cycle_years
        edges = np.array([active_start_years, active_start_years + active_years, cycle_years])
        next_edge = edges[edges > phase + 1e-12][0]
        span_end = min(duration_s, t + (next_edge - phase) * SECONDS_PER_JULIAN_YEAR)
        active = is_active(phase, active_start_years, active_years)
        rate = (events_per_active_year if active else events_per_quiet_year) / SECONDS_PER_JULIAN_YEAR
        n = rng.poisson(rate * (span_end - t))
        onsets = np.sort(rng.uniform(t, span_end, n))
        if fluence_model == "jpl91":
            peaks, rise, decay = _jpl91_profiles(rng, n, rise_median_h, duration_sigma_ln, fluence_log10_mean,
                                                 fluence_log10_sd, fluence_peak_correlation, per_cycle)
        else:
            peaks = sample_peak_pfu(rng, n, per_cycle)
            rise = rise_median_h * SECONDS_PER_HOUR * np.exp(duration_sigma_ln * rng.standard_normal(n))
            decay = decay_median_h * SECONDS_PER_HOUR * np.exp(duration_sigma_ln * rng.standard_normal(n))
        gamma = np.clip(gamma_mean + gamma_sd * rng.standard_normal(n), 1.0, 5.0)
        events += [SolarParticleEvent(float(o), float(o + r), float(p), float(d), float(g))
                   for o, r, p, d, g in zip(onsets, rise, peaks, decay, gamma)]
        t = span_end
    return events


def _jpl91_profiles(rng, n, rise_median_h, duration_sigma_ln, log10_mean, log10_sd, rho, events_per_cycle):
    """(peak pfu, rise s, decay s) of n events whose >10 MeV fluence is log-normal (module doc)."""
    from scipy.special import ndtr
    z_fluence = rng.standard_normal(n)
    z_peak = rho * z_fluence + np.sqrt(1.0 - rho * rho) * rng.standard_normal(n)
    peaks = np.maximum(peak_pfu_quantile(ndtr(-z_peak), events_per_cycle), 10.0 * (1.0 + 1e-9))
    fluence_cm2_sr = 10.0 ** (log10_mean + log10_sd * z_fluence) / (4.0 * np.pi)
    log_ratio = np.log(peaks / 10.0)
    d_s = fluence_cm2_sr / (peaks - 10.0)
    rise = rise_median_h * SECONDS_PER_HOUR * np.exp(duration_sigma_ln * rng.standard_normal(n))
    rise = np.minimum(rise, 0.5 * d_s * log_ratio)
    decay = d_s - rise / log_ratio
    return peaks, rise, decay


EVENT_LIST_COLUMNS = ("begin_utc", "max_utc", "max_pfu_gt10MeV")


def read_event_list(path: str | Path) -> list[tuple[datetime, datetime, float]]:
    """(begin, maximum, >10 MeV peak pfu) rows of a NOAA-style CSV (columns EVENT_LIST_COLUMNS,
    '#' comment lines). Rows whose maximum precedes their begin are kept with the maximum moved
    to the begin. ValueError naming the line when the file is not of that form."""
    rows = []
    with open(path, newline="") as f:
        lines = [line for line in f if not line.startswith("#")]
    reader = csv.DictReader(lines)
    missing = [c for c in EVENT_LIST_COLUMNS if c not in (reader.fieldnames or ())]
    if missing:
        raise ValueError(f"{path}: no column {', '.join(missing)} (expected a CSV with columns "
                         f"{', '.join(EVENT_LIST_COLUMNS)})")
    for row in reader:
        try:
            begin = parse_utc(row["begin_utc"])
            peak = max(parse_utc(row["max_utc"]), begin)
            pfu = float(row["max_pfu_gt10MeV"])
        except (TypeError, ValueError) as exc:
            raise ValueError(f"{path}: data row {reader.line_num - 1}: {exc}") from None
        rows.append((begin, peak, pfu))
    return sorted(set(rows))


def scale_fluence(event: SolarParticleEvent, factor: float) -> SolarParticleEvent:
    """`event` with its >10 MeV fluence multiplied by `factor` (module doc: the peak solves F(P') = k F(P))."""
    from scipy.optimize import brentq
    if factor == 1.0:
        return event
    rise, tau = event.peak_s - event.onset_s, event.decay_s
    target = factor * event.fluence_gt10_cm2_sr()

    def excess(log_p):
        probe = SolarParticleEvent(0.0, rise, 10.0 ** log_p, tau, event.gamma)
        return probe.fluence_gt10_cm2_sr() - target

    lo, hi = np.log10(10.0 * (1.0 + 1e-9)), np.log10(event.peak_pfu) + np.log10(max(factor, 1.0)) + 1.0
    peak = 10.0 ** brentq(excess, lo, hi, xtol=1e-14, rtol=1e-14)
    return SolarParticleEvent(event.onset_s, event.peak_s, float(peak), tau, event.gamma)


def largest_replay(path: str | Path, n: int, duration_s: float, *, first_onset_s: float, spacing_s: float,
                   decay_h: float, gamma: float) -> list[SolarParticleEvent]:
    """The n events of the list with the largest >10 MeV peak, largest first, the k-th beginning
    first_onset_s + k spacing_s after the epoch with its own rise time (begin → maximum)."""
    rows = sorted(read_event_list(path), key=lambda r: -r[2])[:n]
    out = []
    for k, (begin, peak, pfu) in enumerate(rows):
        onset_s = first_onset_s + k * spacing_s
        event = SolarParticleEvent(onset_s, onset_s + (peak - begin).total_seconds(), max(pfu, 10.0),
                                   decay_h * SECONDS_PER_HOUR, gamma)
        if event.end_s >= 0.0 and event.onset_s < duration_s:
            out.append(event)
    return out


def replay_events(path: str | Path, epoch: datetime, duration_s: float, *, decay_h: float, gamma: float,
                  time_shift_s: float = 0.0) -> list[SolarParticleEvent]:
    """Historical events whose profile overlaps the scenario window, on the scenario clock.
    `time_shift_s` is added to the historical times (0: replay at the historical dates)."""
    out = []
    for begin, peak, pfu in read_event_list(path):
        onset_s = (begin - epoch).total_seconds() + time_shift_s
        event = SolarParticleEvent(onset_s, onset_s + (peak - begin).total_seconds(), max(pfu, 10.0),
                                   decay_h * SECONDS_PER_HOUR, gamma)
        if event.end_s >= 0.0 and event.onset_s < duration_s:
            out.append(event)
    return out
