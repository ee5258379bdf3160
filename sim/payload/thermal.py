"""Two-node radiative thermal model of a satellite payload: scalar numba helpers.

Nodes: the payload (GPUs, cold plate, structure; heat capacity C_p) and the radiator
(C_r), joined by a conductance G::

    C_p dT_p/dt = P_heat − G (T_p − T_r)
    C_r dT_r/dt = G (T_p − T_r) + q_env − ε σ A n_sides (T_r⁴ − T_sink⁴)

`thermal_step` advances both by one tick with TR-BDF2 (trapezoidal stage, then BDF2
stage): second order and L-stable, so it is accurate at 10 s and stays stable and
NaN-free at 60 s and beyond. Each stage is implicit in (T_p, T_r); T_p is linear in T_r
and is eliminated, leaving one scalar quartic solved by Newton (T⁴ linearised at each
iterate). `thermal_step_fast` is the same step with a fixed number of Newton iterations
(branch-free, so the loop over satellites vectorises) and a convergence flag; the payload
kernel falls back to `thermal_step` where the flag is down. Units: K, W, J/K, W/K, m², s.
"""
from __future__ import annotations

import math

from numba import njit

from sim.core.constants import (
    DEEP_SPACE_SINK_K,
    EARTH_BOND_ALBEDO,
    EARTH_IR_W_M2,
    R_EARTH_EQUATORIAL_M,
    STEFAN_BOLTZMANN_W_M2_K4,
)

ORIENTATION_NADIR = 0
ORIENTATION_ZENITH = 1
ORIENTATION_VERTICAL = 2

_TRBDF2_GAMMA = 2.0 - math.sqrt(2.0)
_NEWTON_MAX_ITERATIONS = 100
# Newton converges quadratically with constant F''/2F' < 1.5/T: once an update is below
# 1e-3 K the error left is below ~1e-8 K, so the iteration stops there.
_NEWTON_TOLERANCE_K = 1e-3
# from the predicted guesses, two steps reach the tolerance in ordinary ticks; three
# leave a margin (measured: ~1.5 steps per stage at dt = 10 s, ~2 at 60 s)
NEWTON_FIXED_ITERATIONS = 3


@njit(cache=True, inline="always", error_model="numpy")
def view_factor_nadir_plate(altitude_m):
    """View factor from a nadir-facing flat plate to a spherical Earth: (Re/(Re+h))²."""
    ratio = R_EARTH_EQUATORIAL_M / (R_EARTH_EQUATORIAL_M + altitude_m)
    return ratio * ratio


# Cephes atan coefficients (rational minimax on |x| <= 0.66, error < 1.2e-16); no SVML here,
# so math.atan is a scalar libm call (~13 ns) and would stop the loop from vectorising
_ATAN_P = (-8.750608600031904122785e-1, -1.615753718733365076637e1, -7.500855792314704667340e1,
           -1.228866684490136173410e2, -6.485021904942025371773e1)
_ATAN_Q = (2.485846490142306297962e1, 1.650270098316988542046e2, 4.328810604912902668951e2,
           4.853903996359136964868e2, 1.945506571482613964425e2)


@njit(cache=True, inline="always", error_model="numpy")
def atan_unit(x):
    """atan(x) for 0 <= x <= 1 to within 1 ulp, branch-free (selects only)."""
    big = x > 0.66
    xr = (x - 1.0) / (x + 1.0) if big else x
    y0 = 0.25 * math.pi if big else 0.0
    z = xr * xr
    p = (((_ATAN_P[0] * z + _ATAN_P[1]) * z + _ATAN_P[2]) * z + _ATAN_P[3]) * z + _ATAN_P[4]
    q = ((((z + _ATAN_Q[0]) * z + _ATAN_Q[1]) * z + _ATAN_Q[2]) * z + _ATAN_Q[3]) * z + _ATAN_Q[4]
    return y0 + (xr + xr * z * p / q)


@njit(cache=True, inline="always", error_model="numpy")
def view_factor_vertical_plate(altitude_m):
    """View factor from a plate whose normal is horizontal (⟂ nadir) to a spherical Earth.

    F = [atan(1/X) − X/H²]/π with H = (Re+h)/Re and X = √(H² − 1); F → ½ as h → 0.
    atan(1/X) is π/2 − atan(X) for X ≤ 1 (h ≤ 2640 km), else atan(1/X): both from atan_unit.
    """
    h_ratio = (R_EARTH_EQUATORIAL_M + altitude_m) / R_EARTH_EQUATORIAL_M
    x = math.sqrt(max(h_ratio * h_ratio - 1.0, 1e-30))
    inv_x = 1.0 / x
    a = atan_unit(min(x, inv_x))
    atan_inv_x = 0.5 * math.pi - a if x <= 1.0 else a
    return (atan_inv_x - x / (h_ratio * h_ratio)) / math.pi


