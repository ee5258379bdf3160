"""A formation close approach through a whole run (screen, tick kernel, events, tables) against
a brute-force scan of the same J2 orbits at a 0.1 s step."""
import math

import h5py
import numpy as np
import pytest

N_RAD_S = math.sqrt(3.986004418e14 / (6378137.0 + 650e3) ** 3)
M0_DEG = -math.degrees(N_RAD_S * 314.0)      # the ascending node ~314 s after the epoch
D_INC_DEG, D_M_DEG = math.degrees(1e-4), math.degrees(3e-6)
SCENARIO = f"""
name: two_close
epoch: 2026-03-20T00:00:00Z
duration: 20m
dt_s: 10
seed: 1
record: {{every_s: 600s}}
constellation:
  - name: pair
    elements:
      - {{altitude_km: 650, inclination_deg: 53.0, mean_anomaly_deg: {M0_DEG!r}}}
      - {{altitude_km: 650, inclination_deg: {53.0 + D_INC_DEG!r}, mean_anomaly_deg: {M0_DEG + D_M_DEG!r}}}
safety:
  formation: {{threshold_m: 50, screening_radius_m: 300, rescreen_every_s: 60s}}
  uncertainty: {{samples: 1000}}
"""


def test_close_approach_of_a_run_against_brute_force_at_0p1_s(tmp_path):
    """The run's close approach (events and /safety/close_approaches) against the minimum of the
    distance between the two satellites' closed-form J2 orbits (sim.orbits.j2.J2Propagator, the
    orbits' own model) evaluated every 0.1 s (issue 12 validation: closest approach against a
    brute-force computation at a 0.1 s step)."""
    from sim.config.loading import load_scenario
    from sim.core.simulation import Simulation, run
    path = tmp_path / "two.yaml"
    path.write_text(SCENARIO)
    scenario = load_scenario(path)
    fleet = Simulation(scenario).fleet
    result = run(scenario, tmp_path / "two.h5")
    with h5py.File(result.path) as f:
        rows = f["safety/close_approaches"][:]
        pairs = f["safety/pairs"][:]
        summary = dict(f["summary"].attrs)
    from sim.orbits.j2 import J2Propagator
    from sim.orbits.shells import MEAN_ELEMENT_KEYS
    prop = J2Propagator(*(np.ascontiguousarray(getattr(fleet, k)) for k in MEAN_ELEMENT_KEYS), dt_s=10.0)
    t = np.arange(250.0, 380.0, 0.1)
    r, v = np.zeros((3, 2)), np.zeros((3, 2))
    d = np.empty(t.size)
    for k, tk in enumerate(t):
        prop.propagate(tk, r, v)
        d[k] = np.linalg.norm(r[:, 1] - r[:, 0])
    k = int(np.argmin(d))
    assert 0 < k < t.size - 1 and d[k] < 50.0
    assert rows.size == 1 and (rows["sat_a"][0], rows["sat_b"][0]) == (0, 1)
    assert rows["t_s"][0] == pytest.approx(t[k], abs=0.06)
    assert rows["miss_m"][0] == pytest.approx(d[k], abs=0.05)
    assert pairs.size == 1 and pairs["min_separation_m"][0] == pytest.approx(d[k], abs=0.05)
    assert summary["safety.close_approaches"] == 1
    assert summary["safety.max_pc"] == pytest.approx(rows["pc"][0])
    assert summary["safety.min_separation_m"] == pytest.approx(d[k], abs=0.05)
