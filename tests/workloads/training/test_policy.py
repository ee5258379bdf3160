"""The SPE response of configs/suncatcher_training.yaml, reduced to the 20 h from the epoch
(onset at 05:10 UTC, 18,600 s): the job sees the onset, checkpoints at once, and then runs on
(run), idles (pause) or checkpoints every 5 min with the detector first (protect). The shipped
comparison is configs/training_policy_campaign.yaml (2 days, 3 seeds)."""
import pytest

from sim.analysis.results import open_run
from sim.config import load_scenario
from sim.core.simulation import Simulation
from sim.workloads.training.policy import PAUSE
from tests.conftest import PROJECT_DIR

CONFIG = PROJECT_DIR / "configs" / "suncatcher_training.yaml"
ONSET_S = 5 * 3600 + 10 * 60


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    out = {}
    for action in ("run", "pause", "protect"):
        sc = load_scenario(CONFIG, [f"workloads.jobs.0.spe.action={action}"], until="20h")
        path = tmp_path_factory.mktemp(action) / "run.h5"
        out[action] = open_run(Simulation(sc).run(path).path)
    return out


def test_the_onset_is_checkpointed(runs):
    for action in ("pause", "protect"):
        ev = runs[action].events
        ckpt = ev[(ev.kind_name == "train_checkpoint") & (ev.t_s >= ONSET_S)]
        assert ckpt.t_s.iloc[0] == pytest.approx(ONSET_S + ckpt.b.iloc[0])   # written right after the onset
    ev = runs["run"].events
    assert ((ev.kind_name == "spe_onset") & (ev.t_s == ONSET_S)).any()


def test_pause_idles_through_the_event(runs):
    progress = runs["pause"].tables["workloads/llm/progress"]
    after = progress[progress.t_s > ONSET_S + 3600]
    assert (after["mode"] == PAUSE).all() and after.step.nunique() == 1
    s = runs["pause"].summary
    assert s["badput.idle_gpu_hours"] > 0.9 * 324 * (20 * 3600 - ONSET_S) / 3600


def test_protect_checkpoints_often_and_beats_running_through(runs):
    run, protect = runs["run"].summary, runs["protect"].summary
    assert protect["workloads.llm.checkpoints"] > 3 * run["workloads.llm.checkpoints"]
    assert protect["useful_gpu_hours"] > run["useful_gpu_hours"]
    assert protect["badput.rollback_gpu_hours"] < run["badput.rollback_gpu_hours"]
