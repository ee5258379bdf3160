"""The training job's policies, checkpoints, rollbacks and SDC handling, against numbers worked
out by hand from the step model (consistency checks of the bookkeeping: each expected value is
computed here from the configuration, not read back from the job)."""
import numpy as np
import pytest

from sim.analysis.results import open_run
from sim.core.simulation import Simulation
from sim.workloads.training import policy
from tests.workloads.training.scenarios import FORMATION, scenario, step_compute_s

JOB = FORMATION["workloads"]["jobs"][0]
STEP_S = step_compute_s(JOB, 16)                       # 9.48 s on 4 satellites x 4 GPUs
WRITE_S = 1.0e11 / (4 * 1.0e9)                         # 25 s: each of the 4 members writes a quarter
EVERY_S, RESTART_S = 1200.0, 300.0
DOWN_AT_S, DOWN_FOR_S = 3605.0, 600.0                  # satellite 1's GPUs are down 3605 .. 4205 s
# the payload sees the GPUs down in the ticks that start before the end: 3600 .. 4200 (61 ticks)
DOWN_TICKS_S = 610.0
H = 3600.0


def run(tmp_path, sim, name="run.h5"):
    result = sim.run(tmp_path / name)
    return result.summary, open_run(result.path)


def outage(sim, sat=1, at_s=DOWN_AT_S, for_s=DOWN_FOR_S, samples=None):
    def process(env):
        yield env.timeout(at_s)
        sim.fleet.gpu_down_until_s[sat] = at_s + for_s
        if samples is not None:
            yield env.timeout(for_s / 2)
            samples.append(sim.fleet.gpu_utilisation.copy())
    sim.env.process(process(sim.env))


def inject(sim, at_s, code, sat=2):
    def process(env):
        yield env.timeout(at_s)
        sim.subsystem("workloads").jobs[0]._on_member_event(np.array([at_s]), np.array([sat]), code)
    sim.env.process(process(sim.env))


def kinds(run_file, name):
    ev = run_file.events
    return ev[ev.kind_name == name]


