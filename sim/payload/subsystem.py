"""Payload: Sun/eclipse → solar array and battery → thermal nodes → GPU throttling, every tick.

One kernel launch per tick over all satellites (sim.payload.tick) does the illumination at
the tick end, the eclipse crossings and the whole payload step, fused so that each
satellite's arrays are touched once; Python touches only the satellites that produced an
event (eclipse entry/exit, clock change, shutdown, power cap).

The interface to the work on the GPUs: `gpu_utilisation` (0..1, live; idle GPUs draw idle
power and make less heat) is read every tick, and `gpu_seconds_delivered_tick` reports the
GPU-seconds the hardware delivered in the last tick (throughput_fraction(level, s) × working GPUs
× time, s = `gpu_clock_sensitivity`, the clock-sensitive share the workload sets; default 1).
"""
from __future__ import annotations

import numpy as np

from sim.core.constants import ZERO_CELSIUS_K
from sim.core.fleet import FieldSpec, field_specs
from sim.core.numerics import parallel_chunk
from sim.core.subsystem import Context, Subsystem, TickKernel
from sim.payload import metrics, thermal_setup
from sim.payload.accounting import BADPUT_CAUSES

RADIATOR_ORIENTATION = {"nadir": 0, "zenith": 1, "edge_on_sun": 2}
ECLIPSE_MODEL = {"conical": 0, "cylindrical": 1}
ECLIPSE_THRESHOLD = 0.5  # entry/exit when half the solar disc is hidden

