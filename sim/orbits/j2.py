"""Orbit propagation with the J2 secular (mean-element) model.

Each satellite keeps its mean a, e, i; Ω, ω and M advance linearly at the
first-order J2 secular rates (Vallado, *Fundamentals of Astrodynamics*, 4th ed.,
eq. 9-41). Positions are therefore "mean-element" positions: they omit the
short-period J2 terms (a few km in LEO) but keep the node regression, apsidal
rotation and the J2 correction of the period that matter over days. The frame
is the inertial frame of date that TLEs use (TEME-like).

Two ways to evaluate it:

- ``propagate_j2``: closed form at any time (Kepler's equation by Newton).
- ``J2Propagator``: the same model on a uniform tick. This build of numba has no
  SVML, so every sin/cos is a ~27 ns scalar call; on the tick grid the
  propagator instead advances cos/sin of M, ω and Ω by rotation recurrences
  (a multiply by the precomputed cos/sin of the per-step increments) and
  re-anchors them from the closed form every ``reanchor_every`` steps to bound
  rounding. For e <= FAST_MAX_E Kepler's equation is solved for the small
  correction E - M with polynomial sin/cos; larger e uses the closed form.
  The tick advance runs in parallel chunks where sim.core.numerics.parallel_chunk says
  so, on the calling thread otherwise; the results are the same either way.
"""
from __future__ import annotations

import math

import numpy as np
from numba import njit, prange

from sim.core.constants import J2_EARTH, MU_EARTH_M3_S2, R_EARTH_EQUATORIAL_M, SSO_NODE_RATE_RAD_S
from sim.core.numerics import TWO_PI, parallel_chunk

FAST_MAX_E = 0.01  # above this the fast path hands the satellite to the closed form

# rows of J2Propagator's packed per-satellite arrays
_A, _E, _B, _CI, _SI, _N, _WDOT, _ODOT = range(8)          # constants
_CM, _SM, _CW, _SW, _CO, _SO = range(6)                     # state: cos/sin of M, ω, Ω


def j2_secular_rates(a_m, e, inc_rad, j2=J2_EARTH):
    """First-order J2 secular rates of the mean elements (Vallado eq. 9-41).

    Returns (raan_dot_rad_s, argp_dot_rad_s, mean_motion_rad_s) as float64 arrays;
    the mean motion is dM/dt, the Keplerian n0 with its J2 correction. j2 = 0: point-mass
    gravity (Ω and ω fixed, M at the Keplerian n0).
    """
    a = np.asarray(a_m, dtype=np.float64)
    e = np.asarray(e, dtype=np.float64)
    inc = np.asarray(inc_rad, dtype=np.float64)
    n0 = np.sqrt(MU_EARTH_M3_S2 / a**3)
    p = a * (1.0 - e * e)
    k = 1.5 * j2 * (R_EARTH_EQUATORIAL_M / p) ** 2 * n0
    sin2 = np.sin(inc) ** 2
    raan_dot = -k * np.cos(inc)
    argp_dot = k * (2.0 - 2.5 * sin2)
    mean_motion = n0 + k * np.sqrt(1.0 - e * e) * (1.0 - 1.5 * sin2)
    return raan_dot, argp_dot, mean_motion


def sso_inclination_rad(a_m: float, e: float = 0.0) -> float:
    """Inclination whose J2 node rate is +360°/365.2422 d (sun-synchronous)."""
    n0 = math.sqrt(MU_EARTH_M3_S2 / a_m**3)
    p = a_m * (1.0 - e * e)
    k = 1.5 * J2_EARTH * (R_EARTH_EQUATORIAL_M / p) ** 2 * n0
    cos_i = -SSO_NODE_RATE_RAD_S / k
    if cos_i < -1.0:
        raise ValueError(f"no sun-synchronous orbit at a = {a_m / 1e3:.0f} km (too high)")
    return math.acos(cos_i)


def orbital_period_s(a_m):
    """Keplerian period 2π sqrt(a³/μ), seconds."""
    return TWO_PI * np.sqrt(np.asarray(a_m, dtype=np.float64) ** 3 / MU_EARTH_M3_S2)


@njit(cache=True)
def kepler_eccentric_anomaly(M, e):
    """Eccentric anomaly E (rad) solving M = E - e sin E, by Newton (e < 1)."""
    if e == 0.0:
        return M
    E = M + e * math.sin(M) if e < 0.8 else math.pi
    for _ in range(50):
        dE = (E - e * math.sin(E) - M) / (1.0 - e * math.cos(E))
        E -= dE
        if abs(dE) < 1e-14:
            break
    return E


