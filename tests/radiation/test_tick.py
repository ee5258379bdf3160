"""The radiation tick kernel (sim.radiation.tick): its bookkeeping against a NumPy
transcription, the parallel kernel against the serial one, the cutoff against Størmer's formula,
and the staggered environment refresh against the every-tick evaluation."""
from __future__ import annotations

import math
from datetime import datetime, timezone

import numpy as np
import pytest
from scipy.spatial.transform import Rotation

from sim.core.constants import R_EARTH_EQUATORIAL_M, SECONDS_PER_DAY
from sim.radiation import environment_map, geomag, tick
from sim.radiation.config import RadiationConfig
from sim.radiation.environment import GCR_CUTOFF_STEP_GV, SPE_DOSE_LOG_EMIN, SPE_PFU_TO_OMNI, gcr_transmission
from tests.radiation.helpers import COARSE, heavy_ions_off, igrf_dipole, memory, run

SHELLS = [{"name": "w", "walker": {"altitude_km": 550, "inclination_deg": 53, "planes": 4, "sats_per_plane": 5,
                                   "phasing": 1}}]
# indices into the kernel's `arrays` (FleetState names in sim.radiation.tick.radiation_step)
(R, S_ON, S_OFF, UNTIL, POWERED, TRAPPED, SPE, CUTOFF, FLUX, RATE, DOSE_RATE, DOSE, DOWN_S, PDOWN_S, HAZARD,
 HAZARD_PREV, THRESHOLD, CROSSED, UNTIL_START, CHANGE, WANTS) = range(21)


def _step_inputs(n, seed):
    """Random kernel state: some satellites down (resets, policy power-downs), some wanting down."""
    rng = np.random.default_rng(seed)
    t0_s, dt_s = 1000.0, 10.0
    down_until = np.where(rng.random(n) < 0.02, t0_s + rng.uniform(-5.0, 30.0, n), 0.0)
    powered = ((down_until > t0_s) & (rng.random(n) < 0.5)).astype(np.int8)
    arrays = (rng.normal(0.0, 7e6, (3, n)), rng.uniform(1e-8, 2e-8, n), rng.uniform(0.0, 1e-8, n), down_until,
              powered, np.zeros(n), np.zeros(n), np.zeros(n), rng.uniform(1.0, 5.0, n), rng.uniform(1e-8, 1e-7, n),
              rng.uniform(0.0, 1e-6, n), rng.uniform(0.0, 10.0, n), rng.uniform(0.0, 5.0, n), rng.uniform(0.0, 5.0, n),
              rng.uniform(0.0, 1e-3, n), np.zeros(n), rng.uniform(0.0, 2e-3, n), np.zeros(n, np.int8), np.zeros(n),
              np.zeros(n, np.int8), (rng.random(n) < 0.01).astype(np.int8))
    env_map = np.zeros((3, 5, 2, 2))
    axes = environment_map.environment_axes(3, 4, 6.5e6, 1e6, 2)
    scalars = (env_map, axes, geomag.kernel_vector(np.array([0.0, 0.0, 1.0]), 14.2), 0.0, 2.0,
               np.log(np.geomspace(1.0, 3e4, 48)), np.zeros(48),
               50.0, 2.0, np.ones(3201), 200.0, *heavy_ions_off(n), 3, 1e9, 1e9)
    return t0_s, dt_s, scalars, arrays


def _environment(rng, n, stormer_gv=14.2, shift_deg=0.0):
    """A non-trivial environment: a random encoded map around LEO radii, an SPE, GCR, the power-down
    policy on both limits, and satellites at 400–800 km."""
    n_u, n_p, n_r, r0, dr = 13, 16, 5, R_EARTH_EQUATORIAL_M + 350e3, 125e3
    env_map = environment_map.encode_log_map(rng.uniform(0.0, 200.0, (n_u, n_p + 1, n_r)),
                                             rng.uniform(0.0, 1e-6, (n_u, n_p + 1, n_r)))
    axis = rng.normal(size=3)
    gcr = gcr_transmission(RadiationConfig())
    scalars = (env_map, environment_map.environment_axes(n_u, n_p, r0, dr, n_r),
               geomag.kernel_vector(axis / np.linalg.norm(axis), stormer_gv, shift_deg),
               SPE_PFU_TO_OMNI * 300.0, 2.5, SPE_DOSE_LOG_EMIN, rng.uniform(1e-9, 1e-8, SPE_DOSE_LOG_EMIN.size),
               40.0, 3.0, gcr, 1.0 / GCR_CUTOFF_STEP_GV, *heavy_ions_off(n), 3, 500.0, 80.0)
    v = rng.normal(size=(3, n))
    r = v / np.linalg.norm(v, axis=0) * (R_EARTH_EQUATORIAL_M + rng.uniform(400e3, 800e3, n))
    return scalars, r


