"""The tick kernel's helpers (sim.network.tick) against plain NumPy."""
import numpy as np
import pytest

from sim.network.tick import crossed


@pytest.mark.parametrize("n, k", [(0, 0), (5, 2), (64, 64), (65, 1), (1000, 37), (261_360, 20)])
def test_crossed_is_flatnonzero(n, k):
    """Reference: np.flatnonzero (indices ascending), over spans of 64 and their remainders."""
    rng = np.random.default_rng(n)
    d = np.zeros(n, np.int8)
    d[rng.choice(n, k, replace=False)] = rng.choice(np.array([-1, 1], np.int8), k)
    np.testing.assert_array_equal(crossed(d), np.flatnonzero(d))
