"""Running a campaign: the index, resume (complete shards kept, bad ones redone, an unreadable
or foreign index refused), crash safety (kill -9 + --resume) and the report of the result.

Every run is tiny (3 satellites, 1 h at dt 60 s; tests/data/campaign_scenario.yaml) so the
whole file stays well under two minutes on 2 cores.
"""
from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import h5py
import numpy as np
import pytest

from sim.campaign import run_campaign, simulate
from sim.cli import main
from sim.config import ConfigError
from tests.campaign.campaigns import REPO, TINY, assert_same_shards, run_table, write_campaign


def test_index_holds_table_yaml_and_links(reference_campaign):
    runs = run_table(reference_campaign)
    assert list(runs["run_id"]) == [f"r{i:04d}" for i in range(8)]
    assert (runs["status"] == "complete").all()
    assert "gpu_hours_delivered" in runs.metrics
    assert np.all(runs["wall_s"] > 0)
    assert runs.parameters == ["constellation.0.radiator.area_m2", "constellation.0.battery.capacity_wh"]
    with h5py.File(reference_campaign / "campaign.h5", "r") as f:
        assert "replicates: 2" in f.attrs["campaign_yaml"]
        for run_id in runs["run_id"]:
            link = f["runs"].get(run_id, getlink=True)
            assert isinstance(link, h5py.ExternalLink)
            assert bool(f["runs"][run_id].attrs["complete"])   # the link resolves
    run = runs.load_run("r0003")
    assert run.attrs["seed"] == runs.loc[3, "seed"]
    run.close()


def _copy_of(reference_campaign, tmp_path) -> Path:
    out = tmp_path / "c"
    shutil.copytree(reference_campaign, out)
    return out


def test_existing_directory_needs_resume(reference_campaign):
    with pytest.raises(ConfigError, match="--resume"):
        run_campaign(TINY, reference_campaign, workers=1)


def test_resume_redoes_truncated_and_missing_shards(reference_campaign, tmp_path):
    out = _copy_of(reference_campaign, tmp_path)
    shard = out / "runs" / "r0002.h5"
    data = shard.read_bytes()
    shard.write_bytes(data[: len(data) // 2])          # truncated: h5py cannot open it
    (out / "runs" / "r0005.h5").unlink()               # missing
    done = []
    result = run_campaign(TINY, out, workers=1, resume=True, run_fn=simulate,
                          on_outcome=lambda o: done.append(o["run_id"]))
    assert sorted(done) == ["r0002", "r0005"]
    assert result.n_skipped == 6 and result.n_complete == 8
    assert_same_shards(reference_campaign, out)


# ------------------------------------------------------------------ an index --resume cannot trust

def _garbage(index: Path) -> None:
    index.write_bytes(b"\x00\x17 not a campaign index \xff" * 64)


def _truncated(index: Path) -> None:
    data = index.read_bytes()
    index.write_bytes(data[: len(data) // 2])


def _text(index: Path) -> None:
    index.write_text("name: this is YAML, not HDF5\n")


def _empty_hdf5(index: Path) -> None:
    index.unlink()
    with h5py.File(index, "w") as f:
        f.attrs["note"] = "an HDF5 file, but no campaign index"


@pytest.mark.parametrize("damage, says", [(_garbage, "not a readable campaign index"),
                                          (_truncated, "not a readable campaign index"),
                                          (_text, "not a readable campaign index"),
                                          (_empty_hdf5, "not a campaign index")])
def test_resume_refuses_an_unreadable_index(reference_campaign, tmp_path, damage, says):
    out = _copy_of(reference_campaign, tmp_path)
    index = out / "campaign.h5"
    damage(index)
    before = {p.relative_to(out): p.read_bytes() for p in out.rglob("*") if p.is_file()}
    with pytest.raises(ConfigError) as err:
        run_campaign(TINY, out, workers=1, resume=True, run_fn=simulate)
    text = str(err.value)
    assert str(index) in text and says in text and "--resume" in text
    after = {p.relative_to(out): p.read_bytes() for p in out.rglob("*") if p.is_file()}
    assert after == before                                  # nothing ran, nothing was rewritten


def test_odcsim_campaign_resume_on_a_corrupt_index_exits_2(reference_campaign, tmp_path, capsys):
    out = _copy_of(reference_campaign, tmp_path)
    _truncated(out / "campaign.h5")
    code = main(["campaign", str(TINY), "-o", str(out), "--resume", "--quiet"])
    err = capsys.readouterr().err
    assert code == 2
    assert str(out / "campaign.h5") in err and "not a readable campaign index" in err
    assert "Traceback" not in err


def test_resume_refuses_another_campaign(reference_campaign, tmp_path):
    out = _copy_of(reference_campaign, tmp_path)
    with pytest.raises(ConfigError, match="differs from"):
        run_campaign(write_campaign(tmp_path, seed=8), out, workers=1, resume=True, run_fn=simulate)


def test_report_writes_figures_and_summary(reference_campaign, tmp_path):
    from sim.campaign import report_campaign

    written = report_campaign(reference_campaign, tmp_path / "report")
    names = {p.name for p in written}
    assert "summary.md" in names
    assert any("__vs__radiator.area_m2" in n for n in names)
    assert any("__distribution" in n for n in names)
    assert any("__heatmap__" in n for n in names)
    text = (tmp_path / "report" / "summary.md").read_text()
    assert "## gpu_hours_delivered" in text and "95% CI" in text
    for p in written:
        assert p.stat().st_size > 0


# ------------------------------------------------------------------ crash safety

def test_kill_9_midway_then_resume(tmp_path):
    """A campaign killed with SIGKILL mid-way and resumed: every run present exactly once,
    every shard opens, the index lists them all."""
    campaign = write_campaign(tmp_path, replicates=4)     # 16 runs
    out = tmp_path / "out"
    cmd = [sys.executable, "-m", "sim", "campaign", str(campaign), "-o", str(out), "--workers", "2", "--quiet"]
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    proc = subprocess.Popen(cmd, cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and proc.poll() is None:
        if len(list((out / "runs").glob("*.h5"))) >= 3:
            break
        time.sleep(0.05)
    assert proc.poll() is None, proc.stderr.read().decode()
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    # the workers (and the fork server) notice the campaign process is gone and exit
    deadline = time.monotonic() + 10
    while _processes_mentioning(tmp_path) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not _processes_mentioning(tmp_path), "orphan workers survived the campaign process"
    before = {p.name for p in (out / "runs").glob("*.h5")}
    assert 3 <= len(before) < 16
    resumed = subprocess.run(cmd + ["--resume"], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)
    assert resumed.returncode == 0, resumed.stderr
    shards = sorted(p.name for p in (out / "runs").glob("*"))
    assert shards == [f"r{i:04d}.h5" for i in range(16)]     # once each, no .tmp, no errors
    from sim.io.hdf5 import is_complete
    assert all(is_complete(out / "runs" / s) for s in shards)
    runs = run_table(out)
    assert list(runs["run_id"]) == [f"r{i:04d}" for i in range(16)]
    assert (runs["status"] == "complete").all()


def _processes_mentioning(text) -> list[int]:
    """PIDs of live processes whose command line mentions `text` (Linux /proc)."""
    found = []
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            raw = cmdline.read_bytes()
            state = (cmdline.parent / "stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if str(text).encode() in raw and state not in ("Z", "X") and int(cmdline.parent.name) != os.getpid():
            found.append(int(cmdline.parent.name))
    return found
