"""Campaigns: sweep expansion and seeds, validation, executors that agree byte for byte, crash
safety (kill -9 + --resume), failing runs, the index and the report.

Every run is tiny (3 satellites, 1 h at dt 60 s; tests/data/campaign_scenario.yaml) so the
whole file stays well under two minutes on 2 cores.
"""
from __future__ import annotations

import functools
import itertools
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import h5py
import numpy as np
import pytest
import yaml

from sim.campaign import (expand_points, load_campaign, run_campaign, run_seed, sample_points,
                          simulate)
from sim.campaign.spec import CampaignConfig, Sample
from sim.config import ConfigError

DATA = Path(__file__).resolve().parent / "data"
TINY = DATA / "campaign_tiny.yaml"
REPO = Path(__file__).resolve().parents[1]


def raising_run(scenario, output, inner=simulate):
    """Raises for the 2 m² radiator, runs `inner` for the others."""
    if scenario.constellation[0].radiator.area_m2 == 2.0:
        raise RuntimeError("deliberate failure for the test")
    return inner(scenario, output)


def _write_campaign(tmp_path: Path, **changes) -> Path:
    data = yaml.safe_load(TINY.read_text())
    data["scenario"] = str(DATA / "campaign_scenario.yaml")
    data.update(changes)
    path = tmp_path / "campaign.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


# ------------------------------------------------------------------ expansion and seeds

def test_grid_expansion_is_the_cartesian_product_in_order():
    plan = load_campaign(TINY)
    areas, capacities = [2.0, 4.0], [3000, 8000]
    expected = [dict(zip(plan.parameters, combo)) for combo in itertools.product(areas, capacities)]
    assert plan.points == expected
    assert len(plan.tasks) == 4 * 2
    # points outer, replicates inner; run ids follow the index
    assert [(t.point, t.replicate) for t in plan.tasks] == [(p, r) for p in range(4) for r in range(2)]
    assert [t.run_id for t in plan.tasks] == [f"r{i:04d}" for i in range(8)]
    # the swept values and the common override land in each run's scenario
    t = plan.tasks[5]
    shell = t.scenario_data["constellation"][0]
    assert shell["radiator"]["area_m2"] == 4.0 and shell["battery"]["capacity_wh"] == 3000
    assert shell["gpu"]["count"] == 2


def test_run_seeds_come_from_seedsequence_of_campaign_seed_and_index():
    plan = load_campaign(TINY)
    for t in plan.tasks:
        # reference: SeedSequence(campaign seed, spawn_key=(0, index)) — numpy's documented
        # way to derive independent child streams
        state = np.random.SeedSequence(7, spawn_key=(0, t.index)).generate_state(2, np.uint32)
        assert t.seed == (int(state[1]) << 32 | int(state[0])) >> 1
        assert t.scenario_data["seed"] == t.seed
    seeds = [t.seed for t in plan.tasks]
    assert len(set(seeds)) == len(seeds)
    assert run_seed(7, 3) == plan.tasks[3].seed and run_seed(8, 3) != run_seed(7, 3)


