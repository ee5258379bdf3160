"""Radiation: trapped protons (AP8), galactic cosmic rays (protons, and heavy ions through their
LET spectrum: sim.radiation.heavy_ions) and solar particle events at every satellite, and the
upsets, functional interrupts, latch-ups and dose they cause.

Per tick one kernel (sim.radiation.tick) computes the local fluxes and accumulates each
satellite's upset hazard; the upsets are drawn only for the satellites whose hazard crossed an
Exp(1) threshold drawn from this subsystem's own random stream, so the event cost grows with
the number of upsets, not with N × ticks. They are drawn in the tick kernel
(sim.radiation.upset_kernel, uniforms from the stream buffered by sim.radiation.upset_buffers),
and Python acts only where an event kind has subscribers or a device is lost. Each upset is
assigned a device class and a kind (bit upset, SEFI, SEL) in proportion to their cross-sections,
and its outcome follows the class's protection (ECC, detection) and the mitigations (redundancy,
power-down) (sim.radiation.upsets). Set-up of the environment: sim.radiation.environment; of the device
classes: sim.radiation.devices.

A SEFI or SEL of a device that `takes_down_gpus` makes the satellite's GPUs unavailable until
`gpu_down_until_s` (s since epoch), the field the payload kernel reads. A reset and a
radiation-aware power-down are GPU levels like a throttle step: each start and end is an event
carrying the clock level before and after (rad_gpu_reset / rad_gpu_restored,
rad_power_down / rad_power_up).
"""
from __future__ import annotations

import numpy as np

from sim.core.constants import SECONDS_PER_DAY, SECONDS_PER_HOUR
from sim.core.fleet import field_specs
from sim.core.numerics import parallel_chunk
from sim.core.subsystem import Subsystem, TickKernel
from sim.radiation import environment, geomag, heavy_ions, solar_activity, steps, transport
from sim.radiation.config import RadiationConfig
from sim.radiation.constants import OUTCOMES, UPSET_EVENTS
from sim.radiation.devices import Devices
from sim.radiation.step_tables import StepTables
from sim.radiation.upset_buffers import UpsetBuffers

# the dose is kept in rad (the unit of part ratings); UDUNITS-2 reads "rad" as the radian and has
# no "rd", so its unit string is the centigray, which is the rad exactly (1 rad = 0.01 Gy)
DOSE_UNIT = "cGy"
REDUNDANCY_FACTOR = {"none": 1.0, "dmr": 2.0, "tmr": 3.0}
POWER_DOWN_MODE = {"none": 0, "spe": 1, "saa": 2, "spe_saa": 3}