@njit(cache=True)
def _write_state(i, a, e, b, ci, si, n, wdot, odot, cE, sE, cw, sw, cO, sO, r, v):
    """Position and velocity of satellite i from cos/sin of E, ω, Ω.

    v is the exact time derivative of the mean-element position (node and
    perigee motion included).
    """
    x = a * (cE - e)
    y = b * sE
    edot = n / (1.0 - e * cE)
    xdot = -a * sE * edot
    ydot = b * cE * edot
    px = cO * cw - sO * sw * ci
    py = sO * cw + cO * sw * ci
    pz = sw * si
    qx = -cO * sw - sO * cw * ci
    qy = -sO * sw + cO * cw * ci
    qz = cw * si
    rx = x * px + y * qx
    ry = x * py + y * qy
    r[0, i] = rx
    r[1, i] = ry
    r[2, i] = x * pz + y * qz
    dp = xdot - wdot * y
    dq = ydot + wdot * x
    v[0, i] = dp * px + dq * qx - odot * ry
    v[1, i] = dp * py + dq * qy + odot * rx
    v[2, i] = dp * pz + dq * qz


@njit(cache=True)
def _closed_form_one(i, t_s, a_m, e, inc_rad, raan_rad, argp_rad, mean_anomaly_rad,
                     raan_dot_rad_s, argp_dot_rad_s, mean_motion_rad_s, r, v):
    ecc = e[i]
    M = (mean_anomaly_rad[i] + mean_motion_rad_s[i] * t_s) % TWO_PI
    w = (argp_rad[i] + argp_dot_rad_s[i] * t_s) % TWO_PI
    node = (raan_rad[i] + raan_dot_rad_s[i] * t_s) % TWO_PI
    E = kepler_eccentric_anomaly(M, ecc)
    a = a_m[i]
    _write_state(i, a, ecc, a * math.sqrt(1.0 - ecc * ecc), math.cos(inc_rad[i]), math.sin(inc_rad[i]),
                 mean_motion_rad_s[i], argp_dot_rad_s[i], raan_dot_rad_s[i],
                 math.cos(E), math.sin(E), math.cos(w), math.sin(w), math.cos(node), math.sin(node), r, v)


@njit(cache=True, parallel=True)
def propagate_j2(t_s, a_m, e, inc_rad, raan_rad, argp_rad, mean_anomaly_rad,
                 raan_dot_rad_s, argp_dot_rad_s, mean_motion_rad_s, r_eci_m, v_eci_m_s):
    """Closed-form J2 secular propagation to t_s seconds after the element epoch.

    Elements (N,) in m and rad, rates (N,) in rad/s; writes r_eci_m (3, N) in m
    and v_eci_m_s (3, N) in m/s in place.
    """
    for i in prange(a_m.shape[0]):
        _closed_form_one(i, t_s, a_m, e, inc_rad, raan_rad, argp_rad, mean_anomaly_rad,
                         raan_dot_rad_s, argp_dot_rad_s, mean_motion_rad_s, r_eci_m, v_eci_m_s)


@njit(cache=True, parallel=True)
def _propagate_subset(index, t_s, a_m, e, inc_rad, raan_rad, argp_rad, mean_anomaly_rad,
                      raan_dot_rad_s, argp_dot_rad_s, mean_motion_rad_s, r_eci_m, v_eci_m_s):
    for k in prange(index.shape[0]):
        _closed_form_one(index[k], t_s, a_m, e, inc_rad, raan_rad, argp_rad, mean_anomaly_rad,
                         raan_dot_rad_s, argp_dot_rad_s, mean_motion_rad_s, r_eci_m, v_eci_m_s)


@njit(cache=True, parallel=True)
def _anchor(t_s, raan_rad, argp_rad, mean_anomaly_rad, const, state):
    """cos/sin of M, ω, Ω at t_s from the closed form."""
    for i in prange(state.shape[1]):
        M = (mean_anomaly_rad[i] + const[_N, i] * t_s) % TWO_PI
        w = (argp_rad[i] + const[_WDOT, i] * t_s) % TWO_PI
        node = (raan_rad[i] + const[_ODOT, i] * t_s) % TWO_PI
        state[_CM, i] = math.cos(M)
        state[_SM, i] = math.sin(M)
        state[_CW, i] = math.cos(w)
        state[_SW, i] = math.sin(w)
        state[_CO, i] = math.cos(node)
        state[_SO, i] = math.sin(node)


