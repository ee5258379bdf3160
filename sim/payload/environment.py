"""Environmental heat loads of the thermal network: face cosines, Earth view factors of tilted
plates, albedo against the Sun angle, view factors between perpendicular plates, and the
solar array's thermal node. Scalar numba helpers (branch-free where the tick vectorises).

Sources, defaults and validity ranges are in docs/models.md ("The thermal path").
"""
from __future__ import annotations

import math

import numpy as np
from numba import njit

from sim.core.constants import DEEP_SPACE_SINK_K, R_EARTH_EQUATORIAL_M, STEFAN_BOLTZMANN_W_M2_K4
from sim.payload.thermal import (
    atan_unit,
)

_HALF_PI = 0.5 * math.pi
_RAD_TO_DEG = 180.0 / math.pi
# albedo correction for the solar zenith angle ζ (degrees), TM-2001-211221 (Anderson, Justus &
# Batts) as quoted in docs/models.md: c(ζ) = c1 ζ + c2 ζ² + c3 ζ³ + c4 ζ⁴, added to the
# zenith-Sun albedo; c2 < 0 is our reading of the sign (U)
ALBEDO_ZENITH_COEFFICIENTS = (1.3798e-3, -2.1793e-5, 6.0362e-8, 4.9115e-9)
ARRAY_NEWTON_ITERATIONS = 2  # per tick, from the previous tick's temperature


@njit(cache=True, inline="always", error_model="numpy")
def atan_nonnegative(x):
    """atan(x) for x >= 0 (any size), branch-free, from atan_unit."""
    big = x > 1.0
    a = atan_unit(1.0 / x if big else x)
    return _HALF_PI - a if big else a


@njit(cache=True, inline="always", error_model="numpy")
def asin_nonnegative(y):
    """asin(y) for 0 <= y <= 1, branch-free: atan(y / √(1 − y²))."""
    c = math.sqrt(max(1.0 - y * y, 0.0))
    return atan_nonnegative(y / max(c, 1e-300))


@njit(cache=True, inline="always", error_model="numpy")
def earth_view_factor(altitude_m, cos_nadir):
    """View factor from a flat plate to a spherical Earth, the plate normal at an angle φ from
    nadir (cos φ = `cos_nadir`), H = (Re + h)/Re, X = √(H² − 1):

        cos φ ≥ 1/H:   F = cos φ / H²                 (the whole disc in view)
        cos φ ≤ −1/H:  F = 0
        otherwise:     F = ½ − asin(X/(H sin φ))/π
                           + [cos φ acos(−X cot φ) − X √(1 − H² cos²φ)]/(π H²)

    (Howell's catalogue, a plane element tilted to a sphere). Branch-free.
    """
    h = (R_EARTH_EQUATORIAL_M + altitude_m) / R_EARTH_EQUATORIAL_M
    inv_h2 = 1.0 / (h * h)
    x = math.sqrt(max(h * h - 1.0, 1e-30))
    c = min(max(cos_nadir, -1.0), 1.0)
    s = math.sqrt(max(1.0 - c * c, 1e-30))
    full = c * inv_h2
    arg = min(x / (h * s), 1.0)
    a1 = asin_nonnegative(arg)
    # acos(−X cot φ) = π/2 + asin(X cot φ), the sign of cot φ = that of c
    y = min(x * abs(c) / s, 1.0)
    a2 = asin_nonnegative(y)
    acos_term = _HALF_PI + (a2 if c >= 0.0 else -a2)
    partial = (0.5 - a1 / math.pi
               + (c * acos_term - x * math.sqrt(max(1.0 - h * h * c * c, 0.0))) * inv_h2 / math.pi)
    partial = max(partial, 0.0)
    limit = 1.0 / h
    out = partial
    out = full if c >= limit else out
    out = 0.0 if c <= -limit else out
    return out


# earth_view_factor tabulated on a grid of u = Re/(Re + h) (h ≥ 130 km) and c = cos_nadir, for the
# tick: bilinear interpolation (a few loads) instead of two inverse sines per face
_VF_U_STEP, _VF_C_STEP = 0.0025, 2.0 / 256
_VF_U_POINTS, _VF_C_POINTS = 393, 257
_VF_U_PER_STEP, _VF_C_PER_STEP = 1.0 / _VF_U_STEP, 1.0 / _VF_C_STEP


