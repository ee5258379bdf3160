"""Formation keeping (`lifetime.formation_keeping:`): every member of a cluster shell is held near
its slot against differential J2 and differential drag, with the lifetime propulsion.

- Slot: the member's mean relative orbital elements at the epoch with respect to the cluster's
  chief (its lattice centre, satellite 0 of the shell, on the reference orbit), quasi-nonsingular
  (D'Amico 2010): δa = Δa/a, δλ = Δ(M + ω) + ΔΩ cos i, δe = Δ(e cos ω, e sin ω),
  δi = (Δi, ΔΩ sin i). The error is the member's Hill-frame position minus the slot's
  (sim.lifetime.formation_kernels), checked in the tick kernel every `check_every_s`.
- Correction, when the error leaves `deadband_m` (impulsive, applied to the member's mean
  elements through the orbits' `mean_elements` service):
  δe and δi are put back to the slot's; δλ is not jumped but drifted: where the along-track offset
  L = a(δλ − δλ_slot) is beyond half the deadband D, δa is set so that L moves back with speed
  w = max(√(2 A (|L| + 0.8 D)), |L|/return_time_s), A = the outward along-track acceleration since
  the member's last burn (the differential drag: L̈ = −(3/2) n a δȧ), so that a drag-driven member
  flies a parabola to the far vertex −0.8 D (inside the deadband, as the error adds the radial
  offset a δa) and back: the drag make-up limit cycle, each burn reversing L̇, whose mean Δv is
  the differential drag impulse. A member moving outwards that the acceleration turns back within
  1.5 D, or within half the deadband along-track, keeps its δa.
- Δv (Gauss variational equations, near-circular): the δa and δe change by two tangential burns
  half an orbit apart, (n a / 2) max(|Δδa|, |Δδe|); the δi change by one cross-track burn at the
  argument of latitude of Δδi, n a |Δδi| (D'Amico 2010, §2; Chernick & D'Amico 2018, JGCD 41(2)).
  Propellant by Tsiolkovsky, m1 = m0 exp(−Δv / (Isp g0)); without enough propellant the burn is
  skipped (counted). The thruster's firing time m Δv/F is booked, its power is not put on the bus
  (a burn of ~100 s).
- Station-keeping: the members fire their thruster with their chief (the cluster keeps its
  altitude together); what differs (mass, drag) is corrected here.
"""
from __future__ import annotations

import numpy as np

from sim.core.constants import MU_EARTH_M3_S2, R_EARTH_EQUATORIAL_M, SECONDS_PER_JULIAN_YEAR
from sim.core.numerics import TWO_PI
from sim.lifetime import formation_kernels as fk
from sim.lifetime.kernels import G0_M_S2

FAR_EDGE = 0.8       # the limit cycle's far vertex, in deadbands: inside it, as the error adds the radial offset
FAR_EDGE_MAX = 1.5   # a member that the acceleration turns back before this is left to turn (no burn along-track)


def relative_elements(x: np.ndarray, c: np.ndarray) -> np.ndarray:
    """Quasi-nonsingular relative elements (6, k) (rows as sim.lifetime.formation_kernels SLOT_*) of
    mean elements x with respect to c, both (6, k) rows a, e, i, Ω, ω, M."""
    wrap = lambda angle: (angle + np.pi) % TWO_PI - np.pi   # noqa: E731
    cos_i = np.cos(c[2])
    out = np.empty((6, x.shape[1]))
    out[fk.SLOT_DA] = (x[0] - c[0]) / c[0]
    out[fk.SLOT_DL] = wrap(x[5] + x[4] - c[5] - c[4]) + wrap(x[3] - c[3]) * cos_i
    out[fk.SLOT_DEX] = x[1] * np.cos(x[4]) - c[1] * np.cos(c[4])
    out[fk.SLOT_DEY] = x[1] * np.sin(x[4]) - c[1] * np.sin(c[4])
    out[fk.SLOT_DIX] = x[2] - c[2]
    out[fk.SLOT_DIY] = wrap(x[3] - c[3]) * np.sin(c[2])
    return out


def absolute_elements(roe: np.ndarray, c: np.ndarray) -> np.ndarray:
    """The mean elements whose relative elements with respect to c are roe (inverse of
    relative_elements)."""
    ex = c[1] * np.cos(c[4]) + roe[fk.SLOT_DEX]
    ey = c[1] * np.sin(c[4]) + roe[fk.SLOT_DEY]
    out = np.empty_like(c)
    out[0] = c[0] * (1.0 + roe[fk.SLOT_DA])
    out[1] = np.hypot(ex, ey)
    out[4] = np.where(out[1] > 0.0, np.arctan2(ey, ex), c[4]) % TWO_PI
    out[2] = c[2] + roe[fk.SLOT_DIX]
    out[3] = (c[3] + roe[fk.SLOT_DIY] / np.sin(c[2])) % TWO_PI
    out[5] = (c[5] + c[4] + roe[fk.SLOT_DL] - out[4] - roe[fk.SLOT_DIY] / np.tan(c[2])) % TWO_PI
    return out


