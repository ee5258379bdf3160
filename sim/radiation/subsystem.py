"""Radiation: trapped protons (AP8), galactic cosmic rays and solar particle events at every
satellite, and the upsets, functional interrupts, latch-ups and dose they cause.

Per tick one kernel (sim.radiation.kernels) computes the local fluxes and accumulates each
satellite's upset hazard; Python then handles only the satellites whose hazard crossed an
Exp(1) threshold drawn from this subsystem's own random stream, so the event cost grows with
the number of upsets, not with N × ticks. Each upset is assigned a device class and a kind
(bit upset, SEFI, SEL) in proportion to their cross-sections, and its outcome follows the
class's protection (ECC, detection) and the mitigations (redundancy, power-down).

A SEFI or SEL of a device that `takes_down_gpus` makes the satellite's GPUs unavailable until
`gpu_down_until_s` (s since epoch), the field the payload kernel reads. A reset and a
radiation-aware power-down are GPU levels like a throttle step: each start and end is an event
carrying the clock level before and after (rad_gpu_reset / rad_gpu_restored,
rad_power_down / rad_power_up).
"""
from __future__ import annotations

from datetime import datetime, timedelta

import numpy as np

from sim.radiation.config import RadiationConfig
from sim.core.constants import R_EARTH_EQUATORIAL_M
from sim.radiation import geomag
from sim.radiation import solar_activity
from sim.radiation import spe as spe_model
from sim.radiation import transport
from sim.radiation import trapped
from sim.core.fleet import field_specs
from sim.core.numerics import parallel_chunk
from sim.core.subsystem import Subsystem

SPE_PFU_TO_OMNI = 4.0 * np.pi   # pfu (cm⁻² s⁻¹ sr⁻¹), isotropic → omnidirectional cm⁻² s⁻¹
KINDS = ("bit", "sefi", "sel")
REDUNDANCY_FACTOR = {"none": 1.0, "dmr": 2.0, "tmr": 3.0}
POWER_DOWN_MODE = {"none": 0, "spe": 1, "saa": 2, "spe_saa": 3}
SPE_DOSE_LOG_EMIN = np.log(np.geomspace(1.0, 3.0e4, 48))
ALT_MARGIN_KM = 40.0   # geodetic height exceeds r − R_eq by up to 21 km at the poles

