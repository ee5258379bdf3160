"""numba: the job's own random stream inside its kernels (xoshiro256**, Blackman & Vigna 2018),
seeded from the job's numpy stream, so a kernel call costs no Generator unboxing (≈ 20 µs a call)
and the draws stay the job's own: same seed, same draws, whatever else runs.

    uniform(s)            [0, 1) with 53 random bits
    binomial(s, n, p)     exact by inversion while n·min(p, 1−p) < 25; above that the normal
                          approximation N(np, np(1−p)) rounded and clipped to 0..n
    gamma(s, k, scale)    Marsaglia & Tsang (2000), ACM TOMS 26(3) 363; k < 1 by Gamma(k+1)·U^(1/k)
"""
from __future__ import annotations

import math

import numpy as np
from numba import njit, uint64

INVERSION_LIMIT = 25.0


def new_state(rng: np.random.Generator) -> np.ndarray:
    """Four 64-bit words from the job's numpy stream (never all zero)."""
    s = rng.integers(1, 2**63 - 1, 4, dtype=np.int64).astype(np.uint64)
    return s


@njit(cache=True, inline="always")
def _rotl(x, k):
    return (x << uint64(k)) | (x >> uint64(64 - k))


@njit(cache=True)
def next_u64(s):
    result = _rotl(s[1] * uint64(5), 7) * uint64(9)
    t = s[1] << uint64(17)
    s[2] ^= s[0]
    s[3] ^= s[1]
    s[1] ^= s[2]
    s[0] ^= s[3]
    s[2] ^= t
    s[3] = _rotl(s[3], 45)
    return result


@njit(cache=True)
def uniform(s):
    return (next_u64(s) >> uint64(11)) * (1.0 / 9007199254740992.0)


@njit(cache=True)
def normal(s):
    """Standard normal, Marsaglia's polar method (one of the pair)."""
    while True:
        u = 2.0 * uniform(s) - 1.0
        v = 2.0 * uniform(s) - 1.0
        r2 = u * u + v * v
        if 0.0 < r2 < 1.0:
            return u * math.sqrt(-2.0 * math.log(r2) / r2)


@njit(cache=True)
def binomial(s, n, p):
    if n <= 0 or p <= 0.0:
        return 0
    if p >= 1.0:
        return n
    flip = p > 0.5
    q = 1.0 - p if flip else p
    if n * q < INVERSION_LIMIT:  # inversion: walk the CDF from 0
        u = uniform(s)
        ratio = q / (1.0 - q)
        prob = math.exp(n * math.log1p(-q))
        cdf = prob
        k = 0
        while u > cdf and k < n:
            prob *= ratio * (n - k) / (k + 1)
            cdf += prob
            k += 1
    else:
        x = math.floor(n * q + math.sqrt(n * q * (1.0 - q)) * normal(s) + 0.5)
        k = int(min(max(x, 0.0), float(n)))
    return n - k if flip else k


@njit(cache=True)
def gamma(s, shape, scale):
    boost = 1.0
    if shape < 1.0:
        boost = uniform(s) ** (1.0 / shape)
        shape += 1.0
    d = shape - 1.0 / 3.0
    c = 1.0 / math.sqrt(9.0 * d)
    while True:
        x = normal(s)
        v = 1.0 + c * x
        if v <= 0.0:
            continue
        v = v * v * v
        u = uniform(s)
        if u < 1.0 - 0.0331 * x ** 4 or math.log(u) < 0.5 * x * x + d * (1.0 - v + math.log(v)):
            return d * v * scale * boost
