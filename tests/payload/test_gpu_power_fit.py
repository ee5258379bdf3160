"""GPU board power against the published H100 points it is fitted to, and throughput against clock.

Model (docs/models.md): P(f) = P_static + C_eff·V(f)²·f, V(f) = max(V_min, V_min + k·(f − f_knee)).
The shape of the voltage–frequency curve (V_min / V(f_max) = 0.65, f_knee = 1000 MHz) is a
judgement (U): no published H100 voltage–frequency table or locked-clock power sweep was found.
P_static and C_eff are fitted here by least squares (scipy) to the published points below, with
that shape, and compared with the presets' closed-form parameters (Gpu.vf_parameters).

Published points (board power at full load unless noted; status as in MODELS.md):

1. H100 SXM5, 345 MHz, 74.7 W: idle at P0, 0 % load, at the idle clock (V; nvidia-smi -q dump
   of an H800 SXM5, MODELS.md §3).
2. H100 SXM5, 1980 MHz, 700 W: default = maximum power limit at the maximum clock (V; same dump,
   NVIDIA H100 datasheet).
3. H100 SXM5, 1620 MHz, at most 500 W: benchmark practice locks H100 clocks at 1620 MHz under a
   500 W limit that must not bind (V2; PyTorch/Triton benchmark scripts, `nvidia-smi -lgc
   1620,1620` with `--power-limit=500` for H100) — an upper bound.
4. H100 SXM5: minimum power limit 200 W, so 200 W is reachable above the idle clock (V; same dump).
5. H100 PCIe, 345 MHz, 50 W: idle (U; the preset value).
6. H100 PCIe, 1755 MHz, 350 W: maximum power (TDP) at the maximum clock (V; NVIDIA PB-11133-001).
"""
import numpy as np
import pytest
from scipy.optimize import least_squares

from sim.payload.config import Gpu
from sim.payload.gpu import throughput_fraction
from sim.payload.power import gpu_power_w

# (preset, clock MHz, power W) — the equality points of the table above
POINTS = {
    "h100-sxm": [(345.0, 74.7), (1980.0, 700.0)],
    "h100-pcie": [(345.0, 50.0), (1755.0, 350.0)],
}
TOLERANCE = 0.01   # relative, on every published point


def _shape(f_mhz, g: Gpu):
    """(V/V_max)²·f/f_max of the preset's voltage–frequency curve, written out."""
    x = np.asarray(f_mhz) / g.max_clock_mhz
    knee = g.knee_clock_mhz / g.max_clock_mhz
    v = np.maximum(g.v_min_ratio, g.v_min_ratio + (1.0 - g.v_min_ratio) * (x - knee) / (1.0 - knee))
    return v * v * x


@pytest.mark.parametrize("preset", sorted(POINTS))
def test_fit_to_the_published_points(preset):
    """Least-squares P_static and C_eff·V_max²·f_max reproduce every point within 1 % and agree
    with the preset's closed-form parameters within 1.5 % (the preset rounds idle power to 75 W)."""
    g = Gpu(preset=preset)
    f, p = np.array(POINTS[preset]).T
    fit = least_squares(lambda q: (q[0] + q[1] * _shape(f, g)) / p - 1.0, x0=[50.0, 500.0])
    static_w, dynamic_w = fit.x
    model = np.array([gpu_power_w(fi / g.max_clock_mhz, *g.vf_parameters) for fi in f])
    np.testing.assert_allclose(model, p, rtol=TOLERANCE)
    np.testing.assert_allclose(static_w + dynamic_w * _shape(f, g), p, rtol=TOLERANCE)
    ps, pd, _, _ = g.vf_parameters
    assert ps == pytest.approx(static_w, abs=0.015 * g.tdp_w)
    assert pd == pytest.approx(dynamic_w, rel=0.015)


def test_sxm_bounds_from_operating_practice():
    """1620 MHz runs under a 500 W limit; the 200 W minimum limit is reachable above the idle clock."""
    g = Gpu()
    vf = g.vf_parameters
    assert gpu_power_w(1620.0 / 1980.0, *vf) <= 500.0
    assert gpu_power_w(g.min_level, *vf) < 200.0


@pytest.mark.parametrize("preset", sorted(POINTS))
def test_regimes_linear_below_the_knee_steeper_above(preset):
    """d ln P_dyn / d ln f = 1 below the knee (voltage at its floor), 2..3 near the maximum clock."""
    g = Gpu(preset=preset)
    static_w, dynamic_w, v_min, knee = g.vf_parameters

    def slope(x, h=1e-6):
        lo = gpu_power_w(x * (1 - h), *g.vf_parameters) - static_w
        hi = gpu_power_w(x * (1 + h), *g.vf_parameters) - static_w
        return (np.log(hi) - np.log(lo)) / (np.log1p(h) - np.log1p(-h))

    assert slope(0.5 * knee) == pytest.approx(1.0, abs=1e-6)
    assert 2.0 < slope(0.999) < 3.0


def test_throughput_fraction_against_step_time():
    """rate(f)/rate(f_max) = t_max / t(f) with t(f) = t_max (s f_max/f + 1 − s), written out."""
    for s in (0.0, 0.3, 0.6, 0.85, 1.0):
        for level in (0.2, 0.5, 0.7, 0.95, 1.0):
            assert throughput_fraction(level, s) == pytest.approx(1.0 / (s / level + 1.0 - s), rel=1e-14)
    assert throughput_fraction(0.7, 1.0) == 0.7          # s = 1: proportional to the clock, exactly
    assert throughput_fraction(0.0, 0.85) == 0.0         # GPUs off
    assert throughput_fraction(0.4, 0.0) == 1.0          # clock-independent work
