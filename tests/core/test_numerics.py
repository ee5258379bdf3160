"""The shared numerical rules against independent references: crossings against a plain NumPy
interpolation, the GMST rotation against scipy's Rotation, and the serial/parallel policy."""
import math

import numpy as np
import pytest
from numba import get_num_threads
from scipy.spatial.transform import Rotation

from sim.core import numerics
from tests.helpers import threshold_crossings


def test_crossings_match_linear_interpolation():
    rng = np.random.default_rng(4)
    before, after = rng.uniform(0, 1, 5000), rng.uniform(0, 1, 5000)
    direction = np.zeros(5000, np.int8)
    t_cross = np.zeros(5000)
    count = numerics.crossings_range(0, 5000, before, after, 0.5, 100.0, 10.0, direction, t_cross)
    ref_direction, ref_t = threshold_crossings(before, after, 0.5, 100.0, 10.0)
    assert count == np.count_nonzero(ref_direction)
    np.testing.assert_array_equal(direction, ref_direction)
    hit = ref_direction != 0
    np.testing.assert_allclose(t_cross[hit], ref_t[hit], rtol=0, atol=1e-12)
    assert np.all((t_cross[hit] >= 100.0) & (t_cross[hit] <= 110.0))


def test_crossing_time_outside_the_tick_is_the_tick_end():
    assert numerics.crossing_time_s(0.0, 10.0, 0.2, 0.4, 0.9) == 10.0   # never reaches it
    assert numerics.crossing_time_s(0.0, 10.0, 0.5, 0.5, 0.5) == 10.0   # flat
    assert numerics.crossing_time_s(0.0, 10.0, 0.0, 1.0, 0.25) == pytest.approx(2.5)


def test_rotation_by_gmst_matches_scipy():
    gmst = 1.234
    rng = np.random.default_rng(5)
    xyz = rng.normal(size=(3, 7)) * 7e6
    out = np.empty_like(xyz)
    numerics.rotate_to_inertial(xyz, math.cos(gmst), math.sin(gmst), out)
    np.testing.assert_allclose(out, Rotation.from_euler("z", gmst).apply(xyz.T).T, rtol=0, atol=1e-6)
    back = np.array([numerics.inertial_to_earth_fixed(*out[:, j], math.cos(gmst), math.sin(gmst))
                     for j in range(7)]).T
    np.testing.assert_allclose(back, xyz, rtol=0, atol=1e-6)


def test_parallel_policy():
    assert numerics.parallel_chunk(100) == 0
    chunk = numerics.parallel_chunk(100_000)
    if get_num_threads() > 1:
        assert chunk >= numerics.MIN_CHUNK and numerics.chunk_count(100_000, chunk) >= 2
    else:
        assert chunk == 0