HARDWARE = field_specs("parameter", {
    # solar array
    "array_area_m2": ("f8", "m2", "solar array area"),
    "array_efficiency": ("f8", "1", "cell efficiency at beginning of life (AM0)"),
    "array_degradation_per_year": ("f8", "1/yr", "fractional power loss per year"),
    "array_age_years": ("f8", "yr", "array age at the scenario epoch"),
    "array_sun_tracking": ("i1", "1", "1 sun-tracking array, 0 body-fixed zenith-facing"),
    # battery and bus
    "battery_capacity_wh": ("f8", "W h", "usable battery capacity"),
    "soc_floor": ("f8", "1", "state of charge below which GPUs are capped"),
    "soc_release": ("f8", "1", "state of charge at which the cap is released"),
    "charge_efficiency": ("f8", "1", "battery charge efficiency"),
    "discharge_efficiency": ("f8", "1", "battery discharge efficiency"),
    "bus_power_w": ("f8", "W", "platform power excluding the GPUs"),
    # GPUs (all GPUs of a satellite share one cold plate and one state)
    "gpu_count_installed": ("i4", "1", "GPUs per satellite at launch"),
    "gpu_count": ("i4", "1", "working GPUs per satellite (lowered as devices are lost)"),
    "gpu_tdp_w": ("f8", "W", "GPU board power at maximum clock"),
    "gpu_peak_flops": ("f8", "1/s", "dense BF16 FLOP per second of one GPU at the maximum clock"),
    "gpu_idle_w": ("f8", "W", "GPU board power at idle"),
    "gpu_static_w": ("f8", "W", "P_static in P = P_static + C_eff V(f)^2 f (board power without switching)"),
    "gpu_dynamic_w": ("f8", "W", "C_eff V_max^2 f_max: the switching power at the maximum clock"),
    "gpu_v_min_ratio": ("f8", "1", "voltage floor of the V-f curve as a fraction of the voltage at f_max"),
    "gpu_knee_level": ("f8", "1", "clock fraction above which the voltage rises (the V-f knee)"),
    "gpu_power_cap_w": ("f8", "W", "board power limit per GPU (nvidia-smi -pl); the TDP when none is set"),
    "gpu_power_cap_level": ("f8", "1", "highest clock fraction whose full-load power meets gpu_power_cap_w"),
    "gpu_min_level": ("f8", "1", "lowest clock as a fraction of f_max (idle clock / max clock)"),
    "gpu_level_step": ("f8", "1", "clock step of the throttle policy, fraction of f_max"),
    "gpu_slowdown_level": ("f8", "1", "clock fraction imposed by the hardware slowdown"),
    "gpu_capped_level": ("f8", "1", "clock fraction allowed while the battery is at its floor"),
    "r_jc_k_w": ("f8", "K/W", "junction-to-cold-plate thermal resistance per GPU"),
    "t_max_operating_k": ("f8", "K", "software throttle threshold (87 C for H100)"),
    "t_slowdown_k": ("f8", "K", "hardware slowdown threshold (89 C)"),
    "t_shutdown_k": ("f8", "K", "shutdown threshold (92 C)"),
    "t_restart_k": ("f8", "K", "junction temperature below which a shut-down GPU restarts"),
    "throttle_hysteresis_k": ("f8", "K", "clock is raised only below t_max_operating - hysteresis"),
    "throttle_hold_s": ("f8", "s", "minimum time between two clock changes"),
    # thermal
    "c_payload_j_k": ("f8", "J/K", "heat capacity of GPUs, cold plate and structure"),
    "c_radiator_j_k": ("f8", "J/K", "heat capacity of the radiator"),
    "g_payload_radiator_w_k": ("f8", "W/K", "conductance payload to radiator"),
    "radiator_area_m2": ("f8", "m2", "radiator panel area (one side)"),
    "radiator_emissivity": ("f8", "1", "infrared emissivity"),
    "radiator_absorptivity": ("f8", "1", "solar absorptivity"),
    "radiator_sides": ("i1", "1", "radiating sides, 1 or 2"),
    "radiator_orientation": ("i1", "1", "0 nadir, 1 zenith, 2 vertical edge-on to the Sun"),
    # thermal network (sim.payload.thermal_network; thermal.model network) and environment case
    "thermal_model": ("i1", "1", "0 lumped (two nodes), 1 network"),
    "r_case_plate_k_w": ("f8", "K/W", "per GPU, package case to cold plate"),
    "hbm_power_fraction": ("f8", "1", "share of the GPU board power dissipated in the HBM"),
    "r_hbm_k_w": ("f8", "K/W", "per GPU, HBM to package case"),
    "t_hbm_offset_k": ("f8", "K", "t_max_operating - HBM maximum: maps the HBM onto the junction's thresholds"),
    "transport_q_max_w": ("f8", "W", "transport limit, cold plate to radiator (1e30: none)"),
    "transport_g_dry_w_k": ("f8", "W/K", "transport conductance above the limit (heat-pipe dry-out)"),
    "fin_number_per_k3": ("f8", "1/K3", "radiating-fin parameter N / T_root^3 = n eps sigma L^2 / (k t)"),
    "radiator_age_years": ("f8", "yr", "radiator coating age at the epoch"),
    "radiator_absorptivity_per_year": ("f8", "1/yr", "solar absorptivity increase per year"),
    "radiator_emissivity_per_year": ("f8", "1/yr", "infrared emissivity decrease per year"),
    "view_factor_array": ("f8", "1", "view factor, radiator front face to the solar array"),
    "view_factor_bus": ("f8", "1", "view factor, radiator front face to the bus face"),
    "bus_ir_w_m2": ("f8", "W/m2", "infrared exitance of the bus face, eps sigma T^4"),
    "earth_ir_excess_w_m2": ("f8", "W/m2", "Earth IR of the environment case minus the nominal 237"),
    "earth_albedo_excess": ("f8", "1", "albedo of the environment case minus the nominal 0.30"),
    "albedo_zenith_correction": ("f8", "1", "1: albedo rises with the solar zenith angle"),
    "array_absorptivity_front": ("f8", "1", "solar absorptivity, cell side"),
    "array_emissivity_front": ("f8", "1", "infrared emissivity, cell side"),
    "array_absorptivity_back": ("f8", "1", "solar absorptivity, back"),
    "array_emissivity_back": ("f8", "1", "infrared emissivity, back"),
    "array_temp_coeff_per_k": ("f8", "1/K", "relative cell efficiency change per kelvin"),
    "array_t_ref_k": ("f8", "K", "temperature of the rated cell efficiency"),
    "array_heat_capacity_j_m2_k": ("f8", "J/(m2 K)", "areal heat capacity of the array"),
})
STATE = field_specs("state", {
    "illumination": ("f8", "1", "fraction of the solar disc visible, 0 umbra .. 1 sunlit"),
    "p_solar_w": ("f8", "W", "solar array output"),
    "p_load_w": ("f8", "W", "electrical load served (bus + GPUs)"),
    "battery_energy_wh": ("f8", "W h", "stored energy"),
    "soc": ("f8", "1", "battery state of charge"),
    "t_payload_k": ("f8", "K", "payload node temperature"),
    "t_radiator_k": ("f8", "K", "radiator node temperature"),
    "t_junction_k": ("f8", "K", "GPU junction temperature, T_payload (+ P_gpu R_case in the network) + P_gpu R_jc"),
    "t_hbm_k": ("f8", "K", "HBM temperature (network model; the cold plate's in the lumped one)"),
    "t_array_k": ("f8", "K", "solar array temperature (network model)"),
    "q_env_w": ("f8", "W", "environmental heat absorbed by the radiator (Sun, albedo, Earth IR)"),
    "throttle_level": ("f8", "1", "GPU clock as a fraction of f_max; 0 when off"),
    "gpu_on": ("i1", "1", "1 GPUs powered, 0 shut down"),
    "power_capped": ("i1", "1", "1 while the battery floor caps the GPUs"),
    "level_changed_t_s": ("f8", "s", "time of the last clock change"),
    "gpu_down_until_s": ("f8", "s", "GPUs unavailable (reset, latch-up, power-down) until this time"),
    "gpu_utilisation": ("f8", "1", "fraction of the delivered GPU time the work uses (idle GPUs draw idle power)"),
    "gpu_clock_sensitivity": ("f8", "1", "clock-sensitive share s of the work (set by the workload; 1: rate "
                              "proportional to the clock)"),
    "gpu_seconds_delivered_tick": ("f8", "s", "GPU-seconds delivered in the last tick (throughput_fraction(level, s) "
                                   "x working GPUs x time)"),
    # solar array retention (1 − d)^years, evaluated exactly once an hour, linear in between
    "array_retention": ("f8", "1", "array power retention (1 - d)^years at array_retention_t_ref_s"),
    "array_retention_rate_per_s": ("f8", "1/s", "ln(1 - d) per second: relative rate of the retention"),
    "array_retention_t_ref_s": ("f8", "s", "time at which array_retention was last evaluated exactly"),
}, infinite_ok=("gpu_down_until_s",))   # inf: the devices are lost for good
ACCUMULATORS = field_specs("accumulator", {
    "gpu_seconds_available": ("f8", "s", "GPU time launched (installed GPUs x elapsed)"),
    "gpu_seconds_delivered": ("f8", "s", "throughput-weighted GPU time (throughput_fraction(level, s) x on x time)"),
    "throttled_seconds": ("f8", "s", "time below full clock while on"),
    "off_seconds": ("f8", "s", "time with the GPUs shut down"),
    "eclipse_seconds": ("f8", "s", "time in shadow, weighted by 1 - illumination"),
    "energy_generated_j": ("f8", "J", "solar energy delivered to the bus"),
    "energy_consumed_j": ("f8", "J", "electrical energy consumed by the load"),
    "shutdowns": ("i4", "1", "thermal shutdowns"),
    "min_soc": ("f8", "1", "lowest state of charge seen"),
    "max_t_junction_k": ("f8", "K", "highest junction temperature seen"),
}) + (FieldSpec("gpu_badput_s", "f8", "s", "GPU time not delivered, by physical cause (rows "
                "sim.payload.accounting.BADPUT_CAUSES)", "accumulator", rows=len(BADPUT_CAUSES)),)


