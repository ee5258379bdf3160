"""Orbits: builds the fleet from the constellation, and every tick moves every satellite
(J2 mean elements for analytic shells, python-sgp4 for TLE shells) and the Sun.

Provides `fleet` (it creates the FleetState), `positions` (r_eci_m, v_eci_m_s at the end of
each tick) and `sun` (a SunState: the Sun's position and the solar flux at the tick end).
Each shell's attitude law is in `attitude` (sim.orbits.attitude codes); for yaw-steered
satellites every tick checks the yaw rate the law needs against the shell's ADCS limit
(events yaw_rate_limit_start / yaw_rate_limit_end, time above it in yaw_rate_exceeded_s).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.core.constants import AU_M, SECONDS_PER_DAY
from sim.core.fleet import FleetState, NonFiniteError, field_specs
from sim.core.numerics import parallel_chunk
from sim.core.subsystem import Context, Subsystem, TickKernel
from sim.orbits import build, shells, tle

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
    # attitude (sim.orbits.attitude)
    "attitude": ("i1", "1", "attitude law: 0 nadir_yaw_steering, 1 nadir_fixed, 2 sun_pointing"),
    "max_yaw_rate_rad_s": ("f8", "rad/s", "ADCS yaw rate limit"),
}) + field_specs("state", {
    "r_eci_m": ("f8", "m", "position, inertial frame of date, shape (3, N)"),
    "v_eci_m_s": ("f8", "m/s", "velocity, inertial frame of date, shape (3, N)"),
    "yaw_rate_rad_s": ("f8", "rad/s", "yaw rate yaw steering needs (0 for the other laws)"),
    "yaw_rate_exceeded": ("i1", "1", "1 while the needed yaw rate is above the ADCS limit"),
}, vector=("r_eci_m", "v_eci_m_s")) + field_specs("accumulator", {
    "yaw_rate_exceeded_s": ("f8", "s", "time the needed yaw rate was above the ADCS limit"),
})
# record.state_vectors: float64 inertial position and velocity (UDUNITS-2 units)
_FRAME = ("Earth-centred inertial frame of date, TEME (true equator, mean equinox of date: "
          "SGP4's frame; the J2 mean-element orbits and the Sun are referred to it)")
STATE_VECTOR_UNITS = {f"{q}_eci_{axis}_{u}": unit for q, u, unit in (("r", "m", "m"), ("v", "m_s", "m s-1"))
                      for axis in "xyz"}
STATE_VECTOR_LONG_NAMES = {f"{q}_eci_{axis}_{u}": f"{what} {axis}, {_FRAME}"
                           for q, u, what in (("r", "m", "position"), ("v", "m_s", "velocity"))
                           for axis in "xyz"}
YAW_EVENT_MEANING = "a: peak yaw rate needed [deg/s], b: ADCS limit [deg/s], c: beta angle [deg]"


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


class MeanElements:
    """The `mean_elements` service: the current mean elements of J2-propagated satellites (fleet
    indices) and impulsive changes of them (sim.orbits.j2.J2Propagator.set_mean_elements)."""

    def __init__(self, propagator, j2_index: np.ndarray, n: int):
        self._j2 = propagator
        self._local = np.full(n, -1, dtype=np.int64)
        self._local[j2_index] = np.arange(j2_index.size)

    def _to_local(self, index: np.ndarray) -> np.ndarray:
        local = self._local[index]
        if np.any(local < 0):
            raise ValueError("mean_elements: only satellites of analytic (J2) shells have mean elements here")
        return local

    def get(self, index: np.ndarray, t_s: float) -> np.ndarray:
        return self._j2.mean_elements(self._to_local(index), t_s)

    def set(self, index: np.ndarray, elements: np.ndarray, t_s: float) -> None:
        self._j2.set_mean_elements(self._to_local(index), elements, t_s)


_NO_J2 = (0, np.zeros((8, 0)), np.zeros((6, 0)), np.zeros((6, 0)), np.zeros(2, np.int64), 1,
          np.zeros(0, np.int64)) + (np.zeros(0),) * 9


class Orbits(Subsystem):
    """Fleet layout, propagation and the Sun; always on."""

    name = "orbits"
    provides = ("fleet", "positions", "sun", "semi_major_axis", "mean_elements", "clock_table", "sun_table")
    events = {"yaw_rate_limit_start": YAW_EVENT_MEANING, "yaw_rate_limit_end": YAW_EVENT_MEANING}
    fields = FIELDS

    def __init__(self, ctx: Context):
        super().__init__(ctx)
        from sim.orbits import attitude, geodesy, j2, sun
        self._geodesy, self._sun_position_eci_m = geodesy, sun.sun_position_eci_m
        scenario, clock = ctx.scenario, ctx.clock
        self.shells = build.layout(scenario, clock.epoch_jd_utc)
        ctx.fleet = fleet = FleetState(self.shells[-1].stop if self.shells else 0)
        fleet.allocate(self.fields, self.name)
        build.fill_elements(fleet, self.shells)
        self._j2_coefficient = j2.J2_EARTH if scenario.environment.j2 else 0.0
        fleet.raan_dot_rad_s[:], fleet.argp_dot_rad_s[:], fleet.mean_motion_rad_s[:] = j2.j2_secular_rates(
            fleet.a_m, fleet.e, fleet.inc_rad, self._j2_coefficient)
        for i, shell in enumerate(scenario.constellation):
            sel = fleet.shell == i
            fleet.attitude[sel] = attitude.ATTITUDES[shell.attitude]
            fleet.max_yaw_rate_rad_s[sel] = np.radians(shell.adcs.max_yaw_rate_deg_s)
        self.fleet = fleet
        self._attitude = attitude
        chunk = parallel_chunk(fleet.n)
        self._yaw_tick = attitude.yaw_tick if chunk else attitude.yaw_tick_serial
        self._yaw_chunk = chunk or max(fleet.n, 1)
        self._yaw_steered = bool(np.any(fleet.attitude == attitude.ATTITUDE_YAW_STEERING))
        self._yaw_events = (np.zeros(fleet.n, np.int8), np.zeros(fleet.n), np.zeros(fleet.n))
        self._yaw_side = np.full(fleet.n, np.nan)  # ŝ·(h × r) of the previous tick
        self._j2_index, self._j2, self._sgp4 = self._propagators(j2)
        self.sun = SunState(scenario.environment.solar_constant_w_m2)
        self.provide("fleet", fleet)
        self.provide("positions", fleet)
        self.provide("sun", self.sun)
        self.provide("semi_major_axis", self.change_semi_major_axis)
        self.provide("mean_elements", MeanElements(self._j2, self._j2_index, fleet.n))
        from sim.orbits import tick
        self._tick = tick
        rows = ctx.max_block_ticks
        self.clock_table = np.zeros((rows, len(tick.CLOCK_COLUMNS)))
        self.sun_table = np.zeros((rows, len(tick.SUN_COLUMNS)))
        self._table_first = 1
        self.provide("clock_table", self.clock_table)
        self.provide("sun_table", self.sun_table)
        self.recorded_units = {"lat_deg": "degrees_north", "lon_deg": "degrees_east", "alt_km": "km"}
        # CF names: the height is geodetic, above the WGS84 ellipsoid (CF `altitude` is above the geoid)
        self.recorded_attrs = {
            "lat_deg": {"standard_name": "latitude", "long_name": "geodetic latitude (WGS84)"},
            "lon_deg": {"standard_name": "longitude", "long_name": "longitude"},
            "alt_km": {"standard_name": "height_above_reference_ellipsoid",
                       "long_name": "geodetic height above the WGS84 ellipsoid"}}
        self._geodetic = {k: np.empty(fleet.n) for k in self.recorded_units}
        self._state_vectors = scenario.record.state_vectors
        if self._state_vectors:
            self.recorded_units.update(STATE_VECTOR_UNITS)
            self.recorded_dtypes = {name: "f8" for name in STATE_VECTOR_UNITS}
            self.recorded_attrs.update({name: {"long_name": long_name}
                                        for name, long_name in STATE_VECTOR_LONG_NAMES.items()})
        self._move_to(0.0, clock.at(0.0).jd_tt)

    def _propagators(self, j2):
        f, clock = self.fleet, self.ctx.clock
        sgp4_mask = np.zeros(f.n, dtype=bool)
        sgp4 = []
        for sl in self.shells:
            if sl.satrecs is not None:
                sgp4_mask[sl.start:sl.stop] = True
                m = sl.stop - sl.start
                sgp4.append((sl.start, sl.stop, tle.SGP4Propagator(sl.satrecs, clock.epoch_jd_utc),
                             np.zeros((3, m)), np.zeros((3, m))))
        j2_index = np.flatnonzero(~sgp4_mask)
        propagator = None
        if j2_index.size:
            elements = (np.ascontiguousarray(getattr(f, k)[j2_index]) for k in shells.MEAN_ELEMENT_KEYS)
            propagator = j2.J2Propagator(*elements, dt_s=clock.dt_s, j2=self._j2_coefficient)
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
            _refuse_nan_positions(prop, t_s)
            r_eci_m[:, start:stop] = r
            v_eci_m_s[:, start:stop] = v

    def change_semi_major_axis(self, da_m: np.ndarray, t_s: float) -> None:
        """Add da_m (N,) [m] to the mean semi-major axes at t_s (the `semi_major_axis` service:
        drag decay and thrust). J2 shells only: TLE shells keep SGP4's own drag. The FleetState
        elements stay those of the epoch; the propagator holds the current ones."""
        if self._j2 is not None:
            self._j2.change_semi_major_axis(da_m[self._j2_index], t_s)

    # -- the tick (sim.core.blocks) -------------------------------------------------------------
    def tick_kernel(self) -> TickKernel:
        return TickKernel(self._tick.orbits_tick, self._tick_args, self._prepare, self._after_tick)

    def _prepare(self, first: int, last: int) -> None:
        """The clock and the Sun at the end of each tick first..last (rows 0..)."""
        from sim.core.timescale import TT_MINUS_UTC_D, gmst_rad
        n, clock, table = last - first + 1, self.ctx.clock, self.clock_table
        t_s = np.arange(first, last + 1) * clock.dt_s
        jd_utc = clock.epoch_jd_utc + t_s / SECONDS_PER_DAY
        table[:n, 0], table[:n, 1], table[:n, 2], table[:n, 3] = t_s, jd_utc, jd_utc + TT_MINUS_UTC_D, gmst_rad(jd_utc)
        self._tick.fill_trig_and_sun(table, self.sun_table, n, self.sun.solar_constant_w_m2)
        self._table_first = first

    def _tick_args(self) -> tuple:
        f, j2 = self.fleet, self._j2
        scatter = j2 is not None and self._j2_index.size != f.n
        j2_args = j2.tick_args() if j2 is not None else _NO_J2
        return (self.sun_table, j2 is not None, j2_args, self._j2_index, scatter, self._r_buf, self._v_buf,
                f.r_eci_m, f.v_eci_m_s, bool(self._sgp4), self._yaw_steered, self._yaw_tick is not
                self._attitude.yaw_tick_serial, self._yaw_chunk,
                (f.attitude, f.max_yaw_rate_rad_s, f.yaw_rate_rad_s, f.yaw_rate_exceeded, f.yaw_rate_exceeded_s,
                 self._yaw_side, *self._yaw_events))

    def sync(self, step: int) -> None:
        row = self.sun_table[step - self._table_first]
        s = self.sun
        s.x_m, s.y_m, s.z_m, s.distance_m, s.flux_w_m2 = row[0], row[1], row[2], row[6], row[7]

    def _after_tick(self, step: int, flag: int) -> None:
        dt_s = self.ctx.dt_s
        if flag & self._tick.FLAG_SGP4:
            f = self.fleet
            for start, stop, prop, r, v in self._sgp4:
                prop.propagate(step * dt_s, r, v)
                _refuse_nan_positions(prop, step * dt_s)
                f.r_eci_m[:, start:stop] = r
                f.v_eci_m_s[:, start:stop] = v
            if self._yaw_steered:
                self._check_yaw_rate(step * dt_s - dt_s, dt_s)
        else:
            self._emit_yaw_events()

    def _check_yaw_rate(self, t0_s: float, dt_s: float) -> None:
        f, s = self.fleet, self.sun
        code, start_s, end_s = self._yaw_events
        d = s.distance_m
        n_events = self._yaw_tick(self._yaw_chunk, t0_s, dt_s, f.r_eci_m, f.v_eci_m_s, s.x_m / d,
                                  s.y_m / d, s.z_m / d, f.attitude, f.max_yaw_rate_rad_s,
                                  f.yaw_rate_rad_s, f.yaw_rate_exceeded, f.yaw_rate_exceeded_s,
                                  self._yaw_side, code, start_s, end_s)
        if n_events:
            self._emit_yaw_events()

    def _emit_yaw_events(self) -> None:
        f = self.fleet
        code, start_s, end_s = self._yaw_events
        idx = code.nonzero()[0]
        peak_deg_s, beta_deg = self._peak_yaw_rate(idx)
        limit_deg_s = np.degrees(f.max_yaw_rate_rad_s[idx])
        att = self._attitude
        both = code[idx] == att.YAW_EVENT_BOTH
        for name, times, sel in (("yaw_rate_limit_start", start_s, (code[idx] == att.YAW_EVENT_START) | both),
                                 ("yaw_rate_limit_end", end_s, (code[idx] == att.YAW_EVENT_END) | both)):
            if sel.any():
                k = idx[sel]
                self.ctx.events.emit(name, times[k], k, peak_deg_s[sel], limit_deg_s[sel], beta_deg[sel])

    def _peak_yaw_rate(self, idx: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Peak yaw rate ω cos β/|sin β| (deg/s) and β (deg) of satellites idx (few: Python)."""
        r, v = self.fleet.r_eci_m[:, idx], self.fleet.v_eci_m_s[:, idx]
        h = np.cross(r, v, axis=0)
        h_norm = np.linalg.norm(h, axis=0)
        sin_beta = np.clip(self.sun.unit @ h / h_norm, -1.0, 1.0)
        omega = h_norm / np.sum(r * r, axis=0)
        with np.errstate(divide="ignore"):
            peak = omega * np.sqrt(1.0 - sin_beta**2) / np.abs(sin_beta)
        return np.degrees(peak), np.degrees(np.arcsin(sin_beta))

    def summary(self) -> dict[str, tuple[float, str]]:
        f = self.fleet
        steered = f.attitude == self._attitude.ATTITUDE_YAW_STEERING
        exceeded_s = float(f.yaw_rate_exceeded_s[steered].sum())
        steered_s = float(steered.sum()) * self.ctx.elapsed_s
        return {"yaw_rate_exceeded_hours": (exceeded_s / 3600.0, "h"),
                "yaw_rate_exceeded_fraction": (exceeded_s / steered_s if steered_s > 0 else 0.0, "1")}

    def record(self, t_s: float) -> dict[str, np.ndarray]:
        g = self._geodetic
        self._geodesy.eci_to_geodetic(self.fleet.r_eci_m, self.ctx.clock.at(t_s).gmst_rad,
                                      g["lat_deg"], g["lon_deg"], g["alt_km"])
        out = dict(g)
        if self._state_vectors:
            r, v = self.fleet.r_eci_m, self.fleet.v_eci_m_s
            for k, axis in enumerate("xyz"):
                out[f"r_eci_{axis}_m"] = r[k]
                out[f"v_eci_{axis}_m_s"] = v[k]
        return out


def _refuse_nan_positions(prop, t_s: float) -> None:
    """Stop the run where SGP4 gives a satellite NaN (decayed, bad elements): the kernels after
    it must never see a NaN position."""
    why = prop.failure(t_s)
    if why is not None:
        raise NonFiniteError(f"r_eci_m: {why}")
