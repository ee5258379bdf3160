"""Radiation effects end to end through a Simulation, the GPU levels they impose, the 2012-03-07
replay by latitude, JPL-91 event fluences and the GCR solar modulation (issue 4)."""
from __future__ import annotations

from datetime import datetime, timezone

import numpy as np
import pytest
from scipy import stats

from sim.analysis.results import open_run
from sim.radiation import solar_activity
from sim.radiation import spe as spe_model

from conftest import shared_data
from test_radiation import COARSE, _memory, _run, ap8_cache

DT_S = 30
HOURS = 6
GPUS = 4
# a payload that never throttles: always sunlit (dawn–dusk, equinox), oversized array, battery, radiator
HARDWARE = {"gpu": {"preset": "h100-sxm", "count": GPUS},
            "solar_array": {"area_m2": 20.0, "efficiency": 0.3, "tracking": "sun"},
            "battery": {"capacity_wh": 20000},
            "radiator": {"area_m2": 10.0, "emissivity": 0.9, "absorptivity": 0.1, "sides": 2,
                         "orientation": "edge_on_sun"}}
SHELLS = [{"name": "dd", "sso": {"altitude_km": 650, "ltan_h": 18, "count": 4}, **HARDWARE}]
# constant flux everywhere: GCR only, cutoff dependence switched off
FLAT_GCR = {"trapped": {"enabled": False}, "spe": {"mode": "off"},
            "cosmic_rays": {"flux_solar_min_cm2_s": 5.0, "flux_solar_max_cm2_s": 5.0, "cutoff_index": 1e-9}}
SPE_CSV = ("space_weather", "noaa_spe_subset_2010-2024_from_hl-radiation-ml.csv")
KINDS = ("sefi", "sel", "device_lost", "rad_gpu_reset", "rad_gpu_restored")


@pytest.fixture(scope="module")
def cache_dir(tmp_path_factory):
    """One AP8 cache for the session's radiation tests (maps are keyed by grid)."""
    return ap8_cache(tmp_path_factory)


@pytest.fixture(scope="module")
def plain(tmp_path_factory):
    """The same satellites without a radiation section."""
    sim, result, _ = _run(tmp_path_factory.mktemp("plain"), SHELLS, None, duration=f"{HOURS}h", dt_s=DT_S)
    return sim, result


def _off_ticks(events: dict, sat: int, n_ticks: int) -> np.ndarray:
    """Ticks whose start k·dt falls in a down interval [t, t + downtime) of a SEFI or SEL of
    `sat`, i.e. the ticks the payload kernel must run without GPUs (it reads gpu_down_until_s at
    the tick start; the radiation tick that emitted the event ran before)."""
    starts = np.arange(n_ticks) * DT_S
    off = np.zeros(n_ticks, dtype=bool)
    for kind in ("sefi", "sel"):
        ev = events[kind][events[kind][:, 1] == sat]
        for t, b in ev[:, [0, 3]]:
            off |= (starts >= t) & (starts < t + b)
    return off


def _union_s(intervals: list[tuple[float, float]], end_s: float) -> float:
    total, reach = 0.0, -np.inf
    for a, b in sorted(intervals):
        a, b = max(a, reach), min(b, end_s)
        if b > a:
            total += b - a
        reach = max(reach, b)
    return total


