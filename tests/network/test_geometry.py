"""Link geometry kernels against closed forms; their crossings against the plain NumPy
reference; the parallel variants against the serial ones.

Closed forms (MODELS.md §7): in-plane neighbour distance 2 (R_E + h) sin(π/S) = 1,972 km for
S = 22 at 550 km; maximum line-of-sight range 2 √((R_E + h)² − (R_E + h_g)²) = 4,912 km for a
grazing altitude h_g = 100 km.
"""
import math

import numpy as np
import pytest

from sim.core.constants import R_EARTH_EQUATORIAL_M
from sim.network import geometry, topology
from sim.network.stations import geodetic_to_ecef_m
from tests.helpers import threshold_crossings


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


def isl_args(r, v, a, b, max_range_m=1e8, grazing_km=100.0, max_slew_rad_s=0.0,
             rate=(100e9, 100e9, 5.4e6, -1.0, 0.0), margin_prev=None, t0_s=0.0, dt_s=10.0):
    """Arguments of isl_tick_range after (lo, hi), with fresh output arrays."""
    L = a.size
    prev = np.full(L, -1.0) if margin_prev is None else margin_prev
    return (r, v, a.astype(np.int64), b.astype(np.int64), max_range_m, R_EARTH_EQUATORIAL_M + grazing_km * 1e3,
            max_slew_rad_s, *rate, np.zeros(L), np.zeros(L), np.zeros(L), prev, np.zeros(L),
            np.zeros(L, np.int8), 2, t0_s, dt_s, np.zeros(L, np.int8), np.zeros(L))


def run_kernel(r, v, a, b, **kw):
    args = isl_args(r, v, a, b, **kw)
    geometry.isl_tick_range(0, a.size, *args)
    return dict(zip(("range_m", "rate_bps", "slew_rad_s", "margin_prev", "margin"), args[12:17]))


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
    geo = run_kernel(r, np.zeros_like(r), np.array([0, 2]), np.array([1, 3]), grazing_km=6.4e6 / 1e3 - 6378.137,
                     rate=(100e9, 10e9, 2e6, 1e3, 1.6e12))
    assert geo["rate_bps"][0] == 1.6e12                                 # 500 m: DWDM
    assert geo["rate_bps"][1] == pytest.approx(10e9 * (2e6 / 4e6) ** 2)  # 4,000 km: budget-limited


# ---------------------------------------------------------------- crossings and serial ≡ parallel

def _two_ticks(n_planes=12, per_plane=20, altitude_km=550):
    """A shell at t0 and 10 s later (positions of the closed-form orbit), +Grid links with a
    range limit that some cross-plane links cross in between."""
    r0, v0, p, s = circular_walker(altitude_km, 53, n_planes, per_plane, phasing=1)
    a_m = R_EARTH_EQUATORIAL_M + altitude_km * 1e3
    w = math.sqrt(3.986004418e14 / a_m ** 3) * 10.0  # 10 s of mean motion
    r1 = np.ascontiguousarray(np.cos(w) * r0 + np.sin(w) * v0 * a_m / math.sqrt(3.986004418e14 / a_m))
    a, b = topology.grid_pairs(p, s, 0, p.size, seam=True, seam_shift=1)
    return r0, r1, v0, a, b


def test_crosslink_crossings_equal_the_reference():
    """Between two ticks with a range limit near the cross-plane distance, the kernel finds the
    same crossings (direction, interpolated time) as the plain NumPy reference."""
    r0, r1, v, a, b = _two_ticks()
    max_range_m = 3.0e6  # between the in-plane (2,200 km) and the longest cross-plane distances
    before = run_kernel(r0, v, a, b, max_range_m=max_range_m)["margin"]
    args = isl_args(r1, v, a, b, max_range_m=max_range_m, margin_prev=before.copy(), t0_s=100.0, dt_s=10.0)
    n_cross, n_up, n_feasible = geometry.isl_tick_range(0, a.size, *args)
    after, direction, t_cross = args[16], args[-2], args[-1]
    ref_direction, ref_t = threshold_crossings(before, after, 0.0, 100.0, 10.0)
    assert n_cross == np.count_nonzero(ref_direction) > 0
    assert n_feasible == np.count_nonzero(before >= 0) and n_up == 0
    np.testing.assert_array_equal(direction, ref_direction)
    crossing = ref_direction != 0
    np.testing.assert_allclose(t_cross[crossing], ref_t[crossing], rtol=0, atol=1e-9)


