"""Crosslink geometry against closed forms, and Hypatia's Kuiper-630 +Grid round-trip times.

References:
- MODELS.md §7 (closed forms): in-plane neighbour distance 2 (R_E + h) sin(π/S) = 1,972 km
  for S = 22 at 550 km; maximum line-of-sight range 2 √((R_E + h)² − (R_E + h_g)²) = 4,912 km
  for a grazing altitude h_g = 100 km.
- Hypatia (Kassing et al., IMC 2020; snkas/hypatia satgenpy/tests/data_to_match/kuiper_630,
  ../shared/data/link_geometry/SOURCE.md for the recipe): RTT between Manila (1173),
  Sankt-Peterburg (1229) and Dalian (1241) over Kuiper's 630 km 34×34 shell with +Grid.
"""
import math
from pathlib import Path

import numpy as np
import pytest

from sim.core.constants import R_EARTH_EQUATORIAL_M, SPEED_OF_LIGHT_M_S
from sim.network.kernels import isl_geometry
from sim.network import routing, topology

SHARED_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"
HYPATIA = SHARED_DATA / "link_geometry" / "hypatia" / "kuiper_630_expected"


def circular_walker(altitude_km, inc_deg, planes, per_plane, phasing=0):
    """Positions and velocities at t = 0 of a Walker delta shell (closed form, two-body)."""
    a = R_EARTH_EQUATORIAL_M + altitude_km * 1e3
    v = math.sqrt(3.986004418e14 / a)
    p, s = np.divmod(np.arange(planes * per_plane), per_plane)
    raan = 2 * np.pi * p / planes
    u = 2 * np.pi * s / per_plane + 2 * np.pi * phasing * p / (planes * per_plane)
    i = math.radians(inc_deg)
    cO, sO, cu, su = np.cos(raan), np.sin(raan), np.cos(u), np.sin(u)
    r = a * np.array([cO * cu - sO * su * math.cos(i), sO * cu + cO * su * math.cos(i), su * math.sin(i)])
    vel = v * np.array([-cO * su - sO * cu * math.cos(i), -sO * su + cO * cu * math.cos(i), cu * math.sin(i)])
    return np.ascontiguousarray(r), np.ascontiguousarray(vel), p, s


def run_kernel(r, v, a, b, max_range_m=1e8, grazing_km=100.0, max_slew_rad_s=0.0):
    n = a.size
    out = [np.zeros(n) for _ in range(4)]
    isl_geometry(r, v, a.astype(np.int64), b.astype(np.int64), max_range_m,
                 R_EARTH_EQUATORIAL_M + grazing_km * 1e3, max_slew_rad_s, 100e9, 100e9, 5.4e6, -1.0, 0.0, *out)
    return dict(zip(("range_m", "rate_bps", "slew_rad_s", "margin"), out))


def test_starlink_shell1_in_plane_neighbour_distance():
    """MODELS.md §7: 22 satellites per plane at 550 km are 1,972 km apart (2 (R_E+h) sin(π/22))."""
    r, v, p, s = circular_walker(550, 53, 72, 22, phasing=17)
    a, b = topology.grid_pairs(p, s, 0, p.size, seam=True, seam_shift=17)
    in_plane = p[a] == p[b]
    geo = run_kernel(r, v, a[in_plane], b[in_plane])
    expected_m = 2 * (R_EARTH_EQUATORIAL_M + 550e3) * math.sin(math.pi / 22)
    assert expected_m == pytest.approx(1_972e3, abs=1e3)
    np.testing.assert_allclose(geo["range_m"], expected_m, rtol=1e-9)
    assert np.all(geo["margin"] > 0)
    # an in-plane link never slews (the neighbour is fixed in the orbital frame)
    assert np.all(geo["slew_rad_s"] < 1e-9)
    # +Grid: four links per satellite
    deg = np.bincount(a, minlength=p.size) + np.bincount(b, minlength=p.size)
    assert np.all(deg == 4)


def test_max_line_of_sight_range_with_100_km_grazing():
    """MODELS.md §7: 2 √((R_E+550 km)² − (R_E+100 km)²) = 4,912 km; the kernel's Earth-clearance
    margin changes sign at that separation."""
    rs = R_EARTH_EQUATORIAL_M + 550e3
    closed_m = 2 * math.sqrt(rs ** 2 - (R_EARTH_EQUATORIAL_M + 100e3) ** 2)
    assert closed_m == pytest.approx(4_912e3, abs=1e3)
    angles = np.linspace(0.2, 1.2, 20001)  # central angle between two satellites, rad
    r = np.zeros((3, 2 * angles.size))
    r[0, 0::2] = rs
    r[0, 1::2], r[1, 1::2] = rs * np.cos(angles), rs * np.sin(angles)
    v = np.zeros_like(r)
    a = np.arange(0, r.shape[1], 2)
    geo = run_kernel(np.ascontiguousarray(r), v, a, a + 1)
    visible = geo["margin"] >= 0
    d_max = geo["range_m"][visible].max()
    assert d_max == pytest.approx(closed_m, abs=1e3)
    assert geo["range_m"][~visible].min() > closed_m - 1e3


