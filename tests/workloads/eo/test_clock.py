"""The eo job's clock-sensitive share: it sets its members' gpu_clock_sensitivity, the payload then
delivers throughput_fraction(level, s)·n·dt (1/(s/level + 1 − s), written out here), and the
utilisation the job asks for is its demand over that capacity (consistency checks)."""
from __future__ import annotations

import numpy as np
import pytest

from sim.core.simulation import Simulation
from tests.helpers import advance_ticks
from tests.workloads.eo.common import eo_scenario

JOB = "workloads.jobs.0"


@pytest.mark.parametrize("share", [None, 0.3])
def test_members_deliver_at_the_clock_sensitive_rate(share):
    sets = {} if share is None else {f"{JOB}.clock_sensitive_share": share}
    sim = Simulation(eo_scenario(duration="1h", **sets))
    job = sim.subsystem("workloads").jobs[0]
    f, m = sim.fleet, job.jc.members
    s = 0.6 if share is None else share          # the default is 0.6 (vision CNN inference, U)
    assert np.all(f.gpu_clock_sensitivity[m] == s)
    for sub in sim.subsystems:
        sub.start()
    for step in range(1, 30):
        level = f.throttle_level.copy()
        working = (f.gpu_on != 0) & ~(f.gpu_down_until_s > (step - 1) * sim.dt_s)
        advance_ticks(sim, [step])
        rate = np.where(working & (level > 0), level / (s + (1.0 - s) * level), 0.0)
        np.testing.assert_allclose(f.gpu_seconds_delivered_tick[m], (rate * f.gpu_count * sim.dt_s)[m], rtol=1e-14)
