"""The physics spine: orbit → Sun/eclipse → power → thermal → GPU throttle, every tick.

One call per kernel per tick over all satellites; Python touches only the satellites
that produced an event (eclipse entry/exit, clock change, shutdown, power cap).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.orbits import shells as constellation
from sim.config import Scenario, Shell
from sim.core.constants import AU_M, ZERO_CELSIUS_K
from sim.core.fleet import FleetState
from sim.core.clock import TT_MINUS_UTC_S
from sim.core.subsystem import Subsystem

RADIATOR_ORIENTATION = {"nadir": 0, "zenith": 1, "edge_on_sun": 2}
ECLIPSE_MODEL = {"conical": 0, "cylindrical": 1}
ECLIPSE_THRESHOLD = 0.5  # entry/exit when half the solar disc is hidden


def shell_elements(shell: Shell, scenario: Scenario, epoch_jd_utc: float) -> dict:
    """Mean elements (and plane/slot) of one shell, from its orbit definition."""
    kind = shell.orbit_kind
    if kind == "walker":
        return constellation.walker(**shell.walker.model_dump())
    if kind == "sso":
        s = shell.sso
        return constellation.sso(s.altitude_km, s.ltan_h, s.count, epoch_jd_utc)
    if kind == "cluster":
        c = shell.cluster
        inc_deg, raan_deg = c.inclination_deg, c.raan_deg
        if c.ltan_h is not None:
            ref = constellation.sso(c.altitude_km, c.ltan_h, 1, epoch_jd_utc)
            inc_deg = float(np.degrees(ref["inc_rad"][0]))
            raan_deg = float(np.degrees(ref["raan_rad"][0]))
        return constellation.cluster(c.count, c.radius_m, c.altitude_km, inc_deg, raan_deg or 0.0)
    if kind == "elements":
        return constellation.elements([e.model_dump(exclude_none=True) for e in shell.elements])
    satrecs = shell_satrecs(shell, scenario)
    return constellation.mean_elements(satrecs, epoch_jd_utc)


def shell_satrecs(shell: Shell, scenario: Scenario) -> list:
    satrecs = constellation.load_tle(scenario.resolve_path(shell.tle.path))
    return satrecs[: shell.tle.limit] if shell.tle.limit else satrecs


def _hardware(shell: Shell) -> dict[str, float]:
    g, arr, bat, rad, th = shell.gpu, shell.solar_array, shell.battery, shell.radiator, shell.thermal
    return {
        "array_area_m2": arr.area_m2, "array_efficiency": arr.efficiency,
        "array_degradation_per_year": arr.degradation_per_year, "array_age_years": arr.age_years,
        "array_sun_tracking": 1 if arr.tracking == "sun" else 0,
        "battery_capacity_wh": bat.capacity_wh, "soc_floor": bat.soc_floor, "soc_release": bat.soc_release,
        "charge_efficiency": bat.charge_efficiency, "discharge_efficiency": bat.discharge_efficiency,
        "bus_power_w": shell.bus.power_w,
        "gpu_count": g.count, "gpu_tdp_w": g.tdp_w, "gpu_idle_w": g.idle_w,
        "gpu_dvfs_exponent": g.dvfs_exponent, "gpu_min_level": g.idle_clock_mhz / g.max_clock_mhz,
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
    }


ELEMENT_KEYS = ("a_m", "e", "inc_rad", "raan_rad", "argp_rad", "mean_anomaly_rad", "plane", "slot")


def build_fleet(scenario: Scenario, epoch_jd_utc: float) -> tuple[FleetState, dict]:
    """FleetState with elements and hardware filled in, plus the SGP4 satellites by shell."""
    per_shell = [shell_elements(s, scenario, epoch_jd_utc) for s in scenario.constellation]
    n = sum(len(el["a_m"]) for el in per_shell)
    fleet = FleetState.empty(n)
    sgp4_shells = {}
    start = 0
    for i, (shell, el) in enumerate(zip(scenario.constellation, per_shell)):
        stop = start + len(el["a_m"])
        for key in ELEMENT_KEYS:
            getattr(fleet, key)[start:stop] = el[key]
        fleet.shell[start:stop] = i
        for key, value in _hardware(shell).items():
            getattr(fleet, key)[start:stop] = value
        if shell.orbit_kind == "tle":
            sgp4_shells[i] = (start, stop, shell_satrecs(shell, scenario))
        start = stop
    fleet.sat_id[:] = np.arange(n, dtype=np.int32)
    return fleet, sgp4_shells


@dataclass
class _Propagators:
    """J2 for analytic shells, python-sgp4 for TLE shells, each writing its slice of r, v."""

    j2: object | None
    j2_index: np.ndarray
    sgp4: list
    r_buf: np.ndarray
    v_buf: np.ndarray

    def propagate(self, t_s: float, r_eci_m: np.ndarray, v_eci_m_s: np.ndarray) -> None:
        if self.j2 is not None:
            if self.j2_index.size == r_eci_m.shape[1]:
                self.j2.propagate(t_s, r_eci_m, v_eci_m_s)
            else:
                self.j2.propagate(t_s, self.r_buf, self.v_buf)
                r_eci_m[:, self.j2_index] = self.r_buf
                v_eci_m_s[:, self.j2_index] = self.v_buf
        for start, stop, prop, r, v in self.sgp4:
            prop.propagate(t_s, r, v)
            r_eci_m[:, start:stop] = r
            v_eci_m_s[:, start:stop] = v


class Physics(Subsystem):
    """Orbit, Sun, eclipse, power, thermal and GPU throttling for every satellite."""

    def __init__(self, sim):
        super().__init__(sim, name="physics")
        from sim.orbits import j2 as orbit
        from sim.payload import tick as payload
        from sim.orbits import sun
        self._orbit, self._sun, self._payload = orbit, sun, payload
        scenario: Scenario = sim.scenario
        fleet: FleetState = sim.fleet
        self.fleet = fleet
        self.epoch_jd_utc = sim.epoch_jd_utc
        self.solar_constant_w_m2 = scenario.environment.solar_constant_w_m2
        self.environment_on = 1 if scenario.environment.fluxes else 0
        self.eclipse_model = ECLIPSE_MODEL[scenario.environment.eclipse_model]

        fleet.raan_dot_rad_s[:], fleet.argp_dot_rad_s[:], fleet.mean_motion_rad_s[:] = orbit.j2_secular_rates(
            fleet.a_m, fleet.e, fleet.inc_rad)
        sgp4_mask = np.zeros(fleet.n, dtype=bool)
        sgp4 = []
        for start, stop, satrecs in sim.sgp4_shells.values():
            sgp4_mask[start:stop] = True
            m = stop - start
            sgp4.append((start, stop, constellation.SGP4Propagator(satrecs, self.epoch_jd_utc),
                         np.zeros((3, m)), np.zeros((3, m))))
        j2_index = np.flatnonzero(~sgp4_mask)
        j2 = None
        if j2_index.size:
            j2 = orbit.J2Propagator(*(np.ascontiguousarray(getattr(fleet, k)[j2_index]) for k in
                                      ("a_m", "e", "inc_rad", "raan_rad", "argp_rad", "mean_anomaly_rad")),
                                    dt_s=scenario.dt_s)
        self.propagators = _Propagators(j2, j2_index, sgp4, np.zeros((3, j2_index.size)),
                                        np.zeros((3, j2_index.size)))
        self.events = payload.PayloadEvents.empty(fleet.n)
        self._scratch = payload.new_scratch(fleet.n)
        self._illumination_prev = self._scratch[payload.SCRATCH_PREVIOUS_ILLUMINATION]
        self._crossing_t_s = np.empty(fleet.n)
        self._crossing_direction = np.zeros(fleet.n, dtype=np.int8)

        log = sim.events
        log.register("eclipse_entry", "a: illumination before, b: illumination after the tick")
        log.register("eclipse_exit", "a: illumination before, b: illumination after the tick")
        for name in self._event_names(payload.GPU_EVENT_NAMES):
            log.register(name, "a: old clock level, b: new clock level (fraction of f_max), c: T_junction [K]")
        for name in self._event_names(payload.POWER_EVENT_NAMES):
            log.register(name, "a: state of charge, b: GPU clock level allowed, c: T_junction [K]")

        self.recorded_units = {
            "lat_deg": "degree", "lon_deg": "degree", "alt_km": "km", "illumination": "1", "soc": "1",
            "p_solar_w": "W", "p_load_w": "W", "t_junction_k": "K", "t_payload_k": "K",
            "t_radiator_k": "K", "throttle_level": "1", "q_env_w": "W",
        }
        self._geodetic = {k: np.empty(fleet.n) for k in ("lat_deg", "lon_deg", "alt_km")}
        self._state_at(0.0)
        payload.initialise_payload(fleet, self.environment_on, t_s=0.0, sun_unit=self._sun_unit,
                                   solar_flux_w_m2=self._solar_flux_w_m2)
        self._apply_initial_state(scenario)
        # the per-tick kernel and its arguments, bound once (the hardware parameters are constant)
        self._step_physics = payload.step_physics_serial if fleet.n < payload.SERIAL_BELOW else payload.step_physics
        self._chunk = payload.physics_chunk(fleet.n)
        self._hardware = payload.pack_hardware(fleet)
        self._live_arrays = (tuple(getattr(fleet, name) for name in payload.STATE_ARRAYS)
                             + tuple(getattr(self.events, name) for name in payload.EVENT_ARRAYS))
        self._sun_position_eci_m = sun.sun_position_eci_m
        self._tt_minus_utc_d = TT_MINUS_UTC_S / 86400.0
        self._gpu_event_names = [(c, n) for c, n in payload.GPU_EVENT_NAMES.items() if c != 0]
        self._power_event_names = [(c, n) for c, n in payload.POWER_EVENT_NAMES.items() if c != 0]

    def _apply_initial_state(self, scenario: Scenario) -> None:
        f = self.fleet
        self._start_at_sustainable_level()
        for i, shell in enumerate(scenario.constellation):
            sel = f.shell == i
            f.battery_energy_wh[sel] = f.battery_capacity_wh[sel] * shell.battery.initial_soc
            f.soc[sel] = f.min_soc[sel] = shell.battery.initial_soc
            t0 = shell.thermal.initial_temperature_k
            if t0 is not None:
                f.t_payload_k[sel] = f.t_radiator_k[sel] = t0
                f.t_junction_k[sel] = f.max_t_junction_k[sel] = t0 + f.gpu_tdp_w[sel] * f.r_jc_k_w[sel]

    def _start_at_sustainable_level(self) -> None:
        """Start each satellite in the thermal steady state of the highest clock level whose
        junction temperature stays at or below t_max_operating (the level the throttle
        policy would settle on), rather than at full power, which an undersized radiator
        could not hold."""
        from sim.payload.power import gpu_power_w
        from sim.payload.thermal import steady_state_temperatures
        f = self.fleet
        chosen = np.zeros(f.n, dtype=bool)
        level = np.ones(f.n)
        while True:
            level = np.maximum(level, f.gpu_min_level)
            p_gpu_w = np.array([gpu_power_w(lv, idle, tdp, k) for lv, idle, tdp, k in
                                zip(level, f.gpu_idle_w, f.gpu_tdp_w, f.gpu_dvfs_exponent)])
            p_heat_w = f.bus_power_w + f.gpu_count * p_gpu_w
            t_p, t_r = steady_state_temperatures(p_heat_w, f.q_env_w, f.g_payload_radiator_w_k,
                                                 f.radiator_area_m2, f.radiator_emissivity,
                                                 f.radiator_sides.astype(np.float64))
            t_j = t_p + p_gpu_w * f.r_jc_k_w
            take = ~chosen & ((t_j <= f.t_max_operating_k) | (level <= f.gpu_min_level))
            f.throttle_level[take] = level[take]
            f.t_payload_k[take], f.t_radiator_k[take], f.t_junction_k[take] = t_p[take], t_r[take], t_j[take]
            f.p_load_w[take] = p_heat_w[take]
            chosen |= take
            if chosen.all():
                break
            level = np.where(chosen, level, level - f.gpu_level_step)
        f.max_t_junction_k[:] = f.t_junction_k

    @staticmethod
    def _event_names(table: dict[int, str]) -> list[str]:
        return [name for code, name in table.items() if code != 0]

    # -- geometry at a time
    def _jd_utc(self, t_s: float) -> float:
        return self.epoch_jd_utc + t_s / 86400.0

    def _state_at(self, t_s: float) -> None:
        jd_utc = self._jd_utc(t_s)
        sx, sy, sz = self._sun.sun_position_eci_m(jd_utc + TT_MINUS_UTC_S / 86400.0)
        d = (sx * sx + sy * sy + sz * sz) ** 0.5
        self._sun_eci_m = np.array([sx, sy, sz])
        self._sun_unit = self._sun_eci_m / d
        self._solar_flux_w_m2 = self.solar_constant_w_m2 * (AU_M / d) ** 2
        f = self.fleet
        self.propagators.propagate(t_s, f.r_eci_m, f.v_eci_m_s)
        self._sun.illumination(f.r_eci_m, self._sun_eci_m, self.eclipse_model, f.illumination)

    def tick(self, t_s: float, dt_s: float) -> None:
        """Advance every satellite from t_s − dt_s to t_s: propagation, then one kernel launch
        for illumination, eclipse crossings, power, thermal and throttling (the same
        arithmetic as `_state_at` followed by `step_payload`)."""
        f = self.fleet
        sx, sy, sz = self._sun_position_eci_m(self.epoch_jd_utc + t_s / 86400.0 + self._tt_minus_utc_d)
        d = (sx * sx + sy * sy + sz * sz) ** 0.5
        flux_w_m2 = self.solar_constant_w_m2 * (AU_M / d) ** 2
        self.propagators.propagate(t_s, f.r_eci_m, f.v_eci_m_s)
        n_eclipse, n_gpu, n_power = self._step_physics(
            self._chunk, t_s - dt_s, dt_s, sx, sy, sz, sx / d, sy / d, sz / d, flux_w_m2, self.environment_on,
            self.eclipse_model, ECLIPSE_THRESHOLD, self._crossing_direction, self._crossing_t_s,
            self._scratch, f.r_eci_m, f.illumination, self._hardware, *self._live_arrays)
        if n_eclipse:
            self._emit_eclipse_events()
        if n_gpu or n_power:
            self._emit_payload_events(n_gpu, n_power)

    def _emit_eclipse_events(self) -> None:
        before, after = self._illumination_prev, self.fleet.illumination
        idx = _nonzero(self._crossing_direction)
        direction = self._crossing_direction[idx]
        for name, sel in (("eclipse_entry", idx[direction < 0]), ("eclipse_exit", idx[direction > 0])):
            if sel.size:
                self.sim.events.emit(name, self._crossing_t_s[sel], sel, before[sel], after[sel])

    def _emit_payload_events(self, n_gpu: int, n_power: int) -> None:
        ev, f, log = self.events, self.fleet, self.sim.events
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
        from sim.orbits import geodesy as geometry
        f, g = self.fleet, self._geodetic
        gmst = self._orbit.gmst_rad(self._jd_utc(t_s))
        geometry.eci_to_geodetic(f.r_eci_m, gmst, g["lat_deg"], g["lon_deg"], g["alt_km"])
        values = dict(g)
        for name in self.recorded_units:
            if name not in values:
                values[name] = getattr(f, name)
        return values

    def summary(self) -> dict[str, tuple[float, str]]:
        f, elapsed_s = self.fleet, self.sim.elapsed_s
        out = _fleet_metrics(f, slice(None), elapsed_s)
        for i, shell in enumerate(self.sim.scenario.constellation):
            sel = f.shell == i
            for key, (value, unit) in _fleet_metrics(f, sel, elapsed_s).items():
                if key in SHELL_METRICS:
                    out[f"shell.{shell.name}.{key}"] = (value, unit)
        return out


def _nonzero(codes: np.ndarray) -> np.ndarray:
    """Indices of the non-zero entries of an int8 array (through a bool array: numpy's
    nonzero is ~8x faster on bool than on int8)."""
    return (codes != 0).nonzero()[0]


SHELL_METRICS = ("gpu_hours_delivered", "delivered_fraction", "throttled_fraction", "off_fraction",
                 "eclipse_fraction", "min_soc", "max_t_junction_k")


def _fleet_metrics(f: FleetState, sel, elapsed_s: float) -> dict[str, tuple[float, str]]:
    n = int(np.count_nonzero(np.ones(f.n, bool)[sel]))
    sat_s = max(n * elapsed_s, 1e-300)
    available = float(f.gpu_seconds_available[sel].sum())
    delivered = float(f.gpu_seconds_delivered[sel].sum())
    return {
        "satellites": (n, "1"),
        "gpu_hours_available": (available / 3600.0, "GPU h"),
        "gpu_hours_delivered": (delivered / 3600.0, "GPU h"),
        "delivered_fraction": (delivered / available if available > 0 else 0.0, "1"),
        "throttled_fraction": (float(f.throttled_seconds[sel].sum()) / sat_s, "1"),
        "off_fraction": (float(f.off_seconds[sel].sum()) / sat_s, "1"),
        "eclipse_fraction": (float(f.eclipse_seconds[sel].sum()) / sat_s, "1"),
        "min_soc": (float(f.min_soc[sel].min()) if n else 1.0, "1"),
        "max_t_junction_k": (float(f.max_t_junction_k[sel].max()) if n else 0.0, "K"),
        "energy_generated_wh": (float(f.energy_generated_j[sel].sum()) / 3600.0, "Wh"),
        "energy_consumed_wh": (float(f.energy_consumed_j[sel].sum()) / 3600.0, "Wh"),
        "shutdowns": (int(f.shutdowns[sel].sum()), "1"),
    }

