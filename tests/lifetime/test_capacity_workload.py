"""The training job's permanent GPU losses in the capacity table (sim.lifetime.ageing.working_gpus).

Consistency check against a stub subsystem that owns FleetState `gpus_lost_workload` (the field the
workloads subsystem declares) and raises it at set times: every row of /lifetime/capacity has
working = installed − lost (at least 0 per satellite).
"""
from __future__ import annotations

import numpy as np

from sim.analysis.results import open_run
from sim.config.loading import scenario_from_dict
from sim.core import simulation
from sim.core.fleet import field_specs
from sim.core.subsystem import Subsystem


class LostStub(Subsystem):
    name = "lost_stub"
    fields = field_specs("state", {"gpus_lost_workload": ("i4", "1", "GPUs the training job lost for good")})
    LOSSES = ((5 * 3600.0, 0, 3), (13 * 3600.0, 1, 9))   # (time, satellite, GPUs lost by then)

    def start(self) -> None:
        self.ctx.env.process(self._lose())

    def _lose(self):
        for t_s, sat, n in self.LOSSES:
            yield self.ctx.env.timeout(t_s - self.ctx.env.now)
            self.ctx.fleet.gpus_lost_workload[sat] = n


def test_working_gpus_drop_by_the_workload_losses(tmp_path, monkeypatch):
    """Two satellites of 4 GPUs; the stub loses 3 on the first at 5 h and 9 (more than it has) on
    the second at 13 h: working GPUs 8, 5, 5, 1, 1 at 0, 6, 12, 18, 24 h."""
    classes = simulation.subsystem_classes
    monkeypatch.setattr(simulation, "subsystem_classes", lambda: [*classes(), LostStub])
    sim = simulation.Simulation(scenario_from_dict({
        "name": "lost", "epoch": "2026-03-20T00:00:00Z", "duration": "1d", "dt_s": 60, "seed": 1,
        "record": {"every_s": "1d"},
        "constellation": [{"name": "eq", "elements": [{"altitude_km": 500.0, "inclination_deg": 0.0,
                                                       "mean_anomaly_deg": m} for m in (0.0, 180.0)],
                           "gpu": {"preset": "h100-sxm", "count": 4}}],
        "lifetime": {"station_keeping": {"enabled": False}, "drag": {"density": "exponential"},
                     "ageing": {"table_every_s": "6h"}}}))
    assert [s.name for s in sim.subsystems][-1] == "lost_stub"   # built after lifetime
    result = sim.run(tmp_path / "lost.h5")
    with open_run(result.path) as run:
        table = run.tables["lifetime/capacity"]
    assert list(table["t_s"]) == [0.0, 21600.0, 43200.0, 64800.0, 86400.0]
    assert list(table["installed_gpus"]) == [8] * 5
    assert list(table["working_gpus"]) == [8, 5, 5, 1, 1]
    assert np.all(sim.fleet.gpu_count == 4)   # the payload's count is the workloads' to lower, not ours
    assert result.summary["lifetime.working_gpus_end"][0] == 1.0