def _hardware(shell) -> dict[str, float]:
    g, arr, bat, rad, th = shell.gpu, shell.solar_array, shell.battery, shell.radiator, shell.thermal
    return {
        "array_area_m2": arr.area_m2, "array_efficiency": arr.efficiency,
        "array_degradation_per_year": arr.degradation_per_year, "array_age_years": arr.age_years,
        "array_sun_tracking": 1 if arr.tracking == "sun" else 0,
        "battery_capacity_wh": bat.capacity_wh, "soc_floor": bat.soc_floor, "soc_release": bat.soc_release,
        "charge_efficiency": bat.charge_efficiency, "discharge_efficiency": bat.discharge_efficiency,
        "bus_power_w": shell.bus.power_w,
        "gpu_count": g.count, "gpu_count_installed": g.count, "gpu_tdp_w": g.tdp_w, "gpu_idle_w": g.idle_w,
        "gpu_peak_flops": g.peak_bf16_tflops * 1e12,
        **dict(zip(("gpu_static_w", "gpu_dynamic_w", "gpu_v_min_ratio", "gpu_knee_level"), g.vf_parameters)),
        "gpu_power_cap_w": g.tdp_w if g.power_cap_w is None else g.power_cap_w,
        "gpu_power_cap_level": g.power_cap_level, "gpu_min_level": g.min_level,
        "gpu_level_step": g.level_step, "gpu_slowdown_level": g.slowdown_level,
        "gpu_capped_level": g.capped_level, "r_jc_k_w": g.r_jc_k_w,
        "t_max_operating_k": g.t_max_operating_c + ZERO_CELSIUS_K,
        "t_slowdown_k": g.t_slowdown_c + ZERO_CELSIUS_K,
        "t_shutdown_k": g.t_shutdown_c + ZERO_CELSIUS_K,
        "t_restart_k": g.t_restart_c + ZERO_CELSIUS_K,
        "throttle_hysteresis_k": g.throttle_hysteresis_k, "throttle_hold_s": g.throttle_hold_s,
        "c_payload_j_k": th.c_payload_j_k, "c_radiator_j_k": th.c_radiator_j_k,
        "g_payload_radiator_w_k": th.g_payload_radiator_w_k,
        "radiator_area_m2": rad.area_m2, "radiator_emissivity": rad.emissivity,
        "radiator_absorptivity": rad.absorptivity, "radiator_sides": rad.sides,
        "radiator_orientation": RADIATOR_ORIENTATION[rad.orientation],
        **thermal_setup.network_parameters(shell),
    }