@njit(cache=True, inline="always", error_model="numpy")
def view_factor_zenith_plate(altitude_m):
    """A zenith-facing plate above the Earth's surface does not see the Earth: 0."""
    return 0.0


@njit(cache=True, inline="always", error_model="numpy")
def face_absorbed_w(area_m2, absorptivity, emissivity, cos_sun_normal, view_factor_earth,
                    cos_sun_zenith, illumination, solar_flux_w_m2, albedo, earth_ir_w_m2):
    """Heat absorbed by one radiator face, in W: direct Sun + albedo + Earth IR.

    q_sun    = α S A max(0, n̂·ŝ) illumination
    q_albedo = α S a F_E A max(0, r̂·ŝ)      (albedo of the sub-satellite point, cosine law)
    q_ir     = ε q_IR F_E A
    """
    q_sun = absorptivity * solar_flux_w_m2 * max(0.0, cos_sun_normal) * illumination
    q_albedo = absorptivity * solar_flux_w_m2 * albedo * view_factor_earth * max(0.0, cos_sun_zenith)
    q_ir = emissivity * earth_ir_w_m2 * view_factor_earth
    return area_m2 * (q_sun + q_albedo + q_ir)


@njit(cache=True, inline="always", error_model="numpy")
def radiator_absorbed_w(orientation, sides, area_m2, absorptivity, emissivity, altitude_m,
                        cos_sun_zenith, illumination, solar_flux_w_m2,
                        albedo=EARTH_BOND_ALBEDO, earth_ir_w_m2=EARTH_IR_W_M2):
    """Environmental heat absorbed by the radiator panel, in W.

    orientation 0: front face nadir (n̂ = −r̂), back face zenith;
                1: front face zenith (n̂ = +r̂), back face nadir;
                2: vertical, edge-on to the Sun (n̂ ⟂ r̂, n̂ ⟂ ŝ): both faces vertical, no
                   direct Sun.
    `sides` = 1 counts the front face only, 2 both. `cos_sun_zenith` is r̂·ŝ.
    """
    # all three layouts are evaluated and one is selected, without branches, so that the
    # loop over satellites vectorises
    f_vertical = view_factor_vertical_plate(altitude_m)
    vertical = face_absorbed_w(area_m2, absorptivity, emissivity, 0.0, f_vertical,
                               cos_sun_zenith, illumination, solar_flux_w_m2, albedo, earth_ir_w_m2)
    f_nadir = view_factor_nadir_plate(altitude_m)
    nadir = face_absorbed_w(area_m2, absorptivity, emissivity, -cos_sun_zenith, f_nadir,
                            cos_sun_zenith, illumination, solar_flux_w_m2, albedo, earth_ir_w_m2)
    zenith = face_absorbed_w(area_m2, absorptivity, emissivity, cos_sun_zenith, 0.0,
                             cos_sun_zenith, illumination, solar_flux_w_m2, albedo, earth_ir_w_m2)
    two = sides >= 2
    facing = (nadir + zenith) if two else (nadir if orientation == ORIENTATION_NADIR else zenith)
    edge_on = vertical * sides
    return edge_on if orientation == ORIENTATION_VERTICAL else facing


@njit(cache=True, inline="always", error_model="numpy")
def radiator_emitted_w(t_radiator_k, area_m2, emissivity, sides, t_sink_k=DEEP_SPACE_SINK_K):
    """Heat radiated to deep space: ε σ A n_sides (T_r⁴ − T_sink⁴), in W."""
    t2 = t_radiator_k * t_radiator_k
    s2 = t_sink_k * t_sink_k
    return emissivity * STEFAN_BOLTZMANN_W_M2_K4 * area_m2 * sides * (t2 * t2 - s2 * s2)