def test_sefi_and_sel_take_the_gpus_down_end_to_end(tmp_path, plain):
    """SEFI and SEL (half destructive) at raised cross-sections: the events carry (class, downtime,
    flux / destructive flag); the GPUs deliver nothing for exactly the ticks a reset or latch-up
    covers, and a destructive latch-up removes one GPU for the rest of the run; the summary's
    downtime is the union of the event intervals; every reset has its level events (1 → 0 → 1).
    Reference: the bookkeeping itself (delivered GPU-seconds of the same run without radiation)."""
    plain_sim, plain_result = plain
    assert np.allclose(plain_sim.fleet.gpu_seconds_delivered, GPUS * HOURS * 3600.0)   # never throttles
    rad = {**FLAT_GCR, "devices": [{"name": "gpu_logic", "per": "gpu", "count": 1, "sigma_sefi_cm2": 3e-5,
                                    "sefi_downtime_median_s": 300, "sefi_downtime_sigma_ln": 0.5,
                                    "sigma_sel_cm2": 1e-5, "sel_downtime_s": 600,
                                    "sel_destructive_probability": 0.5}]}
    sim, result, ev = _run(tmp_path, SHELLS, rad, duration=f"{HOURS}h", dt_s=DT_S, kinds=KINDS)
    f, n_ticks, end_s = sim.fleet, HOURS * 3600 // DT_S, HOURS * 3600.0
    sefi, sel, lost = ev["sefi"], ev["sel"], ev["device_lost"]
    assert len(sefi) > 20 and len(sel) > 4 and len(lost) >= 1
    sigma_on = sim.subsystem("radiation").sigma_on
    assert np.all(sefi[:, 2] == 0) and np.all(sefi[:, 3] > 0)
    # c: the local flux, here the constant GCR flux (any satellite's rate / its cross-section at the tick)
    flux = f.upset_rate_s[0] / sigma_on[0]
    assert np.allclose(sefi[:, 4], flux, rtol=1e-6)
    assert np.all(sel[:, 3] == 600.0) and set(np.unique(sel[:, 4])) <= {0.0, 1.0}
    # destructive latch-ups are exactly the device losses (cause 1, the class index, one GPU each)
    destructive = sel[sel[:, 4] == 1.0]
    assert len(lost) == len(destructive)
    assert np.allclose(np.sort(lost[:, 0]), np.sort(destructive[:, 0])) and np.all(lost[:, 3] == 1.0)
    for i in range(f.n):
        lost_t = lost[lost[:, 1] == i, 0]
        assert f.gpu_count[i] == GPUS - lost_t.size
        starts = np.arange(n_ticks) * DT_S
        count = GPUS - (lost_t[None, :] <= starts[:, None]).sum(axis=1)
        expected_s = float((count * DT_S * ~_off_ticks(ev, i, n_ticks)).sum())
        assert f.gpu_seconds_delivered[i] == pytest.approx(expected_s, rel=1e-12)
        intervals = [(t, t + b) for t, b in np.concatenate([sefi, sel])[np.concatenate([sefi, sel])[:, 1] == i]
                     [:, [0, 3]]]
        assert f.radiation_down_seconds[i] == pytest.approx(_union_s(intervals, end_s), rel=1e-9, abs=1e-6)
    summary = result.summary
    assert summary["radiation.downtime_hours"][0] * 3600 == pytest.approx(f.radiation_down_seconds.sum())
    assert summary["radiation.sefi"][0] == len(sefi) and summary["radiation.device_lost"][0] == len(lost)
    loss_h = plain_result.summary["gpu_hours_delivered"][0] - summary["gpu_hours_delivered"][0]
    assert loss_h > 0.5 * summary["radiation.downtime_gpu_hours"][0]
    # level events: a reset goes 1 → 0 when the GPUs were running, a restart 0 → 1 after its downtime
    reset, back = ev["rad_gpu_reset"], ev["rad_gpu_restored"]
    assert len(reset) > 0 and np.all(reset[:, 2] == 1.0) and np.all(reset[:, 3] == 0.0)
    assert np.all(back[:, 2] == 0.0) and np.all(back[:, 3] == 1.0) and np.all(back[:, 4] > 0)
    assert len(reset) - len(back) <= f.n    # at most one down period still open per satellite
    for i in range(f.n):
        r, b = np.sort(reset[reset[:, 1] == i, 0]), np.sort(back[back[:, 1] == i, 0])
        assert np.all(r[: b.size] < b) and np.all(b[: r.size - 1] <= r[1:])   # strictly alternating
    with open_run(result.path) as run:
        assert "gpu_down" in run.timeseries and run.events.kind_name.isin(["rad_gpu_reset"]).any()


def test_dose_failure_removes_the_gpus(tmp_path, cache_dir):
    """Past dose_fail_krad a per-GPU class is lost (device_lost, cause 2, c ≥ the threshold) and the
    satellite delivers no GPU time afterwards. Dose from the AP8 map behind 10 mm Al."""
    fail_rad = 2e-6
    rad = {"trapped": {**COARSE, "cache_dir": cache_dir}, "spe": {"mode": "off"}, "cosmic_rays": {"enabled": False},
           "devices": [{"name": "hbm", "per": "gpu", "count": 1, "dose_fail_krad": fail_rad / 1e3}]}
    sim, _, ev = _run(tmp_path, SHELLS, rad, duration=f"{HOURS}h", dt_s=DT_S, kinds=("device_lost",))
    f, lost = sim.fleet, ev["device_lost"]
    assert lost.size and np.all(lost[:, 3] == 2.0) and np.all(lost[:, 4] >= fail_rad)
    for i in np.unique(lost[:, 1]).astype(int):
        mine = lost[lost[:, 1] == i]
        assert len(mine) == GPUS and f.gpu_count[i] == 0 and np.ptp(mine[:, 0]) == 0
        assert f.gpu_seconds_delivered[i] == pytest.approx(GPUS * mine[0, 0], rel=1e-12)
    survivors = f.dose_rad < fail_rad
    assert np.all(f.gpu_count[survivors] == GPUS)