def _events() -> dict[str, str]:
    from sim.payload.gpu import GPU_EVENTS
    from sim.payload.power import POWER_EVENTS
    kinds = {"eclipse_entry": "a: illumination before, b: illumination after the tick",
             "eclipse_exit": "a: illumination before, b: illumination after the tick"}
    for name in GPU_EVENTS[1:]:
        kinds[name] = "a: old clock level, b: new clock level (fraction of f_max), c: T_junction [K]"
    for name in POWER_EVENTS[1:]:
        kinds[name] = "a: state of charge, b: GPU clock level allowed, c: T_junction [K]"
    return kinds


class Payload(Subsystem):
    """Solar power, battery, radiator and GPU state of every satellite; always on."""

    name = "payload"
    requires = ("positions", "sun", "sun_table")
    provides = ("gpu_state",)
    events = _events()
    fields = HARDWARE + STATE + ACCUMULATORS
    summary_prefix = ""   # the headline metrics (gpu_hours_delivered, ...) stand unprefixed

    def __init__(self, ctx: Context):
        super().__init__(ctx)
        from sim.orbits import sun
        from sim.payload import initial, tick
        from sim.payload.gpu import GPU_EVENTS
        from sim.payload.power import POWER_EVENTS
        self._tick = tick
        scenario, fleet = ctx.scenario, ctx.fleet
        self.fleet = fleet
        self.sun = ctx.services.get("sun")
        self._sun_table = ctx.services.get("sun_table")
        env = scenario.environment
        self.environment_on = 1 if env.fluxes else 0
        self.eclipse_model = sun.eclipse_model_code(env.eclipse_model, env.earth_shape)
        for i, shell in enumerate(scenario.constellation):
            sel = fleet.shell == i
            for key, value in _hardware(shell).items():
                getattr(fleet, key)[sel] = value
        thermal_setup.environment_parameters(fleet, scenario)
        fleet.gpu_utilisation[:] = 1.0
        fleet.gpu_clock_sensitivity[:] = 1.0   # the workloads set their own share
        self.events_out = tick.PayloadEvents.empty(fleet.n)
        self._scratch = tick.new_scratch(fleet.n)
        self._illumination_prev = self._scratch[tick.SCRATCH_PREVIOUS_ILLUMINATION]
        self._crossing_t_s = np.empty(fleet.n)
        self._crossing_direction = np.zeros(fleet.n, dtype=np.int8)
        self.recorded_units = {"illumination": "1", "soc": "1", "p_solar_w": "W", "p_load_w": "W",
                               "t_junction_k": "K", "t_payload_k": "K", "t_radiator_k": "K",
                               "throttle_level": "1", "q_env_w": "W"}
        if scenario.constellation[0].thermal.model == "network":
            self.recorded_units.update(t_hbm_k="K", t_array_k="K")

        sun.illumination(fleet.r_eci_m, self.sun.position_m, self.eclipse_model, fleet.illumination)
        initial.initialise_payload(fleet, self.environment_on, t_s=0.0, sun_unit=self.sun.unit,
                                   solar_flux_w_m2=self.sun.flux_w_m2)
        initial.start_at_sustainable_level(fleet)
        initial.apply_shell_initial_state(fleet, scenario.constellation)
        chunk = parallel_chunk(fleet.n)
        self._step_physics = tick.step_physics if chunk else tick.step_physics_serial
        self._chunk = chunk or fleet.n
        self._hardware = fleet.pack(tick.HARDWARE_ROWS, by=self.name,
                                    remedy="use Payload.set_parameter(name, index, value)")
        self._live_arrays = (tuple(getattr(fleet, name) for name in tick.STATE_ARRAYS)
                             + tuple(getattr(self.events_out, name) for name in tick.EVENT_ARRAYS))
        self._gpu_event_names = tuple(enumerate(GPU_EVENTS))[1:]
        self._power_event_names = tuple(enumerate(POWER_EVENTS))[1:]
        self.provide("gpu_state", self)

    def set_parameter(self, name: str, index, value) -> None:
        """Change a hardware parameter of some satellites mid-run (e.g. a GPU power cap): the
        FleetState array and the kernel's packed copy together. `gpu_power_cap_w` also sets the
        clock level that meets it (gpu_power_cap_level)."""
        if name == "gpu_power_cap_w":
            from sim.payload.power import gpu_level_for_power
            f, sel = self.fleet, np.atleast_1d(np.arange(self.fleet.n)[index])
            cap_w = np.broadcast_to(np.asarray(value, dtype=float), sel.shape)
            if np.any((cap_w <= f.gpu_idle_w[sel]) | (cap_w > f.gpu_tdp_w[sel])):
                raise ValueError("gpu_power_cap_w must satisfy gpu_idle_w < cap <= gpu_tdp_w")
            f.writable(name)[sel] = cap_w
            level = [gpu_level_for_power(f.gpu_power_cap_w[i], f.gpu_static_w[i], f.gpu_dynamic_w[i],
                                         f.gpu_v_min_ratio[i], f.gpu_knee_level[i], f.gpu_min_level[i])
                     for i in sel]
            self.set_parameter("gpu_power_cap_level", sel, np.array(level))
            return
        row = self._tick.HARDWARE_ROWS.index(name)
        self.fleet.writable(name)[index] = value
        self._hardware[row, index] = self.fleet.writable(name)[index]

    def tick_kernel(self) -> TickKernel:
        """Every satellite over one tick in one kernel (illumination, eclipse crossings, power,
        thermal, throttling); Python only where a satellite produced an event."""
        from sim.payload import block_tick
        self._block_tick = block_tick
        return TickKernel(block_tick.payload_tick, self._tick_args, after_tick=self._after_tick)

    def _tick_args(self) -> tuple:
        f = self.fleet
        return (self._sun_table, self._step_physics is self._tick.step_physics, self._chunk, self.environment_on,
                self.eclipse_model, ECLIPSE_THRESHOLD, self._crossing_direction, self._crossing_t_s, self._scratch,
                f.r_eci_m, f.v_eci_m_s, f.illumination, self._hardware, self._live_arrays)

    def _after_tick(self, step: int, flag: int) -> None:
        bt = self._block_tick
        if flag & bt.FLAG_ECLIPSE:
            self._emit_eclipse_events()
        if flag & (bt.FLAG_GPU | bt.FLAG_POWER):
            self._emit_payload_events(flag & bt.FLAG_GPU, flag & bt.FLAG_POWER)

    def _emit_eclipse_events(self) -> None:
        before, after = self._illumination_prev, self.fleet.illumination
        idx = _nonzero(self._crossing_direction)
        direction = self._crossing_direction[idx]
        for name, sel in (("eclipse_entry", idx[direction < 0]), ("eclipse_exit", idx[direction > 0])):
            if sel.size:
                self.ctx.events.emit(name, self._crossing_t_s[sel], sel, before[sel], after[sel])

    def _emit_payload_events(self, n_gpu: int, n_power: int) -> None:
        ev, f, log = self.events_out, self.fleet, self.ctx.events
        if n_gpu:
            gpu_idx = _nonzero(ev.gpu_event_code)
            codes = ev.gpu_event_code[gpu_idx]
            for code, name in self._gpu_event_names:
                idx = gpu_idx[codes == code]
                if idx.size:
                    log.emit(name, ev.gpu_event_t_s[idx], idx, ev.event_old_level[idx],
                             ev.event_new_level[idx], ev.event_t_junction_k[idx])
        if n_power:
            power_idx = _nonzero(ev.power_event_code)
            codes = ev.power_event_code[power_idx]
            for code, name in self._power_event_names:
                idx = power_idx[codes == code]
                if idx.size:
                    log.emit(name, ev.power_event_t_s[idx], idx, f.soc[idx], f.throttle_level[idx],
                             f.t_junction_k[idx])

    def record(self, t_s: float) -> dict[str, np.ndarray]:
        return {name: getattr(self.fleet, name) for name in self.recorded_units}

    def summary(self) -> dict[str, tuple[float, str]]:
        return metrics.summary(self.fleet, self.ctx.scenario.constellation, self.ctx.elapsed_s)


def _nonzero(codes: np.ndarray) -> np.ndarray:
    """Indices of the non-zero entries of an int8 array (through a bool array: numpy's
    nonzero is ~8x faster on bool than on int8)."""
    return (codes != 0).nonzero()[0]