def test_rate_follows_the_inverse_square_budget_and_dwdm():
    """rate = min(rate_max, rate_ref (d_ref/d)²), DWDM below its range (docs/models.md)."""
    r = np.ascontiguousarray(np.array([[7e6, 7e6, 7e6, 7e6], [0, 500.0, 0, 4e6], [0, 0, 0, 0]]))
    v = np.zeros_like(r)
    n = 2
    out = [np.zeros(n) for _ in range(4)]
    isl_geometry(r, v, np.array([0, 2]), np.array([1, 3]), 1e8, 6.4e6, 0.0, 100e9, 10e9, 2e6, 1e3, 1.6e12, *out)
    assert out[1][0] == 1.6e12                      # 500 m: DWDM
    assert out[1][1] == pytest.approx(10e9 * (2e6 / 4e6) ** 2)  # 4,000 km: budget-limited


# ---------------------------------------------------------------- Hypatia Kuiper 630

WGS72_A_M, WGS72_F = 6378135.0, 1 / 298.26
STATIONS = {1173: (14.6042, 120.9822), 1229: (59.929858, 30.326228), 1241: (38.913811, 121.602322)}


def kuiper_satrecs():
    """Hypatia's element set (satgen generate_tles_from_scratch, parameters in SOURCE.md)."""
    from sgp4.api import WGS72, Satrec
    sats = []
    for p in range(34):
        for s in range(34):
            m = (360 / 68 if p % 2 else 0.0) + s * 360 / 34
            sat = Satrec()
            sat.sgp4init(WGS72, "i", p * 34 + s, 2451544.5 - 2433281.5, 0.0, 0.0, 0.0, 1e-7, 0.0,
                         math.radians(51.9), math.radians(m), 14.80 * 2 * math.pi / 1440.0,
                         math.radians(p * 360 / 34))
            sats.append(sat)
    return sats


def gmst(jd):
    t = (jd - 2451545.0) / 36525.0
    sec = 67310.54841 + (876600.0 * 3600 + 8640184.812866) * t + 0.093104 * t ** 2 - 6.2e-6 * t ** 3
    return (sec % 86400.0) * 2 * math.pi / 86400.0


@pytest.mark.skipif(not HYPATIA.exists(), reason="../shared/data/link_geometry/hypatia is absent")
def test_hypatia_kuiper_630_grid_rtt():
    """Hypatia's expected RTTs (networkx_rtt_A_to_B.txt) reproduced within 0.1 % at 20 instants."""
    from sgp4.api import SatrecArray
    arr = SatrecArray(kuiper_satrecs())
    n = 34 * 34
    p, s = np.divmod(np.arange(n), 34)
    a, b = topology.grid_pairs(p, s, 0, n, seam=True, seam_shift=0)
    re = WGS72_A_M
    isl_max_m = 2 * math.sqrt((re + 630e3) ** 2 - (re + 80e3) ** 2)
    gsl_max_m = math.hypot(630e3 / math.tan(math.radians(30)), 630e3)
    lat = np.radians([v[0] for v in STATIONS.values()])
    lon = np.radians([v[1] for v in STATIONS.values()])
    e2 = WGS72_F * (2 - WGS72_F)
    nrad = re / np.sqrt(1 - e2 * np.sin(lat) ** 2)
    gs_ecef = np.array([nrad * np.cos(lat) * np.cos(lon), nrad * np.cos(lat) * np.sin(lon),
                        nrad * (1 - e2) * np.sin(lat)])
    ids = list(STATIONS)
    worst = 0.0
    compared = 0
    for t_s in np.arange(0.0, 200.0, 10.0):
        jd = 2451544.5 + t_s / 86400.0
        err, r_km, v_km_s = arr.sgp4(np.array([jd]), np.array([0.0]))
        assert not err.any()
        r = np.ascontiguousarray(r_km[:, 0, :].T * 1e3)
        v = np.ascontiguousarray(v_km_s[:, 0, :].T * 1e3)
        geo = run_kernel(r, v, a, b, max_range_m=isl_max_m, grazing_km=0.0)
        up = geo["range_m"] <= isl_max_m
        th = gmst(jd)
        c, sn = math.cos(th), math.sin(th)
        gs = np.array([c * gs_ecef[0] - sn * gs_ecef[1], sn * gs_ecef[0] + c * gs_ecef[1], gs_ecef[2]])
        d_gs = np.linalg.norm(r[:, None, :] - gs[:, :, None], axis=0)  # (G, N)
        g, i = np.nonzero(d_gs <= gsl_max_m)
        G = len(ids)
        src = np.concatenate([a[up], b[up], n + g, i])
        dst = np.concatenate([b[up], a[up], i, n + G + g])
        w = np.concatenate([geo["range_m"][up]] * 2 + [d_gs[g, i]] * 2) / SPEED_OF_LIGHT_M_S
        graph = routing.build_graph(n + 2 * G, src, dst, w)
        dist, _ = routing.shortest_paths(graph, [n + k for k in range(G)])
        for ka, A in enumerate(ids):
            for kb, B in enumerate(ids):
                if A == B:
                    continue
                rows = np.loadtxt(HYPATIA / f"networkx_rtt_{A}_to_{B}.txt", delimiter=",")
                expected_s = rows[int(round(t_s * 10)), 1] * 1e-9
                ours_s = 2 * dist[ka, n + G + kb]
                if expected_s == 0.0:  # Hypatia: unreachable
                    continue
                assert np.isfinite(ours_s), (A, B, t_s)
                worst = max(worst, abs(ours_s / expected_s - 1))
                compared += 1
    assert compared > 100
    print(f"Hypatia Kuiper-630 RTT: {compared} comparisons, worst relative difference {worst:.2e}")
    assert worst < 1e-3, worst  # SOURCE.md: expect ~1e-3 (PyEphem vs python-sgp4)
