"""GPU faults defined in `faults:` are the training job's interruptions (the job draws none of its
own then); permanent ones are lost GPUs in the fleet and the goodput books stay closed."""
import numpy as np
import pytest

from sim.analysis.results import open_run
from sim.core.simulation import Simulation
from sim.faults.config import LLAMA3_GPU_FAULT_MTBF_H
from sim.workloads.goodput import CAUSES, IDENTITY_TOLERANCE
from tests.workloads.training.scenarios import scenario


def test_llama3_gpu_fault_rate():
    """Llama 3 (arXiv:2407.21783, Table 5): 148 faulty-GPU and 72 HBM3 interruptions of 419 in 54 days
    on 16,384 H100: 54·24·16384 / 220 GPU-hours per fault."""
    assert LLAMA3_GPU_FAULT_MTBF_H == pytest.approx(96_509, rel=1e-4)


def _run(tmp_path, faults, **job):
    sim = Simulation(scenario({"duration": "3h", "faults": faults}, **job))
    result = sim.run(tmp_path / "run.h5")
    return sim, result, open_run(result.path)


def test_gpu_faults_are_the_jobs_interruptions(tmp_path):
    """Every GPU fault on a member with a working GPU is one interruption of the job, and the job's
    own gpu_mtbf_h (here 1 h, which alone would interrupt it ~48 times) draws nothing (consistency
    checks against the fault events)."""
    faults = {"random": [{"kind": "gpu_reset", "target": {"satellites": "all"}, "mtbf_h": 4.0 * 4,
                          "duration": {"distribution": "fixed", "value_s": 60}}],
              "scheduled": [{"kind": "gpu_lost", "target": {"satellite": 2}, "at": "1h", "duration": "permanent"}]}
    sim, result, run = _run(tmp_path, faults, interruptions={"gpu_mtbf_h": 1.0})
    ev = run.events
    starts = ev[ev.kind_name == "fault_start"]
    s = result.summary
    assert len(starts) > 3
    assert s["workloads.llm.interruptions"][0] == len(starts)
    assert s["workloads.llm.permanent_faults"][0] == 1
    lost = sim.fleet.gpus_lost_workload
    assert lost.tolist() == [0, 0, 1, 0]
    failures = ev[ev.kind_name == "train_failure"]
    assert np.array_equal(np.sort(failures.t_s.to_numpy()), np.sort(starts.t_s.to_numpy()))
    permanent = failures[failures.c == 1.0]
    assert permanent.t_s.tolist() == [3600.0] and permanent.sat.tolist() == [2]
    booked = s["useful_gpu_hours"][0] + sum(s[f"badput.{c}_gpu_hours"][0] for c in CAUSES)
    assert booked == pytest.approx(s["gpu_hours_available"][0], rel=IDENTITY_TOLERANCE)


def test_without_gpu_faults_the_job_draws_its_own(tmp_path):
    """A faults section without GPU faults leaves gpu_mtbf_h in charge (and the results of the
    interruptions as without any faults section: a consistency check)."""
    faults = {"scheduled": []}
    _, with_section, _ = _run(tmp_path, faults, interruptions={"gpu_mtbf_h": 4.0})
    sim = Simulation(scenario({"duration": "3h"}, interruptions={"gpu_mtbf_h": 4.0}))
    without = sim.run(tmp_path / "plain.h5")
    key = "workloads.llm.interruptions"
    assert with_section.summary[key][0] == without.summary[key][0] > 0


def test_a_lost_string_and_cell_take_their_share(tmp_path):
    """One of 8 strings lost: array efficiency × 7/8 from then on; two of 14 cells lost: capacity
    × 12/14 (closed forms of sim.faults.power)."""
    faults = {"scheduled": [
        {"kind": "array_string", "target": {"satellite": 1}, "at": "1h", "duration": "permanent", "of": 8},
        {"kind": "battery_cell", "target": {"satellites": [0, 3]}, "at": "30m", "duration": "permanent", "of": 14},
        {"kind": "battery_cell", "target": {"satellite": 3}, "at": "2h", "duration": "permanent", "of": 14}]}
    sim = Simulation(scenario({"duration": "3h", "faults": faults}))
    eff0 = sim.fleet.array_efficiency.copy()
    cap0 = sim.fleet.battery_capacity_wh.copy()
    result = sim.run(tmp_path / "run.h5")
    f = sim.fleet
    np.testing.assert_allclose(f.array_efficiency, eff0 * [1, 7 / 8, 1, 1], rtol=1e-12)
    np.testing.assert_allclose(f.battery_capacity_wh, cap0 * [13 / 14, 1, 1, 12 / 14], rtol=1e-12)
    assert result.summary["faults.battery_cell_faults"][0] == 2
    assert result.summary["faults.array_string_down_hours"][0] == pytest.approx(2.0)
