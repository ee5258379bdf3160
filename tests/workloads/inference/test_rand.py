"""The kernels' random stream (sim.workloads.inference.rand) against scipy.stats, an independent
implementation of the same distributions."""
import numpy as np
import pytest
from numba import njit
from scipy import stats

from sim.workloads.inference import rand


@njit(cache=True)
def _binomials(s, n, p, size):
    out = np.zeros(size, np.int64)
    for k in range(size):
        out[k] = rand.binomial(s, n, p)
    return out


@njit(cache=True)
def _gammas(s, shape, scale, size):
    out = np.zeros(size)
    for k in range(size):
        out[k] = rand.gamma(s, shape, scale)
    return out


def _state(seed=0):
    return rand.new_state(np.random.default_rng(seed))


@pytest.mark.parametrize("n, p", [(10, 0.3), (40, 0.9), (200, 0.05)])
def test_binomial_by_inversion_has_the_binomial_law(n, p):
    """n·min(p, 1−p) < 25: exact inversion; a chi-square goodness of fit against scipy's pmf."""
    x = _binomials(_state(1), n, p, 200_000)
    k = np.arange(n + 1)
    expected = stats.binom.pmf(k, n, p) * x.size
    observed = np.bincount(x, minlength=n + 1).astype(float)
    keep = expected > 20                      # pool the thin tails
    obs = np.append(observed[keep], observed[~keep].sum())
    exp = np.append(expected[keep], expected[~keep].sum())
    obs, exp = obs[exp > 0], exp[exp > 0]
    assert stats.chisquare(obs, exp * obs.sum() / exp.sum()).pvalue > 1e-3


def test_binomial_normal_branch_has_the_binomial_moments():
    n, p = 10_000, 0.4
    x = _binomials(_state(2), n, p, 100_000)
    assert x.min() >= 0 and x.max() <= n
    assert x.mean() == pytest.approx(n * p, rel=1e-3)
    assert x.var() == pytest.approx(n * p * (1 - p), rel=0.02)


@pytest.mark.parametrize("shape", [0.25, 1.0, 3.5])
def test_gamma_has_the_gamma_law(shape):
    """Marsaglia & Tsang (and the U^(1/k) boost below k = 1) against scipy's Gamma CDF (KS test)."""
    scale = 0.7
    x = _gammas(_state(3), shape, scale, 50_000)
    assert stats.kstest(x, stats.gamma(shape, scale=scale).cdf).pvalue > 1e-3


def test_same_seed_same_draws():
    assert np.array_equal(_gammas(_state(5), 0.5, 1.0, 100), _gammas(_state(5), 0.5, 1.0, 100))
    assert not np.array_equal(_gammas(_state(5), 0.5, 1.0, 100), _gammas(_state(6), 0.5, 1.0, 100))
