"""The upset kernels (sim.radiation.upsets): Poisson counts and Exp(1) thresholds, the one GPU
hold-down (when a reset and its restart are emitted), the one device loss and the device weights."""
from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from sim.radiation import upsets
from sim.radiation.config import RadiationConfig
from sim.radiation.devices import Devices


def test_further_upsets_are_poisson_and_thresholds_exponential():
    """`further_upsets` draws Poisson(λ) counts by inversion and Exp(1) threshold spacings from
    uniforms: chi-square of the counts against scipy.stats.poisson and KS of the spacings against
    Exp(1) (α = 0.001); means above POISSON_INVERSION_MAX are left to the caller (−1)."""
    rng = np.random.default_rng(5)
    n = 20000
    for lam in (0.05, 1.3, 12.0):
        h1, first = np.full(n, 7.0 + lam), np.full(n, 7.0)
        extra, thresholds = np.empty(n, dtype=np.int64), np.zeros(n)
        total, left = upsets.further_upsets(np.arange(n), h1, first, rng.random((n, 2)), thresholds, extra)
        assert left == 0 and total == n + extra.sum()
        k_max = int(stats.poisson.ppf(0.999, lam))
        observed = np.bincount(np.minimum(extra, k_max), minlength=k_max + 1)
        expected = n * np.append(stats.poisson.pmf(np.arange(k_max), lam), stats.poisson.sf(k_max - 1, lam))
        keep = expected >= 5
        observed = np.append(observed[keep], observed[~keep].sum())
        expected = np.append(expected[keep], expected[~keep].sum())
        observed, expected = observed[expected > 0], expected[expected > 0]
        assert stats.chisquare(observed, expected).pvalue > 1e-3, lam
        assert stats.kstest(thresholds - h1, "expon").pvalue > 1e-3
    extra = np.empty(2, dtype=np.int64)
    _, left = upsets.further_upsets(np.arange(2), np.array([100.0, 1.0]), np.array([0.0, 0.5]), rng.random((2, 2)),
                                    np.zeros(2), extra)
    assert left == 1 and extra[0] == -1 and extra[1] >= 0


def _devices(n, devices, gpus=4):
    gpu_count = np.full(n, gpus, dtype=np.int32)
    dev = Devices(RadiationConfig(devices=devices), gpu_count)
    dev.update_weights(np.arange(n), gpu_count)
    return dev, gpu_count


class _Gpus:
    """The GPU state the kernels read and write, all running at level 1, none down."""

    def __init__(self, n):
        self.throttle_level, self.gpu_on = np.ones(n), np.ones(n, dtype=np.int8)
        self.down_until_start_s, self.gpu_down_until_s = np.zeros(n), np.zeros(n)
        self.gpu_down_since_s, self.down_seconds = np.zeros(n), np.zeros(n)
        self.dose_rad = np.full(n, 3.0)

    def arrays(self):
        return (self.throttle_level, self.gpu_on, self.down_until_start_s, self.gpu_down_until_s,
                self.gpu_down_since_s, self.down_seconds)


def _events(m):
    return np.zeros((4, upsets.N_EVENT_CODES, m)), np.zeros((upsets.N_EVENT_CODES, m), np.int32), \
        np.zeros(upsets.N_EVENT_CODES, np.int64)


def _rows(ev, ev_n, code):
    """(t, a, b, c) of the events of `code`."""
    return ev[:, code, :ev_n[code]].T


def _sefis_in_one_tick(times_s, downtime_s, t0_s=1000.0, dt_s=10.0):
    """SEFIs (fixed downtime) of one satellite at `times_s` within one tick, through upset_outcomes."""
    sefi = {"name": "logic", "per": "satellite", "sigma_sefi_cm2": 1e-9, "sefi_downtime_median_s": downtime_s,
            "sefi_downtime_sigma_ln": 0.0}
    dev, gpu_count = _devices(1, [sefi])
    gpus = _Gpus(1)
    h0, h1 = np.zeros(1), np.full(1, dt_s)   # H = t − t0: positions in H are times in the tick
    first = np.full(1, times_s[0] - t0_s)
    uniforms = np.full((len(times_s), upsets.UNIFORMS_PER_UPSET), 0.5)
    uniforms[1:, 0] = (np.asarray(times_s[1:]) - times_s[0]) / (t0_s + dt_s - times_s[0])
    ev, ev_sat, ev_n = _events(len(times_s) + 2)
    upsets.upset_outcomes(np.zeros(1, np.int64), np.full(1, len(times_s) - 1), h0, h1, first, uniforms, t0_s, dt_s,
                          3600.0, 0, dev.table, dev.weights, dev.hi_unit, dev.dose_factor, gpu_count, dev.host_lost,
                          np.ones(1),
                          gpus.dose_rad, gpus.throttle_level, gpus.gpu_on, gpus.down_until_start_s,
                          gpus.gpu_down_until_s, gpus.gpu_down_since_s, gpus.down_seconds, np.empty(len(times_s)),
                          ev, ev_sat, ev_n, np.zeros((1, 6), np.int64), np.zeros(1, bool))
    return ev, ev_n, gpus


def test_a_later_upset_in_the_tick_extends_the_down_period_before_the_restart_is_emitted():
    """Two SEFIs of 5 s at t0 + 2 s and t0 + 5 s: one down period 1002–1010 s, so one reset (level
    1 → 0 at 1002) and one restart at 1010 after 8 s down — not a restart at 1007, the end of the
    first, while the second holds the GPUs down (the rule the hold-down keeps: a restart is emitted
    only once no later upset of the tick can extend the period)."""
    ev, ev_n, gpus = _sefis_in_one_tick([1002.0, 1005.0], 5.0)
    assert ev_n[upsets.SEFI] == 2
    np.testing.assert_allclose(_rows(ev, ev_n, upsets.GPU_RESET), [[1002.0, 1.0, 0.0, 0.0]])
    np.testing.assert_allclose(_rows(ev, ev_n, upsets.GPU_RESTORED), [[1010.0, 0.0, 1.0, 8.0]])
    assert gpus.down_seconds[0] == pytest.approx(8.0) and gpus.gpu_down_until_s[0] == pytest.approx(1010.0)


