"""The GPUs a training job loses for good are visible outside the job: the FleetState field
`gpus_lost_workload` (consistency checks against the job's own count and its events)."""
import numpy as np

from sim.analysis.results import open_run
from sim.core.simulation import Simulation
from tests.workloads.training.scenarios import scenario


def test_permanent_faults_are_counted_per_satellite_in_the_fleet(tmp_path):
    sim = Simulation(scenario({"duration": "6h"}, interruptions={"gpu_mtbf_h": 8.0, "permanent_fraction": 1.0}))
    spec = sim.fleet.specs["gpus_lost_workload"]
    assert (spec.unit, spec.role) == ("1", "state")
    result = sim.run(tmp_path / "run.h5")
    job = sim.subsystem("workloads").jobs[0]
    lost = sim.fleet.gpus_lost_workload
    n = result.summary["workloads.llm.permanent_faults"][0]
    assert n > 0 and lost.sum() == n
    np.testing.assert_array_equal(lost[job.jc.members], job.failed)
    # each permanent fault is a train_failure event with c = 1 at the member that lost the GPU
    ev = open_run(result.path).events
    permanent = ev[(ev.kind_name == "train_failure") & (ev.c == 1.0)]
    counted = np.bincount(permanent.sat.to_numpy().astype(int), minlength=sim.fleet.n)
    np.testing.assert_array_equal(counted, lost)
    # the hardware still counts them as working: the job books their GPU-seconds idle
    assert (sim.fleet.gpu_count == sim.fleet.gpu_count_installed).all()


def test_transient_interruptions_lose_no_gpu(tmp_path):
    sim = Simulation(scenario({"duration": "3h"}, interruptions={"gpu_mtbf_h": 4.0, "permanent_fraction": 0.0}))
    s = sim.run(tmp_path / "run.h5").summary
    assert s["workloads.llm.interruptions"][0] > 0
    assert sim.fleet.gpus_lost_workload.sum() == 0
