"""A FleetState of identical satellites with an H100-like payload at a fixed geometry, for the
payload kernel tests (the position is on the x axis, the Sun direction chosen by each test)."""
from sim.core.fleet import FleetState

R_ORBIT_M = 6378137.0 + 550e3

BASE = dict(
    array_area_m2=20.0, array_efficiency=0.3, array_degradation_per_year=0.0,
    array_age_years=0.0, array_sun_tracking=1, battery_capacity_wh=1e6, soc_floor=0.0,
    soc_release=0.1, charge_efficiency=1.0, discharge_efficiency=1.0, bus_power_w=200.0,
    gpu_count=4, gpu_tdp_w=700.0, gpu_idle_w=75.0, gpu_dvfs_exponent=3.0,
    gpu_min_level=345 / 1980, gpu_level_step=0.05, gpu_slowdown_level=0.5,
    gpu_capped_level=0.5, r_jc_k_w=0.02, t_max_operating_k=1e4, t_slowdown_k=1e4,
    t_shutdown_k=1e4, t_restart_k=1e4, throttle_hysteresis_k=3.0, throttle_hold_s=60.0,
    c_payload_j_k=30e3, c_radiator_j_k=9e3, g_payload_radiator_w_k=200.0,
    radiator_area_m2=2.5, radiator_emissivity=0.9, radiator_absorptivity=0.15,
    radiator_sides=2, radiator_orientation=2,
)


def make_payload_fleet(n: int, values: dict) -> FleetState:
    fleet = FleetState.empty(n)
    for name, value in {**BASE, **values}.items():
        getattr(fleet, name)[:] = value
    fleet.r_eci_m[0, :] = R_ORBIT_M  # fixed geometry: r̂ = x̂
    fleet.illumination[:] = 1.0
    return fleet
