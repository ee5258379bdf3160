"""The device classes of a run as arrays: the per-class table the upset kernel reads, each
satellite's device weights and total cross-sections, the dose each class degrades or fails at.

The weights and losses themselves are computed in sim.radiation.upsets (one implementation,
shared by the latch-ups decided there and the dose effects applied here).
"""
from __future__ import annotations

import numpy as np

from sim.radiation import upsets
from sim.radiation.config import RadiationConfig

KINDS = ("bit", "sefi", "sel")


class Devices:
    """Device classes × satellites. `weights[i, c, k]`: devices of class c on satellite i ×
    dose factor × σ of kind k [cm²]; sigma_on / sigma_off [cm²]: their total with the GPUs
    running / down (per-satellite classes only)."""

    def __init__(self, cfg: RadiationConfig, gpu_count: np.ndarray, heavy_ion_kinds: np.ndarray | None = None):
        devices = cfg.devices
        n = gpu_count.shape[0]
        self.classes = devices
        self.per_gpu = np.array([d.per == "gpu" for d in devices])
        sigma_kind = np.array([[d.bits * d.sigma_bit_cm2, d.sigma_sefi_cm2, d.sigma_sel_cm2] for d in devices])
        ecc_on = cfg.mitigations.ecc
        columns = {"per_gpu": self.per_gpu, "count": [d.count for d in devices],
                   "sigma_bit_kind_cm2": sigma_kind[:, 0], "sigma_sefi_cm2": sigma_kind[:, 1],
                   "sigma_sel_cm2": sigma_kind[:, 2], "ecc": [d.ecc and ecc_on for d in devices],
                   "mbu_fraction": [d.mbu_fraction for d in devices],
                   "sigma_bit_cm2": [d.sigma_bit_cm2 for d in devices],
                   "word_bits": [d.word_bits for d in devices],
                   "detect_fraction": [d.detect_fraction for d in devices],
                   "takes_down": [d.takes_down_gpus for d in devices],
                   "sefi_median_s": [d.sefi_downtime_median_s for d in devices],
                   "sefi_sigma_ln": [d.sefi_downtime_sigma_ln for d in devices],
                   "sel_downtime_s": [d.sel_downtime_s for d in devices],
                   "sel_destructive_p": [d.sel_destructive_probability for d in devices]}
        self.table = np.ascontiguousarray(
            np.stack([np.asarray(columns[name], dtype=float) for name in upsets.CLASS_COLUMNS], axis=1))
        self.redundancy_code = upsets.REDUNDANCY_CODE[cfg.mitigations.redundancy]
        self.dose_factor = np.ones((n, len(devices)))
        self.host_lost = np.zeros(n, dtype=bool)
        self.sigma_on = np.zeros(n)
        self.sigma_off = np.zeros(n)
        self.weights = np.zeros((n, len(devices), len(KINDS)))
        # heavy ions (sim.radiation.heavy_ions): hi_kinds[c, k] 1 where class c has a heavy-ion σ of kind k
        # (0 SEU, 1 SEL; no classes when the run has none); hi_weight[i, c, k] = devices × dose factor ×
        # hi_kinds; hi_unit[i, c, k] the per-device rate [1/s] the kernel last computed; hi_rate[0 / 1, i]
        # the satellite's heavy-ion rate with the GPUs running / down
        kinds = np.zeros((0, 2)) if heavy_ion_kinds is None else np.asarray(heavy_ion_kinds, dtype=float)
        self.hi_kinds = kinds
        self.hi_weight = np.zeros((n, kinds.shape[0], 2))
        self.hi_unit = np.zeros((n, kinds.shape[0], 2))
        self.hi_rate = np.zeros((2, n))
        self.hi_per_gpu = self.per_gpu[:kinds.shape[0]].astype(float)
        self.dose_marks_rad = sorted({k * 1000.0 for d in devices for k in (d.dose_degrade_krad, d.dose_fail_krad)
                                      if k is not None})

    def update_weights(self, sats: np.ndarray, gpu_count: np.ndarray) -> None:
        """Weights and total cross-sections of the satellites `sats` from their devices now."""
        sats = np.asarray(sats, dtype=np.int64)
        upsets.update_weights(sats, self.table, self.dose_factor, gpu_count, self.host_lost, self.weights)
        w = self.weights[sats]
        self.sigma_on[sats] = w.sum(axis=(1, 2))
        self.sigma_off[sats] = w[:, ~self.per_gpu, :].sum(axis=(1, 2))
        if self.hi_kinds.shape[0]:
            n_dev = self.counts(sats, gpu_count) * self.dose_factor[sats]
            hw = n_dev[:, :, None] * self.hi_kinds[None, :, :]
            self.hi_weight[sats] = hw
            r = hw * self.hi_unit[sats]
            self.hi_rate[0, sats] = r.sum(axis=(1, 2))
            self.hi_rate[1, sats] = r[:, ~self.per_gpu, :].sum(axis=(1, 2))

    def counts(self, sats: np.ndarray, gpu_count: np.ndarray) -> np.ndarray:
        """(len(sats), classes) devices present on the satellites."""
        return upsets.device_counts(np.asarray(sats, dtype=np.int64), self.table, gpu_count, self.host_lost)
