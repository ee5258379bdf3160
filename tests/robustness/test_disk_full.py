"""Disk full (ENOSPC injected in the writers) during a run and during a campaign: nothing under
the final name, exit 2 with a message naming the output and the cause, and a campaign index
that stays valid and resumes."""
from __future__ import annotations

import errno

import h5py
import pytest

from sim.campaign import run_campaign, simulate
from sim.campaign.plan import load_campaign
from sim.io import atomic, campaign_store
from sim.io.campaign_store import index_path, read_index, shard_path
from tests.robustness.common import assert_refused, cli, leftovers, small_campaign, write_scenario


def _enospc(*args, **kwargs):
    raise OSError(errno.ENOSPC, "No space left on device")


WRITERS = {
    "rows": (h5py.Dataset, "write_direct"),          # the time-series chunks
    "header": (h5py.Group, "create_dataset"),        # the file's layout, written at the start
    "fsync": (atomic.os, "fsync"),                   # flushing the finished file before the rename
}


@pytest.mark.parametrize("where", sorted(WRITERS))
def test_run_disk_full(tmp_path, monkeypatch, where):
    scenario = write_scenario(tmp_path)
    output = tmp_path / "out.h5"
    monkeypatch.setattr(*WRITERS[where], _enospc)
    code, out, err = cli(["run", scenario, "-o", output, "--quiet"])
    assert_refused(code, out, err, output, "No space left on device")
    assert leftovers(output) == []


def enospc_run(scenario, output):
    """A campaign run whose shard hits a full disk (the run function of a worker process)."""
    h5py.Dataset.write_direct = _enospc
    return simulate(scenario, output)


def test_campaign_run_disk_full_then_resume(tmp_path):
    """Workers that hit ENOSPC: their runs fail, no shard under its name, the index is valid;
    --resume redoes them."""
    plan = load_campaign(small_campaign(tmp_path))
    out = tmp_path / "campaign"
    result = run_campaign(plan, out, workers=1, run_fn=enospc_run)
    assert result.n_failed == 2 and result.n_complete == 0
    attrs, columns, links = read_index(index_path(out))
    assert list(columns["status"]) == ["failed", "failed"] and links == {}
    assert all("No space left" in e for e in columns["error"])
    for run_id in columns["run_id"]:
        assert leftovers(shard_path(out, run_id)) == []
    code, _, err = cli(["campaign", small_campaign(tmp_path), "-o", out, "--resume", "--quiet"])
    assert code == 0, err
    _, columns, links = read_index(index_path(out))
    assert list(columns["status"]) == ["complete", "complete"] and len(links) == 2


def test_campaign_index_disk_full_then_resume(tmp_path, monkeypatch):
    """The index cannot be rewritten (ENOSPC after its first write): exit 2 naming the
    directory, the index on disk is the last whole one, no temporary index is left; --resume
    finishes the campaign."""
    spec = small_campaign(tmp_path)
    out = tmp_path / "campaign"
    real_publish, calls = campaign_store.publish, []

    def publish_once(tmp, path):
        calls.append(path)
        if len(calls) > 1:
            raise OSError(errno.ENOSPC, "No space left on device")
        return real_publish(tmp, path)

    monkeypatch.setattr(campaign_store, "publish", publish_once)
    code, out_text, err = cli(["campaign", spec, "-o", out, "--quiet"])
    assert_refused(code, out_text, err, out, "No space left on device")
    monkeypatch.undo()
    assert leftovers(index_path(out)) == [index_path(out)], "a temporary index was left"
    attrs, columns, _ = read_index(index_path(out))   # the first, whole index
    assert attrs["n_runs"] == 2
    code, _, err = cli(["campaign", spec, "-o", out, "--resume", "--quiet"])
    assert code == 0, err
    _, columns, links = read_index(index_path(out))
    assert list(columns["status"]) == ["complete", "complete"] and len(links) == 2
