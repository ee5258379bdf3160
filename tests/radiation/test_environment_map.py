"""The trigonometry-free map lookup (sim.radiation.environment_map) against the direct geodetic
interpolation of the AP8 map (the reference), and its logarithmic encoding."""
from __future__ import annotations

import math

import numpy as np
import pytest

from sim.orbits.geodesy import ecef_to_geodetic
from sim.radiation import environment_map as kernel


def test_resampled_map_matches_direct_geodetic_lookup():
    """The (z/r, pseudo-angle, r) map vs trilinear interpolation of the geodetic map at WGS84
    geodetic coordinates (reference: ecef_to_geodetic + the original grid): a smooth test field
    agrees within its second-order interpolation error equatorward of 75° (the trapped protons at LEO
    lie within |λ| < ~60°; the uniform z/r nodes widen in latitude as 1/cos λ towards the poles)."""
    lat = np.linspace(-90, 90, 61)
    lon = np.linspace(-180, 180, 73)
    alt = np.array([400.0, 500.0, 600.0, 700.0])
    la, lo, al = np.meshgrid(np.radians(lat), np.radians(lon), alt, indexing="ij")
    field = np.stack([np.cos(la) ** 2 * np.sin(2 * lo) + al / 700.0, np.sin(la) + np.cos(lo)], axis=-1)
    axes = np.array([lat[0], lat[1] - lat[0], lat.size, lon[0], lon[1] - lon[0], lon.size, alt[0], 100.0, alt.size])
    r0, dr, n_r, n_u, n_p = 6378137.0 + 420e3, 25e3, 11, 121, 288
    out = np.zeros((n_u, n_p + 1, n_r, 2))
    kernel.resample_map(field, axes, n_u, n_p, r0, dr, n_r, out)
    env_axes = kernel.environment_axes(n_u, n_p, r0, dr, n_r)
    rng = np.random.default_rng(1)
    v = rng.normal(size=(3, 500))
    v /= np.linalg.norm(v, axis=0)
    r = 6378137.0 + rng.uniform(450e3, 650e3, 500)
    checked = 0
    for x, y, z, rr in zip(*(v * r), r):
        got = kernel.map_lookup(out, env_axes, x, y, z, rr)
        la_, lo_, h = ecef_to_geodetic(x, y, z)
        if abs(la_) > math.radians(75.0):
            continue
        checked += 1
        for ch in range(2):
            want = kernel.trilinear(field, math.degrees(la_), math.degrees(lo_), h / 1e3, *axes[:2], int(axes[2]),
                                    *axes[3:5], int(axes[5]), *axes[6:8], int(axes[8]), ch)
            assert got[ch] == pytest.approx(want, abs=0.01)
    assert checked > 400


def test_pseudo_angle_is_monotone_in_longitude():
    """p(cos φ, sin φ) rises strictly with φ on [0, 2π) from 0 to 4, hitting 1, 2, 3 at 90°, 180°, 270°."""
    phi = np.linspace(0.0, 2 * np.pi, 3601)[:-1]
    p = np.array([kernel.pseudo_angle(math.cos(f), math.sin(f)) for f in phi])
    assert p[0] == 0.0 and np.all(np.diff(p) > 0) and p[-1] < 4.0
    assert [kernel.pseudo_angle(0.0, 1.0), kernel.pseudo_angle(-1.0, 0.0), kernel.pseudo_angle(0.0, -1.0)] == \
        [1.0, 2.0, 3.0]


def test_log_encoding_round_trips_and_floors_to_zero():
    """decode(encode(x)) = x to rounding for fluxes and dose rates that matter; zero stays zero."""
    flux = np.array([0.0, 1e-10, 1e-3, 1.0, 3.0e3])
    dose = np.array([0.0, 1e-29, 1e-12, 1e-6, 1e-3])
    enc = kernel.encode_log_map(flux, dose)
    back_flux = np.array([kernel.decode_trapped(v) for v in enc[:, 0]])
    back_dose = np.array([kernel.decode_dose(v) for v in enc[:, 1]])
    assert back_flux[0] == 0.0 and back_flux[1] == 0.0 and back_dose[0] == 0.0 and back_dose[1] == 0.0
    np.testing.assert_allclose(back_flux[2:], flux[2:], rtol=1e-9)
    np.testing.assert_allclose(back_dose[2:], dose[2:], rtol=1e-9)
