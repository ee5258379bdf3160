"""The thermal network from GPU junction to space: scalar numba helpers.

Per satellite (all GPUs of a satellite share one state)::

    junction ──R_jc── package/case ──R_cp── cold plate (C_p) ══ transport ══ radiator root (C_r)
                          └──R_hbm── HBM                                        │ fins, η_f
                                                                                 ▼ space, array, bus

The junction, package and HBM are quasi-steady (time constants of seconds); the cold plate and
the radiator are the two dynamic nodes, advanced by the lumped model's TR-BDF2 step
(sim.payload.thermal.thermal_step_fast) with the transport and the fins folded into its inputs:

- transport Q(ΔT) = G ΔT up to the transport limit Q_max (heat pipes: Q_max = n (QL)_max / L_eff);
  above it the evaporator dries out and only the wall conducts: Q = Q_max + G_dry (ΔT − Q_max/G).
  The branch is chosen from ΔT at the tick start (a one-tick lag at the switch; Q is continuous).
  Within the tick Q = G_seg ΔT + Q_off, i.e. the lumped step with P − Q_off in the payload,
  q_env + Q_off on the radiator and G_seg as the conductance. A pumped loop has no limit and
  G = ṁ c_p / (1/ε_cp + 1/ε_rad − 1), ε = 1 − exp(−UA/(ṁ c_p)) (isothermal walls at both ends).
- the radiator emits η_f ε σ A n (T_r⁴ − T_sink⁴), η_f the efficiency of a radiating fin of
  half-width L, thickness t and conductivity k at the root temperature T_r (evaluated at the
  tick start): the fin equation k t T'' = n_f ε σ (T⁴ − T_sink⁴), T(0) = T_r, T'(L) = 0, in
  θ = T/T_r, ξ = x/L: θ'' = N θ⁴ with N = n_f ε σ L² T_r³/(k t) (T_sink ≪ T_r), and
  η_f = ∫θ⁴ dξ. Tabulated at import from the first integral θ'² = (2N/5)(θ⁵ − θ_tip⁵).
"""
from __future__ import annotations

import math

import numpy as np
from numba import njit

from sim.core.constants import DEEP_SPACE_SINK_K, STEFAN_BOLTZMANN_W_M2_K4

THERMAL_MODELS = ("lumped", "network")
MODEL_LUMPED, MODEL_NETWORK = range(len(THERMAL_MODELS))
NO_TRANSPORT_LIMIT_W = 1e30


def _fin_table(s_max: float = 8.0, points: int = 801) -> tuple[np.ndarray, float]:
    """η_f on a uniform grid of s = √N in [0, s_max], from the exact parametric solution:
    √(2N/5) = ∫_{θt}^1 dθ/√(θ⁵ − θt⁵) and η_f = √(2 (1 − θt⁵)/(5N)), θt the tip temperature
    (Gauss–Legendre after θ = θt + (1 − θt) u², which removes the endpoint singularity)."""
    u, w = np.polynomial.legendre.leggauss(96)
    u, w = 0.5 * (u + 1.0), 0.5 * w
    theta_tip = 1.0 - np.geomspace(1e-6, 1.0 - 1e-3, 6000)
    theta = theta_tip[:, None] + (1.0 - theta_tip[:, None]) * u[None, :] ** 2
    integrand = 2.0 * (1.0 - theta_tip[:, None]) * u / np.sqrt(theta ** 5 - theta_tip[:, None] ** 5)
    integral = integrand @ w
    n_fin = 2.5 * integral ** 2
    eta = np.sqrt(2.0 * (1.0 - theta_tip ** 5) / (5.0 * n_fin))
    s = np.sqrt(n_fin)
    order = np.argsort(s)
    grid = np.linspace(0.0, s_max, points)
    table = np.interp(grid, np.concatenate(([0.0], s[order])), np.concatenate(([1.0], eta[order])))
    return table, grid[1] - grid[0]


FIN_TABLE, FIN_TABLE_STEP = _fin_table()
_FIN_LAST = FIN_TABLE.shape[0] - 1
_FIN_S_MAX = _FIN_LAST * FIN_TABLE_STEP


@njit(cache=True, inline="always", error_model="numpy")
def fin_efficiency(fin_number):
    """η_f(N) of a radiating fin with an adiabatic tip (linear in √N on the table; beyond the
    table, N > 64, the asymptote η_f ∝ 1/√N)."""
    s = math.sqrt(max(fin_number, 0.0))
    x = min(s, _FIN_S_MAX) / FIN_TABLE_STEP
    i = min(int(x), _FIN_LAST - 1)
    frac = x - i
    eta = FIN_TABLE[i] + frac * (FIN_TABLE[i + 1] - FIN_TABLE[i])
    return eta * (_FIN_S_MAX / s if s > _FIN_S_MAX else 1.0)


def fin_number_per_k3(faces, emissivity, half_width_m, thickness_m, conductivity_w_m_k):
    """N / T_root³ = n_f ε σ L² / (k t) in 1/K³ (0 for an ideal, isothermal fin)."""
    if half_width_m <= 0.0:
        return 0.0
    return faces * emissivity * STEFAN_BOLTZMANN_W_M2_K4 * half_width_m ** 2 / (conductivity_w_m_k * thickness_m)


