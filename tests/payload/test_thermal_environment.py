"""The network's radiator and environment: fin efficiency, view factors, the array's node,
the face cosines and the environment cases.

References (each test names its own): scipy.integrate.solve_bvp of the radiating-fin equation
k t T'' = n ε σ (T⁴ − T_s⁴); Howell's catalogue of view factors, C-14 (perpendicular plates with
a common edge; F = 0.20004 for two squares, tabulated e.g. in Incropera & DeWitt, Fig. 13.6) and
an independent Monte Carlo ray count; scipy dblquad of the view-factor definition for a tilted
plate and a sphere; the array's closed-form energy balance (scipy brentq where the temperature
coefficient makes it a quartic with a linear term).
"""
import math

import numpy as np
import pytest
from scipy.integrate import dblquad, solve_bvp
from scipy.optimize import brentq

from sim.config import scenario_from_dict
from sim.core.constants import DEEP_SPACE_SINK_K, R_EARTH_EQUATORIAL_M, STEFAN_BOLTZMANN_W_M2_K4
from sim.payload.environment import (
    array_node_step,
    earth_view_factor,
    local_albedo,
    perpendicular_plates_view_factor,
    radiator_to_offset_plate_view_factor,
)
from sim.payload.environment_cases import earth_ir_and_albedo
from sim.payload.thermal import view_factor_nadir_plate, view_factor_vertical_plate
from sim.payload.thermal_network import fin_efficiency, fin_number_per_k3
from tests.conftest import TINY_SCENARIO

SIGMA = STEFAN_BOLTZMANN_W_M2_K4
RE = R_EARTH_EQUATORIAL_M


def _fin_by_solve_bvp(length_m, thickness_m, k_w_m_k, eps, faces, t_root_k, t_sink_k=DEEP_SPACE_SINK_K):
    """η_f of k t T'' = n ε σ (T⁴ − T_s⁴), T(0) = T_root, T'(L) = 0, by scipy solve_bvp on the
    scaled variables θ = T/T_root, ξ = x/L (θ'' = N (θ⁴ − θ_s⁴)): η_f = |θ'(0)| / (N (1 − θ_s⁴))."""
    n_fin = faces * eps * SIGMA * length_m ** 2 * t_root_k ** 3 / (k_w_m_k * thickness_m)
    theta_s = t_sink_k / t_root_k
    x = np.linspace(0.0, 1.0, 401)

    def rhs(_, y):
        return np.vstack([y[1], n_fin * (np.maximum(y[0], 0.0) ** 4 - theta_s ** 4)])

    def bc(ya, yb):
        return np.array([ya[0] - 1.0, yb[1]])

    sol = solve_bvp(rhs, bc, x, np.vstack([np.ones_like(x), np.zeros_like(x)]), tol=1e-9,
                    max_nodes=100000)
    assert sol.status == 0
    return -sol.sol(0.0)[1] / (n_fin * (1.0 - theta_s ** 4))


@pytest.mark.parametrize("half_width_m, thickness_m, t_root_k", [
    (0.05, 1e-3, 330.0), (0.09, 1e-3, 330.0), (0.15, 0.5e-3, 350.0), (0.3, 0.5e-3, 300.0), (0.6, 0.3e-3, 380.0)])
def test_fin_efficiency_matches_solve_bvp(half_width_m, thickness_m, t_root_k):
    """Aluminium fins (k = 167 W/m/K), two radiating faces, ε = 0.85, 3 K sink: the table
    (exact parametric solution) against solve_bvp of the dimensional fin equation, 1e-4."""
    n_fin = fin_number_per_k3(2, 0.85, half_width_m, thickness_m, 167.0) * t_root_k ** 3
    expected = _fin_by_solve_bvp(half_width_m, thickness_m, 167.0, 0.85, 2, t_root_k)
    assert fin_efficiency(n_fin) == pytest.approx(expected, abs=1e-4)
    assert 0.0 < expected < 1.0


def test_fin_efficiency_limits():
    """η_f → 1 for N → 0; the linearised fin tanh(mL)/mL (m² L² = 4N) is a lower bound."""
    assert fin_efficiency(0.0) == 1.0
    assert fin_efficiency(1e-4) == pytest.approx(1.0 - 4e-4 / 3.0, abs=1e-6)  # 1 − (mL)²/3
    for n_fin in (0.05, 0.3, 1.0, 5.0):
        ml = math.sqrt(4.0 * n_fin)
        assert fin_efficiency(n_fin) > math.tanh(ml) / ml