FIELDS = field_specs("state", {
    "radiation_powered_down": ("i1", "1", "1 while GPUs are powered down by the radiation policy"),
    "trapped_flux_cm2_s": ("f8", "1/(cm2 s)", "trapped protons above the device floor energy"),
    "spe_flux_cm2_s": ("f8", "1/(cm2 s)", "SPE protons above max(cutoff, device floor)"),
    "cutoff_gv": ("f8", "GV", "Stormer vertical cutoff rigidity"),
    "proton_flux_cm2_s": ("f8", "1/(cm2 s)", "trapped + SPE + GCR protons at the device"),
    "upset_rate_s": ("f8", "1/s", "total upset rate (all classes and kinds)"),
    "dose_rate_rad_s": ("f8", DOSE_UNIT + "/s", "dose rate in Si behind the shield [rad(Si)/s]"),
    "upset_hazard_prev": ("f8", "1", "integrated upset hazard at the start of the tick"),
    "upset_next_threshold": ("f8", "1", "hazard at which the next upset happens"),
    "upset_crossed": ("i1", "1", "1 where the hazard crossed its threshold this tick"),
    "down_until_start_s": ("f8", "s", "gpu_down_until_s at the tick start, then as covered within the tick"),
    "level_change": ("i1", "1", "radiation level change this tick (kernel code)"),
    "radiation_wants_down": ("i1", "1", "1 while the local flux is above the power-down limit"),
    "gpu_down_since_s": ("f8", "s", "start of the current radiation down period"),
}, infinite_ok=("down_until_start_s",)) + field_specs("accumulator", {
    "dose_rad": ("f8", DOSE_UNIT, "total ionising dose in Si behind the shield [rad(Si)]"),
    "radiation_down_seconds": ("f8", "s", "time with GPUs down for radiation"),
    "radiation_powerdown_seconds": ("f8", "s", "time with GPUs powered down by the policy"),
    "upset_hazard": ("f8", "1", "integrated upset hazard"),
})
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
# recorded name: (FleetState field, units (UDUNITS-2), long_name)
RECORDED = {
    "trapped_flux": ("trapped_flux_cm2_s", "1/(cm2 s)", "trapped proton flux above the device floor energy"),
    "spe_flux": ("spe_flux_cm2_s", "1/(cm2 s)", "solar particle event proton flux above max(cutoff, device floor)"),
    "cutoff_gv": ("cutoff_gv", "GV", "vertical geomagnetic cutoff rigidity"),
    "dose_rad": ("dose_rad", DOSE_UNIT, "total ionising dose in silicon behind the shield (1 cGy = 1 rad(Si))"),
    "upset_rate": ("upset_rate_s", "1/s", "total single-event upset rate of the satellite's devices"),
}
GPU_DOWN_UNIT = "1"   # recorded "gpu_down": 1 while radiation holds the GPUs off


