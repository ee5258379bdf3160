"""The payload's tick kernel for the block driver (sim.core.blocks): sim.payload.tick's fused
step with the Sun of the tick from the orbits' Sun table (sim.orbits.tick)."""
from __future__ import annotations

from numba import njit

from sim.payload.tick import step_physics, step_physics_serial

FLAG_ECLIPSE = 1   # eclipse entries or exits to emit
FLAG_GPU = 2       # GPU clock events (throttle, shutdown, restart)
FLAG_POWER = 4     # power events (cap, release)


@njit(cache=True)
def payload_tick(step, row, t0_s, dt_s, sun_table, parallel, chunk, environment_on, eclipse_model,
                 eclipse_threshold, crossing_direction, crossing_t_s, scratch, r_eci_m, v_eci_m_s,
                 illumination, hardware, live_arrays):
    """Illumination, eclipse crossings, power, thermal and throttling of every satellite over one
    tick; the flag says which kinds of event the tick produced."""
    sx, sy, sz = sun_table[row, 0], sun_table[row, 1], sun_table[row, 2]
    ux, uy, uz, flux = sun_table[row, 3], sun_table[row, 4], sun_table[row, 5], sun_table[row, 7]
    if parallel:
        n_eclipse, n_gpu, n_power = step_physics(
            chunk, t0_s, dt_s, sx, sy, sz, ux, uy, uz, flux, environment_on, eclipse_model, eclipse_threshold,
            crossing_direction, crossing_t_s, scratch, r_eci_m, v_eci_m_s, illumination, hardware, *live_arrays)
    else:
        n_eclipse, n_gpu, n_power = step_physics_serial(
            chunk, t0_s, dt_s, sx, sy, sz, ux, uy, uz, flux, environment_on, eclipse_model, eclipse_threshold,
            crossing_direction, crossing_t_s, scratch, r_eci_m, v_eci_m_s, illumination, hardware, *live_arrays)
    flag = 0
    if n_eclipse:
        flag |= FLAG_ECLIPSE
    if n_gpu:
        flag |= FLAG_GPU
    if n_power:
        flag |= FLAG_POWER
    return flag