def test_step_kernel_bookkeeping_against_numpy_and_threads():
    """The every-tick bookkeeping of `radiation_step` (no environment refresh) against a direct NumPy
    transcription of its definition — trapezoid hazard with σ_off while down at t0, dose D dt,
    downtime overlap, policy power-down to t1 + dt and the level-change codes — and the parallel
    kernel (several chunks and blocks) identical to the serial one."""
    n = 5000
    t0_s, dt_s, scalars, arrays = _step_inputs(n, 3)
    (r, s_on, s_off, until, pd, _, _, _, flux, rate0, drate, dose0, down0, pdown0, h0, _, thr, _, _, _, want) = \
        [a.copy() for a in arrays]
    t1_s = t0_s + dt_s
    was_down = until > t0_s
    rate = flux * np.where(was_down, s_off, s_on)
    hazard = h0 + 0.5 * (rate0 + rate) * dt_s
    overlap = np.where(was_down, np.minimum(until, t1_s) - t0_s, 0.0)
    want_b = want != 0
    ends = ~want_b & (until <= t1_s)
    change = np.where(want_b, np.where(pd == 0, 1, 0),
                      np.where(ends, np.where(pd != 0, 2, np.where(was_down, 3, 0)), 0))
    runs = {}
    for name, step, chunk in (("serial", tick.radiation_step_serial, n), ("parallel", tick.radiation_step, 1024)):
        a = tuple(x.copy() for x in arrays)
        count, changes, over = step(chunk, 10 ** 9, 10 ** 8, 1.0, 0.0, t0_s, dt_s, 12.0, *scalars, *a)
        runs[name] = (count, changes, over, a)
        np.testing.assert_allclose(a[HAZARD], hazard, rtol=1e-15)
        np.testing.assert_array_equal(a[HAZARD_PREV], h0)
        np.testing.assert_allclose(a[DOSE], dose0 + drate * dt_s, rtol=1e-15)
        np.testing.assert_allclose(a[DOWN_S], down0 + overlap, rtol=1e-15)
        np.testing.assert_allclose(a[PDOWN_S], pdown0 + np.where(pd != 0, overlap, 0.0), rtol=1e-15)
        np.testing.assert_array_equal(a[UNTIL_START], until)
        np.testing.assert_array_equal(a[UNTIL], np.where(want_b, np.maximum(until, t1_s + dt_s), until))
        np.testing.assert_array_equal(a[POWERED], np.where(want_b, 1, np.where(ends, 0, pd)))
        np.testing.assert_array_equal(a[CHANGE], change)   # every satellite with a change is in a written block
        np.testing.assert_array_equal(a[CROSSED], (hazard >= thr).astype(np.int8))
        assert count == int((hazard >= thr).sum()) and changes == int((change != 0).sum())
        assert over == int((dose0 + drate * dt_s >= 12.0).sum())
    (c1, m1, o1, a1), (c2, m2, o2, a2) = runs["serial"], runs["parallel"]
    assert (c1, m1, o1) == (c2, m2, o2)
    for x, y in zip(a1, a2):
        np.testing.assert_array_equal(x, y)


@pytest.mark.parametrize("chunk", [7, 300, 1024])
def test_parallel_step_with_environment_refresh_equals_serial(chunk):
    """The parallel kernel in chunks of `chunk` satellites (not multiples of the refresh stride, nor
    of the hazard BLOCK) gives bit for bit the serial kernel's state and counts over ticks that
    refresh every third satellite in turn, with an SPE on, trapped flux and the power-down policy
    switching satellites; the refresh touches exactly the satellites of its phase."""
    n, every = 2000, 3
    rng = np.random.default_rng(8)
    _, dt_s, _, arrays = _step_inputs(n, 9)
    scalars, r = _environment(rng, n)
    arrays = (r,) + arrays[1:]
    serial, parallel = tuple(x.copy() for x in arrays), tuple(x.copy() for x in arrays)
    t0_s, gmst = 1000.0, 0.7
    for k in range(6):
        cos_g, sin_g = math.cos(gmst + 1e-3 * k), math.sin(gmst + 1e-3 * k)
        before = serial[FLUX].copy()
        out_s = tick.radiation_step_serial(n, every, k % every, cos_g, sin_g, t0_s, dt_s, 1e-3, *scalars, *serial)
        out_p = tick.radiation_step(chunk, every, k % every, cos_g, sin_g, t0_s, dt_s, 1e-3, *scalars, *parallel)
        assert out_s == out_p
        for x, y in zip(serial, parallel):
            np.testing.assert_array_equal(x, y)
        refreshed = np.flatnonzero(serial[FLUX] != before)
        assert refreshed.size > 0.9 * n / every and np.all(refreshed % every == k % every)
        for a in (serial, parallel):
            a[CHANGE][:] = 0
        t0_s += dt_s
    assert serial[POWERED].any() and serial[SPE].max() > 0 and serial[TRAPPED].max() > 0