def test_power_down_is_a_level_with_its_events(tmp_path, plain):
    """Radiation-aware power-down during the replayed 2012-03-07 SPE: each power-down (level 1 → 0,
    c ≥ the flux limit) is followed by a power-up (0 → 1, c = time off); the policy's hours in the
    summary are the events' total, and the GPUs deliver nothing while powered down."""
    csv = shared_data(*SPE_CSV)
    limit = 100.0
    rad = {"trapped": {"enabled": False}, "cosmic_rays": {"enabled": False},
           "spe": {"mode": "replay", "replay_csv": str(csv)}, "devices": [_memory(bits=1.0, sigma_bit_cm2=1e-30)],
           "mitigations": {"power_down": "spe", "power_down_spe_cm2_s": limit}}
    sim, result, ev = _run(tmp_path, SHELLS, rad, epoch="2012-03-08T06:00:00Z", duration=f"{HOURS}h", dt_s=DT_S,
                           kinds=("rad_power_down", "rad_power_up"))
    down, up = ev["rad_power_down"], ev["rad_power_up"]
    assert len(down) >= 4 and len(down) - len(up) <= sim.fleet.n
    assert np.all(down[:, 2] == 1.0) and np.all(down[:, 3] == 0.0) and np.all(down[:, 4] >= limit)
    assert np.all(up[:, 2] == 0.0) and np.all(up[:, 3] == 1.0)
    f, end_s = sim.fleet, HOURS * 3600.0
    for i in range(f.n):
        d, u = down[down[:, 1] == i, 0], up[up[:, 1] == i]
        assert np.all(d[: len(u)] < u[:, 0]) and np.allclose(u[:, 4], u[:, 0] - d[: len(u)])
        off_s = (u[:, 4].sum() + (end_s - d[-1] if len(d) > len(u) else 0.0))
        assert f.radiation_powerdown_seconds[i] == pytest.approx(off_s, abs=DT_S)
        # powered down for whole ticks: the delivered GPU time drops by exactly that
        assert f.gpu_seconds_delivered[i] == pytest.approx(GPUS * (end_s - f.radiation_powerdown_seconds[i]),
                                                           abs=GPUS * DT_S)
    assert result.summary["radiation.powerdown_hours"][0] * 3600 == pytest.approx(
        f.radiation_powerdown_seconds.sum())


def test_replay_2012_03_07_raises_upsets_at_high_latitude(tmp_path):
    """Replaying the 2012-03-07 S3 event (NOAA SWPC list): at |lat| > 60° an SSO's upset rate rises
    many-fold during the event, at |lat| < 30° it barely moves (Størmer cutoff 14.9/L² GV; the
    high-latitude enhancement of SPE upsets is the classic in-orbit observation, e.g. UoSAT-2 and
    Alsat-1 logs, MODELS.md §6). Also the upsets themselves: most fall at high latitude during it."""
    csv = shared_data(*SPE_CSV)
    rad = {"trapped": {"enabled": False}, "spe": {"mode": "replay", "replay_csv": str(csv)},
           "devices": [_memory(bits=1e9, sigma_bit_cm2=1e-13)]}
    shells = [{"name": "sso", "sso": {"altitude_km": 686, "ltan_h": 10.5, "count": 4}}]
    sim, result, ev = _run(tmp_path, shells, rad, epoch="2012-03-07T00:00:00Z", duration="36h", dt_s=120,
                           kinds=("sdc", "spe_onset"), record_s=240)
    onset_s = ev["spe_onset"][0, 0]
    assert onset_s == pytest.approx(5 * 3600.0 + 600.0)   # 2012-03-07T05:10Z
    with open_run(result.path) as run:
        t_s, lat = run.t_s, np.abs(run.timeseries["lat_deg"].values)
        rate = run.timeseries["upset_rate"].values
    during = (t_s > onset_s + 3600.0)[:, None] & np.ones_like(lat, dtype=bool)
    before = (t_s < onset_s)[:, None] & np.ones_like(lat, dtype=bool)
    high, low = lat > 60.0, lat < 30.0

    def mean(mask):
        return rate[mask].mean()
    rise_high = mean(during & high) / mean(before & high)
    rise_low = mean(during & low) / mean(before & low)
    assert rise_high > 10.0 and rise_low < 3.0 and rise_high > 10.0 * rise_low, (rise_high, rise_low)
    # the upsets: nearest recorded row gives the latitude of each
    sdc = ev["sdc"]
    row = np.clip(np.searchsorted(t_s, sdc[:, 0]), 0, t_s.size - 1)
    sdc_lat = lat[row, sdc[:, 1].astype(int)]
    in_event = sdc[:, 0] > onset_s
    assert np.mean(sdc_lat[in_event] > 50.0) > 0.7


