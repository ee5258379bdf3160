"""Lifetime: drag, decay, station-keeping and re-entry (section `lifetime:`).

Every `drag.sample_every_s` the density (NRLMSIS 2.1 on a refreshed grid, or Vallado's
exponential table) and the cross-section in the attitude are sampled at every satellite and
∫ρA dt accumulates (sim.lifetime.kernels). Every `station_keeping.update_every_s` the decay,
the thrust of the interval, the propellant and the mass are booked exactly, the change of the mean
semi-major axis goes to the orbits (service `semi_major_axis`: the J2 propagator moves the
satellite on its new orbit), and the thruster's power for the next interval goes onto the bus
(`Payload.set_parameter("bus_power_w", ...)`: bus power + thruster, served before the GPUs).
Below the re-entry altitude a satellite is lost (event `reentry`): its GPUs count as
lost_devices from then on (gpu_count → 0, the path the radiation subsystem's device losses take)
and its bus power is set to 0 (no load: its battery charges full and stops cycling).
With `ageing:` the battery and array age and /lifetime/capacity is kept (sim.lifetime.ageing).
With `formation_keeping:` cluster members are held near their slots (sim.lifetime.formation;
service `mean_elements`, event `formation_burn`, table /lifetime/formation).
"""
from __future__ import annotations

import numpy as np

from sim.core.constants import R_EARTH_EQUATORIAL_M, SECONDS_PER_DAY
from sim.core.fleet import field_specs
from sim.core.subsystem import Context, Subsystem, TickKernel
from sim.lifetime.tick import FLAG_FORMATION, FLAG_SAMPLE, FLAG_UPDATE, lifetime_tick

FIELDS = field_specs("parameter", {
    "drag_body_area_m2": ("f8", "m2", "bus cross-section presented in every attitude"),
}) + field_specs("state", {
    "mass_kg": ("f8", "kg", "satellite mass (wet)"),
    "propellant_kg": ("f8", "kg", "propellant left"),
    "mean_a_m": ("f8", "m", "current mean semi-major axis (decay and thrust included)"),
    "reference_a_m": ("f8", "m", "mean semi-major axis station-keeping holds (the epoch's)"),
    "drag_density_kg_m3": ("f8", "kg m-3", "atmospheric density at the last sample"),
    "drag_area_m2": ("f8", "m2", "cross-section presented to the flow at the last sample"),
    "drag_rho_area_s": ("f8", "kg s m-1", "integral of density x area since the last update"),
    "thrusting": ("i1", "1", "1 while the station-keeping thruster fires"),
    "thruster_power_w": ("f8", "W", "mean thruster power over the current update interval"),
    "reentered": ("i1", "1", "1 once the satellite is below the re-entry altitude"),
}) + field_specs("accumulator", {
    "delta_v_m_s": ("f8", "m/s", "station-keeping delta-v"),
    "drag_delta_v_m_s": ("f8", "m/s", "drag impulse per unit mass"),
    "drag_decay_m": ("f8", "m", "semi-major axis lost to drag"),
    "propellant_used_kg": ("f8", "kg", "propellant used"),
    "thrust_energy_j": ("f8", "J", "electrical energy drawn by the thruster"),
    "thrust_s": ("f8", "s", "thruster firing time"),
})