@njit(cache=True, error_model="numpy")
def _tabulate_earth_view_factor(table):
    for iu in range(table.shape[0]):
        u = max(iu * _VF_U_STEP, 1e-6)
        altitude_m = R_EARTH_EQUATORIAL_M * (1.0 / u - 1.0)
        for ic in range(table.shape[1]):
            table[iu, ic] = earth_view_factor(altitude_m, -1.0 + ic * _VF_C_STEP)


EARTH_VIEW_TABLE = np.zeros((_VF_U_POINTS, _VF_C_POINTS))
_tabulate_earth_view_factor(EARTH_VIEW_TABLE)


@njit(cache=True, inline="always", error_model="numpy")
def earth_view_factor_tabulated(altitude_m, cos_nadir):
    """`earth_view_factor` by bilinear interpolation on EARTH_VIEW_TABLE (within 1e-4 for
    h ≥ 130 km; lower altitudes take the 130 km row)."""
    u = R_EARTH_EQUATORIAL_M / (R_EARTH_EQUATORIAL_M + altitude_m)
    x = min(u, (_VF_U_POINTS - 1) * _VF_U_STEP) * _VF_U_PER_STEP
    y = (min(max(cos_nadir, -1.0), 1.0) + 1.0) * _VF_C_PER_STEP
    iu = min(int(x), _VF_U_POINTS - 2)
    ic = min(int(y), _VF_C_POINTS - 2)
    fu = x - iu
    fc = y - ic
    t = EARTH_VIEW_TABLE
    low = t[iu, ic] + fc * (t[iu, ic + 1] - t[iu, ic])
    high = t[iu + 1, ic] + fc * (t[iu + 1, ic + 1] - t[iu + 1, ic])
    return low + fu * (high - low)


@njit(cache=True, inline="always", error_model="numpy")
def local_albedo(albedo, cos_sun_zenith, zenith_correction):
    """Albedo at the sub-satellite point for the Sun at zenith angle ζ (cos ζ = r̂·ŝ):
    a + c(ζ) with c the TM-2001-211221 correction (`zenith_correction` ≠ 0), else a; capped
    at 1. The reflected flux a(ζ)·S·cos ζ still falls to 0 at the terminator."""
    mu = min(max(cos_sun_zenith, 0.0), 1.0)
    # ζ = acos(μ) = 2 atan(√((1 − μ)/(1 + μ))), the argument in [0, 1]
    zeta_deg = 2.0 * atan_unit(math.sqrt((1.0 - mu) / (1.0 + mu))) * _RAD_TO_DEG
    c1, c2, c3, c4 = ALBEDO_ZENITH_COEFFICIENTS
    corr = zeta_deg * (c1 + zeta_deg * (c2 + zeta_deg * (c3 + zeta_deg * c4)))
    corr = corr if zenith_correction != 0.0 else 0.0
    return min(albedo + corr, 1.0)


@njit(cache=True, inline="always", error_model="numpy")
def plate_earth_view_factors(altitude_m, cos_nadir_front):
    """(F_front, F_back) of a flat plate: one (tabulated) `earth_view_factor` and the identity
    F(c) − F(−c) = c/H² (the cosine-weighted solid angle of the Earth's disc is linear in the
    normal), the back face's nadir cosine being −cos_nadir_front."""
    u = R_EARTH_EQUATORIAL_M / (R_EARTH_EQUATORIAL_M + altitude_m)
    f_front = earth_view_factor_tabulated(altitude_m, cos_nadir_front)
    return f_front, max(f_front - cos_nadir_front * u * u, 0.0)


@njit(cache=True, inline="always", error_model="numpy")
def face_environment_w_m2(absorptivity, emissivity, cos_sun, f_earth, cos_sun_zenith, illumination,
                          solar_flux_w_m2, albedo, earth_ir_w_m2):
    """Sun + albedo + Earth IR absorbed per m² of one face, in W/m²: α S max(0, cos_sun)·lit
    + α S a F_E max(0, r̂·ŝ) + ε q_IR F_E, F_E the face's Earth view factor."""
    q_sun = absorptivity * solar_flux_w_m2 * max(0.0, cos_sun) * illumination
    q_albedo = absorptivity * solar_flux_w_m2 * albedo * f_earth * max(0.0, cos_sun_zenith)
    return q_sun + q_albedo + emissivity * earth_ir_w_m2 * f_earth


