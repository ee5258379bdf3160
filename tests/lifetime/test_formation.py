"""Formation keeping (sim.lifetime.formation): the differential-drag Δv against the hand-integrated
impulse, the slot at the epoch, bad input, and the block invariance of its config."""
from __future__ import annotations

import math
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from sim.config.loading import scenario_from_dict
from sim.core.simulation import Simulation
from sim.lifetime import kernels
from tests.helpers import assert_block_invariant

ROOT = Path(__file__).resolve().parents[2]
CONFIG = ROOT / "configs" / "suncatcher_keeping.yaml"
CD, MASS, RHO = 2.2, 100.0, 3.0e-12


def _pair(duration: str, keeping: dict | None, j2: bool = False, radius_m: float = 200.0):
    data = {
        "name": "formation_test", "epoch": "2026-03-20T00:00:00Z", "duration": duration, "dt_s": 60, "seed": 1,
        "record": {"every_s": "1d"}, "environment": {"j2": j2},
        "constellation": [{"name": "pair", "cluster": {"count": 2, "radius_m": radius_m, "altitude_km": 400,
                                                        "inclination_deg": 51.6, "raan_deg": 0.0},
                           "solar_array": {"area_m2": 4.0, "tracking": "body"},
                           "radiator": {"area_m2": 1.0, "orientation": "nadir"}}],
        "lifetime": {"mass_kg": MASS, "body_area_m2": 1.0, "reentry_altitude_km": 150,
                     "drag": {"density": "exponential"}, "station_keeping": {"enabled": False},
                     "propulsion": {"propellant_kg": 5.0}, "formation_keeping": keeping},
    }
    return Simulation(scenario_from_dict(data))


def test_differential_drag_delta_v_matches_the_hand_integrated_impulse(tmp_path, monkeypatch):
    """Reference: in a constant density ρ (a one-band exponential table, scale height 10⁹ km) the
    member of area A1 against its chief of area A0 (body-fixed zenith array and nadir radiator fly
    edge-on: A is the body alone) feels the differential drag ½ρv²C_d(A1 − A0)/m; integrated by
    hand over the run it is the Δv the controller must spend: its along-track limit cycle (the
    parabola from edge to edge of the deadband) costs exactly the impulse per cycle, up to the
    unfinished last cycle (one burn, ~0.4 % here). J2 off, so the slot keeps no J2 cost."""
    monkeypatch.setattr(kernels, "EXPONENTIAL_TABLE", np.array([[0.0, RHO, 1e9]]))
    days = 20.0
    sim = _pair(f"{days}d", {"deadband_m": 20.0})
    sim.fleet.drag_body_area_m2[1] = 2.0
    sim.run(tmp_path / "run.h5")
    fk = sim.subsystem("lifetime").formation
    v = float(np.linalg.norm(sim.fleet.v_eci_m_s[:, 0]))
    impulse = 0.5 * RHO * v ** 2 * CD * (2.0 - 1.0) / MASS * days * 86400.0
    assert fk.delta_v_m_s[0] == pytest.approx(impulse, rel=0.02)
    assert fk.delta_v_cross_track_m_s[0] < 1e-6 * impulse
    assert fk.burns[0] > 50
    assert fk.error_max_m[0] < 20.0 * 1.5   # the far vertex overshoots by the error of the drag estimate
    # Tsiolkovsky on the shared propulsion (consistency check)
    used = sim.fleet.propellant_used_kg[1]
    assert used == pytest.approx(MASS * (1 - math.exp(-fk.delta_v_m_s[0] / (1390 * 9.80665))), rel=1e-6)
    assert sim.fleet.propellant_kg[1] == pytest.approx(5.0 - used, rel=1e-12)


def test_members_start_on_their_slots(tmp_path):
    """Consistency check: at the epoch each member's Hill-frame position is its slot (the linear
    map of its relative elements) to within the second-order terms, a few ρ²/a (0.15 m at 1 km,
    400 km; measured 0.51 m)."""
    sim = _pair("60s", {"deadband_m": 50.0}, j2=True, radius_m=1000.0)
    fk = sim.subsystem("lifetime").formation
    from sim.lifetime.formation_kernels import formation_errors
    err = np.zeros(fk.member.size)
    formation_errors(sim.fleet.r_eci_m, sim.fleet.v_eci_m_s, fk.member, fk.chief, fk.slot, sim.fleet.reentered, err)
    assert err.max() < 5 * 1000.0 ** 2 / 6.78e6


@pytest.mark.parametrize("sets, field", [
    (["--set", "lifetime.formation_keeping.deadband_m=0"], "lifetime.formation_keeping.deadband_m"),
    (["--set", "lifetime.propulsion.propellant_kg=0"], "lifetime.formation_keeping"),
])
def test_bad_formation_keeping_exits_2_naming_the_field(sets, field):
    proc = subprocess.run([sys.executable, "-m", "sim", "validate", *sets, str(CONFIG)], capture_output=True,
                          text=True, cwd=ROOT)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert "unrecognized" not in proc.stderr
    assert field in proc.stdout + proc.stderr
    assert "Traceback" not in proc.stderr


def test_block_invariance(tmp_path):
    """The formation check flags its ticks; the corrections run only there (a 5 m deadband makes
    burns happen within the 6 h)."""
    assert_block_invariant(CONFIG, "6h", tmp_path, sets=("lifetime.formation_keeping.deadband_m=5",))