@njit(cache=True, fastmath=True, inline="always")
def _small_kepler(cM, sM, e):
    """cos/sin of E = M + δ for small e: two Newton steps on δ, sin/cos(δ) by series.

    Error < 1e-14 rad for e <= 0.01 (quadratic convergence from δ = 0).
    """
    d = e * sM / (1.0 - e * cM)
    for _ in range(2):
        d2 = d * d
        cd = 1.0 - d2 * (0.5 - d2 * (1.0 / 24.0))
        sd = d * (1.0 - d2 * (1.0 / 6.0 - d2 * (1.0 / 120.0)))
        sE = sM * cd + cM * sd
        cE = cM * cd - sM * sd
        d -= (d - e * sE) / (1.0 - e * cE)
    d2 = d * d
    cd = 1.0 - d2 * (0.5 - d2 * (1.0 / 24.0))
    sd = d * (1.0 - d2 * (1.0 / 6.0 - d2 * (1.0 / 120.0)))
    return cM * cd - sM * sd, sM * cd + cM * sd


@njit(cache=True, parallel=True, fastmath=True)
def _write_from_state(const, state, r, v):
    for i in prange(state.shape[1]):
        cE, sE = _small_kepler(state[_CM, i], state[_SM, i], const[_E, i])
        _write_state(i, const[_A, i], const[_E, i], const[_B, i], const[_CI, i], const[_SI, i],
                     const[_N, i], const[_WDOT, i], const[_ODOT, i], cE, sE,
                     state[_CW, i], state[_SW, i], state[_CO, i], state[_SO, i], r, v)


@njit(cache=True, fastmath=True, inline="always")
def _advance_one(i, const, step, state, r, v):
    """One tick of satellite i: rotate cos/sin of M, ω, Ω by their increments, write r, v."""
    cM = state[_CM, i] * step[_CM, i] - state[_SM, i] * step[_SM, i]
    sM = state[_SM, i] * step[_CM, i] + state[_CM, i] * step[_SM, i]
    cw = state[_CW, i] * step[_CW, i] - state[_SW, i] * step[_SW, i]
    sw = state[_SW, i] * step[_CW, i] + state[_CW, i] * step[_SW, i]
    cO = state[_CO, i] * step[_CO, i] - state[_SO, i] * step[_SO, i]
    sO = state[_SO, i] * step[_CO, i] + state[_CO, i] * step[_SO, i]
    state[_CM, i] = cM
    state[_SM, i] = sM
    state[_CW, i] = cw
    state[_SW, i] = sw
    state[_CO, i] = cO
    state[_SO, i] = sO
    cE, sE = _small_kepler(cM, sM, const[_E, i])
    _write_state(i, const[_A, i], const[_E, i], const[_B, i], const[_CI, i], const[_SI, i],
                 const[_N, i], const[_WDOT, i], const[_ODOT, i], cE, sE, cw, sw, cO, sO, r, v)