@pytest.mark.parametrize("chunk", [1, 7, 64])
def test_parallel_crosslink_kernel_equals_the_serial_one(chunk):
    import numba
    if numba.get_num_threads() < 2:
        pytest.skip("the parallel path needs two numba threads")
    r0, r1, v, a, b = _two_ticks()
    before = run_kernel(r0, v, a, b, max_range_m=3.0e6, max_slew_rad_s=1e-3)["margin"]
    serial = isl_args(r1, v, a, b, max_range_m=3.0e6, max_slew_rad_s=1e-3, margin_prev=before.copy(), t0_s=5.0)
    parallel = isl_args(r1, v, a, b, max_range_m=3.0e6, max_slew_rad_s=1e-3, margin_prev=before.copy(), t0_s=5.0)
    serial[17][::3] = 2  # some links up
    parallel[17][::3] = 2
    counts_serial = geometry.isl_tick_range(0, a.size, *serial)
    counts_parallel = geometry.isl_tick(chunk, *parallel)
    assert counts_parallel == counts_serial and counts_serial[0] > 0
    for x, y in zip(serial, parallel):
        if isinstance(x, np.ndarray):
            np.testing.assert_array_equal(x, y)


def _ground_inputs(n_stations=9):
    r0, r1, _, _, _ = _two_ticks()
    lat = np.linspace(-60, 60, n_stations)
    lon = np.linspace(-170, 170, n_stations)
    eci = np.ascontiguousarray(geodetic_to_ecef_m(lat, lon, np.zeros(n_stations)))
    la, lo = np.radians(lat), np.radians(lon)
    up = np.ascontiguousarray(np.array([np.cos(la) * np.cos(lo), np.cos(la) * np.sin(lo), np.sin(la)]))
    sin_min = np.sin(np.radians(np.full(n_stations, 10.0)))
    return r0, r1, eci, up, sin_min


def _ground_args(r, eci, up, sin_min, margin_prev, t0_s=20.0, dt_s=10.0):
    G, N = eci.shape[1], r.shape[1]
    return (r, eci, up, sin_min, margin_prev, np.zeros((G, N)), t0_s, dt_s, np.zeros(G * N, np.int8), np.zeros(G * N))


def test_ground_crossings_equal_the_reference():
    r0, r1, eci, up, sin_min = _ground_inputs()
    G, N = eci.shape[1], r0.shape[1]
    first = _ground_args(r0, eci, up, sin_min, np.full((G, N), -1.0))
    geometry.ground_tick_range(0, N, *first)
    before = first[5]
    # elevation margin by the definition: sin(elevation) − sin(mask)
    d = r0[:, None, :] - eci[:, :, None]
    expect = np.einsum("kgn,kg->gn", d, up) / np.linalg.norm(d, axis=0) - sin_min[:, None]
    np.testing.assert_allclose(before, expect, atol=1e-12)
    # a large step so that many views begin and end
    r_late = np.ascontiguousarray(np.roll(r1, 3, axis=1))
    args = _ground_args(r_late, eci, up, sin_min, before.copy())
    count = geometry.ground_tick_range(0, N, *args)
    ref_direction, ref_t = threshold_crossings(before.ravel(), args[5].ravel(), 0.0, 20.0, 10.0)
    assert count == np.count_nonzero(ref_direction) > 0
    np.testing.assert_array_equal(args[8], ref_direction)
    crossing = ref_direction != 0
    np.testing.assert_allclose(args[9][crossing], ref_t[crossing], rtol=0, atol=1e-9)


@pytest.mark.parametrize("chunk", [1, 5, 33])
def test_parallel_ground_kernel_equals_the_serial_one(chunk):
    import numba
    if numba.get_num_threads() < 2:
        pytest.skip("the parallel path needs two numba threads")
    r0, r1, eci, up, sin_min = _ground_inputs()
    G, N = eci.shape[1], r0.shape[1]
    first = _ground_args(r0, eci, up, sin_min, np.full((G, N), -1.0))
    geometry.ground_tick_range(0, N, *first)
    r_late = np.ascontiguousarray(np.roll(r1, 3, axis=1))
    serial = _ground_args(r_late, eci, up, sin_min, first[5].copy())
    parallel = _ground_args(r_late, eci, up, sin_min, first[5].copy())
    count = geometry.ground_tick_range(0, N, *serial)
    assert geometry.ground_tick(chunk, *parallel) == count > 0
    for x, y in zip(serial, parallel):
        if isinstance(x, np.ndarray):
            np.testing.assert_array_equal(x, y)
