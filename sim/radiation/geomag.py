"""The geomagnetic dipole from IGRF, Størmer's vertical cutoff rigidity and its storm-time
suppression.

The centred dipole of IGRF (g10, g11, h11, interpolated to the date from the IGRF-14 table
shipped with `ppigrf`) has the field B0 = √(g10² + g11² + h11²) at the IGRF reference radius
a = 6371.2 km, i.e. the moment M = 4π a³ B0 / μ0. A point at distance r has the geomagnetic
latitude λm (sin λm = r̂·axis); in a dipole the McIlwain parameter is L = (r/R)/cos²λm and
Størmer's vertical cutoff is

    R_c = C_St / L²,   C_St = μ0 M c / (16 π R²) = c B0 a³ / (4 R²)

(Størmer 1955; Smart & Shea 2005, Adv. Space Res. 36, 2012), R the radius L is counted in
(the kernel uses the WGS84 equatorial radius). For 2026 C_St = 14.2 GV at R = a; the 14.9 GV of
the older literature (Shea, Smart & Gentile 1987, PEPI 48, 200: "the intuitively expected
Pc = 14.9 L⁻²") belongs to M ≈ 8.1 × 10²² A m², the dipole of the 1940s–60s.

Storm time: the cutoff moves equatorward. With the invariant latitude Λ (cos²Λ = 1/L) the quiet
cutoff is C_St cos⁴Λ; a storm shifts the cutoff latitude by δ, so a point at Λ sees the quiet
cutoff of Λ + δ: R_c = C_St cos⁴(min(Λ + δ, 90°)). δ = k·Kp (k in degrees per Kp unit) from the
3-hourly Kp of a CelesTrak space-weather file; k is a judgement (U) sized on SAMPEX and PAMELA
cutoff-latitude observations (Leske et al. 2001, JGR 106, 30011: shifts of more than 5° within a
day, correlated with Kp and Dst; Bruno et al. 2016, JGR 121, 7271: up to 7° at the lowest
rigidities in the Kp 8 storm of 2006-12-14).
"""
from __future__ import annotations

import math
from datetime import datetime, timezone

import numpy as np

from sim.core.constants import R_EARTH_EQUATORIAL_M, SPEED_OF_LIGHT_M_S

IGRF_REFERENCE_RADIUS_M = 6371.2e3     # the IGRF spherical-harmonic reference radius a
MU0_H_M = 1.25663706212e-6             # vacuum permeability μ0 (CODATA 2018)
GEOMAG_VECTOR = ("axis_x", "axis_y", "axis_z", "stormer_gv", "cos_shift", "sin_shift")   # the kernel's `geomag`


def igrf_dipole_coefficients(when: datetime) -> tuple[float, float, float]:
    """(g10, g11, h11) in nT, linearly interpolated between IGRF-14 epochs."""
    from ppigrf.ppigrf import read_shc, shc_fn_igrf14
    g, h = read_shc(shc_fn_igrf14)
    when = when.astimezone(timezone.utc).replace(tzinfo=None) if when.tzinfo else when
    t = np.datetime64(when, "s").astype("datetime64[s]").astype(float)
    epochs = g.index.values.astype("datetime64[s]").astype(float)
    def interp(frame, n, m):
        return float(np.interp(t, epochs, frame[(n, m)].to_numpy(dtype=float)))
    return interp(g, 1, 0), interp(g, 1, 1), interp(h, 1, 1)


def dipole_axis_ecef(when: datetime) -> np.ndarray:
    """Unit vector (Earth-fixed) of the dipole's northern geomagnetic pole (the axis the field
    lines leave from in the south and enter in the north): −(g11, h11, g10)/|…|."""
    g10, g11, h11 = igrf_dipole_coefficients(when)
    axis = -np.array([g11, h11, g10])
    return axis / np.linalg.norm(axis)


def dipole_field_nt(when: datetime) -> float:
    """B0 = √(g10² + g11² + h11²) [nT]: the dipole's equatorial field at the reference radius."""
    return float(math.sqrt(sum(x * x for x in igrf_dipole_coefficients(when))))


def dipole_moment_a_m2(b0_nt: float) -> float:
    """M = 4π a³ B0 / μ0 [A m²] of a dipole with equatorial field b0_nt at a."""
    return 4.0 * math.pi * IGRF_REFERENCE_RADIUS_M ** 3 * b0_nt * 1e-9 / MU0_H_M


def stormer_constant_gv(moment_a_m2: float, radius_m: float = R_EARTH_EQUATORIAL_M) -> float:
    """C_St = μ0 M c / (16 π R²) [GV]: the vertical cutoff at L = 1 with L counted in radius_m."""
    return MU0_H_M * moment_a_m2 * SPEED_OF_LIGHT_M_S / (16.0 * math.pi * radius_m ** 2) / 1e9


def kernel_vector(axis: np.ndarray, stormer_gv: float, shift_deg: float = 0.0) -> np.ndarray:
    """The tick kernel's `geomag` array (GEOMAG_VECTOR): dipole axis, C_St, cos/sin of the
    storm-time cutoff-latitude shift."""
    shift = math.radians(shift_deg)
    return np.array([axis[0], axis[1], axis[2], stormer_gv, math.cos(shift), math.sin(shift)], dtype=np.float64)
