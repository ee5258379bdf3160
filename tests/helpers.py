"""Shared test harnesses: fleets built without a scenario, and the reference implementations
that only tests use (kept here, out of sim/, so that production has one implementation)."""
from __future__ import annotations

import numpy as np

from sim.core.fleet import FleetState
from sim.orbits.subsystem import Orbits
from sim.payload import tick
from sim.payload.config import Gpu
from sim.payload.subsystem import Payload

R_ORBIT_M = 6378137.0 + 550e3


def empty_fleet(n: int) -> FleetState:
    """A FleetState of n satellites with the orbit and payload fields, all zero (utilisation 1)."""
    fleet = FleetState(n)
    fleet.allocate(Orbits.fields, "orbits")
    fleet.allocate(Payload.fields, "payload")
    fleet.gpu_utilisation[:] = 1.0
    fleet.gpu_clock_sensitivity[:] = 1.0
    return fleet


PAYLOAD_BASE = dict(
    array_area_m2=20.0, array_efficiency=0.3, array_degradation_per_year=0.0,
    array_age_years=0.0, array_sun_tracking=1, battery_capacity_wh=1e6, soc_floor=0.0,
    soc_release=0.1, charge_efficiency=1.0, discharge_efficiency=1.0, bus_power_w=200.0,
    gpu_count=4, gpu_tdp_w=700.0, gpu_idle_w=75.0, **dict(zip(
        ("gpu_static_w", "gpu_dynamic_w", "gpu_v_min_ratio", "gpu_knee_level"), Gpu().vf_parameters)),
    gpu_power_cap_w=700.0, gpu_power_cap_level=1.0,
    gpu_min_level=345 / 1980, gpu_level_step=0.05, gpu_slowdown_level=0.5,
    gpu_capped_level=0.5, r_jc_k_w=0.02, t_max_operating_k=1e4, t_slowdown_k=1e4,
    t_shutdown_k=1e4, t_restart_k=1e4, throttle_hysteresis_k=3.0, throttle_hold_s=60.0,
    c_payload_j_k=30e3, c_radiator_j_k=9e3, g_payload_radiator_w_k=200.0,
    radiator_area_m2=2.5, radiator_emissivity=0.9, radiator_absorptivity=0.15,
    radiator_sides=2, radiator_orientation=2,
)


def make_payload_fleet(n: int, values: dict) -> FleetState:
    """Identical satellites with an H100-like payload at a fixed geometry (the position on the x
    axis, the Sun direction chosen by each test)."""
    fleet = empty_fleet(n)
    for name, value in {**PAYLOAD_BASE, **values}.items():
        getattr(fleet, name)[:] = value
    if "gpu_count_installed" not in values:
        fleet.gpu_count_installed[:] = fleet.gpu_count
    fleet.r_eci_m[0, :] = R_ORBIT_M  # fixed geometry: r̂ = x̂, moving along ŷ
    fleet.v_eci_m_s[1, :] = 7.5e3
    fleet.illumination[:] = 1.0
    return fleet


def step_payload_fleet(fleet, t_s, dt_s, sun_unit, solar_flux_w_m2, environment_on, events):
    """One payload tick of every satellite from t_s to t_s + dt_s with the illumination already in
    `fleet` (the production kernel's payload pass, without the illumination and eclipse pass).
    `events` is a PayloadEvents; returns (GPU events, power events)."""
    hardware = np.ascontiguousarray(np.stack([getattr(fleet, name).astype(np.float64)
                                              for name in tick.HARDWARE_ROWS]))
    state = [getattr(fleet, name) for name in tick.STATE_ARRAYS]
    event_arrays = [getattr(events, name) for name in tick.EVENT_ARRAYS]
    return tick._payload_range(0, fleet.n, float(t_s), float(dt_s), float(sun_unit[0]), float(sun_unit[1]),
                               float(sun_unit[2]), float(solar_flux_w_m2), int(environment_on), fleet.r_eci_m,
                               fleet.v_eci_m_s, fleet.illumination, hardware, *state, *event_arrays,
                               tick.new_scratch(fleet.n))


def threshold_crossings(before, after, threshold, t0_s, dt_s):
    """Reference: direction (−1 falling, +1 rising, 0 none) and the linearly interpolated time of
    every element's crossing of `threshold` in a tick, in plain NumPy."""
    before, after = np.asarray(before, float), np.asarray(after, float)
    direction = np.where((before >= threshold) & (after < threshold), -1,
                         np.where((before < threshold) & (after >= threshold), 1, 0))
    with np.errstate(divide="ignore", invalid="ignore"):
        t_cross_s = t0_s + dt_s * (before - threshold) / (before - after)
    return direction, np.where(direction != 0, t_cross_s, np.nan)


def advance_ticks(sim, steps) -> None:
    """Advance every subsystem of a Simulation over the ticks `steps`, in order, as its clock
    process does (sim.core.simulation.Simulation._clock), without SimPy or a Recorder."""
    from sim.core.subsystem import Block

    for step in steps:
        sim.clock.advance_to(step)
        block = Block(step, step, sim.dt_s)
        for sub in sim.subsystems:
            sub.advance(block)


def lower_parallel_threshold(monkeypatch, modules, min_chunk: int) -> None:
    """Make the kernels of `modules` (each calls sim.core.numerics.parallel_chunk by that name)
    go parallel from `min_chunk` items (whatever grain the kernel asks for), so that a small test
    fleet takes the path of a Starlink-size one, in several chunks. Skips where numba has fewer
    than two threads."""
    import numba
    import pytest

    from sim.core import numerics

    if numba.get_num_threads() < 2:
        pytest.skip("the parallel path needs two numba threads")
    for module in modules:
        monkeypatch.setattr(module, "parallel_chunk",
                            lambda n, _own_min_chunk=None: numerics.parallel_chunk(n, min_chunk))


def assert_block_invariant(config_path, until: str, tmp_path, *, blocks=(1, 10_000), sets=()) -> None:
    """Run `config_path` for `until` with each block length in `blocks` (run.block_ticks) and
    assert the result files are identical dataset by dataset (sim.io.compare, as `odcsim
    diff`). A property of the block driver, not a reference: it fails wherever a tick kernel
    reads state another kernel changed without a flag, or Python works on a quiet tick."""
    from pathlib import Path

    from sim.config.loading import load_scenario
    from sim.core.simulation import run
    from sim.io.compare import compare_runs

    paths = []
    for ticks in blocks:
        scenario = load_scenario(Path(config_path), [f"duration={until}", f"run.block_ticks={ticks}", *sets])
        paths.append(run(scenario, Path(tmp_path) / f"blocks_{ticks}.h5").path)
    for other in paths[1:]:
        differences = compare_runs(paths[0], other)
        assert not differences, f"{config_path}: blocks of {blocks[0]} vs {other.stem}: " + "; ".join(differences[:10])
