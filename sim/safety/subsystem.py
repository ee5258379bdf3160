"""Safety: close approaches inside the fleet and against a catalogue, with a Monte Carlo
collision probability (section `safety:`).

Formation (`safety.formation`): a k-d tree screen of the fleet (sim.safety.screening) keeps
every pair that can come within screening_radius_m before the next screen: with U the largest
speed of a satellite relative to the fleet's mean velocity at the screen, relative speeds are
at most S = 2U, and the margin is screening_radius_m + 2·S·k·dt (k ticks between screens), so a
pair outside it cannot get inside the radius unless some relative speed doubles — which the
kernel checks every tick (a velocity more than 2U from the fleet mean flags an early re-screen).
The tick kernel (sim.safety.kernels.safety_tick) follows the kept pairs every tick: minimum
separation, time below threshold_m, closest approaches below it (event `close_approach`, time
and distance from the Hermite relative motion inside the tick) and the encounter Monte Carlo
(Pc). Python runs only on the flagged ticks: a closest approach or an ended encounter to book,
a re-screen.

Catalogue (`safety.catalogue`): every screen_every_s the catalogue is propagated with sgp4 to
the tick ends of the coming interval (one table), screened against the fleet with a k-d tree at
the interval start (margin threshold + the largest speed sum × the interval), and the kernel
follows the kept (satellite, object) pairs every tick like the formation's. Conjunctions
(event `conjunction`, /safety/conjunctions with the CCSDS CDM 508.0-B-1 fields) and the
avoidance manoeuvres their Pc calls for (Pc ≥ pc_threshold) are counted.
"""
from __future__ import annotations

import numpy as np

from sim.core.subsystem import Context, Subsystem, TickKernel
from sim.safety import outputs
from sim.safety.kernels import FLAG_CATALOGUE, FLAG_RESCREEN, safety_tick
from sim.safety.screening import PairSet, cross_screen, fleet_screen, linear_reach

SPREAD_GROWTH = 2.0   # the margin allows relative speeds to grow this much between screens