@njit(cache=True, inline="always", error_model="numpy")
def _stage_equation(b_p, b_r, a_s, p_heat_w, q_env_w, c_payload_j_k, c_radiator_j_k, g_w_k,
                    emission_w_k4):
    """One implicit stage T − a f(T) = b reduced to F(T_r) = lin T_r + k4 T_r⁴ − c0 = 0.

    The payload equation is linear, T_p = alpha0 + alpha1 T_r, and is eliminated.
    Returns (alpha0, alpha1, lin, k4, c0).
    """
    kp = a_s / c_payload_j_k
    kr = a_s / c_radiator_j_k
    sink2 = DEEP_SPACE_SINK_K * DEEP_SPACE_SINK_K
    denom = 1.0 / (1.0 + kp * g_w_k)
    alpha0 = (b_p + kp * p_heat_w) * denom
    alpha1 = kp * g_w_k * denom
    lin = 1.0 + kr * g_w_k * (1.0 - alpha1)
    k4 = kr * emission_w_k4
    c0 = kr * g_w_k * alpha0 + kr * (q_env_w + emission_w_k4 * sink2 * sink2) + b_r
    return alpha0, alpha1, lin, k4, c0


@njit(cache=True, inline="always", error_model="numpy")
def _newton_fixed(lin, k4, c0, t_guess_k):
    """NEWTON_FIXED_ITERATIONS Newton steps on F from the guess, no branch (vectorises).

    Returns (T_r, |last update|); F is increasing and convex for T > 0, so a last update
    below the tolerance means the root is reached.
    """
    t = max(t_guess_k, DEEP_SPACE_SINK_K)
    delta = 0.0
    for _ in range(NEWTON_FIXED_ITERATIONS):
        t3 = t * t * t
        delta = (lin * t + k4 * t3 * t - c0) / (lin + 4.0 * k4 * t3)
        t = max(t - delta, DEEP_SPACE_SINK_K)
    return t, abs(delta)


@njit(cache=True, inline="always", error_model="numpy")
def _newton_from_above(lin, k4, c0):
    """Root of F by Newton from an upper bound: monotone, converges from any state."""
    if c0 <= (lin + k4 * DEEP_SPACE_SINK_K ** 3) * DEEP_SPACE_SINK_K:
        return DEEP_SPACE_SINK_K
    # the root lies below both c0/lin and (c0/k4)^¼ (and above half the smaller one)
    t = c0 / lin
    if k4 > 0.0:
        t = min(t, math.sqrt(math.sqrt(c0 / k4)))
    for _ in range(_NEWTON_MAX_ITERATIONS):
        t3 = t * t * t
        delta = (lin * t + k4 * t3 * t - c0) / (lin + 4.0 * k4 * t3)
        t -= delta
        if delta < _NEWTON_TOLERANCE_K:
            break
    return max(t, DEEP_SPACE_SINK_K)


@njit(cache=True, inline="always", error_model="numpy")
def _trbdf2_stage1(t_payload_k, t_radiator_k, p_heat_w, q_env_start_w, q_env_end_w,
                   c_payload_j_k, c_radiator_j_k, g_w_k, emission, dt_s):
    """Stage 1, trapezoidal rule to t + γ dt: the equation coefficients."""
    gamma = _TRBDF2_GAMMA
    sink2 = DEEP_SPACE_SINK_K * DEEP_SPACE_SINK_K
    a1 = 0.5 * gamma * dt_s
    conduction = g_w_k * (t_payload_k - t_radiator_k)
    tr2 = t_radiator_k * t_radiator_k
    f_p = (p_heat_w - conduction) / c_payload_j_k
    f_r = (conduction + q_env_start_w - emission * (tr2 * tr2 - sink2 * sink2)) / c_radiator_j_k
    q_gamma = q_env_start_w + gamma * (q_env_end_w - q_env_start_w)
    return _stage_equation(t_payload_k + a1 * f_p, t_radiator_k + a1 * f_r, a1, p_heat_w,
                           q_gamma, c_payload_j_k, c_radiator_j_k, g_w_k, emission)


@njit(cache=True, inline="always", error_model="numpy")
def _trbdf2_stage2(t_payload_k, t_radiator_k, tp_g, tr_g, p_heat_w, q_env_end_w,
                   c_payload_j_k, c_radiator_j_k, g_w_k, emission, dt_s):
    """Stage 2, BDF2 through t, t + γ dt and t + dt: the equation coefficients."""
    gamma = _TRBDF2_GAMMA
    w_g = 1.0 / (gamma * (2.0 - gamma))
    w_n = (1.0 - gamma) * (1.0 - gamma) / (gamma * (2.0 - gamma))
    a2 = (1.0 - gamma) / (2.0 - gamma) * dt_s
    return _stage_equation(w_g * tp_g - w_n * t_payload_k, w_g * tr_g - w_n * t_radiator_k, a2,
                           p_heat_w, q_env_end_w, c_payload_j_k, c_radiator_j_k, g_w_k, emission)


