"""A one-satellite equatorial circular orbit in Vallado's exponential atmosphere, whose only
cross-section is its body (a body-fixed zenith array and a nadir radiator fly edge-on)."""
from __future__ import annotations

import math

from sim.config.loading import scenario_from_dict
from sim.core.constants import MU_EARTH_M3_S2, R_EARTH_EQUATORIAL_M
from sim.core.simulation import Simulation


def equatorial(alt_km: float, duration: str, lifetime: dict, n: int = 1, epoch="2026-03-20T00:00:00Z"):
    data = {
        "name": "drag_test", "epoch": epoch, "duration": duration, "dt_s": 60, "seed": 1,
        "record": {"every_s": "1d"},
        "constellation": [{"name": "eq", "elements": [
            {"altitude_km": alt_km, "inclination_deg": 0.0, "mean_anomaly_deg": 360.0 * k / n} for k in range(n)],
            "solar_array": {"area_m2": 4.0, "tracking": "body"},
            "radiator": {"area_m2": 1.0, "orientation": "nadir"}}],
        "lifetime": {"drag": {"density": "exponential"}, **lifetime},
    }
    return Simulation(scenario_from_dict(data))


def speed_m_s(a_m: float) -> float:
    return math.sqrt(MU_EARTH_M3_S2 / a_m)


def a_of(alt_km: float) -> float:
    return R_EARTH_EQUATORIAL_M + alt_km * 1e3