FIELDS = field_specs("state", {
    "radiation_powered_down": ("i1", "1", "1 while GPUs are powered down by the radiation policy"),
    "trapped_flux_cm2_s": ("f8", "1/(cm2 s)", "trapped protons above the device floor energy"),
    "spe_flux_cm2_s": ("f8", "1/(cm2 s)", "SPE protons above max(cutoff, device floor)"),
    "cutoff_gv": ("f8", "GV", "Stormer vertical cutoff rigidity"),
    "proton_flux_cm2_s": ("f8", "1/(cm2 s)", "trapped + SPE + GCR protons at the device"),
    "upset_rate_s": ("f8", "1/s", "total upset rate (all classes and kinds)"),
    "dose_rate_rad_s": ("f8", "rad/s", "dose rate in Si behind the shield"),
    "upset_hazard_prev": ("f8", "1", "integrated upset hazard at the start of the tick"),
    "upset_next_threshold": ("f8", "1", "hazard at which the next upset happens"),
    "upset_crossed": ("i1", "1", "1 where the hazard crossed its threshold this tick"),
    "down_until_start_s": ("f8", "s", "gpu_down_until_s at the tick start, then as covered within the tick"),
    "level_change": ("i1", "1", "radiation level change this tick (kernel code)"),
    "radiation_wants_down": ("i1", "1", "1 while the local flux is above the power-down limit"),
    "gpu_down_since_s": ("f8", "s", "start of the current radiation down period"),
}) + field_specs("accumulator", {
    "dose_rad": ("f8", "rad", "total ionising dose in Si behind the shield"),
    "radiation_down_seconds": ("f8", "s", "time with GPUs down for radiation"),
    "radiation_powerdown_seconds": ("f8", "s", "time with GPUs powered down by the policy"),
    "upset_hazard": ("f8", "1", "integrated upset hazard"),
})
GCR_TABLE_STEP_S = 6 * 3600.0
GCR_CUTOFF_STEP_GV = 0.005   # the transmission table in R_c: linear error < 1e-5
GCR_CUTOFF_MAX_GV = 16.0     # above the Størmer cutoff at the equator at the ground (14.9 GV)
EVENTS = {
    "seu_corrected": "a: device class index, b: bits upset, c: local proton flux [1/(cm2 s)]",
    "sdc": "a: device class index, b: bits upset, c: local proton flux [1/(cm2 s)]",
    "sdc_detected": "a: device class index, b: bits upset, c: local proton flux [1/(cm2 s)]",
    "sefi": "a: device class index, b: downtime [s], c: local proton flux [1/(cm2 s)]",
    "sel": "a: device class index, b: downtime [s], c: 1 destructive else 0",
    "device_lost": "a: device class index, b: cause (1 latch-up, 2 dose), c: dose [rad(Si)]",
    "spe_onset": "sat -1; a: peak >10 MeV flux [pfu], b: spectral index, c: S-scale level",
    "spe_peak": "sat -1; a: peak >10 MeV flux [pfu], b: spectral index, c: S-scale level",
    "spe_end": "sat -1; a: >10 MeV event fluence [1/(cm2 sr)], b: spectral index, c: S-scale level",
    "rad_gpu_reset": "a: GPU clock level before, b: level after (0), c: device class index",
    "rad_gpu_restored": "a: level before (0), b: GPU clock level after, c: time down [s]",
    "rad_power_down": "a: GPU clock level before, b: level after (0), c: local SPE + trapped flux [1/(cm2 s)]",
    "rad_power_up": "a: level before (0), b: GPU clock level after, c: time down [s]",
}
RECORDED = {"trapped_flux": ("trapped_flux_cm2_s", "1/(cm2 s)"), "spe_flux": ("spe_flux_cm2_s", "1/(cm2 s)"),
            "cutoff_gv": ("cutoff_gv", "GV"), "dose_rad": ("dose_rad", "rad"),
            "upset_rate": ("upset_rate_s", "1/s")}
# event names by sim.radiation.kernels.upset_outcomes code (SEU_CORRECTED … GPU_RESTORED)
EVENT_BY_CODE = ("seu_corrected", "sdc", "sdc_detected", "sefi", "sel", "device_lost", "rad_gpu_reset",
                 "rad_gpu_restored")
GPU_DOWN_UNIT = "1"   # recorded "gpu_down": 1 while radiation holds the GPUs off


