"""Corrupt, truncated, empty and foreign HDF5 files (and directories that are not campaigns)
given to `odcsim info`, `odcsim report`, `open_run`, `open_campaign` and `campaign --resume`:
exit 2 with a message naming the file; the Python API raises ResultFileError (a corrupt
campaign index: CampaignIndexError, a ResultFileError; no index at all: ConfigError)."""
from __future__ import annotations

import shutil

import h5py
import numpy as np
import pytest
import yaml

from sim.analysis.campaign import open_campaign
from sim.analysis.results import ResultFileError, open_run
from sim.config import ConfigError
from sim.io.campaign_store import INDEX_NAME, RUNS_DIR
from tests.robustness.common import REPO, TINY_RUN, assert_refused, cli


@pytest.fixture(scope="module")
def good_run(tmp_path_factory):
    directory = tmp_path_factory.mktemp("good")
    scenario = directory / "tiny.yaml"
    scenario.write_text(yaml.safe_dump(TINY_RUN))
    output = directory / "tiny.h5"
    code, _, err = cli(["run", scenario, "-o", output, "--quiet"])
    assert code == 0, err
    return output


def _truncated(src, dst, fraction):
    data = src.read_bytes()
    dst.write_bytes(data[: int(len(data) * fraction)])


def _scribbled(src, dst, where):
    """Bytes overwritten with garbage: at the start (the superblock), in the middle, at the end."""
    data = bytearray(src.read_bytes())
    rng = np.random.default_rng(5)
    start = {"superblock": 0, "middle": len(data) // 2, "end": max(len(data) - 4096, 0)}[where]
    data[start:start + 4096] = rng.integers(0, 256, min(4096, len(data) - start), dtype=np.uint8).tobytes()
    dst.write_bytes(bytes(data))


def _foreign_hdf5(dst):
    with h5py.File(dst, "w") as f:
        f.create_dataset("temperature", data=np.arange(10.0))
        f.attrs["title"] = "not an odcsim file"


def _incomplete(src, dst):
    shutil.copy(src, dst)
    with h5py.File(dst, "a") as f:
        f.attrs["complete"] = False


def _future_version(src, dst):
    shutil.copy(src, dst)
    with h5py.File(dst, "a") as f:
        f.attrs["schema_version"] = 99


def _no_timeseries(src, dst):
    shutil.copy(src, dst)
    with h5py.File(dst, "a") as f:
        del f["timeseries"]


KINDS = ["empty", "truncated_half", "truncated_header", "scribbled_superblock", "scribbled_middle",
         "scribbled_end", "text", "foreign_hdf5", "incomplete", "future_version", "no_timeseries",
         "directory", "missing"]


def make_bad(kind: str, good, directory):
    path = directory / f"{kind}.h5"
    if kind == "empty":
        path.write_bytes(b"")
    elif kind == "truncated_half":
        _truncated(good, path, 0.5)
    elif kind == "truncated_header":
        _truncated(good, path, 0.002)
    elif kind.startswith("scribbled_"):
        _scribbled(good, path, kind.removeprefix("scribbled_"))
    elif kind == "text":
        path.write_text("time,value\n0,1\n")
    elif kind == "foreign_hdf5":
        _foreign_hdf5(path)
    elif kind == "incomplete":
        _incomplete(good, path)
    elif kind == "future_version":
        _future_version(good, path)
    elif kind == "no_timeseries":
        _no_timeseries(good, path)
    elif kind == "directory":
        path.mkdir()
    return path


@pytest.mark.parametrize("kind", KINDS)
def test_info_report_and_open_run_refuse(good_run, tmp_path, kind):
    bad = make_bad(kind, good_run, tmp_path)
    code, out, err = cli(["info", bad])
    if kind == "scribbled_middle" and code == 0:
        pass   # the garbage fell in chunk data `info` does not read; `report` and open_run read it all
    else:
        assert_refused(code, out, err, bad)
    figures = tmp_path / "figures"
    code, out, err = cli(["report", bad, "-o", figures])
    if kind != "directory":   # a directory is taken for a campaign: its own test below
        if code == 0:
            assert kind.startswith("scribbled_"), f"{kind}: report accepted it"
        else:
            assert_refused(code, out, err, bad)
    if kind != "directory":
        try:
            run = open_run(bad)
        except ResultFileError as exc:
            assert str(bad) in str(exc)
        else:   # the garbage missed everything open_run reads first: reading the data must refuse
            with run:
                assert kind.startswith("scribbled_"), f"{kind}: open_run accepted it"
                try:
                    values = [run.timeseries[name].values for name in run.timeseries.data_vars]
                    values += [run.events, run.satellites, run.tables, run.summary]
                except ResultFileError as exc:
                    assert str(bad) in str(exc)


def test_the_good_file_passes(good_run, tmp_path):
    code, out, err = cli(["info", good_run])
    assert code == 0 and str(good_run) in out, err
    with open_run(good_run) as run:
        assert run.timeseries.sizes["satellite"] == 2


CAMPAIGN_KINDS = ["no_index", "empty", "truncated_half", "scribbled_superblock", "text", "foreign_hdf5",
                  "result_file_as_index", "index_is_directory"]


def make_campaign_dir(kind: str, good, directory):
    """A directory that is not (or no longer) a campaign."""
    campaign = directory / f"campaign_{kind}"
    (campaign / RUNS_DIR).mkdir(parents=True)
    index = campaign / INDEX_NAME
    if kind == "no_index":
        shutil.copy(good, campaign / RUNS_DIR / "r0000.h5")
    elif kind == "result_file_as_index":
        shutil.copy(good, index)
    elif kind == "index_is_directory":
        index.mkdir()
    else:
        shutil.copy(make_bad(kind, good, directory), index)
    return campaign, index


@pytest.mark.parametrize("kind", CAMPAIGN_KINDS)
def test_not_a_campaign(good_run, tmp_path, kind):
    campaign, index = make_campaign_dir(kind, good_run, tmp_path)
    named = campaign if kind == "no_index" else index
    with pytest.raises((ResultFileError, ConfigError)) as info:
        open_campaign(campaign)
    assert str(named) in str(info.value)
    if kind == "no_index":
        assert isinstance(info.value, ConfigError)
    else:
        assert isinstance(info.value, ResultFileError)
    code, out, err = cli(["report", campaign, "-o", tmp_path / "figures"])
    assert_refused(code, out, err, named)


@pytest.mark.parametrize("kind", [k for k in CAMPAIGN_KINDS if k != "no_index"])
def test_resume_refuses_a_broken_index(good_run, tmp_path, kind):
    campaign, index = make_campaign_dir(kind, good_run, tmp_path)
    spec = yaml.safe_load((REPO / "tests" / "data" / "campaign_tiny.yaml").read_text())
    spec["scenario"] = str(REPO / "tests" / "data" / "campaign_scenario.yaml")
    spec_path = tmp_path / "campaign.yaml"
    spec_path.write_text(yaml.safe_dump(spec))
    before = sorted(p.name for p in campaign.rglob("*"))
    code, out, err = cli(["campaign", spec_path, "-o", campaign, "--resume", "--quiet"])
    assert_refused(code, out, err, index)
    assert sorted(p.name for p in campaign.rglob("*")) == before, "a refused resume changed the directory"
