"""Executors: a process pool and a local Dask cluster write the same shards, byte for byte, as
one worker; a run that raises is recorded and the others complete."""
from __future__ import annotations

import functools

import numpy as np

from sim.campaign import execute_run, load_campaign, run_campaign, simulate
from sim.campaign.executors import as_metric
from tests.campaign.campaigns import TINY, assert_same_shards, raising_run, run_table


def test_dask_local_and_process_pool_equal_one_worker_byte_for_byte(reference_campaign, tmp_path):
    pool = run_campaign(TINY, tmp_path / "pool", workers=2, run_fn=simulate)
    dask = run_campaign(TINY, tmp_path / "dask", workers=2, executor="dask-local", run_fn=simulate)
    assert pool.n_complete == dask.n_complete == 8
    assert_same_shards(reference_campaign, tmp_path / "pool")
    assert_same_shards(reference_campaign, tmp_path / "dask")
    ref, other = run_table(reference_campaign), run_table(tmp_path / "dask")
    for column in ["run_id", "seed", *ref.parameters, *ref.metrics]:
        assert list(ref[column]) == list(other[column]), column


def test_a_run_that_raises_is_recorded_and_the_others_complete(tmp_path):
    result = run_campaign(TINY, tmp_path / "c", workers=2,
                          run_fn=functools.partial(raising_run, inner=simulate))
    assert result.n_failed == 4 and result.n_complete == 4
    runs = run_table(tmp_path / "c")
    failed = runs[runs["status"] == "failed"]
    assert set(failed["constellation.0.radiator.area_m2"]) == {2.0}
    assert all("deliberate failure" in e for e in failed["error"])
    for run_id in failed["run_id"]:
        text = (tmp_path / "c" / "runs" / f"{run_id}.error.txt").read_text()
        assert "RuntimeError: deliberate failure" in text and "Traceback" in text
        assert runs.error(run_id) == text
        assert not (tmp_path / "c" / "runs" / f"{run_id}.h5").exists()
    assert np.isfinite(runs.loc[runs["status"] == "complete", "gpu_hours_delivered"]).all()


def test_execute_run_in_this_process_clears_an_old_error(tmp_path):
    task = load_campaign(TINY).with_output(tmp_path).tasks[0]
    (tmp_path / "runs").mkdir()
    failed = execute_run(task, functools.partial(raising_run, inner=simulate))
    assert failed["status"] == "failed" and (tmp_path / "runs" / "r0000.error.txt").exists()
    done = execute_run(task)
    assert done["status"] == "complete" and not (tmp_path / "runs" / "r0000.error.txt").exists()
    assert done["summary"]["gpu_hours_available"] > 0 and done["units"]["gpu_hours_available"] == "h"


def test_as_metric():
    assert as_metric(3) == 3.0 and as_metric(np.float32(0.5)) == 0.5
    assert np.isnan(as_metric("ok")) and np.isnan(as_metric(None))