class Radiation(Subsystem):
    """Radiation environment and effects; built when the scenario has `radiation:`."""

    name = "radiation"
    section = "radiation"
    requires = ("positions", "gpu_state")
    events = EVENTS
    fields = FIELDS

    def __init__(self, ctx):
        super().__init__(ctx)
        fleet = ctx.fleet
        self.fleet = fleet
        self.cfg: RadiationConfig = ctx.scenario.radiation
        from sim.radiation import kernels as kernel
        self._kernel = kernel
        chunk = parallel_chunk(fleet.n)
        self._step = kernel.radiation_step if chunk else kernel.radiation_step_serial
        self._chunk = chunk or fleet.n
        cfg = self.cfg
        self.rng = ctx.rng(self.name)
        self.epoch: datetime = ctx.scenario.epoch

        spe_cfg = cfg.spe
        phase = spe_model.solar_cycle_phase_years(self.epoch, spe_cfg.cycle_minimum, spe_cfg.cycle_years)
        self.solar_active = spe_model.is_active(phase, spe_cfg.active_start_years, spe_cfg.active_years)
        self.device_floor_mev = float(transport.energy_outside_mev(cfg.upset_threshold_mev, cfg.shielding_al_mm))
        self._build_map()
        self.pole_ecef = geomag.dipole_axis_ecef(self.epoch)
        rc_gv = np.arange(0.0, GCR_CUTOFF_MAX_GV + GCR_CUTOFF_STEP_GV, GCR_CUTOFF_STEP_GV)
        self._gcr_transmission = (1.0 + rc_gv / cfg.cosmic_rays.cutoff_scale_gv) ** (-cfg.cosmic_rays.cutoff_index)
        # the environment is refreshed for each satellite every `every` ticks (staggered)
        self.every = max(1, int(round(cfg.environment_every_s / ctx.dt_s)))
        self._tick_index = 0
        self._gcr_table_s, self._gcr_table_cm2_s = self._gcr_table(ctx.scenario, phase)
        self.spe_events = self._spe_events(ctx.scenario)
        self._dose_tables: dict[float, np.ndarray] = {}
        self._setup_devices()
        mit = cfg.mitigations
        self.power_down_mode = POWER_DOWN_MODE[mit.power_down]
        self.redundancy = REDUNDANCY_FACTOR[mit.redundancy]
        fleet.upset_next_threshold[:] = self.rng.exponential(size=fleet.n)
        self.counts = {name: 0 for name in ("seu_corrected", "sdc", "sdc_detected", "sefi", "sel", "device_lost")}
        self.counts_by_class = np.zeros((len(cfg.devices), 6), dtype=np.int64)
        self.recorded_units = {k: unit for k, (_, unit) in RECORDED.items()}
        self.recorded_units["gpu_down"] = GPU_DOWN_UNIT
        self._t1_s = 0.0
        self._initial_state()

    # ------------------------------------------------------------------ set-up
    def _build_map(self) -> None:
        cfg, f = self.cfg, self.fleet
        tp = cfg.trapped
        perigee_km = (f.a_m * (1.0 - f.e) - R_EARTH_EQUATORIAL_M) / 1e3
        apogee_km = (f.a_m * (1.0 + f.e) - R_EARTH_EQUATORIAL_M) / 1e3
        lat = trapped.regular_grid(tp.lat_step_deg, -90.0, 90.0)
        lon = trapped.regular_grid(tp.lon_step_deg, -180.0, 180.0)
        alt = trapped.altitude_grid_km(max(perigee_km.min() - ALT_MARGIN_KM, 100.0),
                                       apogee_km.max() + ALT_MARGIN_KM, tp.alt_step_km)
        energies = np.asarray(tp.energies_mev)
        solar = tp.solar if tp.solar != "auto" else ("max" if self.solar_active else "min")
        if tp.enabled:
            self.flux_map = trapped.ap8_map(lat, lon, alt, energies, solar, self.epoch, tp.cache_dir)
            upset_flux = trapped.interpolate_energy(self.flux_map, self.device_floor_mev)
            dose = transport.dose_rate_rad_s(energies, self.flux_map.flux_cm2_s, cfg.shielding_al_mm)
        else:
            self.flux_map = None
            upset_flux = np.zeros((lat.size, lon.size, alt.size))
            dose = np.zeros_like(upset_flux)
        self.log_map = np.ascontiguousarray(np.stack([np.log(1e-4 + upset_flux), np.log(1e-30 + dose)], axis=-1))
        self.grid_axes = np.array([lat[0], lat[1] - lat[0], lat.size, lon[0], lon[1] - lon[0], lon.size,
                                   alt[0], (alt[1] - alt[0]) if alt.size > 1 else 1.0, alt.size], dtype=np.float64)
        # the same map on Earth-fixed (z/r, pseudo-angle, r) nodes at twice the resolution, so the
        # tick needs no trigonometry (sim.radiation.kernels.resample_map)
        n_u = int(np.ceil(2.0 / np.radians(tp.lat_step_deg / 2.0))) + 1
        n_p = int(np.ceil(4.0 / (np.radians(tp.lon_step_deg) / 4.0)))
        r0_m = float((f.a_m * (1.0 - f.e)).min()) - 10e3
        r1_m = float((f.a_m * (1.0 + f.e)).max()) + 10e3
        dr_m = tp.alt_step_km * 1e3 / 2.0
        n_r = max(2, int(np.ceil((r1_m - r0_m) / dr_m)) + 1)
        self.env_map = np.zeros((n_u, n_p + 1, n_r, 2))
        self._kernel.resample_map(self.log_map, self.grid_axes, n_u, n_p, r0_m, dr_m, n_r, self.env_map)
        self.env_axes = self._kernel.environment_axes(n_u, n_p, r0_m, dr_m, n_r)

    def _gcr_table(self, scenario, phase_years: float) -> tuple[np.ndarray, np.ndarray]:
        """Free-space GCR flux [1/(cm2 s)] every 6 h of the run, smoothly modulated (solar_activity)."""
        gcr = self.cfg.cosmic_rays
        duration_s = self.ctx.clock.duration_s
        grid_s = np.arange(0.0, duration_s + 2 * GCR_TABLE_STEP_S, GCR_TABLE_STEP_S)
        if not gcr.enabled:
            return grid_s, np.zeros_like(grid_s)
        if gcr.modulation == "f107":
            days, sfu = solar_activity.read_f107_81day(scenario.resolve_path(gcr.f107_csv))
            m = solar_activity.f107_modulation(solar_activity.days_since_unix(self.epoch) + grid_s / 86400.0,
                                               days, sfu, gcr.f107_quiet_sfu, gcr.f107_active_sfu)
        else:
            m = solar_activity.cycle_modulation(phase_years + grid_s / spe_model.SECONDS_PER_YEAR,
                                                self.cfg.spe.cycle_years)
        return grid_s, gcr.flux_solar_min_cm2_s + (gcr.flux_solar_max_cm2_s - gcr.flux_solar_min_cm2_s) * m

    def gcr_free_cm2_s(self, t_s: float) -> float:
        return float(np.interp(t_s, self._gcr_table_s, self._gcr_table_cm2_s))

    def _spe_events(self, scenario) -> list:
        s = self.cfg.spe
        duration_s = self.ctx.clock.duration_s
        if s.mode == "off":
            return []
        if s.mode == "replay":
            shift_s = 0.0
            if s.replay_shift:
                historical = datetime.fromisoformat(s.replay_shift.replace("Z", "+00:00"))
                shift_s = (self.epoch - historical).total_seconds()
            return spe_model.replay_events(scenario.resolve_path(s.replay_csv), self.epoch - timedelta(seconds=shift_s),
                                           duration_s, decay_h=s.replay_decay_h, gamma=s.replay_gamma)
        return spe_model.synthetic_events(
            self.rng, self.epoch, duration_s, cycle_minimum=s.cycle_minimum, cycle_years=s.cycle_years,
            active_start_years=s.active_start_years, active_years=s.active_years,
            events_per_active_year=s.events_per_active_year, events_per_quiet_year=s.events_per_quiet_year,
            rise_median_h=s.rise_median_h, decay_median_h=s.decay_median_h,
            duration_sigma_ln=s.duration_sigma_ln, gamma_mean=s.gamma_mean, gamma_sd=s.gamma_sd,
            fluence_model=s.fluence_model, fluence_log10_mean=s.fluence_log10_mean,
            fluence_log10_sd=s.fluence_log10_sd, fluence_peak_correlation=s.fluence_peak_correlation)

    def _setup_devices(self) -> None:
        cfg, f = self.cfg, self.fleet
        devices = cfg.devices
        ecc_on = cfg.mitigations.ecc
        self.per_gpu = np.array([d.per == "gpu" for d in devices])
        self.sigma_kind = np.array([[d.bits * d.sigma_bit_cm2, d.sigma_sefi_cm2, d.sigma_sel_cm2] for d in devices])
        self.ecc = np.array([d.ecc and ecc_on for d in devices])
        # per-class parameters as arrays, indexed by class in the event handlers
        self._mbu = np.array([d.mbu_fraction for d in devices], dtype=float)
        self._sigma_bit = np.array([d.sigma_bit_cm2 for d in devices], dtype=float)
        self._word_bits = np.array([d.word_bits for d in devices], dtype=float)
        self._detect = np.array([d.detect_fraction for d in devices], dtype=float)
        self._takes_down = np.array([d.takes_down_gpus for d in devices], dtype=bool)
        columns = {"per_gpu": self.per_gpu, "count": [d.count for d in devices],
                   "sigma_bit_kind_cm2": self.sigma_kind[:, 0], "sigma_sefi_cm2": self.sigma_kind[:, 1],
                   "sigma_sel_cm2": self.sigma_kind[:, 2], "ecc": self.ecc, "mbu_fraction": self._mbu,
                   "sigma_bit_cm2": self._sigma_bit, "word_bits": self._word_bits,
                   "detect_fraction": self._detect, "takes_down": self._takes_down,
                   "sefi_median_s": [d.sefi_downtime_median_s for d in devices],
                   "sefi_sigma_ln": [d.sefi_downtime_sigma_ln for d in devices],
                   "sel_downtime_s": [d.sel_downtime_s for d in devices],
                   "sel_destructive_p": [d.sel_destructive_probability for d in devices]}
        self._class_table = np.ascontiguousarray(
            np.stack([np.asarray(columns[name], dtype=float) for name in self._kernel.CLASS_COLUMNS], axis=1))
        self._redundancy_code = self._kernel.REDUNDANCY_CODE[cfg.mitigations.redundancy]
        self.dose_factor = np.ones((f.n, len(devices)))
        self.host_lost = np.zeros(f.n, dtype=bool)
        self.device_days_per_s = 0.0
        self.sigma_on = np.zeros(f.n)
        self.sigma_off = np.zeros(f.n)
        self.weights = np.zeros((f.n, len(devices), len(KINDS)))
        self._update_weights(np.arange(f.n))
        self.devices_at_start = float(self._device_counts(np.arange(f.n)).sum())
        self._dose_marks = sorted({k * 1000.0 for d in devices for k in (d.dose_degrade_krad, d.dose_fail_krad)
                                   if k is not None})
        self._next_dose_mark = self._dose_marks[0] if self._dose_marks else np.inf

    def _device_counts(self, idx: np.ndarray) -> np.ndarray:
        """(len(idx), classes) devices present on the satellites."""
        gpus = self.fleet.gpu_count[idx].astype(float)
        count = np.array([d.count for d in self.cfg.devices], dtype=float)
        per_sat = np.where(self.per_gpu[None, :], gpus[:, None], 1.0) * count[None, :]
        per_sat[self.host_lost[idx]] = 0.0
        return per_sat

    def _update_weights(self, idx: np.ndarray) -> None:
        n_dev = self._device_counts(idx) * self.dose_factor[idx]
        w = n_dev[:, :, None] * self.sigma_kind[None, :, :]
        self.weights[idx] = w
        self.sigma_on[idx] = w.sum(axis=(1, 2))
        self.sigma_off[idx] = w[:, ~self.per_gpu, :].sum(axis=(1, 2))

    def _initial_state(self) -> None:
        f = self.fleet
        self._call_kernel(0.0, 0.0, 1, 0)   # every environment at t = 0 (zero-length tick: no hazard, no dose)
        f.upset_crossed[:] = 0
        f.radiation_powered_down[:] = 0   # the policy decides in the first tick (and emits its event)
        f.level_change[:] = 0

    def _dose_table(self, gamma: float) -> np.ndarray:
        key = round(gamma, 3)
        if key not in self._dose_tables:
            self._dose_tables[key] = transport.power_law_dose_table(key, self.cfg.shielding_al_mm,
                                                                   np.exp(SPE_DOSE_LOG_EMIN))
        return self._dose_tables[key]

    # ------------------------------------------------------------------ tick
    def _spe_now(self, t_s: float) -> tuple[float, float]:
        j10, gamma, best = 0.0, 2.0, 0.0
        for ev in self.spe_events:
            j = ev.j10_pfu(t_s)
            if j > 0.0:
                j10 += j
                if j > best:
                    best, gamma = j, ev.gamma
        return j10, gamma

    def _call_kernel(self, t0_s: float, dt_s: float, every: int, phase: int) -> tuple[int, int, int]:
        f, m = self.fleet, self.cfg.mitigations
        t1_s = t0_s + dt_s
        j10_pfu, gamma = self._spe_now(t1_s) if self.spe_events else (0.0, 2.0)
        now = self.ctx.clock.at(t1_s)
        return self._step(
            self._chunk, every, phase, now.cos_gmst, now.sin_gmst, t0_s, dt_s, self._next_dose_mark,
            self.env_map, self.env_axes,
            self.pole_ecef, SPE_PFU_TO_OMNI * j10_pfu, gamma, SPE_DOSE_LOG_EMIN, self._dose_table(gamma),
            self.device_floor_mev, self.gcr_free_cm2_s(t1_s), self._gcr_transmission, 1.0 / GCR_CUTOFF_STEP_GV,
            self.power_down_mode, m.power_down_spe_cm2_s, m.power_down_saa_cm2_s,
            f.r_eci_m, self.sigma_on, self.sigma_off, f.gpu_down_until_s, f.radiation_powered_down,
            f.trapped_flux_cm2_s, f.spe_flux_cm2_s, f.cutoff_gv, f.proton_flux_cm2_s, f.upset_rate_s,
            f.dose_rate_rad_s, f.dose_rad, f.radiation_down_seconds, f.radiation_powerdown_seconds, f.upset_hazard,
            f.upset_hazard_prev, f.upset_next_threshold, f.upset_crossed, f.down_until_start_s, f.level_change,
            f.radiation_wants_down)

    def advance(self, block) -> None:
        for step in block.steps():
            self._tick(self.ctx.clock.time_of_step(step), block.dt_s)

    def _tick(self, t_s: float, dt_s: float) -> None:
        f = self.fleet
        t0_s = t_s - dt_s
        self._t1_s = t_s
        if self.spe_events:
            self._emit_spe(t0_s, t_s)
        n, n_changed, n_over_dose = self._call_kernel(t0_s, dt_s, self.every, self._tick_index % self.every)
        self._tick_index += 1
        if n_changed:
            self._emit_restarts()
        if n:
            self._handle_upsets(t0_s, dt_s)
        if n_changed:   # after the upsets: a reset earlier in the tick makes the level before 0
            self._emit_power_downs(t0_s, t_s)
            f.level_change[:] = 0   # the kernel writes it only where satellites are down
        if n_over_dose:
            self._apply_dose(t_s)

    def _handle_upsets(self, t0_s: float, dt_s: float) -> None:
        """All upsets of the tick: the first at each crossed threshold; past it the thresholds form a
        unit-rate Poisson process in H (Exp(1) spacings, memoryless), so the further upsets up to H(t1)
        are Poisson(H(t1) − threshold) in number and uniform in H, and the next threshold is
        H(t1) + Exp(1) (both from two uniforms per satellite, sim.radiation.kernels.further_upsets).
        Outcomes and state changes in sim.radiation.kernels.upset_outcomes, driven by
        UNIFORMS_PER_UPSET uniforms per upset drawn here in one call; then one emit per event kind."""
        f, rng, k = self.fleet, self.rng, self._kernel
        idx, h0, h1, first = k.crossed_upsets(f.upset_crossed, f.upset_hazard_prev, f.upset_hazard,
                                              f.upset_next_threshold)
        extra = np.empty(idx.size, dtype=np.int64)
        m, left = k.further_upsets(idx, h1, first, rng.random((idx.size, 2)), f.upset_next_threshold, extra)
        if left:   # large means (strong SPE): numpy's Poisson
            big = extra < 0
            extra[big] = rng.poisson(h1[big] - first[big])
            m = idx.size + int(extra.sum())
        uniforms = rng.random((m, k.UNIFORMS_PER_UPSET))
        # fresh event rows each tick: subscribers may keep the arrays they are given
        codes = k.N_EVENT_CODES
        ev, ev_sat = np.empty((4, codes, m)), np.empty((codes, m), dtype=np.int32)
        ev_n = np.zeros(codes, dtype=np.int64)
        lost = np.zeros(idx.size, dtype=np.bool_)
        scrub_s = self.cfg.mitigations.scrub_interval_s or max(self.ctx.elapsed_s, 1.0)
        k.upset_outcomes(idx, extra, h0, h1, first, uniforms, t0_s, dt_s, scrub_s, self._redundancy_code,
                         self._class_table, self.weights, self.dose_factor, f.gpu_count, self.host_lost,
                         f.proton_flux_cm2_s, f.dose_rad, f.throttle_level, f.gpu_on, f.down_until_start_s,
                         f.gpu_down_until_s, f.gpu_down_since_s, f.radiation_down_seconds, np.empty(m),
                         ev, ev_sat, ev_n, self.counts_by_class, lost)
        log = self.ctx.events
        for code in np.flatnonzero(ev_n):
            n, name = int(ev_n[code]), EVENT_BY_CODE[code]
            log.emit(name, ev[0, code, :n], ev_sat[code, :n], ev[1, code, :n], ev[2, code, :n], ev[3, code, :n])
            if name in self.counts:
                self.counts[name] += n
        if lost.any():
            self._update_weights(idx[lost])

    def _gpu_level(self, idx) -> np.ndarray:
        f = self.fleet
        return f.throttle_level[idx] * (f.gpu_on[idx] != 0)

    def _hold_down(self, idx, t_s, until_s, cls) -> None:
        """GPUs of idx (unique) off from t_s to until_s: count the part of this tick the kernel
        did not see, emit the reset (and the restart when it ends within the tick)."""
        f, log, t1_s = self.fleet, self.ctx.events, self._t1_s
        t_s = np.broadcast_to(np.asarray(t_s, dtype=float), idx.shape)
        until_s = np.broadcast_to(np.asarray(until_s, dtype=float), idx.shape)
        covered = f.down_until_start_s[idx]
        f.radiation_down_seconds[idx] += np.maximum(np.minimum(until_s, t1_s) - np.maximum(t_s, covered), 0.0)
        f.down_until_start_s[idx] = np.maximum(covered, until_s)
        f.gpu_down_until_s[idx] = np.maximum(f.gpu_down_until_s[idx], until_s)
        was_up = covered <= t_s
        if not was_up.any():
            return
        up, t_up = idx[was_up], t_s[was_up]
        level = self._gpu_level(up)
        log.emit("rad_gpu_reset", t_up, up, level, 0.0, np.asarray(cls, dtype=float)[was_up])
        f.gpu_down_since_s[up] = t_up
        quick = f.gpu_down_until_s[up] <= t1_s
        if quick.any():
            back = f.gpu_down_until_s[up[quick]]
            log.emit("rad_gpu_restored", back, up[quick], 0.0, level[quick], back - t_up[quick])

    def _emit_restarts(self) -> None:
        """GPUs back after a policy power-down (code 2) or a reset/latch-up (code 3)."""
        f, log = self.fleet, self.ctx.events
        for c, name, back_s in ((2, "rad_power_up", f.gpu_down_until_s), (3, "rad_gpu_restored", f.down_until_start_s)):
            sel = np.flatnonzero(f.level_change == c)
            if sel.size:
                t_back = back_s[sel]
                log.emit(name, t_back, sel, 0.0, self._gpu_level(sel), t_back - f.gpu_down_since_s[sel])

    def _emit_power_downs(self, t0_s: float, t1_s: float) -> None:
        f = self.fleet
        down = np.flatnonzero(f.level_change == 1)
        if down.size:
            already = f.down_until_start_s[down] > t0_s   # reset earlier (or in) this tick
            self.ctx.events.emit("rad_power_down", t1_s, down, np.where(already, 0.0, self._gpu_level(down)), 0.0,
                                 f.spe_flux_cm2_s[down] + f.trapped_flux_cm2_s[down])
            f.gpu_down_since_s[down[~already]] = t1_s

    def _lose(self, idx, t_s, cls, cause: float) -> None:
        """A per-GPU device takes its GPU with it; a per-satellite device (host) stops all GPUs."""
        f = self.fleet
        for i, c, t in zip(idx, cls, np.broadcast_to(t_s, np.shape(idx))):
            if self.per_gpu[c]:
                f.gpu_count[i] = max(int(f.gpu_count[i]) - 1, 0)
            elif not self.host_lost[i]:
                self.host_lost[i] = True
                self._hold_down(np.array([i]), np.array([t]), np.array([np.inf]), np.array([c]))
        self.ctx.events.emit("device_lost", t_s, idx, cls.astype(float), cause, f.dose_rad[idx])
        self._count("device_lost", cls)
        self._update_weights(np.unique(idx))

    def _apply_dose(self, t_s: float) -> None:
        """Past a class's degrade dose its rates rise by dose_degrade_factor; past its fail dose
        its devices are lost."""
        f = self.fleet
        for c, d in enumerate(self.cfg.devices):
            if d.dose_degrade_krad is not None:
                hit = np.flatnonzero((f.dose_rad >= d.dose_degrade_krad * 1e3) & (self.dose_factor[:, c] == 1.0))
                if hit.size:
                    self.dose_factor[hit, c] = d.dose_degrade_factor
                    self._update_weights(hit)
            if d.dose_fail_krad is not None:
                hit = np.flatnonzero((f.dose_rad >= d.dose_fail_krad * 1e3) & (self._device_counts(
                    np.arange(f.n))[:, c] > 0))
                for i in hit:
                    n_lost = int(self._device_counts(np.array([i]))[0, c] / max(d.count, 1)) if self.per_gpu[c] else 1
                    self._lose(np.full(max(n_lost, 1), i), np.full(max(n_lost, 1), t_s),
                               np.full(max(n_lost, 1), c), cause=2.0)
        above = [m for m in self._dose_marks if m > f.dose_rad.max()]
        self._next_dose_mark = above[0] if above else np.inf

    def _count(self, name, cls) -> None:
        col = list(self.counts).index(name)
        self.counts[name] += int(np.size(cls))
        self.counts_by_class[:, col] += np.bincount(np.asarray(cls, dtype=np.int64).reshape(-1),
                                                    minlength=len(self.cfg.devices))

    def _emit_spe(self, t0_s: float, t1_s: float) -> None:
        log = self.ctx.events
        for ev in self.spe_events:
            for name, t, a in (("spe_onset", ev.onset_s, ev.peak_pfu), ("spe_peak", ev.peak_s, ev.peak_pfu),
                               ("spe_end", ev.end_s, ev.fluence_gt10_cm2_sr())):
                if t0_s < t <= t1_s:
                    log.emit(name, t, -1, a, ev.gamma, ev.s_level)

    # ------------------------------------------------------------------ output
    def record(self, t_s: float) -> dict[str, np.ndarray]:
        out = {k: getattr(self.fleet, field) for k, (field, _) in RECORDED.items()}
        out["gpu_down"] = (self.fleet.gpu_down_until_s > t_s).astype(np.int8)
        return out

    def summary(self) -> dict[str, tuple[float, str]]:
        f, elapsed_s = self.fleet, self.ctx.elapsed_s
        device_days = max(self.devices_at_start * elapsed_s / 86400.0, 1e-300)
        out = {}
        for name, count in self.counts.items():
            out[f"{name}"] = (count, "1")
            if name != "device_lost":
                out[f"{name}_per_device_day"] = (count / device_days, "1/(device d)")
        for c, d in enumerate(self.cfg.devices):
            for col, name in enumerate(self.counts):
                if self.counts_by_class[c, col]:
                    out[f"{d.name}.{name}"] = (int(self.counts_by_class[c, col]), "1")
        gpu_down_s = float((f.radiation_down_seconds * f.gpu_count).sum())
        delivered_h = float(f.gpu_seconds_delivered.sum()) / 3600.0
        out.update({
            "downtime_hours": (float(f.radiation_down_seconds.sum()) / 3600.0, "satellite h"),
            "downtime_gpu_hours": (gpu_down_s / 3600.0, "GPU h"),
            "powerdown_hours": (float(f.radiation_powerdown_seconds.sum()) / 3600.0, "satellite h"),
            "dose_rad_mean": (float(f.dose_rad.mean()), "rad(Si)"),
            "dose_rad_max": (float(f.dose_rad.max()), "rad(Si)"),
            "spe_events": (sum(1 for ev in self.spe_events if 0.0 <= ev.onset_s <= elapsed_s), "1"),
            "redundancy_factor": (self.redundancy, "1"),
            "useful_gpu_hours": (delivered_h / self.redundancy, "GPU h"),
        })
        return out