def test_jpl91_event_fluence_is_lognormal():
    """Synthetic events: log10 of the >10 MeV fluence (4π × the profile's integral) is Normal(μ, σ)
    — JPL-91 structure, ECSS-E-ST-10-04C (MODELS.md §6) — with the S-scale peak marginal intact,
    peak and fluence positively rank-correlated, and decay times positive."""
    rng = np.random.default_rng(21)
    start = datetime(2019, 12, 1, tzinfo=timezone.utc)
    mu, sd = 8.27, 1.0
    events = spe_model.synthetic_events(
        rng, start, 300 * 11 * spe_model.SECONDS_PER_YEAR, cycle_minimum=start, cycle_years=11.0,
        active_start_years=2.0, active_years=7.0, events_per_active_year=88.5 / 7.0, events_per_quiet_year=0.0,
        rise_median_h=6, decay_median_h=24, duration_sigma_ln=0.7, gamma_mean=2.5, gamma_sd=0.5,
        fluence_model="jpl91", fluence_log10_mean=mu, fluence_log10_sd=sd, fluence_peak_correlation=0.8)
    n = len(events)
    log_f = np.log10([4 * np.pi * e.fluence_gt10_cm2_sr() for e in events])
    peaks = np.array([e.peak_pfu for e in events])
    assert abs(log_f.mean() - mu) < 4 * sd / np.sqrt(n)
    assert abs(log_f.std(ddof=1) / sd - 1.0) < 4 / np.sqrt(2 * (n - 1))
    assert stats.kstest(log_f, "norm", args=(mu, sd)).pvalue > 0.01
    assert stats.spearmanr(peaks, log_f).statistic > 0.6
    assert all(e.decay_s > 0 and e.peak_s >= e.onset_s for e in events)
    per_cycle = np.bincount(spe_model.s_level(peaks), minlength=6)[1:6] / 300
    target = np.array([50, 25, 10, 3, 0.5])
    assert np.all(np.abs(per_cycle - target) < 4 * np.sqrt(target / 300) + 1e-9), per_cycle


def test_gcr_modulation_is_smooth_through_the_cycle():
    """Solar modulation m ∈ [0, 1]: the cosine of the cycle phase and the 81-day F10.7 (CelesTrak
    SW-All, ../shared/data) both vary smoothly (no step at the active-year boundaries), F10.7 puts
    the deep 2008–09 minimum at m ≈ 0 and the 2014 maximum near 1 (SILSO/F10.7 record)."""
    phase = np.linspace(0.0, 22.0, 22 * 365 + 1)
    m = solar_activity.cycle_modulation(phase, 11.0)
    assert m.min() >= 0 and m.max() <= 1 and np.max(np.abs(np.diff(m))) < 2 * np.pi / (2 * 11 * 365) * 1.01
    assert m[0] == pytest.approx(0.0) and m[int(5.5 * 365)] == pytest.approx(1.0, abs=1e-4)
    days, sfu = solar_activity.read_f107_81day(shared_data("space_weather", "celestrak_sw19571001_1957-2026.txt.gz"))
    when = np.arange(solar_activity.days_since_unix(datetime(2005, 1, 1, tzinfo=timezone.utc)),
                     solar_activity.days_since_unix(datetime(2024, 1, 1, tzinfo=timezone.utc)))
    mf = solar_activity.f107_modulation(when, days, sfu, 70.0, 180.0)
    assert np.max(np.abs(np.diff(mf))) < 0.1   # the 81-day average moves by a few sfu a day (max seen 5.7)
    at = {y: mf[int(solar_activity.days_since_unix(datetime(y, 7, 1, tzinfo=timezone.utc)) - when[0])]
          for y in (2009, 2014, 2019)}
    assert at[2009] < 0.05 and at[2014] > 0.4 and at[2019] < 0.05, at   # cycle 24 was weak (≈ 130 sfu)