class Safety(Subsystem):
    name = "safety"
    section = "safety"
    requires = ("positions",)
    events = {"close_approach": "a: miss distance [m], b: relative speed [m/s], c: the other satellite",
              "conjunction": "a: miss distance [m], b: relative speed [m/s], c: the object's NORAD id"}

    @classmethod
    def event_kinds(cls, scenario) -> dict[str, str]:
        cfg = scenario.safety
        return {k: v for k, v in cls.events.items()
                if (k == "close_approach" and cfg.formation is not None)
                or (k == "conjunction" and cfg.catalogue is not None)}

    def __init__(self, ctx: Context):
        super().__init__(ctx)
        cfg = self.cfg = ctx.scenario.safety
        f = self.fleet = ctx.fleet
        dt = ctx.dt_s
        unc = cfg.uncertainty
        self.z = ctx.rng(self.name).standard_normal((unc.samples, 6))
        self.r_prev, self.v_prev = np.array(f.r_eci_m, dtype=float), np.array(f.v_eci_m_s, dtype=float)
        self.since = np.zeros(1, np.int64)
        self.bound = 0.0
        sig_sat = np.asarray(unc.sigma_rtn_m, float)
        self.form = self.cat = None
        self.k_rescreen, self.k_cat, self.cat_s0 = 1, 1, 0
        self.screens = 0
        if cfg.formation is not None:
            fc = cfg.formation
            window = unc.hard_body_radius_m + unc.window_sigmas * float(np.sqrt(2.0) * sig_sat.max())
            self.form = PairSet(fc.threshold_m, window, unc.hard_body_radius_m, sig_sat, sig_sat, self.z)
            self.k_rescreen = max(1, round(fc.rescreen_every_s / dt))
            self._rescreen(0.0)
        self.table = np.zeros((2, 6, 1))
        if cfg.catalogue is not None:
            from sim.safety import catalogue
            from sim.safety.config import load_catalogue
            cc = cfg.catalogue
            satrecs = load_catalogue(ctx.scenario, cc)
            names = catalogue.tle_names(ctx.scenario.resolve_path(cc.path), len(satrecs))
            self.catalogue = catalogue.Catalogue(satrecs, names, ctx.clock.epoch_jd_utc)
            self.fleet_norad = self._fleet_norad()
            sig_obj = np.asarray(cc.sigma_rtn_m, float)
            combined = float(np.sqrt(sig_sat.max() ** 2 + sig_obj.max() ** 2))
            window = unc.hard_body_radius_m + unc.window_sigmas * combined
            self.cat = PairSet(cc.threshold_m, window, unc.hard_body_radius_m, sig_sat, sig_obj, self.z)
            self.k_cat = max(1, round(cc.screen_every_s / dt))
            self._screen_catalogue(0)

    def _fleet_norad(self) -> np.ndarray:
        """NORAD ids of the fleet's TLE satellites (-1 for the others): the same object in the
        catalogue is not a conjunction partner of itself."""
        from sim.orbits.build import shell_satrecs
        f, out = self.fleet, np.full(self.fleet.n, -1, np.int64)
        for i, shell in enumerate(self.ctx.scenario.constellation):
            if shell.tle is not None:
                ids = np.array([s.satnum for s in shell_satrecs(shell, self.ctx.scenario)], np.int64)
                sel = np.flatnonzero(f.shell == i)
                out[sel] = ids[f.slot[sel]]
        return out

    # -- screens (Python, on flagged ticks) -------------------------------------------------------
    def _rescreen(self, t_s: float) -> None:
        f, fc, dt = self.fleet, self.cfg.formation, self.ctx.dt_s
        v = f.v_eci_m_s
        spread = float(np.sqrt(((v - v.mean(axis=1, keepdims=True)) ** 2).sum(axis=0)).max()) if f.n else 0.0
        self.bound = SPREAD_GROWTH * spread
        slack = 2.0 * (2.0 * spread) * self.k_rescreen * dt    # 2·S·k·dt with S = 2U
        a, b, _ = fleet_screen(f.r_eci_m, fc.screening_radius_m + slack)
        self.form.set_candidates(a, b, t_s)
        self.since[0] = 0
        self.screens += 1

    def _screen_catalogue(self, step: int) -> None:
        f, cc, dt = self.fleet, self.cfg.catalogue, self.ctx.dt_s
        self.table = self.catalogue.table(step * dt, dt, self.k_cat)
        self.cat_s0 = step
        speed_obj = np.sqrt((self.table[:, 3:6] ** 2).sum(axis=1))
        speed_obj = float(np.nanmax(speed_obj)) if np.isfinite(speed_obj).any() else 0.0
        speed_sat = float(np.sqrt((f.v_eci_m_s ** 2).sum(axis=0)).max()) if f.n else 0.0
        slack = (1.05 * speed_sat + speed_obj) * self.k_cat * dt   # 5 %: the fleet's speed change over it
        reach = max(cc.threshold_m, self.cat.window_m) + slack
        a, b = cross_screen(f.r_eci_m, self.table[0, 0:3], reach)
        keep = self.fleet_norad[a] != self.catalogue.norad[b]
        a, b = a[keep], b[keep]
        keep = linear_reach(f.r_eci_m[:, a], f.v_eci_m_s[:, a], self.table[0, 0:3][:, b], self.table[0, 3:6][:, b],
                            self.k_cat * dt, max(cc.threshold_m, self.cat.window_m))
        a, b = a[keep], b[keep]
        self.cat.set_candidates(a, b, step * dt)

    # -- the tick -----------------------------------------------------------------------------
    def _tick_args(self) -> tuple:
        f = self.fleet
        ftrack = self.form.track_args() if self.form is not None else self._empty_track()
        ctrack = self.cat.track_args() if self.cat is not None else self._empty_track()
        return (f.r_eci_m, f.v_eci_m_s, self.r_prev, self.v_prev, self.form is not None, self.k_rescreen,
                self.since, self.bound, ftrack, self.cat is not None, self.k_cat, self.cat_s0, self.table, ctrack)

    def _empty_track(self) -> tuple:
        if not hasattr(self, "_empty"):
            self._empty = PairSet(1.0, 1.0, 1.0, np.zeros(3), np.zeros(3), self.z[:1])
        return self._empty.track_args()

    def _after_tick(self, step: int, flag: int) -> None:
        if self.form is not None:
            rows = self.form.collect()
            if rows.size:
                p = rows[:, 0].astype(np.int64)
                a, b = self.form.a[p], self.form.b[p]
                self.ctx.events.emit("close_approach", rows[:, 1], np.concatenate([a, b]),
                                     np.tile(rows[:, 2], 2), np.tile(rows[:, 3], 2), np.concatenate([b, a]))
            if flag & FLAG_RESCREEN:
                self._rescreen(step * self.ctx.dt_s)
        if self.cat is not None:
            rows = self.cat.collect()
            if rows.size:
                p = rows[:, 0].astype(np.int64)
                self.ctx.events.emit("conjunction", rows[:, 1], self.cat.a[p], rows[:, 2], rows[:, 3],
                                     self.catalogue.norad[self.cat.b[p]])
            if flag & FLAG_CATALOGUE:
                self._screen_catalogue(step)

    def tick_kernel(self) -> TickKernel:
        return TickKernel(function=safety_tick, args=self._tick_args, after_tick=self._after_tick)

    # -- outputs ------------------------------------------------------------------------------
    def _finish(self) -> None:
        for pairs in (self.form, self.cat):
            if pairs is not None:
                pairs.finish()

    def tables(self):
        self._finish()
        return outputs.tables(self)

    def summary(self) -> dict[str, tuple[float, str]]:
        self._finish()
        return outputs.summary(self)