def test_quiet_run_books_every_delivered_second_as_useful(tmp_path):
    s, r = run(tmp_path, Simulation(scenario()))
    assert s["badput.straggler_gpu_hours"][0] == 0 and s["badput.thermal_gpu_hours"][0] == 0
    # 3 h: checkpoints due after every 1200 s of compute, each 25 s to write
    n_ckpt = int(3 * H // (EVERY_S + WRITE_S))
    assert s["workloads.llm.checkpoints"][0] == n_ckpt
    assert s["badput.checkpoint_gpu_hours"][0] == pytest.approx(16 * n_ckpt * WRITE_S / H, rel=1e-9)
    compute_s = 3 * H - n_ckpt * WRITE_S
    assert s["workloads.llm.steps"][0] == pytest.approx(compute_s / STEP_S, rel=1e-9)
    assert s["useful_gpu_hours"][0] == pytest.approx(16 * compute_s / H, rel=1e-9)
    progress = r.tables["workloads/llm/progress"]
    assert progress.t_s.iloc[0] == 0.0 and np.allclose(np.diff(progress.t_s), 600.0)
    assert progress.step.is_monotonic_increasing
    assert progress.step_time_s.iloc[-1] == pytest.approx(STEP_S, rel=1e-12)


def test_wait_stalls_everyone_until_the_member_is_back(tmp_path):
    sim, samples = Simulation(scenario(policy="wait")), []
    outage(sim, samples=samples)
    s, r = run(tmp_path, sim)
    assert s["workloads.llm.rollbacks"][0] == 0
    assert s["badput.idle_gpu_hours"][0] == pytest.approx(3 * 4 * DOWN_TICKS_S / H, rel=1e-9)
    assert s["badput.radiation_gpu_hours"][0] == pytest.approx(4 * DOWN_TICKS_S / H, rel=1e-9)
    stall = kinds(r, "train_stall")
    assert stall.a.tolist() == [1.0, 0.0] and stall.t_s.tolist() == [3600.0, 3600.0 + DOWN_TICKS_S]
    assert np.all(samples[0][[0, 2, 3]] == 0.0)     # waiting GPUs run at idle utilisation


def test_restart_rolls_back_and_recovers_once_the_member_is_back(tmp_path):
    sim = Simulation(scenario(policy="restart"))
    outage(sim)
    s, r = run(tmp_path, sim)
    # checkpoints written 1200-1225 and 2425-2450 s; the crash at 3600 s loses 1150 s of compute
    lost_s = 3600.0 - 2 * (EVERY_S + WRITE_S)
    assert s["workloads.llm.rollbacks"][0] == 1 and s["workloads.llm.restarts"][0] == 1
    assert s["workloads.llm.lost_steps"][0] == pytest.approx(lost_s / STEP_S, rel=1e-9)
    assert s["badput.rollback_gpu_hours"][0] == pytest.approx(16 * lost_s / H, rel=1e-9)
    # recovery is held while satellite 1 is down (to the tick starting 4200 s), then takes restart_s
    back_s = 3600.0 + DOWN_TICKS_S - 10.0 + RESTART_S
    restart = kinds(r, "train_restart")
    assert restart.t_s.tolist() == pytest.approx([back_s])
    expected = 3 * 4 * DOWN_TICKS_S + 4 * 4 * (back_s - 3600.0 - DOWN_TICKS_S)
    assert s["badput.restart_gpu_hours"][0] == pytest.approx(expected / H, rel=1e-9)
    failure = kinds(r, "train_failure")
    assert failure.sat.tolist() == [1] and failure.a.tolist() == [policy.FAIL_DOWN]


def test_elastic_continues_without_the_member_and_takes_it_back(tmp_path):
    sim = Simulation(scenario(policy="elastic"))
    outage(sim)
    s, r = run(tmp_path, sim)
    assert s["workloads.llm.rollbacks"][0] == 0 and s["badput.idle_gpu_hours"][0] == 0
    dropped, rejoined = kinds(r, "train_member_dropped"), kinds(r, "train_member_rejoined")
    assert dropped.t_s.tolist() == [3600.0] and dropped.sat.tolist() == [1] and dropped.a.tolist() == [3.0]
    back_s = 3600.0 + DOWN_TICKS_S
    assert rejoined.t_s.tolist() == pytest.approx([back_s + RESTART_S]) and rejoined.a.tolist() == [4.0]
    assert s["badput.restart_gpu_hours"][0] == pytest.approx(4 * RESTART_S / H, rel=1e-9)
    wait = Simulation(scenario(policy="wait"))
    outage(wait)
    assert s["workloads.llm.steps"][0] > run(tmp_path, wait, "wait.h5")[0]["workloads.llm.steps"][0]


def test_sdc_rolls_back_to_the_checkpoint_before_the_corruption(tmp_path):
    sim = Simulation(scenario(sdc={"check_every": 10, "detection_probability": 1.0}))
    corrupt_s = 1500.0
    inject(sim, corrupt_s, policy.SDC)
    s, r = run(tmp_path, sim)
    step_at = lambda t: (t - WRITE_S) / STEP_S                    # noqa: E731  after the first checkpoint
    found_step = 10 * (int(step_at(corrupt_s)) // 10 + 1)      # the next check
    detected = kinds(r, "train_sdc_detected")
    assert detected.t_s.tolist() == pytest.approx([found_step * STEP_S + WRITE_S])
    rollback = kinds(r, "train_rollback")
    assert rollback.b.tolist() == pytest.approx([EVERY_S / STEP_S])  # the state saved at 1200 s
    assert rollback.a.tolist() == pytest.approx([found_step - EVERY_S / STEP_S])
    assert rollback.c.tolist() == [policy.ROLLBACK_SDC]
    assert s["workloads.llm.sdc_detected"][0] == 1 and s["workloads.llm.corrupted_at_end"][0] == 0


def test_a_checkpoint_saved_after_the_corruption_is_not_used(tmp_path):
    sim = Simulation(scenario(sdc={"check_every": 200, "detection_probability": 1.0}))
    inject(sim, 1100.0, policy.SDC)            # before the first checkpoint's state (1200 s)
    s, r = run(tmp_path, sim)
    rollback = kinds(r, "train_rollback")
    assert rollback.b.tolist() == [0.0] and rollback.a.tolist() == pytest.approx([200.0])


def test_undetected_corruption_stays(tmp_path):
    sim = Simulation(scenario(sdc={"detection_probability": 0.0}))
    inject(sim, 900.0, policy.SDC)
    s, _ = run(tmp_path, sim)
    assert s["workloads.llm.sdc_corruptions"][0] == 1 and s["workloads.llm.corrupted_at_end"][0] == 1
    assert s["workloads.llm.rollbacks"][0] == 0


def test_a_detected_upset_costs_one_step_of_recompute(tmp_path):
    sim = Simulation(scenario())
    inject(sim, 600.0, policy.SDC_DETECTED)
    s, _ = run(tmp_path, sim)
    assert s["badput.sdc_recompute_gpu_hours"][0] == pytest.approx(16 * STEP_S / H, rel=1e-9)
    quiet = run(tmp_path, Simulation(scenario()), "quiet.h5")[0]
    assert quiet["workloads.llm.steps"][0] - s["workloads.llm.steps"][0] == pytest.approx(1.0, rel=1e-6)


def test_permanent_interruptions_take_gpus_out_of_the_job(tmp_path):
    sim = Simulation(scenario({"duration": "6h"}, interruptions={"gpu_mtbf_h": 8.0, "permanent_fraction": 1.0}))
    s, _ = run(tmp_path, sim)
    n = s["workloads.llm.permanent_faults"][0]
    assert n == s["workloads.llm.interruptions"][0] == s["workloads.llm.failures"][0] > 0
    assert s["badput.idle_gpu_hours"][0] > 0          # the failed GPUs still deliver, unused
    job = sim.subsystem("workloads").jobs[0]
    assert job.failed.sum() == n


def test_same_seed_same_run(tmp_path):
    kwargs = {"interruptions": {"gpu_mtbf_h": 4.0}, "policy": "restart"}
    a = Simulation(scenario(**kwargs)).run(tmp_path / "a.h5").summary
    b = Simulation(scenario(**kwargs)).run(tmp_path / "b.h5").summary
    assert a == b and a["workloads.llm.failures"][0] > 0


def test_a_throttled_member_makes_the_others_wait(tmp_path):
    hot = dict(FORMATION["constellation"][0], name="hot", radiator={"area_m2": 0.8, "sides": 2,
                                                                      "orientation": "edge_on_sun"},
               cluster={"count": 1, "radius_m": 1000, "altitude_km": 650, "ltan_h": 18})
    cool = dict(FORMATION["constellation"][0], cluster={"count": 3, "radius_m": 1000, "altitude_km": 650,
                                                        "ltan_h": 18})
    sc = scenario({"constellation": [cool, hot], "duration": "2h"}, members={"all": True})
    s = Simulation(sc).run(tmp_path / "hot.h5").summary
    assert s["shell.hot.badput.thermal_gpu_hours"][0] > 0          # the hot satellite throttles
    assert s["shell.hot.badput.straggler_gpu_hours"][0] == pytest.approx(0.0, abs=1e-12)   # always the slowest
    assert s["shell.cluster.badput.straggler_gpu_hours"][0] > 0     # the others wait for it
    assert s["workloads.llm.mean_step_time_s"][0] > STEP_S