@njit(cache=True, inline="always", error_model="numpy")
def thermal_step(t_payload_k, t_radiator_k, p_heat_w, q_env_start_w, q_env_end_w,
                 c_payload_j_k, c_radiator_j_k, g_w_k, area_m2, emissivity, sides, dt_s):
    """Advance the two nodes by `dt_s` with TR-BDF2; returns (T_payload, T_radiator) in K.

    `p_heat_w` (electrical load dissipated in the payload) is constant over the tick;
    the environmental load q_env varies linearly from `q_env_start_w` to `q_env_end_w`.
    Each stage's Newton iteration starts from an upper bound of its root, so it converges
    monotonically whatever the step: the robust version.
    """
    emission = emissivity * STEFAN_BOLTZMANN_W_M2_K4 * area_m2 * sides
    alpha0, alpha1, lin, k4, c0 = _trbdf2_stage1(
        t_payload_k, t_radiator_k, p_heat_w, q_env_start_w, q_env_end_w, c_payload_j_k,
        c_radiator_j_k, g_w_k, emission, dt_s)
    tr_g = _newton_from_above(lin, k4, c0)
    tp_g = alpha0 + alpha1 * tr_g
    alpha0, alpha1, lin, k4, c0 = _trbdf2_stage2(
        t_payload_k, t_radiator_k, tp_g, tr_g, p_heat_w, q_env_end_w, c_payload_j_k,
        c_radiator_j_k, g_w_k, emission, dt_s)
    tr = _newton_from_above(lin, k4, c0)
    return alpha0 + alpha1 * tr, tr


@njit(cache=True, inline="always", error_model="numpy")
def thermal_step_fast(t_payload_k, t_radiator_k, p_heat_w, q_env_start_w, q_env_end_w,
                      c_payload_j_k, c_radiator_j_k, g_w_k, area_m2, emissivity, sides, dt_s):
    """`thermal_step` with a fixed number of Newton steps from predicted guesses.

    Branch-free, so a loop over satellites vectorises. Returns (T_payload, T_radiator,
    converged): converged is False when a last Newton update exceeded the tolerance
    (a violent transient); the caller then redoes the step with `thermal_step`.
    """
    emission = emissivity * STEFAN_BOLTZMANN_W_M2_K4 * area_m2 * sides
    alpha0, alpha1, lin, k4, c0 = _trbdf2_stage1(
        t_payload_k, t_radiator_k, p_heat_w, q_env_start_w, q_env_end_w, c_payload_j_k,
        c_radiator_j_k, g_w_k, emission, dt_s)
    tr_g, residual_g = _newton_fixed(lin, k4, c0, t_radiator_k)
    tp_g = alpha0 + alpha1 * tr_g
    alpha0, alpha1, lin, k4, c0 = _trbdf2_stage2(
        t_payload_k, t_radiator_k, tp_g, tr_g, p_heat_w, q_env_end_w, c_payload_j_k,
        c_radiator_j_k, g_w_k, emission, dt_s)
    guess = t_radiator_k + (tr_g - t_radiator_k) * (1.0 / _TRBDF2_GAMMA)  # extrapolation
    tr, residual = _newton_fixed(lin, k4, c0, guess)
    converged = max(residual_g, residual) < _NEWTON_TOLERANCE_K
    return alpha0 + alpha1 * tr, tr, converged


@njit(cache=True, inline="always", error_model="numpy")
def steady_state_temperatures(p_heat_w, q_env_w, g_w_k, area_m2, emissivity, sides):
    """Equilibrium (T_payload, T_radiator) in K for constant P_heat and q_env.

    T_r = ((P + q)/(ε σ A n_sides) + T_sink⁴)^¼ and T_p = T_r + P/G.
    """
    emission = emissivity * STEFAN_BOLTZMANN_W_M2_K4 * area_m2 * sides
    sink2 = DEEP_SPACE_SINK_K * DEEP_SPACE_SINK_K
    t_r = ((p_heat_w + q_env_w) / emission + sink2 * sink2) ** 0.25
    return t_r + p_heat_w / g_w_k, t_r