def pumped_loop_conductance_w_k(mass_flow_kg_s, cp_j_kg_k, ua_cold_plate_w_k, ua_radiator_w_k):
    """G = ṁ c_p / (1/ε₁ + 1/ε₂ − 1), ε = 1 − exp(−UA/(ṁ c_p)): a closed loop between two
    isothermal walls (effectiveness–NTU at each exchanger)."""
    capacity = mass_flow_kg_s * cp_j_kg_k
    e1 = 1.0 - math.exp(-ua_cold_plate_w_k / capacity)
    e2 = 1.0 - math.exp(-ua_radiator_w_k / capacity)
    return capacity / (1.0 / e1 + 1.0 / e2 - 1.0)


@njit(cache=True, inline="always", error_model="numpy")
def transport_segment(t_payload_k, t_radiator_k, g_w_k, q_max_w, g_dry_w_k):
    """(G_seg, Q_off): the transport as G_seg (T_p − T_r) + Q_off on the branch of the tick start."""
    dry = (t_payload_k - t_radiator_k) * g_w_k > q_max_w
    g_seg = g_dry_w_k if dry else g_w_k
    q_off = q_max_w * (1.0 - g_dry_w_k / g_w_k) if dry else 0.0
    return g_seg, q_off


def transport_delta_t_k(q_w, g_w_k, q_max_w, g_dry_w_k):
    """Steady ΔT across the transport carrying q_w (numpy arrays or scalars)."""
    q_w = np.asarray(q_w, dtype=float)
    wet = q_w <= q_max_w
    return np.where(wet, q_w / g_w_k, q_max_w / g_w_k + (q_w - q_max_w) / np.maximum(g_dry_w_k, 1e-300))


@njit(cache=True, inline="always", error_model="numpy")
def network_inputs(t_payload_k, t_radiator_k, p_heat_w, q_start_w, q_end_w, g_w_k, q_max_w,
                   g_dry_w_k, emissivity, fin_eta):
    """The lumped step's inputs that make it the network's step:
    (P − Q_off, q_start + Q_off, q_end + Q_off, G_seg, η_f ε), η_f (`fin_eta`) at the tick-start
    root temperature (`fin_efficiency_at`)."""
    g_seg, q_off = transport_segment(t_payload_k, t_radiator_k, g_w_k, q_max_w, g_dry_w_k)
    return p_heat_w - q_off, q_start_w + q_off, q_end_w + q_off, g_seg, fin_eta * emissivity


@njit(cache=True, inline="always", error_model="numpy")
def fin_efficiency_at(t_root_k, fin_number_per_k3):
    """η_f at the root temperature t_root_k."""
    tr = max(t_root_k, DEEP_SPACE_SINK_K)
    return fin_efficiency(fin_number_per_k3 * tr * tr * tr)


@njit(cache=True, inline="always", error_model="numpy")
def package_temperatures_k(t_cold_plate_k, p_gpu_w, r_jc_k_w, r_case_plate_k_w, hbm_power_fraction,
                           r_hbm_k_w):
    """(T_junction, T_hbm): T_case = T_cp + P R_cp, T_j = T_case + P R_jc,
    T_hbm = T_case + f_hbm P R_hbm (per GPU, quasi-steady)."""
    t_case = t_cold_plate_k + p_gpu_w * r_case_plate_k_w
    return t_case + p_gpu_w * r_jc_k_w, t_case + hbm_power_fraction * p_gpu_w * r_hbm_k_w


@njit(cache=True, error_model="numpy")
def steady_state_network(p_heat_w, q_env_w, g_w_k, q_max_w, g_dry_w_k, area_m2, emissivity, sides,
                         fin_number_per_k3, t_payload_k, t_radiator_k):
    """Equilibrium of the two dynamic nodes for constant loads, every satellite, in place:
    T_r = ((P + q)/(η_f(T_r) ε σ A n) + T_sink⁴)^¼ (fixed point on η_f), T_p = T_r + ΔT(P)."""
    sink4 = DEEP_SPACE_SINK_K ** 4
    for i in range(p_heat_w.shape[0]):
        load = max(p_heat_w[i] + q_env_w[i], 0.0)
        base = emissivity[i] * STEFAN_BOLTZMANN_W_M2_K4 * area_m2[i] * sides[i]
        t_r = (load / base + sink4) ** 0.25
        for _ in range(60):
            eta = fin_efficiency(fin_number_per_k3[i] * t_r ** 3)
            t_r = 0.5 * t_r + 0.5 * (load / (eta * base) + sink4) ** 0.25
        p = p_heat_w[i]
        if p <= q_max_w[i]:
            dt = p / g_w_k[i]
        else:
            dt = q_max_w[i] / g_w_k[i] + (p - q_max_w[i]) / g_dry_w_k[i]
        t_radiator_k[i] = t_r
        t_payload_k[i] = t_r + dt