def test_separate_down_periods_in_one_tick_each_get_their_restart():
    """SEFIs of 2 s at t0 + 1 s and t0 + 6 s: two periods, reset/restart/reset/restart in time order,
    the first restart emitted when the second reset shows the period over."""
    ev, ev_n, gpus = _sefis_in_one_tick([1001.0, 1006.0], 2.0)
    np.testing.assert_allclose(_rows(ev, ev_n, upsets.GPU_RESET)[:, 0], [1001.0, 1006.0])
    np.testing.assert_allclose(_rows(ev, ev_n, upsets.GPU_RESTORED)[:, [0, 3]], [[1003.0, 2.0], [1008.0, 2.0]])
    assert gpus.down_seconds[0] == pytest.approx(4.0)


def test_a_period_running_past_the_tick_has_no_restart_yet():
    ev, ev_n, gpus = _sefis_in_one_tick([1008.0], 30.0)
    assert ev_n[upsets.GPU_RESET] == 1 and ev_n[upsets.GPU_RESTORED] == 0
    assert gpus.down_seconds[0] == pytest.approx(2.0) and gpus.gpu_down_until_s[0] == pytest.approx(1038.0)


DEVICES = [{"name": "gpu_logic", "per": "gpu", "count": 1, "sigma_sefi_cm2": 1e-10, "sigma_sel_cm2": 1e-12},
           {"name": "hbm", "per": "gpu", "count": 2, "bits": 1e9, "sigma_bit_cm2": 1e-17},
           {"name": "host", "per": "satellite", "count": 1, "bits": 1e8, "sigma_bit_cm2": 1e-14,
            "sigma_sefi_cm2": 1e-10}]


def _lose(dev, gpu_count, gpus, i, n, cls, t_s=500.0):
    ev, ev_sat, ev_n = _events(n + 2)
    counts = np.zeros((len(DEVICES), 6), np.int64)
    upsets.lose_devices(i, n, t_s, cls, 2.0, t_s, dev.table, dev.weights, dev.dose_factor, gpu_count, dev.host_lost,
                        gpus.dose_rad, *gpus.arrays(), ev, ev_sat, ev_n, counts)
    return ev, ev_sat, ev_n, counts


def test_losing_the_host_holds_the_gpus_down_for_good():
    """A lost per-satellite device: device_lost (class, cause 2, dose), one reset and no restart,
    GPUs down forever, every weight of the satellite zero; the other satellite untouched."""
    dev, gpu_count = _devices(2, DEVICES)
    gpus = _Gpus(2)
    before = dev.weights.copy()
    ev, ev_sat, ev_n, counts = _lose(dev, gpu_count, gpus, 1, 1, 2)
    np.testing.assert_allclose(_rows(ev, ev_n, upsets.DEVICE_LOST), [[500.0, 2.0, 2.0, 3.0]])
    assert ev_n[upsets.GPU_RESET] == 1 and ev_n[upsets.GPU_RESTORED] == 0 and ev_sat[upsets.GPU_RESET, 0] == 1
    assert gpus.gpu_down_until_s[1] == np.inf and dev.host_lost[1] and counts[2, upsets.DEVICE_LOST] == 1
    assert np.all(dev.weights[1] == 0.0) and np.array_equal(dev.weights[0], before[0])
    assert np.all(dev.counts(np.array([1]), gpu_count) == 0.0)


def test_losing_per_gpu_devices_takes_their_gpus():
    """Four lost per-GPU devices of a 4-GPU satellite: gpu_count 0, four device_lost rows, no GPU
    reset (the host still runs), per-GPU weights zero and the host's kept; weights equal a NumPy
    transcription of devices × dose factor × σ."""
    dev, gpu_count = _devices(3, DEVICES)
    gpus = _Gpus(3)
    dev.dose_factor[2, 1] = 10.0
    dev.update_weights(np.arange(3), gpu_count)
    ev, _, ev_n, _ = _lose(dev, gpu_count, gpus, 0, 4, 0)
    assert gpu_count[0] == 0 and ev_n[upsets.DEVICE_LOST] == 4 and ev_n[upsets.GPU_RESET] == 0
    sigma = np.array([[d.get("bits", 0.0) * d.get("sigma_bit_cm2", 0.0), d.get("sigma_sefi_cm2", 0.0),
                       d.get("sigma_sel_cm2", 0.0)] for d in DEVICES])
    per_gpu = np.array([d["per"] == "gpu" for d in DEVICES])
    count = np.array([d["count"] for d in DEVICES], dtype=float)
    n_dev = count * dev.dose_factor * np.where(per_gpu, gpu_count[:, None], 1.0)
    np.testing.assert_allclose(dev.weights, n_dev[:, :, None] * sigma[None], rtol=1e-15)
    assert np.all(dev.weights[0, :2] == 0.0) and np.all(dev.weights[0, 2] == sigma[2])
    dev.update_weights(np.arange(3), gpu_count)
    np.testing.assert_allclose(dev.sigma_on, dev.weights.sum(axis=(1, 2)), rtol=1e-15)
    np.testing.assert_allclose(dev.sigma_off, dev.weights[:, 2].sum(axis=1), rtol=1e-15)