def test_gcr_flux_follows_the_modulation(tmp_path):
    """The subsystem's free-space GCR flux: Φ_min at the cycle-25 minimum, Φ_max at mid-cycle, and
    with modulation 'f107' between them as the 81-day F10.7 says (2012-03: ≈ 108 sfu)."""
    from sim.config import scenario_from_dict
    from sim.core.simulation import Simulation

    def flux(epoch, **gcr):
        sc = scenario_from_dict({"name": "gcr", "epoch": epoch, "duration": "1h", "dt_s": 60,
                                 "constellation": [{"sso": {"altitude_km": 650, "count": 1}}],
                                 "radiation": {"trapped": {"enabled": False}, "spe": {"mode": "off"},
                                               "cosmic_rays": gcr}})
        rad = [s for s in Simulation(sc).subsystems if s.name == "radiation"][0]
        return rad.gcr_free_cm2_s(0.0)
    assert flux("2019-12-01T00:00:00Z") == pytest.approx(4.0, rel=1e-6)
    assert flux("2025-06-01T00:00:00Z") == pytest.approx(2.0, rel=1e-3)
    csv = str(shared_data("space_weather", "celestrak_sw19571001_1957-2026.txt.gz"))
    m = (108.0 - 70.0) / 110.0
    assert flux("2012-03-07T00:00:00Z", modulation="f107", f107_csv=csv) == pytest.approx(4.0 - 2.0 * m, abs=0.05)


def test_several_resets_in_one_tick_keep_the_books(tmp_path):
    """Long ticks (300 s) and high SEFI/SEL rates on a per-satellite host and the GPUs: several
    upsets that take the GPUs down fall on one satellite within one tick. Each must see the state
    the earlier left, so the downtime is still exactly the union of the event intervals, resets and
    restarts still alternate, and the per-class counts in the summary are the events'.
    Reference: the bookkeeping itself (interval union over the emitted events)."""
    dt_s, hours = 300, 4
    rad = {**FLAT_GCR, "devices": [
        {"name": "gpu_logic", "per": "gpu", "count": 1, "sigma_sefi_cm2": 1e-4, "sefi_downtime_median_s": 60,
         "sigma_sel_cm2": 2e-5, "sel_downtime_s": 120, "sel_destructive_probability": 0.2},
        {"name": "host", "per": "satellite", "count": 1, "sigma_sefi_cm2": 5e-4, "sefi_downtime_median_s": 40,
         "bits": 1e8, "sigma_bit_cm2": 1e-10, "ecc": True}]}
    kinds = ("sefi", "sel", "device_lost", "rad_gpu_reset", "rad_gpu_restored", "seu_corrected")
    sim, result, ev = _run(tmp_path, SHELLS, rad, duration=f"{hours}h", dt_s=dt_s, kinds=kinds)
    f, end_s = sim.fleet, hours * 3600.0
    down = np.concatenate([ev["sefi"], ev["sel"]])
    tick = np.floor(down[:, 0] / dt_s)
    _, per_tick = np.unique(np.stack([tick, down[:, 1]], axis=1), axis=0, return_counts=True)
    assert per_tick.max() >= 2   # the case under test happens
    for i in range(f.n):
        mine = down[down[:, 1] == i]
        assert f.radiation_down_seconds[i] == pytest.approx(
            _union_s([(t, t + b) for t, b in mine[:, [0, 3]]], end_s), rel=1e-9, abs=1e-6)
        r = np.sort(ev["rad_gpu_reset"][ev["rad_gpu_reset"][:, 1] == i, 0])
        b = np.sort(ev["rad_gpu_restored"][ev["rad_gpu_restored"][:, 1] == i, 0])
        assert r.size - b.size in (0, 1)
        assert np.all(r[: b.size] < b) and np.all(b[: r.size - 1] <= r[1:])
        assert f.gpu_count[i] == GPUS - np.sum((ev["device_lost"][:, 1] == i) & (ev["device_lost"][:, 2] == 0))
    summary = result.summary
    for name in ("sefi", "sel", "device_lost", "seu_corrected"):
        assert summary[f"radiation.{name}"][0] == len(ev[name])
    for c, cls in enumerate(("gpu_logic", "host")):
        assert summary.get(f"radiation.{cls}.sefi", (0,))[0] == np.sum(ev["sefi"][:, 2] == c)