def perpendicular_plates_view_factor(edge_m, width_1_m, height_2_m):
    """F₁₂ from plate 1 (edge_m × width_1_m) to plate 2 (edge_m × height_2_m), perpendicular and
    sharing the edge of length edge_m (Howell's catalogue C-14). H = h/l, W = w/l:

        π W F₁₂ = W atan(1/W) + H atan(1/H) − √(H² + W²) atan(1/√(H² + W²))
                  + ¼ ln{ (1+W²)(1+H²)/(1+W²+H²) · [W²(1+W²+H²)/((1+W²)(W²+H²))]^(W²)
                          · [H²(1+H²+W²)/((1+H²)(H²+W²))]^(H²) }
    """
    if width_1_m <= 0.0 or height_2_m <= 0.0 or edge_m <= 0.0:
        return 0.0
    w, h = width_1_m / edge_m, height_2_m / edge_m
    w2, h2 = w * w, h * h
    r = math.sqrt(h2 + w2)
    log_term = (math.log((1 + w2) * (1 + h2) / (1 + w2 + h2))
                + w2 * math.log(w2 * (1 + w2 + h2) / ((1 + w2) * (w2 + h2)))
                + h2 * math.log(h2 * (1 + h2 + w2) / ((1 + h2) * (h2 + w2))))
    value = w * math.atan(1 / w) + h * math.atan(1 / h) - r * math.atan(1 / r) + 0.25 * log_term
    return value / (math.pi * w)


def radiator_to_offset_plate_view_factor(edge_m, radiator_extent_m, gap_m, plate_extent_m):
    """F from the radiator (edge_m × radiator_extent_m) to a perpendicular plate along the same
    edge line that starts gap_m from the edge and extends plate_extent_m beyond: by view-factor
    algebra, F(→ gap + plate) − F(→ gap)."""
    return (perpendicular_plates_view_factor(edge_m, radiator_extent_m, gap_m + plate_extent_m)
            - perpendicular_plates_view_factor(edge_m, radiator_extent_m, gap_m))


@njit(cache=True, inline="always", error_model="numpy")
def array_node_step(t_array_k, absorbed_w_m2, electric_ref_w_m2, temp_coeff_per_k, t_ref_k,
                    emissivity_sum, heat_capacity_j_m2_k, dt_s, iterations=ARRAY_NEWTON_ITERATIONS):
    """The solar array's temperature at the tick end, per m² (backward Euler; quasi-steady with
    zero heat capacity), and its electrical output in W/m²:

        c (T − T₀)/dt = q_abs − P_el(T) − (ε_f + ε_b) σ (T⁴ − T_sink⁴)
        P_el(T) = P_ref (1 + β (T − T_ref))

    solved by `iterations` Newton steps (branch-free; the tick's two from the previous tick's
    temperature leave < 1e-6 K at 10 s; a cold start needs about six)."""
    k4 = emissivity_sum * STEFAN_BOLTZMANN_W_M2_K4
    cap = heat_capacity_j_m2_k / dt_s
    lin = cap + electric_ref_w_m2 * temp_coeff_per_k
    sink2 = DEEP_SPACE_SINK_K * DEEP_SPACE_SINK_K
    c0 = (cap * t_array_k + absorbed_w_m2 - electric_ref_w_m2 * (1.0 - temp_coeff_per_k * t_ref_k)
          + k4 * sink2 * sink2)
    # start: T₀ or the quartic's root with the linear term frozen at T₀, whichever is higher;
    # F = lin T + k4 T⁴ − c0 is convex, so after one step Newton approaches the root from above
    t = max(t_array_k, math.sqrt(math.sqrt(max(c0 - lin * t_array_k, 0.0) / k4)), 150.0)
    for _ in range(iterations):
        t3 = t * t * t
        t = max(t - (lin * t + k4 * t3 * t - c0) / (lin + 4.0 * k4 * t3), DEEP_SPACE_SINK_K)
    p_el = electric_ref_w_m2 * (1.0 + temp_coeff_per_k * (t - t_ref_k))
    return t, max(p_el, 0.0)
