"""Step time against clock: t(f) = t_max (s f_max/f + 1 − s) with s = clock_sensitive_share, the
clock held by a watt limit (gpu.power_cap_w) at the level that meets it; t_max and the level are
worked out here from the configuration (the level against the preset's closed form)."""
import copy

import pytest

from sim.analysis.results import open_run
from sim.core.simulation import Simulation
from sim.payload.config import Gpu
from tests.workloads.training.scenarios import FORMATION, scenario, step_compute_s

JOB = FORMATION["workloads"]["jobs"][0]
STEP_S = step_compute_s(JOB, 16)


@pytest.mark.parametrize("share", [1.0, 0.85, 0.3])
def test_step_time_at_a_watt_limited_clock(tmp_path, share):
    shells = copy.deepcopy(FORMATION["constellation"])
    shells[0]["gpu"]["power_cap_w"] = 450.0
    sim = Simulation(scenario({"constellation": shells, "duration": "1h"}, clock_sensitive_share=share))
    members = sim.subsystem("workloads").jobs[0].jc.members
    assert (sim.fleet.gpu_clock_sensitivity[members] == share).all()
    level = Gpu(power_cap_w=450.0).power_cap_level
    result = sim.run(tmp_path / "run.h5")
    progress = open_run(result.path).tables["workloads/llm/progress"]
    assert sim.fleet.throttle_level[members] == pytest.approx(level, abs=1e-12)
    assert progress.step_time_s.iloc[-1] == pytest.approx(STEP_S * (share / level + 1.0 - share), rel=1e-9)


def test_clock_sensitive_share_is_validated():
    with pytest.raises(ValueError, match="clock_sensitive_share"):
        scenario(clock_sensitive_share=1.5)