def _monte_carlo_view_factor(edge_m, w1_m, gap_m, h2_m, rays=400_000, seed=7):
    """Independent ray count: cosine-weighted rays from random points on plate 1 (z = 0,
    0 ≤ x ≤ w1, 0 ≤ y ≤ edge), normal +z; plate 2 is x = 0, gap ≤ z ≤ gap + h2, 0 ≤ y ≤ edge."""
    rng = np.random.default_rng(seed)
    x0 = rng.uniform(0.0, w1_m, rays)
    y0 = rng.uniform(0.0, edge_m, rays)
    r = np.sqrt(rng.uniform(0.0, 1.0, rays))
    phi = rng.uniform(0.0, 2 * np.pi, rays)
    dx, dy = r * np.cos(phi), r * np.sin(phi)
    dz = np.sqrt(np.maximum(1.0 - r * r, 0.0))
    with np.errstate(divide="ignore", invalid="ignore"):
        t = -x0 / dx  # reach x = 0
        y = y0 + t * dy
        z = t * dz
    hit = (dx < 0) & (y >= 0) & (y <= edge_m) & (z >= gap_m) & (z <= gap_m + h2_m)
    return hit.mean(), math.sqrt(hit.mean() * (1 - hit.mean()) / rays)


def test_perpendicular_plates_view_factor_matches_howell_c14_table():
    """Howell C-14 for two unit squares sharing an edge: 0.20004 (the catalogue's value)."""
    assert perpendicular_plates_view_factor(1.0, 1.0, 1.0) == pytest.approx(0.20004, abs=1e-5)


@pytest.mark.parametrize("edge_m, extent_m, gap_m, plate_m", [
    (2.0, 1.5, 0.0, 1.0), (2.0, 1.5, 0.5, 2.0), (1.0, 3.0, 0.2, 0.5), (3.0, 0.5, 1.0, 4.0)])
def test_radiator_view_factors_match_monte_carlo(edge_m, extent_m, gap_m, plate_m):
    """The radiator's view of the array and of the bus (C-14 and view-factor algebra) against a
    Monte Carlo ray count, within 4 standard errors."""
    expected, sigma = _monte_carlo_view_factor(edge_m, extent_m, gap_m, plate_m)
    assert radiator_to_offset_plate_view_factor(edge_m, extent_m, gap_m, plate_m) == pytest.approx(
        expected, abs=4 * sigma + 1e-4)


def _earth_view_factor_by_quadrature(altitude_m, cos_nadir):
    """F = (1/π)∫ max(0, d·n) dω over the directions d that hit the Earth."""
    rho = math.asin(RE / (RE + altitude_m))
    tilt = math.acos(cos_nadir)
    n = (math.sin(tilt), 0.0, math.cos(tilt))

    def integrand(a, p):
        d = (math.sin(a) * math.cos(p), math.sin(a) * math.sin(p), math.cos(a))
        return max(0.0, d[0] * n[0] + d[2] * n[2]) * math.sin(a)

    return dblquad(integrand, 0.0, 2 * math.pi, 0.0, rho, epsabs=1e-11, epsrel=1e-10)[0] / math.pi


@pytest.mark.parametrize("altitude_km", [550, 650, 5000])
@pytest.mark.parametrize("cos_nadir", [1.0, 0.93, 0.7, 0.3, 0.0, -0.2, -0.6, -0.9, -1.0])
def test_tilted_plate_earth_view_factor_matches_quadrature(altitude_km, cos_nadir):
    """Howell's tilted-element-to-sphere factor against dblquad of the definition; and it
    reduces to the nadir and vertical closed forms the lumped model uses."""
    h = altitude_km * 1e3
    assert earth_view_factor(h, cos_nadir) == pytest.approx(_earth_view_factor_by_quadrature(h, cos_nadir),
                                                            abs=2e-7)
    assert earth_view_factor(h, 1.0) == pytest.approx(view_factor_nadir_plate(h), abs=1e-12)
    assert earth_view_factor(h, 0.0) == pytest.approx(view_factor_vertical_plate(h), abs=1e-9)


def test_yaw_steered_face_cosines_are_the_orientation_conventions():
    """Consistency check: under yaw steering the attitude module's body frame gives the
    orientations' conventions, with μ = r̂·ŝ: nadir front n̂ = −r̂ (cos_sun −μ, cos_nadir 1),
    zenith n̂ = +r̂ (μ, −1), edge-on n̂ ⟂ r̂, ŝ (0, 0); a tracking array faces ŝ (1, −μ), a
    body-fixed one zenith (μ, −1)."""
    from sim.orbits import attitude as att
    r = (7.0e6, 0.0, 0.0)
    v = (0.0, 5.0e3, 5.0e3)
    s = (0.6, 0.0, 0.8)
    mu = 0.6
    for mount, (cs, cn) in ((att.MOUNT_NADIR, (-mu, 1.0)), (att.MOUNT_ZENITH, (mu, -1.0)),
                            (att.MOUNT_EDGE_ON_SUN, (0.0, 0.0))):
        for tracking, (ca, cna) in ((1, (1.0, -mu)), (0, (mu, -1.0))):
            got = att.payload_face_cosines(att.ATTITUDE_YAW_STEERING, tracking, mount, *r, *v, *s)
            assert got == pytest.approx((ca, cna, cs, cn), abs=1e-12)


