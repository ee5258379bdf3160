"""Orbits: builds the fleet from the constellation, and every tick moves every satellite
(J2 mean elements for analytic shells, python-sgp4 for TLE shells) and the Sun.

Provides `fleet` (it creates the FleetState), `positions` (r_eci_m, v_eci_m_s at the end of
each tick) and `sun` (a SunState: the Sun's position and the solar flux at the tick end).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.core.constants import AU_M
from sim.core.fleet import FleetState, field_specs
from sim.core.subsystem import Block, Context, Subsystem
from sim.orbits import build, shells

FIELDS = field_specs("parameter", {
    # identity
    "sat_id": ("i4", "1", "satellite id, 0..N-1"),
    "shell": ("i4", "1", "index of the constellation shell the satellite belongs to"),
    "plane": ("i4", "1", "orbital plane index within its shell"),
    "slot": ("i4", "1", "slot index within its plane"),
    # mean Keplerian elements at the scenario epoch
    "a_m": ("f8", "m", "semi-major axis"),
    "e": ("f8", "1", "eccentricity"),
    "inc_rad": ("f8", "rad", "inclination"),
    "raan_rad": ("f8", "rad", "right ascension of the ascending node at epoch"),
    "argp_rad": ("f8", "rad", "argument of perigee at epoch"),
    "mean_anomaly_rad": ("f8", "rad", "mean anomaly at epoch"),
    # J2 secular rates (set-up)
    "raan_dot_rad_s": ("f8", "rad/s", "J2 nodal regression rate"),
    "argp_dot_rad_s": ("f8", "rad/s", "J2 apsidal rotation rate"),
    "mean_motion_rad_s": ("f8", "rad/s", "mean motion including the J2 correction"),
}) + field_specs("state", {
    "r_eci_m": ("f8", "m", "position, inertial frame of date, shape (3, N)"),
    "v_eci_m_s": ("f8", "m/s", "velocity, inertial frame of date, shape (3, N)"),
}, vector=("r_eci_m", "v_eci_m_s"))


@dataclass
class SunState:
    """The Sun at the end of the current tick, inertial frame of date."""

    solar_constant_w_m2: float
    x_m: float = 0.0
    y_m: float = 0.0
    z_m: float = 0.0
    distance_m: float = 1.0
    flux_w_m2: float = 0.0

    @property
    def position_m(self) -> np.ndarray:
        return np.array([self.x_m, self.y_m, self.z_m])

    @property
    def unit(self) -> np.ndarray:
        return self.position_m / self.distance_m

    def set(self, sx: float, sy: float, sz: float) -> None:
        d = (sx * sx + sy * sy + sz * sz) ** 0.5
        self.x_m, self.y_m, self.z_m = sx, sy, sz
        self.distance_m = d
        self.flux_w_m2 = self.solar_constant_w_m2 * (AU_M / d) ** 2


class Orbits(Subsystem):
    """Fleet layout, propagation and the Sun; always on."""

    name = "orbits"
    provides = ("fleet", "positions", "sun")
    fields = FIELDS

    def __init__(self, ctx: Context):
        super().__init__(ctx)
        from sim.orbits import geodesy, j2, sun
        self._geodesy, self._sun_position_eci_m = geodesy, sun.sun_position_eci_m
        scenario, clock = ctx.scenario, ctx.clock
        self.shells = build.layout(scenario, clock.epoch_jd_utc)
        ctx.fleet = fleet = FleetState(self.shells[-1].stop if self.shells else 0)
        fleet.allocate(self.fields, self.name)
        build.fill_elements(fleet, self.shells)
        fleet.raan_dot_rad_s[:], fleet.argp_dot_rad_s[:], fleet.mean_motion_rad_s[:] = j2.j2_secular_rates(
            fleet.a_m, fleet.e, fleet.inc_rad)
        self.fleet = fleet
        self._j2_index, self._j2, self._sgp4 = self._propagators(j2)
        self.sun = SunState(scenario.environment.solar_constant_w_m2)
        self.provide("fleet", fleet)
        self.provide("positions", fleet)
        self.provide("sun", self.sun)
        self.recorded_units = {"lat_deg": "degrees_north", "lon_deg": "degrees_east", "alt_km": "km"}
        # CF names: the height is geodetic, above the WGS84 ellipsoid (CF `altitude` is above the geoid)
        self.recorded_attrs = {
            "lat_deg": {"standard_name": "latitude", "long_name": "geodetic latitude (WGS84)"},
            "lon_deg": {"standard_name": "longitude", "long_name": "longitude"},
            "alt_km": {"standard_name": "height_above_reference_ellipsoid",
                       "long_name": "geodetic height above the WGS84 ellipsoid"}}
        self._geodetic = {k: np.empty(fleet.n) for k in self.recorded_units}
        self._move_to(0.0, clock.at(0.0).jd_tt)

    def _propagators(self, j2):
        f, clock = self.fleet, self.ctx.clock
        sgp4_mask = np.zeros(f.n, dtype=bool)
        sgp4 = []
        for sl in self.shells:
            if sl.satrecs is not None:
                sgp4_mask[sl.start:sl.stop] = True
                m = sl.stop - sl.start
                sgp4.append((sl.start, sl.stop, shells.SGP4Propagator(sl.satrecs, clock.epoch_jd_utc),
                             np.zeros((3, m)), np.zeros((3, m))))
        j2_index = np.flatnonzero(~sgp4_mask)
        propagator = None
        if j2_index.size:
            elements = (np.ascontiguousarray(getattr(f, k)[j2_index]) for k in shells.MEAN_ELEMENT_KEYS)
            propagator = j2.J2Propagator(*elements, dt_s=clock.dt_s)
        self._r_buf, self._v_buf = np.zeros((3, j2_index.size)), np.zeros((3, j2_index.size))
        return j2_index, propagator, sgp4

    def _move_to(self, t_s: float, jd_tt: float) -> None:
        self.sun.set(*self._sun_position_eci_m(jd_tt))
        f = self.fleet
        r_eci_m, v_eci_m_s = f.r_eci_m, f.v_eci_m_s
        if self._j2 is not None:
            if self._j2_index.size == f.n:
                self._j2.propagate(t_s, r_eci_m, v_eci_m_s)
            else:
                self._j2.propagate(t_s, self._r_buf, self._v_buf)
                r_eci_m[:, self._j2_index] = self._r_buf
                v_eci_m_s[:, self._j2_index] = self._v_buf
        for start, stop, prop, r, v in self._sgp4:
            prop.propagate(t_s, r, v)
            r_eci_m[:, start:stop] = r
            v_eci_m_s[:, start:stop] = v

    def advance(self, block: Block) -> None:
        clock = self.ctx.clock
        for step in block.steps():
            now = clock.at(clock.time_of_step(step))
            self._move_to(now.t_s, now.jd_tt)

    def record(self, t_s: float) -> dict[str, np.ndarray]:
        g = self._geodetic
        self._geodesy.eci_to_geodetic(self.fleet.r_eci_m, self.ctx.clock.at(t_s).gmst_rad,
                                      g["lat_deg"], g["lon_deg"], g["alt_km"])
        return dict(g)
