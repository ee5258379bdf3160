"""What upsets and dose do to the devices and the GPUs, end to end through a Simulation
(sim.radiation.devices, the hold-down and losses of sim.radiation.upsets): the GPU time lost to
resets, latch-ups and lost devices, against the bookkeeping of the same run without radiation."""
from __future__ import annotations

import numpy as np
import pytest

from sim.analysis.results import open_run
from sim.core.constants import SECONDS_PER_HOUR
from tests.radiation.helpers import COARSE, GPU_SHELLS, GPUS, run

DT_S = 30
HOURS = 6
# constant flux everywhere: GCR only, cutoff dependence switched off
FLAT_GCR = {"trapped": {"enabled": False}, "spe": {"mode": "off"},
            "cosmic_rays": {"flux_solar_min_cm2_s": 5.0, "flux_solar_max_cm2_s": 5.0, "cutoff_index": 1e-9}}
KINDS = ("sefi", "sel", "device_lost", "rad_gpu_reset", "rad_gpu_restored")


@pytest.fixture(scope="module")
def plain(tmp_path_factory):
    """The same satellites without a radiation section."""
    sim, result, _ = run(tmp_path_factory.mktemp("plain"), GPU_SHELLS, None, duration=f"{HOURS}h", dt_s=DT_S)
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
    assert np.allclose(plain_sim.fleet.gpu_seconds_delivered, GPUS * HOURS * SECONDS_PER_HOUR)   # never throttles
    rad = {**FLAT_GCR, "devices": [{"name": "gpu_logic", "per": "gpu", "count": 1, "sigma_sefi_cm2": 3e-5,
                                    "sefi_downtime_median_s": 300, "sefi_downtime_sigma_ln": 0.5,
                                    "sigma_sel_cm2": 1e-5, "sel_downtime_s": 600,
                                    "sel_destructive_probability": 0.5}]}
    sim, result, ev = run(tmp_path, GPU_SHELLS, rad, duration=f"{HOURS}h", dt_s=DT_S, kinds=KINDS)
    f, n_ticks, end_s = sim.fleet, int(HOURS * SECONDS_PER_HOUR) // DT_S, HOURS * SECONDS_PER_HOUR
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
    assert summary["radiation.downtime_hours"][0] * SECONDS_PER_HOUR == pytest.approx(f.radiation_down_seconds.sum())
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
    with open_run(result.path) as r:
        assert "gpu_down" in r.timeseries and r.events.kind_name.isin(["rad_gpu_reset"]).any()


def test_dose_failure_removes_the_gpus(tmp_path, cache_dir):
    """Past dose_fail_krad a per-GPU class is lost (device_lost, cause 2, c ≥ the threshold) and the
    satellite delivers no GPU time afterwards. Dose from the AP8 map behind 10 mm Al."""
    fail_rad = 2e-6
    rad = {"trapped": {**COARSE, "cache_dir": cache_dir}, "spe": {"mode": "off"}, "cosmic_rays": {"enabled": False},
           "devices": [{"name": "hbm", "per": "gpu", "count": 1, "dose_fail_krad": fail_rad / 1e3}]}
    sim, _, ev = run(tmp_path, GPU_SHELLS, rad, duration=f"{HOURS}h", dt_s=DT_S, kinds=("device_lost",))
    f, lost = sim.fleet, ev["device_lost"]
    assert lost.size and np.all(lost[:, 3] == 2.0) and np.all(lost[:, 4] >= fail_rad)
    for i in np.unique(lost[:, 1]).astype(int):
        mine = lost[lost[:, 1] == i]
        assert len(mine) == GPUS and f.gpu_count[i] == 0 and np.ptp(mine[:, 0]) == 0
        assert f.gpu_seconds_delivered[i] == pytest.approx(GPUS * mine[0, 0], rel=1e-12)
    survivors = f.dose_rad < fail_rad
    assert np.all(f.gpu_count[survivors] == GPUS)
    assert np.all(sim.subsystem("radiation").sigma_on[f.gpu_count == 0] == 0.0)


def test_host_dose_failure_holds_the_gpus_down(tmp_path, cache_dir):
    """Past the host's dose_fail_krad (a per-satellite class): one device_lost (cause 2), the GPUs'
    reset just before it at the same time and no restart; the satellite's GPUs deliver nothing after."""
    fail_rad = 2e-6
    rad = {"trapped": {**COARSE, "cache_dir": cache_dir}, "spe": {"mode": "off"}, "cosmic_rays": {"enabled": False},
           "devices": [{"name": "host", "per": "satellite", "count": 1, "dose_fail_krad": fail_rad / 1e3}]}
    sim, result, ev = run(tmp_path, GPU_SHELLS, rad, duration=f"{HOURS}h", dt_s=DT_S,
                          kinds=("device_lost", "rad_gpu_reset", "rad_gpu_restored"))
    f, lost, reset = sim.fleet, ev["device_lost"], ev["rad_gpu_reset"]
    assert lost.size and len(ev["rad_gpu_restored"]) == 0
    np.testing.assert_array_equal(np.sort(lost[:, 1]), np.sort(reset[:, 1]))
    for t, i in lost[:, :2]:
        i = int(i)
        assert reset[reset[:, 1] == i, 0] == t and f.gpu_down_until_s[i] == np.inf and f.gpu_count[i] == GPUS
        assert f.gpu_seconds_delivered[i] <= GPUS * (t + DT_S)
    with open_run(result.path) as r:
        rows = r.events[r.events.kind_name.isin(["rad_gpu_reset", "device_lost"])]
        assert list(rows.kind_name[:2]) == ["rad_gpu_reset", "device_lost"]


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
    sim, result, ev = run(tmp_path, GPU_SHELLS, rad, duration=f"{hours}h", dt_s=dt_s, kinds=kinds)
    f, end_s = sim.fleet, hours * SECONDS_PER_HOUR
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