def test_albedo_rises_with_the_zenith_angle_and_its_flux_falls():
    """a(ζ) = a + c(ζ) (TM-2001-211221 correction): 0 at ζ = 0, rising; the flux a(ζ) cos ζ
    falls beyond ~20° and reaches 0 at the terminator; without the correction, a."""
    zetas = np.radians([0, 20, 40, 60, 80, 89.9])
    a = np.array([local_albedo(0.3, math.cos(z), 1.0) for z in zetas])
    assert a[0] == pytest.approx(0.3)
    assert np.all(np.diff(a) > 0) and a[-1] < 0.7
    flux = a * np.cos(zetas)
    assert np.all(np.diff(flux[1:]) < 0) and flux[-1] < 2e-3 and flux[1] < 1.01 * flux[0]
    assert local_albedo(0.3, 0.2, 0.0) == 0.3


@pytest.mark.parametrize("beta, heat_capacity", [(0.0, 0.0), (-0.0025, 0.0), (-0.0045, 0.0)])
def test_array_equilibrium_matches_the_closed_form_balance(beta, heat_capacity):
    """Sunlit array, normal to the Sun: α S + q_back = P_el(T) + (ε_f + ε_b) σ (T⁴ − T_s⁴), with
    P_el = η S (1 + β (T − T_ref)). β = 0: T = ((α S + q_back − η S)/((ε_f+ε_b) σ) + T_s⁴)^¼;
    β ≠ 0: brentq of the same balance."""
    s, alpha, eta, eps_sum, q_back, t_ref = 1361.0, 0.88, 0.30, 1.65, 60.0, 301.15
    absorbed = alpha * s + q_back
    p_ref = eta * s
    t, p_el = array_node_step(250.0, absorbed, p_ref, beta, t_ref, eps_sum, heat_capacity, 10.0, 8)

    def balance(temp):
        return absorbed - p_ref * (1 + beta * (temp - t_ref)) - eps_sum * SIGMA * (temp ** 4 - 3.0 ** 4)

    expected = (((absorbed - p_ref) / (eps_sum * SIGMA) + 3.0 ** 4) ** 0.25 if beta == 0.0
                else brentq(balance, 100.0, 600.0, xtol=1e-12))
    assert t == pytest.approx(expected, abs=1e-6)
    assert p_el == pytest.approx(p_ref * (1 + beta * (expected - t_ref)), rel=1e-9)


def test_array_node_relaxes_like_its_ode():
    """With a heat capacity, backward Euler approaches the equilibrium monotonically with the
    time constant c/(4 (ε_f+ε_b) σ T³) (consistency check)."""
    absorbed, eps_sum, c = 1200.0, 1.65, 1000.0
    t_eq = array_node_step(250.0, absorbed, 0.0, 0.0, 300.0, eps_sum, 0.0, 10.0, 8)[0]
    t = 200.0
    for _ in range(2000):
        t_new = array_node_step(t, absorbed, 0.0, 0.0, 300.0, eps_sum, c, 10.0)[0]
        assert t <= t_new <= t_eq + 1e-9
        t = t_new
    assert t == pytest.approx(t_eq, abs=1e-6)


def test_environment_cases_order_and_overrides():
    """hot > nominal > cold in Earth IR, per inclination band; overrides win; the scenario
    validates the case name."""
    for inc in (10.0, 53.0, 97.8, 140.0):
        hot, nominal, cold = (earth_ir_and_albedo(c, inc) for c in ("hot", "nominal", "cold"))
        assert hot[0] > nominal[0] > cold[0]
        assert hot[1] > cold[1]
    assert earth_ir_and_albedo("nominal", 53.0) == (237.0, 0.30)
    assert earth_ir_and_albedo("hot", 53.0, earth_ir_w_m2=300.0, albedo=0.4) == (300.0, 0.4)
    scenario = scenario_from_dict({**TINY_SCENARIO, "environment": {"case": "hot"}})
    assert scenario.environment.case == "hot"
    with pytest.raises(Exception, match="case"):
        scenario_from_dict({**TINY_SCENARIO, "environment": {"case": "warm"}})


def test_tabulated_earth_view_factor_is_the_exact_one():
    """The tick's bilinear table against the exact formula (consistency check), 130–36,000 km."""
    from sim.payload.environment import earth_view_factor_tabulated
    rng = np.random.default_rng(3)
    for h_m, c in zip(rng.uniform(130e3, 36e6, 4000), rng.uniform(-1.0, 1.0, 4000)):
        assert earth_view_factor_tabulated(h_m, c) == pytest.approx(earth_view_factor(h_m, c), abs=1e-4)


def test_every_shell_must_use_the_same_thermal_model():
    """The kernel runs one thermal model per run: a mix is refused, naming the shell's field."""
    from sim.config.base import ConfigError
    shell = TINY_SCENARIO["constellation"][0]
    mixed = {**TINY_SCENARIO, "constellation": [
        {**shell, "name": "a"}, {**shell, "name": "b", "thermal": {"model": "lumped"}}]}
    with pytest.raises(ConfigError, match=r"constellation\.1\.thermal\.model: is 'lumped' but shell 0 "
                                          r"uses 'network'"):
        scenario_from_dict(mixed)