def test_sampling_lhs_uniform_and_log_uniform():
    from scipy.stats import qmc

    ranges = {"a": [1.0, 3.0], "b": {"low": 10.0, "high": 1000.0, "scale": "log"}}
    lhs = sample_points(Sample(n=10, method="lhs", ranges=ranges), campaign_seed=3)
    assert len(lhs) == 10
    a = np.array([p["a"] for p in lhs])
    b = np.array([p["b"] for p in lhs])
    assert np.all((a >= 1) & (a <= 3)) and np.all((b >= 10) & (b <= 1000))
    # Latin hypercube: exactly one sample in each of the n equal strata of every coordinate
    assert sorted(np.floor((a - 1) / 2 * 10).astype(int)) == list(range(10))
    assert sorted(np.floor(np.log10(b / 10) / 2 * 10).astype(int)) == list(range(10))
    # same design as scipy's own LatinHypercube fed the same generator
    rng = np.random.default_rng(np.random.SeedSequence(3, spawn_key=(1,)))
    unit = qmc.LatinHypercube(d=2, rng=rng).random(10)
    np.testing.assert_allclose(a, 1 + 2 * unit[:, 0])
    # deterministic, and different for another campaign seed
    assert sample_points(Sample(n=10, method="lhs", ranges=ranges), 3) == lhs
    assert sample_points(Sample(n=10, method="lhs", ranges=ranges), 4) != lhs
    logu = sample_points(Sample(n=400, method="log-uniform", ranges={"x": [1.0, 100.0]}), 1)
    x = np.log10([p["x"] for p in logu])
    assert 0 <= x.min() and x.max() <= 2 and abs(np.median(x) - 1.0) < 0.15
    uni = sample_points(Sample(n=400, method="uniform", ranges={"x": [0.0, 10.0]}), 1)
    assert abs(np.mean([p["x"] for p in uni]) - 5.0) < 0.5


def test_grid_times_sample_and_labelled_variants():
    config = CampaignConfig.model_validate({
        "scenario": "x.yaml", "seed": 1,
        "sweep": {"grid": {"constellation.0": {"low": {"a": 1}, "high": {"a": 2}}},
                  "sample": {"n": 3, "ranges": {"dt_s": [30, 60]}}}})
    params, points = expand_points(config)
    assert params == ["constellation.0", "dt_s"]
    assert len(points) == 6
    assert [p["constellation.0"][0] for p in points] == ["low"] * 3 + ["high"] * 3
    assert points[0]["constellation.0"][1] == {"a": 1}


def test_validate_names_a_missing_override_path(tmp_path):
    path = _write_campaign(tmp_path, overrides={"constellation.0.radiatorr.area_m2": 3})
    with pytest.raises(ConfigError) as err:
        load_campaign(path)
    assert str(path) in str(err.value)
    assert "overrides.constellation.0.radiatorr.area_m2" in str(err.value)
    assert "radiatorr" in str(err.value)
    path = _write_campaign(tmp_path, sweep={"grid": {"constellation.3.radiator.area_m2": [1, 2]}})
    with pytest.raises(ConfigError, match=r"sweep\.grid\.constellation\.3\.radiator\.area_m2"):
        load_campaign(path)


def test_validate_checks_every_swept_value(tmp_path):
    path = _write_campaign(tmp_path, sweep={"grid": {"constellation.0.radiator.area_m2": [2.0, -1.0]}})
    with pytest.raises(ConfigError) as err:
        load_campaign(path)
    text = str(err.value)
    assert "constellation.0.radiator.area_m2" in text and "greater than 0" in text
    assert "sweep point 1" in text


def test_campaign_file_errors(tmp_path):
    with pytest.raises(ConfigError, match="replicates"):
        load_campaign(_write_campaign(tmp_path, replicates=0))
    with pytest.raises(ConfigError, match="unknown key"):
        load_campaign(_write_campaign(tmp_path, repliactes=2))
    with pytest.raises(ConfigError, match="scenario"):
        load_campaign(_write_campaign(tmp_path, scenario="nope.yaml"))


# ------------------------------------------------------------------ execution

def _datasets(path: Path) -> dict[str, np.ndarray]:
    out = {}
    with h5py.File(path, "r") as f:
        f.visititems(lambda name, obj: out.__setitem__(name, obj[()]) if isinstance(obj, h5py.Dataset) else None)
    return out


def _assert_same_shards(dir_a: Path, dir_b: Path):
    shards = sorted(p.name for p in (dir_a / "runs").glob("*.h5"))
    assert shards and shards == sorted(p.name for p in (dir_b / "runs").glob("*.h5"))
    for name in shards:
        a, b = _datasets(dir_a / "runs" / name), _datasets(dir_b / "runs" / name)
        assert a.keys() == b.keys()
        for key in a:
            assert a[key].dtype == b[key].dtype, (name, key)
            assert a[key].tobytes() == b[key].tobytes(), (name, key)


