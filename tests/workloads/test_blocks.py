"""Blocks of 1 and of 10,000 ticks give identical datasets with the workloads tick kernel on: a
training, an inference and an EO scenario (a property of the block driver, not a reference:
tests/helpers.py::assert_block_invariant). The training run holds checkpoints, and with
interruptions at a short MTBF failures, restarts, rollbacks and lost GPUs, so the kernel's
quiet ticks alternate with the Python ones."""
import pytest

from tests.conftest import PROJECT_DIR
from tests.helpers import assert_block_invariant

CONFIGS = PROJECT_DIR / "configs"


@pytest.mark.slow
@pytest.mark.parametrize("config, until, sets", [
    ("suncatcher_training.yaml", "2h", ()),
    ("suncatcher_training.yaml", "1h", ("workloads.jobs.0.interruptions.gpu_mtbf_h=20",
                                         "workloads.jobs.0.interruptions.permanent_fraction=0.5")),
    ("starlink_inference.yaml", "30m", ()),
    ("eo_edge.yaml", "1h", ()),
], ids=["training", "training_interrupted", "inference", "eo"])
def test_blocks_of_1_and_10000_ticks_give_identical_runs(config, until, sets, tmp_path):
    assert_block_invariant(CONFIGS / config, until, tmp_path, sets=sets)
