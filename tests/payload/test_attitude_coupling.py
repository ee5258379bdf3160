"""The shell's attitude law reaches the payload: array incidence and radiator exposure."""
import math

import numpy as np
import pytest

from sim.config.base import ConfigError
from sim.config.loading import scenario_from_dict
from sim.core.simulation import Simulation
from sim.orbits import attitude as att


def _scenario(attitude, model="network"):
    return {
        "name": "attitude", "epoch": "2026-06-21T00:00:00Z", "duration": "20m", "dt_s": 10, "seed": 1,
        "constellation": [{"name": "dd", "sso": {"altitude_km": 650, "ltan_h": 18, "count": 1},
                           "attitude": attitude, "thermal": {"model": model},
                           "radiator": {"area_m2": 3.0, "orientation": "edge_on_sun"},
                           "solar_array": {"area_m2": 10.0, "tracking": "sun"}}],
    }


def test_nadir_fixed_closed_forms():
    """Without yaw steering the array wing (axis along the orbit normal) sees the Sun at
    cos θ = cos β and the edge-on radiator's face (normal −ĥ) at cos = −sin β, β the Sun's
    elevation above the orbit plane (ŝ·ĥ = sin β), at any point of the orbit."""
    beta = math.radians(35.0)
    s = (math.cos(beta), 0.0, math.sin(beta))            # orbit plane x–y, ĥ = ẑ
    for u in np.radians([0.0, 40.0, 130.0, 250.0]):
        r = (7.0e6 * math.cos(u), 7.0e6 * math.sin(u), 0.0)
        v = (-7.5e3 * math.sin(u), 7.5e3 * math.cos(u), 0.0)
        ca, _, cs, cn = att.payload_face_cosines(att.ATTITUDE_NADIR_FIXED, 1, att.MOUNT_EDGE_ON_SUN, *r, *v, *s)
        assert ca == pytest.approx(math.cos(beta), abs=1e-12)
        assert cs == pytest.approx(-math.sin(beta), abs=1e-12)
        assert cn == pytest.approx(0.0, abs=1e-12)


def test_dawn_dusk_nadir_fixed_heats_the_radiator_and_starves_the_array(tmp_path):
    """Dawn–dusk at the June solstice (β near 60–90°): without yaw steering the radiator's back
    face looks at the Sun and the wing is nearly edge-on to it."""
    runs = {}
    for law in ("nadir_yaw_steering", "nadir_fixed"):
        sim = Simulation(scenario_from_dict(_scenario(law)))
        sim.run(tmp_path / f"{law}.h5")
        runs[law] = (float(sim.fleet.q_env_w[0]), float(sim.fleet.p_solar_w[0]))
    assert runs["nadir_fixed"][0] > runs["nadir_yaw_steering"][0] + 100.0
    assert runs["nadir_fixed"][1] < 0.7 * runs["nadir_yaw_steering"][1]


def test_lumped_model_refuses_other_attitudes():
    with pytest.raises(ConfigError, match=r"constellation\.0\.attitude"):
        scenario_from_dict(_scenario("nadir_fixed", model="lumped"))
