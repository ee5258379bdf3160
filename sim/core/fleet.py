"""FleetState: every continuous quantity of every satellite, one NumPy array each.

The physics tick hands these arrays to numba kernels; nothing here loops over
satellites in Python. Fields are declared once, in FIELDS, with dtype and unit,
so that the Recorder, the HDF5 `units` attributes and the docs agree.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

# name: (dtype, unit, description)
FIELDS: dict[str, tuple[str, str, str]] = {
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
    # solar array
    "array_area_m2": ("f8", "m2", "solar array area"),
    "array_efficiency": ("f8", "1", "cell efficiency at beginning of life (AM0)"),
    "array_degradation_per_year": ("f8", "1/yr", "fractional power loss per year"),
    "array_age_years": ("f8", "yr", "array age at the scenario epoch"),
    "array_sun_tracking": ("i1", "1", "1 sun-tracking array, 0 body-fixed zenith-facing"),
    # battery and bus
    "battery_capacity_wh": ("f8", "Wh", "usable battery capacity"),
    "soc_floor": ("f8", "1", "state of charge below which GPUs are capped"),
    "soc_release": ("f8", "1", "state of charge at which the cap is released"),
    "charge_efficiency": ("f8", "1", "battery charge efficiency"),
    "discharge_efficiency": ("f8", "1", "battery discharge efficiency"),
    "bus_power_w": ("f8", "W", "platform power excluding the GPUs"),
    # GPUs (all GPUs of a satellite share one cold plate and one state)
    "gpu_count": ("i4", "1", "GPUs per satellite"),
    "gpu_tdp_w": ("f8", "W", "GPU board power at maximum clock"),
    "gpu_idle_w": ("f8", "W", "GPU board power at idle"),
    "gpu_dvfs_exponent": ("f8", "1", "k in P = P_idle + (TDP - P_idle) (f/f_max)^k"),
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
    # ---- state advanced every tick ----
    "r_eci_m": ("f8", "m", "position, inertial frame of date, shape (3, N)"),
    "v_eci_m_s": ("f8", "m/s", "velocity, inertial frame of date, shape (3, N)"),
    "illumination": ("f8", "1", "fraction of the solar disc visible, 0 umbra .. 1 sunlit"),
    "p_solar_w": ("f8", "W", "solar array output"),
    "p_load_w": ("f8", "W", "electrical load served (bus + GPUs)"),
    "battery_energy_wh": ("f8", "Wh", "stored energy"),
    "soc": ("f8", "1", "battery state of charge"),
    "t_payload_k": ("f8", "K", "payload node temperature"),
    "t_radiator_k": ("f8", "K", "radiator node temperature"),
    "t_junction_k": ("f8", "K", "GPU junction temperature, T_payload + P_gpu R_jc"),
    "q_env_w": ("f8", "W", "environmental heat absorbed by the radiator (Sun, albedo, Earth IR)"),
    "throttle_level": ("f8", "1", "GPU clock as a fraction of f_max; 0 when off"),
    "gpu_on": ("i1", "1", "1 GPUs powered, 0 shut down"),
    "power_capped": ("i1", "1", "1 while the battery floor caps the GPUs"),
    "level_changed_t_s": ("f8", "s", "time of the last clock change"),
    "gpu_down_until_s": ("f8", "s", "GPUs unavailable (reset, latch-up, power-down) until this time"),
    # accumulators for the summary
    "gpu_seconds_available": ("f8", "GPU s", "GPU time launched (gpu_count x elapsed)"),
    "gpu_seconds_delivered": ("f8", "GPU s", "throughput-weighted GPU time (level x on x time)"),
    "throttled_seconds": ("f8", "s", "time below full clock while on"),
    "off_seconds": ("f8", "s", "time with the GPUs shut down"),
    "eclipse_seconds": ("f8", "s", "time in shadow, weighted by 1 - illumination"),
    "energy_generated_j": ("f8", "J", "solar energy delivered to the bus"),
    "energy_consumed_j": ("f8", "J", "electrical energy consumed by the load"),
    "shutdowns": ("i4", "1", "thermal shutdowns"),
    "min_soc": ("f8", "1", "lowest state of charge seen"),
    "max_t_junction_k": ("f8", "K", "highest junction temperature seen"),
    # solar array retention (1 − d)^years, evaluated exactly once an hour, linear in between
    "array_retention": ("f8", "1", "array power retention (1 - d)^years at array_retention_t_ref_s"),
    "array_retention_rate_per_s": ("f8", "1/s", "ln(1 - d) per second: relative rate of the retention"),
    "array_retention_t_ref_s": ("f8", "s", "time at which array_retention was last evaluated exactly"),
}

VECTOR_FIELDS = {"r_eci_m", "v_eci_m_s"}
# everything declared before the first state field is a fixed parameter of the satellite,
# written once to /satellites
PARAMETER_FIELDS = tuple(list(FIELDS)[: list(FIELDS).index("r_eci_m")])


def _allocate(name: str, n: int) -> np.ndarray:
    dtype = np.dtype(FIELDS[name][0])
    shape = (3, n) if name in VECTOR_FIELDS else (n,)
    return np.zeros(shape, dtype=dtype)


@dataclass
class FleetState:
    """Struct of arrays over N satellites; attribute names are the keys of FIELDS."""

    n: int
    extra_fields: dict = field(default_factory=dict)

    @classmethod
    def empty(cls, n: int) -> "FleetState":
        fleet = cls(n)
        for name in FIELDS:
            setattr(fleet, name, _allocate(name, n))
        return fleet

    def add_fields(self, fields: dict[str, tuple[str, str, str]]) -> None:
        """Arrays a subsystem owns, declared in its own module as {name: (dtype, unit, description)};
        allocated as zeros of length N. A name already present is an error."""
        for name, (dtype, unit, description) in fields.items():
            if hasattr(self, name):
                raise ValueError(f"FleetState already has a field {name!r}")
            self.extra_fields[name] = (dtype, unit, description)
            setattr(self, name, np.zeros(self.n, dtype=np.dtype(dtype)))

    def unit(self, name: str) -> str:
        return (FIELDS.get(name) or self.extra_fields[name])[1]
