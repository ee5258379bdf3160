"""The lifetime summary: delta-v, propellant, thrust energy, decay and re-entry.

`natural_lifetime_d` projects each surviving satellite's remaining life without thrust from its
mean drag decay rate over the run, ȧ, in an exponential atmosphere of the local scale height H
(Vallado Table 8-4): L = (H/|ȧ|) (1 − exp(−(h − h_re)/H)) (King-Hele's circular-orbit lifetime with
the density at h, sim.lifetime.kernels); an estimate, not a simulation.
"""
from __future__ import annotations

import numpy as np

from sim.core.constants import R_EARTH_EQUATORIAL_M, SECONDS_PER_DAY, SECONDS_PER_JULIAN_YEAR


def scale_height_km(alt_km: np.ndarray) -> np.ndarray:
    from sim.lifetime.kernels import EXPONENTIAL_TABLE as table
    k = np.clip(np.searchsorted(table[:, 0], alt_km, side="right") - 1, 0, table.shape[0] - 1)
    return table[k, 2]


def king_hele_lifetime_s(h_km, h_reentry_km, decay_m_s, scale_km):
    """Time to fall from h to h_reentry at the current decay rate in an exponential atmosphere:
    (H/|ȧ|)(1 − e^{−(h − h_re)/H})."""
    with np.errstate(divide="ignore"):
        return scale_km * 1e3 / np.abs(decay_m_s) * (1.0 - np.exp(-(h_km - h_reentry_km) / scale_km))


def summary(f, cfg, elapsed_s: float, power_w: float, first_reentry_s: float,
            msis_evaluations: int) -> dict[str, tuple[float, str]]:
    n = max(f.n, 1)
    years = elapsed_s / SECONDS_PER_JULIAN_YEAR if elapsed_s > 0 else np.nan
    live = f.reentered == 0
    alt_km = (f.mean_a_m - R_EARTH_EQUATORIAL_M) / 1e3
    decay_m_s = f.drag_decay_m / elapsed_s if elapsed_s > 0 else np.zeros(f.n)
    natural = king_hele_lifetime_s(alt_km, cfg.reentry_altitude_km, decay_m_s, scale_height_km(alt_km))
    first = first_reentry_s / SECONDS_PER_DAY
    return {
        "delta_v_m_s": (float(f.delta_v_m_s.sum()) / n, "m/s"),
        "delta_v_m_s_per_year": (float(f.delta_v_m_s.sum()) / n / years, "m s-1 yr-1"),
        "drag_delta_v_m_s_per_year": (float(f.drag_delta_v_m_s.sum()) / n / years, "m s-1 yr-1"),
        "propellant_used_kg": (float(f.propellant_used_kg.sum()), "kg"),
        "propellant_kg_per_year": (float(f.propellant_used_kg.sum()) / n / years, "kg yr-1"),
        "propellant_left_kg": (float(f.propellant_kg.sum()), "kg"),
        "thrust_energy_j": (float(f.thrust_energy_j.sum()), "J"),
        "thruster_power_w": (power_w, "W"),
        "thrust_power_mean_w": (float(f.thrust_energy_j.sum()) / n / elapsed_s if elapsed_s > 0 else 0.0, "W"),
        "thrust_duty": (float(f.thrust_s.sum()) / n / elapsed_s if elapsed_s > 0 else 0.0, "1"),
        "drag_decay_m_per_day": (float(np.mean(decay_m_s)) * SECONDS_PER_DAY, "m d-1"),
        "drag_decay_spread_m": (float(np.ptp(f.drag_decay_m)) if f.n else 0.0, "m"),
        "mean_altitude_min_km": (float(alt_km[live].min()) if live.any() else float("nan"), "km"),
        "natural_lifetime_d": (float(np.median(natural[live])) / SECONDS_PER_DAY if live.any() else 0.0, "d"),
        "first_reentry_d": (first, "d"),
        "satellites_lost": (float((~live).sum()), "1"),
        "msis_grid_evaluations": (float(msis_evaluations), "1"),
    }