class Radiation(Subsystem):
    """Radiation environment and effects; built when the scenario has `radiation:`."""

    name = "radiation"
    section = "radiation"
    requires = ("positions", "gpu_state", "clock_table")
    provides = ("radiation",)
    events = EVENTS
    fields = FIELDS

    def __init__(self, ctx):
        super().__init__(ctx)
        from sim.radiation import tick, upsets
        self._tick_kernel, self._upsets = tick, upsets
        fleet, scenario = ctx.fleet, ctx.scenario
        self.fleet = fleet
        self.cfg: RadiationConfig = scenario.radiation
        cfg = self.cfg
        chunk = parallel_chunk(fleet.n)
        self._parallel = bool(chunk)
        self._step = tick.radiation_step if chunk else tick.radiation_step_serial   # the one radiation_tick runs
        self._chunk = chunk or fleet.n
        self.rng = ctx.rng(self.name)
        self.epoch = scenario.epoch
        duration_s = ctx.clock.duration_s

        self.device_floor_mev = float(transport.energy_outside_mev(cfg.upset_threshold_mev, cfg.shielding_al_mm))
        self.environment = environment.environment_map(cfg, fleet.a_m, fleet.e, self.epoch, self.device_floor_mev)
        self.flux_map = self.environment.flux_map
        self.pole_ecef = geomag.dipole_axis_ecef(self.epoch)
        gm = cfg.geomagnetic
        self.stormer_gv = gm.stormer_gv or geomag.stormer_constant_gv(
            geomag.dipole_moment_a_m2(geomag.dipole_field_nt(self.epoch)))
        self._geomag = geomag.kernel_vector(self.pole_ecef, self.stormer_gv)
        self._kp = None
        if gm.storm_suppression == "kp":
            self._kp = solar_activity.read_kp_3h(scenario.resolve_path(gm.kp_csv))
            self._epoch_days = solar_activity.days_since_unix(self.epoch)
        self._gcr_transmission = environment.gcr_transmission(cfg)
        # the environment is refreshed for each satellite every `every` ticks (staggered)
        self.every = max(1, int(round(cfg.environment_every_s / ctx.dt_s)))
        self._gcr_table_s, self._gcr_table_cm2_s = environment.gcr_table(cfg, self.epoch, duration_s,
                                                                          scenario.resolve_path)
        self.spe_events = environment.spe_events(cfg.spe, self.epoch, duration_s, self.rng, scenario.resolve_path)
        self._dose_table = environment.SpeDoseTables(cfg.shielding_al_mm)
        self.heavy_ions = heavy_ions.HeavyIonRates(cfg, transport.shield_g_cm2(cfg.shielding_al_mm))
        # the tick kernel's heavy-ion table and the modulation it was mixed at
        self._hi_now, self._hi_now_m = self.heavy_ions.table_min.copy(), np.zeros(1)
        self._gcr_m_s, self._gcr_m = (environment.gcr_modulation(cfg, self.epoch, duration_s, scenario.resolve_path)
                                      if self.heavy_ions.active else (np.zeros(1), np.zeros(1)))
        self.devices = Devices(cfg, fleet.gpu_count, self.heavy_ions.has_kind if self.heavy_ions.active else None)
        self.devices.update_weights(np.arange(fleet.n), fleet.gpu_count)
        self.sigma_on, self.sigma_off = self.devices.sigma_on, self.devices.sigma_off
        self.devices_at_start = float(self.devices.counts(np.arange(fleet.n), fleet.gpu_count).sum())
        marks = self.devices.dose_marks_rad
        self._next_dose_mark = marks[0] if marks else np.inf
        mit = cfg.mitigations
        self.power_down_mode = POWER_DOWN_MODE[mit.power_down]
        self.redundancy = REDUNDANCY_FACTOR[mit.redundancy]
        fleet.upset_next_threshold[:] = self.rng.exponential(size=fleet.n)
        self.buffers = UpsetBuffers(self.rng, fleet.n)
        ctx.events.defer(self._flush_upsets)
        self.counts = {name: 0 for name in OUTCOMES}
        self.counts_by_class = np.zeros((len(cfg.devices), len(OUTCOMES)), dtype=np.int64)
        self.recorded_units = {k: unit for k, (_, unit, _) in RECORDED.items()}
        self.recorded_units["gpu_down"] = GPU_DOWN_UNIT
        self.recorded_attrs = {k: {"long_name": name} for k, (_, _, name) in RECORDED.items()}
        self.recorded_attrs["gpu_down"] = {"long_name": "1 while radiation holds the GPUs off"}
        self.step_tables = StepTables(self, ctx.max_block_ticks)
        self._args = None
        self._initial_state()
        self.provide("radiation", self)

    def _initial_state(self) -> None:
        f, t, now = self.fleet, np.zeros(1), self.ctx.clock.at(0.0)
        self.step_tables.fill(0, t, t, t)
        clock = np.array([[now.t_s, now.jd_utc, now.jd_tt, now.gmst_rad, now.cos_gmst, now.sin_gmst]])
        # every environment at t = 0 (zero-length tick: no hazard, no dose)
        steps.radiation_tick(1, 0, 0.0, 0.0, *self._kernel_args(every=1, clock_table=clock))
        self.step_tables.invalidate()
        f.upset_crossed[:] = 0
        f.radiation_powered_down[:] = 0   # the policy decides in the first tick (and emits its event)
        f.level_change[:] = 0

    def kp(self, t_s):
        """Kp at t_s (0 without storm suppression; an array for an array of times)."""
        if self._kp is None:
            return 0.0 if np.ndim(t_s) == 0 else np.zeros(np.shape(t_s))
        kp = solar_activity.kp_at(self._epoch_days + np.asarray(t_s) / SECONDS_PER_DAY, *self._kp)
        return float(kp) if np.ndim(kp) == 0 else kp

    def gcr_free_cm2_s(self, t_s: float) -> float:
        return float(np.interp(t_s, self._gcr_table_s, self._gcr_table_cm2_s))

    # ------------------------------------------------------------------ tick
    def tick_kernel(self) -> TickKernel:
        """One tick in sim.radiation.steps.radiation_tick; Python only on its flagged ticks."""
        return TickKernel(function=steps.radiation_tick, args=self._block_args, prepare=self._prepare,
                          after_tick=self._after_tick)

    def _prepare(self, first: int, last: int) -> None:
        self.step_tables.prepare(first, last)
        self.buffers.set_urgent(self.ctx.events.subscribed)
        self._args = None

    def _block_args(self) -> tuple:
        """The kernel's arguments, built once per block and when the dose mark moves (the driver asks
        again at every restart after a flagged tick, when the upset events drawn in the kernel are
        emitted and its uniforms topped up)."""
        self._flush_upsets()
        self.buffers.refill()
        if self._args is None:
            self._args = self._kernel_args()
        return self._args

    def _flush_upsets(self) -> None:
        self.buffers.flush(self._emit_codes)

    def _kernel_args(self, every: int | None = None, clock_table: np.ndarray | None = None) -> tuple:
        f, m, env, hi, dev = self.fleet, self.cfg.mitigations, self.environment, self.heavy_ions, self.devices
        tab = self.step_tables
        return (self._parallel, self._chunk, self.every if every is None else every, tab.offset,
                self._next_dose_mark, self.ctx.services.get("clock_table") if clock_table is None else clock_table,
                tab.floats, tab.ints, env.env_map, env.env_axes, environment.SPE_DOSE_LOG_EMIN,
                tab.dose_tables, self.device_floor_mev, self._gcr_transmission, 1.0 / environment.GCR_CUTOFF_STEP_GV,
                hi.table_min, hi.table_max, self._hi_now, self._hi_now_m, 1.0 / heavy_ions.CUTOFF_STEP_GV,
                dev.hi_weight, dev.hi_per_gpu, dev.hi_unit, dev.hi_rate,
                self.power_down_mode, m.power_down_spe_cm2_s, m.power_down_saa_cm2_s,
                float(m.scrub_interval_s or 0.0), self._upset_args(),
                f.r_eci_m, self.sigma_on, self.sigma_off, f.gpu_down_until_s, f.radiation_powered_down,
                f.trapped_flux_cm2_s, f.spe_flux_cm2_s, f.cutoff_gv, f.proton_flux_cm2_s, f.upset_rate_s,
                f.dose_rate_rad_s, f.dose_rad, f.radiation_down_seconds, f.radiation_powerdown_seconds, f.upset_hazard,
                f.upset_hazard_prev, f.upset_next_threshold, f.upset_crossed, f.down_until_start_s, f.level_change,
                f.radiation_wants_down)

    def _upset_args(self) -> tuple:
        """sim.radiation.upset_kernel.tick_upsets' arguments after scrub_interval_s."""
        f, dev = self.fleet, self.devices
        return (*self.buffers.kernel_args(), dev.redundancy_code, dev.table, dev.weights, dev.hi_unit,
                dev.dose_factor, f.gpu_count, dev.host_lost, f.proton_flux_cm2_s, f.dose_rad, f.throttle_level,
                f.gpu_on, f.down_until_start_s, f.gpu_down_until_s, f.gpu_down_since_s, f.radiation_down_seconds,
                self.counts_by_class, f.upset_crossed, f.upset_hazard_prev, f.upset_hazard, f.upset_next_threshold)

    def _after_tick(self, step: int, flag: int) -> None:
        """The Python part of a flagged tick, in this order: SPE events, restarts, upsets, power-downs, dose."""
        f, dt_s = self.fleet, self.ctx.dt_s
        t_s = self.ctx.clock.time_of_step(step)
        t0_s = t_s - dt_s
        if flag & steps.SPE_TIME:
            self._emit_spe(t0_s, t_s)
        if flag & steps.LEVEL_CHANGE:
            self._emit_restarts()
        self._flush_upsets()   # those drawn in the kernel, this tick's last
        if flag & steps.UPSET_LOST:
            self.devices.update_weights(self.buffers.take_lost(), f.gpu_count)
        if flag & steps.UPSETS:
            self.buffers.resync()
            self._handle_upsets(t0_s, dt_s, t_s)
        if flag & steps.LEVEL_CHANGE:   # after the upsets: a reset earlier in the tick makes the level before 0
            self._emit_power_downs(t0_s, t_s)
            f.level_change[:] = 0   # the kernel writes it only where satellites are down
        if flag & steps.DOSE_MARK:
            self._apply_dose(t_s)

    def _event_buffers(self, m: int):
        """Fresh event rows for m events per code (subscribers may keep the arrays they are given)."""
        codes = self._upsets.N_EVENT_CODES
        return np.empty((4, codes, m)), np.empty((codes, m), dtype=np.int32), np.zeros(codes, dtype=np.int64)

    def _emit_codes(self, ev, ev_sat, ev_n, codes) -> None:
        log = self.ctx.events
        for code in codes:
            n, name = int(ev_n[code]), UPSET_EVENTS[code]
            if n:
                log.emit(name, ev[0, code, :n], ev_sat[code, :n], ev[1, code, :n], ev[2, code, :n], ev[3, code, :n])
                if name in self.counts:
                    self.counts[name] += n

    def _handle_upsets(self, t0_s: float, dt_s: float, t_s: float) -> None:
        """All upsets of the tick: the first at each crossed threshold; past it the thresholds form a
        unit-rate Poisson process in H (Exp(1) spacings, memoryless), so the further upsets up to H(t1)
        are Poisson(H(t1) − threshold) in number and uniform in H, and the next threshold is
        H(t1) + Exp(1) (both from two uniforms per satellite, sim.radiation.upsets.further_upsets).
        Outcomes and state changes in sim.radiation.upsets.upset_outcomes, driven by
        UNIFORMS_PER_UPSET uniforms per upset drawn here in one call; then one emit per event kind."""
        f, rng, k, dev = self.fleet, self.rng, self._upsets, self.devices
        idx, h0, h1, first = k.crossed_upsets(f.upset_crossed, f.upset_hazard_prev, f.upset_hazard,
                                              f.upset_next_threshold)
        extra = np.empty(idx.size, dtype=np.int64)
        m, left = k.further_upsets(idx, h1, first, rng.random((idx.size, 2)), f.upset_next_threshold, extra)
        if left:   # large means (strong SPE): numpy's Poisson
            big = extra < 0
            extra[big] = rng.poisson(h1[big] - first[big])
            m = idx.size + int(extra.sum())
        uniforms = rng.random((m, k.UNIFORMS_PER_UPSET))
        ev, ev_sat, ev_n = self._event_buffers(m)
        lost = np.zeros(idx.size, dtype=np.bool_)
        scrub_s = self.cfg.mitigations.scrub_interval_s or max(t_s, 1.0)   # t_s: the time simulated so far
        k.upset_outcomes(idx, extra, h0, h1, first, uniforms, t0_s, dt_s, scrub_s, dev.redundancy_code,
                         dev.table, dev.weights, dev.hi_unit, dev.dose_factor, f.gpu_count, dev.host_lost,
                         f.proton_flux_cm2_s, f.dose_rad, f.throttle_level, f.gpu_on, f.down_until_start_s,
                         f.gpu_down_until_s, f.gpu_down_since_s, f.radiation_down_seconds, np.empty(m),
                         ev, ev_sat, ev_n, self.counts_by_class, lost)
        self._emit_codes(ev, ev_sat, ev_n, np.flatnonzero(ev_n))
        if lost.any():
            dev.update_weights(idx[lost], f.gpu_count)

    def _gpu_level(self, idx) -> np.ndarray:
        f = self.fleet
        return f.throttle_level[idx] * (f.gpu_on[idx] != 0)

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

    def _apply_dose(self, t_s: float) -> None:
        """Past a class's degrade dose its rates rise by dose_degrade_factor; past its fail dose
        its devices are lost (sim.radiation.upsets.lose_devices, as a destructive latch-up)."""
        f, dev, k = self.fleet, self.devices, self._upsets
        for c, d in enumerate(self.cfg.devices):
            if d.dose_degrade_krad is not None:
                hit = np.flatnonzero((f.dose_rad >= d.dose_degrade_krad * 1e3) & (dev.dose_factor[:, c] == 1.0))
                if hit.size:
                    dev.dose_factor[hit, c] = d.dose_degrade_factor
                    dev.update_weights(hit, f.gpu_count)
            if d.dose_fail_krad is not None:
                hit = np.flatnonzero((f.dose_rad >= d.dose_fail_krad * 1e3)
                                     & (dev.counts(np.arange(f.n), f.gpu_count)[:, c] > 0))
                for i in hit:
                    present = dev.counts(np.array([i]), f.gpu_count)[0, c]
                    n_lost = max(int(present / max(d.count, 1)) if dev.per_gpu[c] else 1, 1)
                    ev, ev_sat, ev_n = self._event_buffers(n_lost + 2)
                    k.lose_devices(i, n_lost, t_s, c, 2.0, t_s, dev.table, dev.weights, dev.dose_factor,
                                   f.gpu_count, dev.host_lost, f.dose_rad, f.throttle_level, f.gpu_on,
                                   f.down_until_start_s, f.gpu_down_until_s, f.gpu_down_since_s,
                                   f.radiation_down_seconds, ev, ev_sat, ev_n, self.counts_by_class)
                    # the GPUs' reset before the loss that causes it, as the rows have always been
                    self._emit_codes(ev, ev_sat, ev_n, (k.GPU_RESET, k.GPU_RESTORED, k.DEVICE_LOST))
                    dev.update_weights(np.array([i]), f.gpu_count)
        above = [m for m in dev.dose_marks_rad if m > f.dose_rad.max()]
        self._next_dose_mark = above[0] if above else np.inf
        self._args = None

    def _emit_spe(self, t0_s: float, t1_s: float) -> None:
        log = self.ctx.events
        for ev in self.spe_events:
            for name, t, a in (("spe_onset", ev.onset_s, ev.peak_pfu), ("spe_peak", ev.peak_s, ev.peak_pfu),
                               ("spe_end", ev.end_s, ev.fluence_gt10_cm2_sr())):
                if t0_s < t <= t1_s:
                    log.emit(name, t, -1, a, ev.gamma, ev.s_level)

    # ------------------------------------------------------------------ output
    def record(self, t_s: float) -> dict[str, np.ndarray]:
        out = {k: getattr(self.fleet, field) for k, (field, _, _) in RECORDED.items()}
        out["gpu_down"] = (self.fleet.gpu_down_until_s > t_s).astype(np.int8)
        return out

    def summary(self) -> dict[str, tuple[float, str]]:
        self._flush_upsets()   # the run's last upsets drawn in the kernel
        f, elapsed_s = self.fleet, self.ctx.elapsed_s
        device_days = max(self.devices_at_start * elapsed_s / SECONDS_PER_DAY, 1e-300)
        out = {}
        for name, count in self.counts.items():
            out[name] = (count, "1")
            if name != "device_lost":
                out[f"{name}_per_device_day"] = (count / device_days, "1/d")
        for c, d in enumerate(self.cfg.devices):
            for col, name in enumerate(self.counts):
                if self.counts_by_class[c, col]:
                    out[f"{d.name}.{name}"] = (int(self.counts_by_class[c, col]), "1")
        gpu_down_s = float((f.radiation_down_seconds * f.gpu_count).sum())
        out.update({
            "downtime_hours": (float(f.radiation_down_seconds.sum()) / SECONDS_PER_HOUR, "h"),
            "downtime_gpu_hours": (gpu_down_s / SECONDS_PER_HOUR, "h"),
            "powerdown_hours": (float(f.radiation_powerdown_seconds.sum()) / SECONDS_PER_HOUR, "h"),
            "dose_rad_mean": (float(f.dose_rad.mean()), DOSE_UNIT),
            "dose_rad_max": (float(f.dose_rad.max()), DOSE_UNIT),
            "spe_events": (sum(1 for ev in self.spe_events if 0.0 <= ev.onset_s <= elapsed_s), "1"),
            "redundancy_factor": (self.redundancy, "1"),
        })
        return out