def _table(directory: Path):
    from sim.analysis.campaign import open_campaign
    return open_campaign(directory)


@pytest.fixture(scope="module")
def reference_campaign(tmp_path_factory):
    out = tmp_path_factory.mktemp("campaign") / "workers1"
    result = run_campaign(TINY, out, workers=1, run_fn=simulate)
    assert result.n_complete == 8 and result.n_failed == 0
    return out


def test_index_holds_table_yaml_and_links(reference_campaign):
    runs = _table(reference_campaign)
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


def test_dask_local_and_process_pool_equal_one_worker_byte_for_byte(reference_campaign, tmp_path):
    run_fn = simulate
    pool = run_campaign(TINY, tmp_path / "pool", workers=2, run_fn=run_fn)
    dask = run_campaign(TINY, tmp_path / "dask", workers=2, executor="dask-local", run_fn=run_fn)
    assert pool.n_complete == dask.n_complete == 8
    _assert_same_shards(reference_campaign, tmp_path / "pool")
    _assert_same_shards(reference_campaign, tmp_path / "dask")
    ref, other = _table(reference_campaign), _table(tmp_path / "dask")
    for column in ["run_id", "seed", *ref.parameters, *ref.metrics]:
        assert list(ref[column]) == list(other[column]), column


def test_a_run_that_raises_is_recorded_and_the_others_complete(tmp_path):
    result = run_campaign(TINY, tmp_path / "c", workers=2,
                          run_fn=functools.partial(raising_run, inner=simulate))
    assert result.n_failed == 4 and result.n_complete == 4
    runs = _table(tmp_path / "c")
    failed = runs[runs["status"] == "failed"]
    assert set(failed["constellation.0.radiator.area_m2"]) == {2.0}
    assert all("deliberate failure" in e for e in failed["error"])
    for run_id in failed["run_id"]:
        text = (tmp_path / "c" / "runs" / f"{run_id}.error.txt").read_text()
        assert "RuntimeError: deliberate failure" in text and "Traceback" in text
        assert not (tmp_path / "c" / "runs" / f"{run_id}.h5").exists()
    assert np.isfinite(runs.loc[runs["status"] == "complete", "gpu_hours_delivered"]).all()


def test_existing_directory_needs_resume(reference_campaign):
    with pytest.raises(ConfigError, match="--resume"):
        run_campaign(TINY, reference_campaign, workers=1)


def test_resume_redoes_truncated_and_missing_shards(reference_campaign, tmp_path):
    import shutil

    out = tmp_path / "c"
    shutil.copytree(reference_campaign, out)
    shard = out / "runs" / "r0002.h5"
    data = shard.read_bytes()
    shard.write_bytes(data[: len(data) // 2])          # truncated: h5py cannot open it
    (out / "runs" / "r0005.h5").unlink()               # missing
    done = []
    result = run_campaign(TINY, out, workers=1, resume=True, run_fn=simulate,
                          on_outcome=lambda o: done.append(o["run_id"]))
    assert sorted(done) == ["r0002", "r0005"]
    assert result.n_skipped == 6 and result.n_complete == 8
    _assert_same_shards(reference_campaign, out)


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
    campaign = _write_campaign(tmp_path, replicates=4)     # 16 runs
    out = tmp_path / "out"
    cmd = [sys.executable, "-m", *_campaign_module(), str(campaign), "-o", str(out), "--workers", "2", "--quiet"]
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
    runs = _table(out)
    assert list(runs["run_id"]) == [f"r{i:04d}" for i in range(16)]
    assert (runs["status"] == "complete").all()


def _campaign_module() -> list[str]:
    """`python -m sim campaign` once the CLI has the command, else `python -m sim.campaign`."""
    from sim import cli
    return ["sim", "campaign"] if "campaign" in getattr(cli, "COMMANDS", {}) else ["sim.campaign"]


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