def _cutoff_at(rng, stormer_gv, shift_deg, gmst=2.1, n=400):
    """(kernel cutoff [GV], Earth-fixed positions, dipole axis) at n random satellites, the first
    on the ground at the geomagnetic equator."""
    _, dt_s, _, arrays = _step_inputs(n, 5)
    scalars, r = _environment(rng, n, stormer_gv, shift_deg)
    axis = scalars[2][:3]
    fixed = Rotation.from_euler("z", -gmst).apply(r.T).T   # inertial → Earth-fixed
    first = np.cross(axis, [0.0, 0.0, 1.0])   # a ground point on the geomagnetic equator, Earth-fixed
    r[:, 0] = Rotation.from_euler("z", gmst).apply(R_EARTH_EQUATORIAL_M * first / np.linalg.norm(first))
    fixed[:, 0] = R_EARTH_EQUATORIAL_M * first / np.linalg.norm(first)
    a = ((r,) + arrays[1:])
    tick.radiation_step_serial(n, 1, 0, math.cos(gmst), math.sin(gmst), 1000.0, dt_s, 1e9, *scalars, *a)
    return a[CUTOFF], fixed, axis


def test_cutoff_is_stormer_of_the_igrf_dipole():
    """The kernel's cutoff rigidity at satellites rotated into the Earth-fixed frame by GMST
    (reference: scipy's rotation) is Størmer's vertical cutoff of the epoch's IGRF centred dipole in
    closed form, R_c = μ0 M c cos⁴λm / (16 π r²), with M from IGRF-14's g10, g11, h11 of 2026
    read here from the coefficient file (helpers.igrf_dipole; Smart & Shea 2005, Adv. Space Res.
    36, 2012); on the ground at the geomagnetic equator it is the constant itself."""
    when = datetime(2026, 1, 1, tzinfo=timezone.utc)
    axis_ref, moment = igrf_dipole(when)
    c_gv = geomag.stormer_constant_gv(geomag.dipole_moment_a_m2(geomag.dipole_field_nt(when)))
    cutoff, fixed, axis = _cutoff_at(np.random.default_rng(4), c_gv, 0.0)
    dist = np.linalg.norm(fixed, axis=0)
    sin_m = axis @ fixed / dist
    closed_form_gv = 4e-7 * np.pi * moment * 299792458.0 * (1.0 - sin_m ** 2) ** 2 / (16.0 * np.pi * dist ** 2) / 1e9
    np.testing.assert_allclose(cutoff, closed_form_gv, rtol=1e-6)
    np.testing.assert_allclose(geomag.dipole_axis_ecef(when), axis_ref, atol=1e-6)
    assert cutoff[0] == pytest.approx(c_gv, rel=1e-9)


def test_storm_shift_moves_the_cutoff_latitude():
    """With the cutoff latitude shifted by δ the cutoff at invariant latitude Λ is the quiet one at
    Λ + δ (C cos⁴(Λ + δ), zero past the pole): consistency check against the quiet kernel."""
    quiet, fixed, axis = _cutoff_at(np.random.default_rng(6), 14.2, 0.0)
    storm, _, _ = _cutoff_at(np.random.default_rng(6), 14.2, 5.0)
    invariant = np.arccos(np.sqrt(np.sqrt(quiet / 14.2)))   # quiet R_c = C cos⁴Λ
    expected = 14.2 * np.cos(np.minimum(invariant + np.radians(5.0), np.pi / 2)) ** 4
    np.testing.assert_allclose(storm, expected, rtol=1e-7, atol=1e-9)
    assert np.all(storm <= quiet) and np.all(storm >= 0.0)


def test_proton_energy_of_a_rigidity():
    """1 GV ↔ 433.3 MeV for a proton (p c = 1000 MeV; m c² = 938.272 MeV, CODATA)."""
    assert tick.proton_energy_mev(1.0) == pytest.approx(433.3, rel=1e-3)
    assert tick.proton_energy_mev(14.9) == pytest.approx(math.hypot(14900.0, 938.272) - 938.272, rel=1e-12)


def _radiation(cache_dir, every_s):
    return {"trapped": {**COARSE, "cache_dir": cache_dir}, "spe": {"mode": "off"}, "environment_every_s": every_s,
            "devices": [memory(bits=1e9)]}


def test_expected_upsets_and_dose_over_a_day_match_every_tick(tmp_path, cache_dir):
    """Expected upset count (the integrated hazard) and dose over a day, Walker 53°/550 km, dt 10 s:
    environment every 60 s (staggered) vs every tick within 1 % (fleet total) and 3 % (per satellite)."""
    sims = {}
    for every_s in (0.0, 60.0):
        sims[every_s], _, _ = run(tmp_path / str(every_s), SHELLS, _radiation(cache_dir, every_s), dt_s=10,
                                  record_s=SECONDS_PER_DAY)
    ref, fast = sims[0.0].fleet, sims[60.0].fleet
    assert ref.upset_hazard.sum() > 100
    assert fast.upset_hazard.sum() == pytest.approx(ref.upset_hazard.sum(), rel=0.01)
    assert fast.dose_rad.sum() == pytest.approx(ref.dose_rad.sum(), rel=0.01)
    np.testing.assert_allclose(fast.upset_hazard, ref.upset_hazard, rtol=0.03)
    np.testing.assert_allclose(fast.dose_rad, ref.dose_rad, rtol=0.03)