class Lifetime(Subsystem):
    name = "lifetime"
    section = "lifetime"
    requires = ("positions", "sun", "gpu_state", "semi_major_axis", "mean_elements", "sun_table", "clock_table")
    uses = ("radiation",)   # the dose that ages the arrays (lifetime.ageing)
    events = {"reentry": "a: mean altitude [km], b: propellant left [kg], c: GPUs lost",
              "propellant_exhausted": "a: mean altitude [km], b: delta-v so far [m/s], c: 0",
              "formation_burn": "a: delta-v [m/s], b: error from the slot [m], c: along-track offset [m]"}
    fields = FIELDS

    def __init__(self, ctx: Context):
        super().__init__(ctx)
        from sim.lifetime import density, kernels, space_weather
        from sim.orbits import geodesy
        self._k, self._geodesy = kernels, geodesy
        cfg = self.cfg = ctx.scenario.lifetime
        f = self.fleet = ctx.fleet
        self.sun = ctx.services.get("sun")
        self.payload = ctx.services.get("gpu_state")
        self.move = ctx.services.get("semi_major_axis")
        dt = ctx.dt_s
        self.k_sample = max(1, round(cfg.drag.sample_every_s / dt))
        self.k_update = self.k_sample * max(1, round(cfg.station_keeping.update_every_s / (self.k_sample * dt)))
        f.drag_body_area_m2[:] = cfg.body_area_m2
        f.mass_kg[:] = cfg.mass_kg
        f.propellant_kg[:] = cfg.propulsion.propellant_kg
        f.mean_a_m[:] = f.a_m
        self.epoch_a_m = np.array(f.a_m, dtype=float)
        sk = cfg.station_keeping
        target_m = None if sk.target_altitude_km is None else R_EARTH_EQUATORIAL_M + sk.target_altitude_km * 1e3
        f.reference_a_m[:] = f.a_m if target_m is None else target_m   # a target above the insertion: a climb
        self.array_area = np.ascontiguousarray(f.array_area_m2, dtype=float)
        self.radiator_area = np.ascontiguousarray(f.radiator_area_m2, dtype=float)
        self.tracking = np.ascontiguousarray(f.array_sun_tracking, dtype=np.int64)
        self.orientation = np.ascontiguousarray(f.radiator_orientation, dtype=np.int64)
        self.attitude = np.ascontiguousarray(f.attitude, dtype=np.int64)
        self.base_bus_w = np.array(f.bus_power_w, dtype=float)
        p = cfg.propulsion
        self.power_w = p.thrust_n * kernels.G0_M_S2 * p.isp_s / (2.0 * p.efficiency)
        self.geo = {k: np.zeros(f.n) for k in ("lat", "lon", "alt")}
        self.lst_h = np.zeros(f.n)
        self.load_w = np.zeros(f.n)
        self.da_m = np.zeros(f.n)
        self.reentry_t_s = np.zeros(f.n)
        self.msis_on = cfg.drag.density == "msis"
        self.epoch_days = space_weather.days_since_unix(ctx.scenario.epoch)
        self.grid = None
        if self.msis_on:
            table = space_weather.read(ctx.scenario.resolve_path(cfg.drag.space_weather))
            space_weather.check_covered(table, cfg.drag, ctx.scenario.epoch, ctx.scenario.duration)
            self.grid = density.MsisGrid(cfg.drag, table, ctx.scenario.epoch)
            self.table = table
        self.next_refresh_s = 0.0
        self.first_reentry_s = float("nan")
        self.recorded_units = {"drag_density_kg_m3": "kg m-3", "drag_area_m2": "m2", "mean_altitude_km": "km",
                               "propellant_kg": "kg", "thruster_power_w": "W"}
        self.recorded_attrs = {
            "drag_density_kg_m3": {"standard_name": "air_density", "long_name": "atmospheric mass density at the "
                                                                               "satellite (last drag sample)"},
            "drag_area_m2": {"long_name": "cross-section presented to the flow (last drag sample)"},
            "mean_altitude_km": {"long_name": "mean semi-major axis minus the equatorial radius"},
            "propellant_kg": {"long_name": "propellant left"},
            "thruster_power_w": {"long_name": "station-keeping thruster power (mean over the update interval)"}}
        self.sun_table, self.clock_table = ctx.services.get("sun_table"), ctx.services.get("clock_table")
        self._no_grid = (np.zeros((2, 2, 2)), np.ones(4))
        self._sample(0.0, 0.0, self.sun.unit)
        self.ageing = None
        empty = np.zeros(0)
        self._no_ageing = (f.soc, empty, empty, np.zeros(0, np.int8), empty, empty, np.zeros(0, np.int64),
                           1.0, 1.0, 0.0)
        if cfg.ageing is not None:
            from sim.lifetime.ageing import Ageing
            self.ageing = Ageing(ctx, cfg.ageing, self.payload)
        self.formation = None
        self._no_formation = (f.r_eci_m, f.v_eci_m_s, np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros((6, 0)),
                              f.reentered, 1.0, np.zeros(0, np.int8), np.zeros(0, np.int8), empty, empty)
        if cfg.formation_keeping is not None:
            from sim.lifetime.formation import FormationKeeping
            self.formation = FormationKeeping(ctx, cfg.formation_keeping, cfg.propulsion,
                                              ctx.services.get("mean_elements"))

    # -- the tick (sim.lifetime.tick: the kernel counts, Python acts on the flagged ticks) ------
    def _tick_args(self) -> tuple:
        f, g, gr = self.fleet, self.geo, self.grid
        if self.msis_on:
            lo_km, hi_km = gr.grid[0], gr.grid[0] + gr.dalt_km * (gr.log_rho.shape[0] - 1)
            log_rho, grid = gr.log_rho, gr.grid
        else:
            lo_km, hi_km, log_rho, grid = 0.0, 0.0, self._no_grid[0], self._no_grid[1]
        drag = (self.sun_table, self.clock_table, self.epoch_days, self.msis_on, self.next_refresh_s,
                float(lo_km), float(hi_km), log_rho, grid, self._k.EXPONENTIAL_TABLE, f.r_eci_m, f.v_eci_m_s,
                g["lat"], g["lon"], g["alt"], self.lst_h, self.attitude, self.tracking, self.orientation,
                f.drag_body_area_m2, self.array_area, self.radiator_area, self.cfg.drag.cd, f.mass_kg, f.reentered,
                f.drag_density_kg_m3, f.drag_area_m2, f.drag_rho_area_s, f.drag_delta_v_m_s)
        ageing = (True, *self.ageing.tick_args()) if self.ageing is not None else (False, 1, 1, *self._no_ageing)
        fk = self.formation
        formation = (True, fk.k_check, fk.tick_args()) if fk is not None else (False, 1, self._no_formation)
        return (self.k_sample, self.k_update, *ageing, *formation, *drag)

    def _after_tick(self, step: int, flag: int) -> None:
        dt = self.ctx.dt_s
        t_s = step * dt
        if flag & FLAG_SAMPLE:   # the MSIS grid is due for a refresh: the sample here, at the kernel's positions
            self._sample(t_s, self.k_sample * dt, self.sun.unit, geodetic=False)
        if flag & FLAG_UPDATE:
            self._update(t_s, self.k_update * dt)
        if self.ageing is not None:
            self.ageing.after_tick(flag, t_s)
        if flag & FLAG_FORMATION:
            self.formation.correct(t_s)

    def tick_kernel(self) -> TickKernel:
        return TickKernel(function=lifetime_tick, args=self._tick_args, after_tick=self._after_tick)

    def _sample(self, t_s: float, dt_s: float, sun_unit: np.ndarray, geodetic: bool = True) -> None:
        """The drag sample in Python (sim.lifetime.tick.drag_tick does the same in the kernel),
        refreshing the MSIS grid where it is due; `geodetic` False: the kernel has put this
        tick's geodetic positions and local times in place."""
        f, g, k = self.fleet, self.geo, self._k
        if geodetic:
            self._geodesy.eci_to_geodetic(f.r_eci_m, self.ctx.clock.at(t_s).gmst_rad, g["lat"], g["lon"], g["alt"])
            ut_h = ((self.epoch_days + t_s / SECONDS_PER_DAY) % 1.0) * 24.0
            np.mod(ut_h + g["lon"] / 15.0, 24.0, out=self.lst_h)
        if self.msis_on:
            live = f.reentered == 0
            alts = g["alt"][live] if live.any() else g["alt"]
            gr = self.grid
            lo_km, hi_km = gr.grid[0], gr.grid[0] + gr.dalt_km * (gr.log_rho.shape[0] - 1)
            if t_s >= self.next_refresh_s or alts.min() < lo_km or alts.max() > hi_km:
                gr.refresh(t_s, float(alts.min()), float(alts.max()))
                self.next_refresh_s = t_s + self.cfg.drag.msis_refresh_s
        log_rho, grid = (self.grid.log_rho, self.grid.grid) if self.msis_on else (np.zeros((2, 2, 2)), np.ones(4))
        k.sample_drag(dt_s, f.r_eci_m, f.v_eci_m_s, sun_unit, g["alt"], g["lat"], self.lst_h, self.msis_on,
                      log_rho, grid, k.EXPONENTIAL_TABLE, self.attitude, self.tracking, self.orientation,
                      f.drag_body_area_m2, self.array_area, self.radiator_area, self.cfg.drag.cd, f.mass_kg,
                      f.reentered, f.drag_density_kg_m3, f.drag_area_m2, f.drag_rho_area_s, f.drag_delta_v_m_s)

    def _update(self, t_s: float, interval_s: float) -> None:
        f, cfg, k = self.fleet, self.cfg, self._k
        p, sk = cfg.propulsion, cfg.station_keeping
        had_propellant = f.propellant_kg > 0.0
        drag_da = -cfg.drag.cd / f.mass_kg * np.sqrt(k.MU_EARTH_M3_S2 * f.mean_a_m) * f.drag_rho_area_s
        f.drag_decay_m -= np.where(f.reentered == 0, drag_da, 0.0)
        keeping = sk.enabled and t_s >= sk.start_after_s   # off through a safe mode at the start
        n_reentry = k.update_orbits(
            t_s - interval_s, interval_s, f.mean_a_m, f.reference_a_m, self.da_m, f.drag_rho_area_s, cfg.drag.cd,
            f.mass_kg, f.propellant_kg, f.thrusting, f.reentered, keeping, sk.deadband_km * 1e3,
            cfg.reentry_altitude_km * 1e3, p.thrust_n, p.isp_s, self.power_w, f.delta_v_m_s, f.propellant_used_kg,
            f.thrust_energy_j, f.thrust_s, self.load_w, self.reentry_t_s)
        if self.formation is not None:
            self.formation.follow_chief(self.load_w)
        f.mean_a_m += self.da_m
        if np.any(self.da_m != 0.0):
            self.move(self.da_m, t_s)
        changed = np.flatnonzero(self.load_w != f.thruster_power_w)
        if changed.size:
            f.thruster_power_w[changed] = self.load_w[changed]
            self.payload.set_parameter("bus_power_w", changed, self.base_bus_w[changed] + self.load_w[changed])
        alt_km = (f.mean_a_m - R_EARTH_EQUATORIAL_M) / 1e3
        empty = np.flatnonzero(had_propellant & (f.propellant_kg <= 0.0))
        if empty.size:
            self.ctx.events.emit("propellant_exhausted", t_s, empty, alt_km[empty], f.delta_v_m_s[empty])
        if n_reentry:
            idx = np.flatnonzero(np.isfinite(self.reentry_t_s))
            lost = f.gpu_count[idx].astype(float)
            f.gpu_count[idx] = 0
            self.payload.set_parameter("bus_power_w", idx, 0.0)   # gone: its bus draws nothing from then on
            if not self.first_reentry_s <= self.reentry_t_s[idx].min():
                self.first_reentry_s = float(self.reentry_t_s[idx].min())
            self.ctx.events.emit("reentry", self.reentry_t_s[idx], idx, alt_km[idx], f.propellant_kg[idx], lost)

    # -- outputs ------------------------------------------------------------------------------
    def record(self, t_s: float) -> dict[str, np.ndarray]:
        f = self.fleet
        return {"drag_density_kg_m3": f.drag_density_kg_m3, "drag_area_m2": f.drag_area_m2,
                "mean_altitude_km": (f.mean_a_m - R_EARTH_EQUATORIAL_M) / 1e3, "propellant_kg": f.propellant_kg,
                "thruster_power_w": f.thruster_power_w}

    def tables(self):
        f = self.fleet
        rows = np.zeros(f.n, dtype=[("sat", "i4"), ("delta_v_m_s", "f8"), ("drag_delta_v_m_s", "f8"),
                                    ("drag_decay_m", "f8"), ("propellant_used_kg", "f8"),
                                    ("propellant_left_kg", "f8"), ("thrust_energy_j", "f8"),
                                    ("mean_altitude_km", "f8"), ("reentered", "i1")])
        rows["sat"] = np.arange(f.n)
        for name in ("delta_v_m_s", "drag_delta_v_m_s", "drag_decay_m", "propellant_used_kg", "thrust_energy_j",
                     "reentered"):
            rows[name] = getattr(f, name)
        rows["propellant_left_kg"] = f.propellant_kg
        rows["mean_altitude_km"] = (f.mean_a_m - R_EARTH_EQUATORIAL_M) / 1e3
        units = {"delta_v_m_s": "m/s", "drag_delta_v_m_s": "m/s", "drag_decay_m": "m", "propellant_used_kg": "kg",
                 "propellant_left_kg": "kg", "thrust_energy_j": "J", "mean_altitude_km": "km", "reentered": "1"}
        out = {"satellites": (rows, {f"{k}__units": u for k, u in units.items()})}
        if self.ageing is not None:
            out["capacity"] = self.ageing.table(self.ctx.elapsed_s)
        if self.formation is not None:
            out["formation"] = self.formation.table(self.ctx.elapsed_s)
        return out

    def summary(self) -> dict[str, tuple[float, str]]:
        from sim.lifetime.outputs import summary
        out = summary(self.fleet, self.cfg, self.ctx.elapsed_s, self.power_w, self.first_reentry_s,
                      self.grid.evaluations if self.grid else 0)
        out |= self.ageing.summary() if self.ageing is not None else {}
        if self.cfg.storm is not None:
            from sim.lifetime import storm
            out |= storm.fleet_summary(self.table, self.cfg, self.fleet, self.epoch_a_m)
        return out | (self.formation.summary(self.ctx.elapsed_s) if self.formation is not None else {})