@njit(cache=True, parallel=True, fastmath=True)
def _advance(chunk, const, step, state, r, v):
    """One tick of every satellite, in parallel over chunks of `chunk` satellites."""
    n = state.shape[1]
    for c in prange((n + chunk - 1) // chunk):
        lo = c * chunk
        # unsigned indices: no negative-index wraparound, so the loop vectorises (see payload.tick)
        for i in range(np.uint64(lo), np.uint64(min(lo + chunk, n))):
            _advance_one(i, const, step, state, r, v)


@njit(cache=True, fastmath=True)
def _advance_serial(chunk, const, step, state, r, v):
    """`_advance` on the calling thread: for small fleets, where a parallel launch costs more."""
    for i in range(state.shape[1]):
        _advance_one(i, const, step, state, r, v)


class J2Propagator:
    """The J2 secular model on a uniform tick of dt_s seconds.

    ``propagate(t_s, r, v)`` writes positions (3, N) in m and velocities (3, N)
    in m/s at t_s seconds after the element epoch. When t_s is the previous
    t_s + dt_s it advances by rotation recurrences (no trig calls); any other
    t_s, and every ``reanchor_every``-th step, is evaluated from the closed form.
    ``j2`` = 0 turns the J2 rates off (point-mass gravity: environment.j2 false).
    """

    def __init__(self, a_m, e, inc_rad, raan_rad, argp_rad, mean_anomaly_rad, dt_s,
                 reanchor_every: int = 360, j2: float = J2_EARTH):
        as_array = lambda x: np.ascontiguousarray(x, dtype=np.float64)  # noqa: E731
        self.a_m, self.e, self.inc_rad = as_array(a_m), as_array(e), as_array(inc_rad)
        self.raan_rad, self.argp_rad = as_array(raan_rad), as_array(argp_rad)
        self.mean_anomaly_rad = as_array(mean_anomaly_rad)
        n = self.a_m.shape[0]
        for name in ("e", "inc_rad", "raan_rad", "argp_rad", "mean_anomaly_rad"):
            if getattr(self, name).shape != (n,):
                raise ValueError(f"{name} must have shape ({n},) like a_m")
        if np.any(self.e < 0.0) or np.any(self.e >= 1.0):
            raise ValueError("eccentricity must be in [0, 1)")
        if not dt_s > 0.0:
            raise ValueError("dt_s must be positive")
        self.dt_s = float(dt_s)
        self.reanchor_every = max(1, int(reanchor_every))
        self.j2 = float(j2)
        self.raan_dot_rad_s, self.argp_dot_rad_s, self.mean_motion_rad_s = j2_secular_rates(
            self.a_m, self.e, self.inc_rad, self.j2)

        self._const = np.empty((8, n))
        self._const[_A] = self.a_m
        self._const[_E] = self.e
        self._const[_B] = self.a_m * np.sqrt(1.0 - self.e**2)
        self._const[_CI] = np.cos(self.inc_rad)
        self._const[_SI] = np.sin(self.inc_rad)
        self._const[_N] = self.mean_motion_rad_s
        self._const[_WDOT] = self.argp_dot_rad_s
        self._const[_ODOT] = self.raan_dot_rad_s
        self._step = np.empty((6, n))
        for rate, (c, s) in ((self.mean_motion_rad_s, (_CM, _SM)),
                             (self.argp_dot_rad_s, (_CW, _SW)),
                             (self.raan_dot_rad_s, (_CO, _SO))):
            self._step[c] = np.cos(rate * self.dt_s)
            self._step[s] = np.sin(rate * self.dt_s)
        self._state = np.zeros((6, n))
        self._slow = np.flatnonzero(self.e > FAST_MAX_E).astype(np.int64)
        self._chunk = parallel_chunk(n)  # 0: the tick advance runs on the calling thread
        self._advance = _advance if self._chunk else _advance_serial
        self._t_prev: float | None = None
        self.anchor = np.array([0, 1], dtype=np.int64)   # ticks since the closed form; 1: anchor next

    @property
    def n(self) -> int:
        return self.a_m.shape[0]

    def change_semi_major_axis(self, da_m: np.ndarray, t_s: float) -> None:
        """Add da_m (N,) [m] to the mean semi-major axes at t_s (drag decay, thrust): the rates
        follow the new a, and the epoch angles shift so that M, ω, Ω stay continuous at t_s."""
        old = (self.raan_dot_rad_s, self.argp_dot_rad_s, self.mean_motion_rad_s)
        self.a_m = self.a_m + da_m
        self._new_rates(old, t_s)

    def mean_elements(self, index: np.ndarray, t_s: float) -> np.ndarray:
        """The current mean elements (6, len(index)) of satellites `index` at t_s: a, e, i, Ω, ω, M
        (m, rad; angles in [0, 2π))."""
        out = np.empty((6, len(index)))
        out[0], out[1], out[2] = self.a_m[index], self.e[index], self.inc_rad[index]
        for k, (angle, rate) in enumerate(((self.raan_rad, self.raan_dot_rad_s), (self.argp_rad, self.argp_dot_rad_s),
                                           (self.mean_anomaly_rad, self.mean_motion_rad_s)), start=3):
            out[k] = (angle[index] + rate[index] * t_s) % TWO_PI
        return out

    def set_mean_elements(self, index: np.ndarray, elements: np.ndarray, t_s: float) -> None:
        """Give satellites `index` the mean elements (6, len(index)) (as `mean_elements`) at t_s
        (an impulsive manoeuvre: sim.lifetime.formation): the rates follow, and the epoch angles
        are those that reach the given angles at t_s."""
        old = (self.raan_dot_rad_s, self.argp_dot_rad_s, self.mean_motion_rad_s)
        self.a_m, self.e, self.inc_rad = self.a_m.copy(), self.e.copy(), self.inc_rad.copy()
        self.a_m[index], self.e[index], self.inc_rad[index] = elements[0], elements[1], elements[2]
        if np.any(self.e[index] < 0.0) or np.any(self.e[index] >= 1.0):
            raise ValueError("eccentricity must be in [0, 1)")
        for angle, rate, value in zip((self.raan_rad, self.argp_rad, self.mean_anomaly_rad), old, elements[3:]):
            angle[index] = value - rate[index] * t_s   # at the old rate; _new_rates moves it to the new one
        self._const[_E], self._const[_CI], self._const[_SI] = self.e, np.cos(self.inc_rad), np.sin(self.inc_rad)
        self._slow = np.flatnonzero(self.e > FAST_MAX_E).astype(np.int64)
        self._new_rates(old, t_s)

    def _new_rates(self, old: tuple, t_s: float) -> None:
        """The rates of the current a, e, i, with the epoch angles shifted so that M, ω, Ω stay
        continuous at t_s; the next tick re-anchors from the closed form."""
        new = self.raan_dot_rad_s, self.argp_dot_rad_s, self.mean_motion_rad_s = j2_secular_rates(
            self.a_m, self.e, self.inc_rad, self.j2)
        for angle, rate_old, rate_new in zip((self.raan_rad, self.argp_rad, self.mean_anomaly_rad), old, new):
            angle += (rate_old - rate_new) * t_s
        self._const[_A], self._const[_B] = self.a_m, self.a_m * np.sqrt(1.0 - self.e**2)
        self._const[_N], self._const[_WDOT], self._const[_ODOT] = new[2], new[1], new[0]
        for rate, (c, s) in zip(new, ((_CO, _SO), (_CW, _SW), (_CM, _SM))):
            self._step[c], self._step[s] = np.cos(rate * self.dt_s), np.sin(rate * self.dt_s)
        self._t_prev = None   # the next tick re-anchors from the closed form
        self.anchor[1] = 1

    def propagate(self, t_s: float, r_eci_m: np.ndarray, v_eci_m_s: np.ndarray) -> None:
        t_s = float(t_s)
        on_grid = self._t_prev is not None and abs(t_s - (self._t_prev + self.dt_s)) <= 1e-6
        if not on_grid:
            self.anchor[1] = 1
        j2_tick(t_s, *self.tick_args(), r_eci_m, v_eci_m_s)
        self._t_prev = t_s

    def tick_args(self) -> tuple:
        """What `j2_tick` reads besides the time and the output arrays."""
        return (self._chunk, self._const, self._step, self._state, self.anchor, self.reanchor_every, self._slow,
                self.a_m, self.e, self.inc_rad, self.raan_rad, self.argp_rad, self.mean_anomaly_rad,
                self.raan_dot_rad_s, self.argp_dot_rad_s, self.mean_motion_rad_s)


@njit(cache=True)
def j2_tick(t_s, chunk, const, step, state, anchor, reanchor_every, slow, a_m, e, inc_rad, raan_rad, argp_rad,
            mean_anomaly_rad, raan_dot_rad_s, argp_dot_rad_s, mean_motion_rad_s, r_eci_m, v_eci_m_s):
    """Positions at t_s, one tick after the previous call: by the rotation recurrences, or from
    the closed form when `anchor` says so (anchor[1] set, or anchor[0] ticks since the last
    anchor reached reanchor_every). anchor (int64[2]) is updated in place."""
    if anchor[1] == 0 and anchor[0] < reanchor_every:
        if chunk > 0:
            _advance(chunk, const, step, state, r_eci_m, v_eci_m_s)
        else:
            _advance_serial(chunk, const, step, state, r_eci_m, v_eci_m_s)
        anchor[0] += 1
    else:
        _anchor(t_s, raan_rad, argp_rad, mean_anomaly_rad, const, state)
        _write_from_state(const, state, r_eci_m, v_eci_m_s)
        anchor[0] = 0
        anchor[1] = 0
    if slow.shape[0]:
        _propagate_subset(slow, t_s, a_m, e, inc_rad, raan_rad, argp_rad, mean_anomaly_rad,
                          raan_dot_rad_s, argp_dot_rad_s, mean_motion_rad_s, r_eci_m, v_eci_m_s)