class FormationKeeping:
    """The Python side of formation keeping, owned by the lifetime subsystem."""

    def __init__(self, ctx, cfg, propulsion, elements_service):
        f = self.fleet = ctx.fleet
        self.ctx, self.cfg, self.p, self.elements = ctx, cfg, propulsion, elements_service
        members, chiefs = [], []
        for i, shell in enumerate(ctx.scenario.constellation):
            idx = np.flatnonzero(f.shell == i)
            if shell.cluster is not None and idx.size > 1:
                members.append(idx[1:])
                chiefs.append(np.full(idx.size - 1, idx[0]))
        self.member = np.concatenate(members).astype(np.int64)
        self.chief = np.concatenate(chiefs).astype(np.int64)
        epoch = lambda idx: np.vstack([getattr(f, k)[idx] for k in  # noqa: E731
                                       ("a_m", "e", "inc_rad", "raan_rad", "argp_rad", "mean_anomaly_rad")])
        self.slot = np.ascontiguousarray(relative_elements(epoch(self.member), epoch(self.chief)))
        k = self.member.size
        self.k_check = max(1, round(cfg.check_every_s / ctx.dt_s))
        self.armed = np.ones(k, np.int8)
        self.due = np.zeros(k, np.int8)
        self.error_m = np.zeros(k)
        self.error_max_m = np.zeros(k)
        self.last_burn_s = np.zeros(k)
        self.along_speed_m_s = np.zeros(k)   # L̇ the last burn left (0 at the epoch: on the slot)
        for name in ("delta_v_m_s", "delta_v_in_plane_m_s", "delta_v_cross_track_m_s", "propellant_kg",
                     "thrust_energy_j"):
            setattr(self, name, np.zeros(k))
        self.burns = np.zeros(k, np.int64)
        self.skipped = np.zeros(k, np.int64)
        self.power_w = propulsion.thrust_n * G0_M_S2 * propulsion.isp_s / (2.0 * propulsion.efficiency)

    def tick_args(self) -> tuple:
        f = self.fleet
        return (f.r_eci_m, f.v_eci_m_s, self.member, self.chief, self.slot, f.reentered, self.cfg.deadband_m,
                self.armed, self.due, self.error_m, self.error_max_m)

    def follow_chief(self, load_w: np.ndarray) -> None:
        """Station-keeping: members thrust when their chief does (from the next update interval)."""
        f, m = self.fleet, self.member
        on = (f.thrusting[self.chief] != 0) & (f.propellant_kg[m] > 0.0) & (f.reentered[m] == 0)
        f.thrusting[m] = on
        load_w[m] = np.where(on, load_w[self.chief], 0.0)

    def correct(self, t_s: float) -> None:
        """The corrections of the members the kernel flagged at t_s."""
        k = np.flatnonzero(self.due)
        self.due[k] = 0
        f, cfg, p = self.fleet, self.cfg, self.p
        sat, chief = self.member[k], self.chief[k]
        c = self.elements.get(chief, t_s)
        x = self.elements.get(sat, t_s)
        now, slot = relative_elements(x, c), self.slot[:, k]
        a, n = c[0], np.sqrt(MU_EARTH_M3_S2 / c[0] ** 3)
        along = a * (now[fk.SLOT_DL] - slot[fk.SLOT_DL])                       # L [m]
        speed = -1.5 * n * a * (now[fk.SLOT_DA] - slot[fk.SLOT_DA])            # L̇ [m/s]
        elapsed = np.maximum(t_s - self.last_burn_s[k], self.ctx.dt_s)
        side = np.sign(along)
        pull = (speed - self.along_speed_m_s[k]) / elapsed * side          # outward along-track acceleration
        u = speed * side                                                   # outward along-track speed
        with np.errstate(divide="ignore", invalid="ignore"):
            turns_back = (pull < 0.0) & (np.abs(along) + np.maximum(u, 0.0) ** 2 / (2.0 * -pull)
                                         <= FAR_EDGE_MAX * cfg.deadband_m)
        w = np.maximum(np.sqrt(2.0 * np.maximum(pull, 0.0) * (np.abs(along) + FAR_EDGE * cfg.deadband_m)),
                       np.abs(along) / cfg.return_time_s)
        drift = (np.abs(along) >= 0.5 * cfg.deadband_m) & ~turns_back
        target_speed = np.where(drift, -side * w, speed)
        target = now.copy()
        target[fk.SLOT_DA] = slot[fk.SLOT_DA] - target_speed / (1.5 * n * a)
        for row in (fk.SLOT_DEX, fk.SLOT_DEY, fk.SLOT_DIX, fk.SLOT_DIY):
            target[row] = slot[row]
        d_e = np.hypot(target[fk.SLOT_DEX] - now[fk.SLOT_DEX], target[fk.SLOT_DEY] - now[fk.SLOT_DEY])
        d_i = np.hypot(target[fk.SLOT_DIX] - now[fk.SLOT_DIX], target[fk.SLOT_DIY] - now[fk.SLOT_DIY])
        dv_ip = 0.5 * n * a * np.maximum(np.abs(target[fk.SLOT_DA] - now[fk.SLOT_DA]), d_e)
        dv_oop = n * a * d_i
        dv = dv_ip + dv_oop
        ve = p.isp_s * G0_M_S2
        m0 = f.mass_kg[sat]
        burnt = m0 * (1.0 - np.exp(-dv / ve))
        ok = (burnt <= f.propellant_kg[sat]) & (f.reentered[sat] == 0) & (f.reentered[chief] == 0)
        self.skipped[k[~ok]] += 1
        still = ok & (dv == 0.0)   # nothing to change: only the along-track bookkeeping restarts here
        self.last_burn_s[k[still]] = t_s
        self.along_speed_m_s[k[still]] = target_speed[still]
        ok &= dv > 0.0
        k, sat, dv, burnt, m0 = k[ok], sat[ok], dv[ok], burnt[ok], m0[ok]
        if not k.size:
            return
        sel = np.flatnonzero(ok)
        new = absolute_elements(target[:, sel], c[:, sel])
        self.elements.set(sat, new, t_s)
        f.mean_a_m[sat] = new[0]
        t_on = burnt * ve / p.thrust_n
        f.mass_kg[sat] = m0 - burnt
        f.propellant_kg[sat] -= burnt
        f.propellant_used_kg[sat] += burnt
        f.thrust_energy_j[sat] += self.power_w * t_on
        f.thrust_s[sat] += t_on
        self.delta_v_m_s[k] += dv
        self.delta_v_in_plane_m_s[k] += dv_ip[sel]
        self.delta_v_cross_track_m_s[k] += dv_oop[sel]
        self.propellant_kg[k] += burnt
        self.thrust_energy_j[k] += self.power_w * t_on
        self.burns[k] += 1
        self.last_burn_s[k] = t_s
        self.along_speed_m_s[k] = target_speed[sel]
        self.ctx.events.emit("formation_burn", t_s, sat, dv, self.error_m[k], along[sel])
        empty = sat[f.propellant_kg[sat] <= 0.0]
        if empty.size:
            self.ctx.events.emit("propellant_exhausted", t_s, empty, (f.mean_a_m[empty] - R_EARTH_EQUATORIAL_M) / 1e3,
                                 f.delta_v_m_s[empty])

    # -- outputs ------------------------------------------------------------------------------
    def table(self, elapsed_s: float):
        years = elapsed_s / SECONDS_PER_JULIAN_YEAR if elapsed_s > 0 else np.nan
        rows = np.zeros(self.member.size, dtype=[
            ("sat", "i4"), ("chief", "i4"), ("delta_v_m_s", "f8"), ("delta_v_m_s_per_year", "f8"),
            ("delta_v_in_plane_m_s", "f8"), ("delta_v_cross_track_m_s", "f8"), ("burns", "i4"),
            ("burns_skipped", "i4"), ("propellant_kg", "f8"), ("error_max_m", "f8"), ("error_m", "f8")])
        rows["sat"], rows["chief"] = self.member, self.chief
        for name in ("delta_v_m_s", "delta_v_in_plane_m_s", "delta_v_cross_track_m_s", "propellant_kg",
                     "error_max_m", "error_m"):
            rows[name] = getattr(self, name)
        rows["delta_v_m_s_per_year"] = self.delta_v_m_s / years
        rows["burns"], rows["burns_skipped"] = self.burns, self.skipped
        units = {"delta_v_m_s": "m/s", "delta_v_m_s_per_year": "m s-1 yr-1", "delta_v_in_plane_m_s": "m/s",
                 "delta_v_cross_track_m_s": "m/s", "burns": "1", "burns_skipped": "1", "propellant_kg": "kg",
                 "error_max_m": "m", "error_m": "m"}
        return rows, {f"{name}__units": unit for name, unit in units.items()}

    def summary(self, elapsed_s: float) -> dict[str, tuple[float, str]]:
        years = elapsed_s / SECONDS_PER_JULIAN_YEAR if elapsed_s > 0 else np.nan
        per_year = self.delta_v_m_s / years
        return {
            "formation_members": (float(self.member.size), "1"),
            "formation_delta_v_m_s_per_year": (float(per_year.mean()), "m s-1 yr-1"),
            "formation_delta_v_m_s_per_year_max": (float(per_year.max()), "m s-1 yr-1"),
            "formation_cross_track_share": (float(self.delta_v_cross_track_m_s.sum() / self.delta_v_m_s.sum())
                                            if self.delta_v_m_s.sum() > 0 else 0.0, "1"),
            "formation_burns": (float(self.burns.sum()), "1"),
            "formation_burns_per_member_per_year": (float(self.burns.mean()) / years, "yr-1"),
            "formation_burns_skipped": (float(self.skipped.sum()), "1"),
            "formation_propellant_kg": (float(self.propellant_kg.sum()), "kg"),
            "formation_error_max_m": (float(np.nanmax(self.error_max_m)), "m"),
        }
