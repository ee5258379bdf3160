"""open_run: the xarray / pandas views of one result file, its subsystem tables, and files of
schema_version 1 (through open_run, `odcsim info` and `odcsim report`)."""
from __future__ import annotations

import numpy as np
import pytest

from sim.analysis import open_run
from sim.cli import main
from tests.conftest import verification_data
from tests.io.run_files import JOBS, JOBS_ATTRS, N, T, write_run

V1_FILE = verification_data("v1_starcloud1_1h.h5")   # written by odcsim before schema_version 2


def test_open_run(tmp_path):
    path = tmp_path / "run.h5"
    t_s, data = write_run(path)
    with open_run(path) as run:
        assert run.path == path and run.schema_version == 2
        assert dict(run.timeseries.sizes) == {"time": T, "satellite": N}
        np.testing.assert_allclose(run.t_s, t_s)
        np.testing.assert_array_equal(run.timeseries["soc"].values, data["soc"].astype(np.float32))
        events = run.events
        assert list(events.columns) == ["t_s", "time", "sat", "kind", "kind_name", "a", "b", "c"]
        assert list(events["kind_name"]) == ["eclipse_entry", "throttle_change", "eclipse_entry",
                                             "eclipse_entry"]
        assert events["time"].iloc[0] == np.datetime64("2025-03-20T12:00:10")
        assert run.config == {"name": "tiny", "fleet": {"n": 5}, "record": {"every_s": 60}}
        assert list(run.satellites["shell"]) == [0, 0, 1, 1, 1]
        assert run.summary["shutdowns"] == 3
        assert run.shell_names == ["low", "high"]
        assert run.attrs["seed"] == 7
        assert run.tables == {}


def test_tables_are_dataframes_with_their_attrs(tmp_path):
    path = tmp_path / "run.h5"
    track = np.zeros(2, dtype=[("t_s", "<f8"), ("r_m", "<f8", (3,))])
    track["r_m"] = [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]
    write_run(path, tables={("jobs", "log"): (JOBS, JOBS_ATTRS), ("orbits", "track"): (track, {})})
    with open_run(path) as run:
        assert sorted(run.tables) == ["jobs/log", "orbits/track"]
        jobs = run.tables["jobs/log"]
        assert list(jobs.columns) == ["job", "gpu_hours", "satellite", "label"]
        assert list(jobs["gpu_hours"]) == [12.5, 40.0, 0.25]
        assert list(jobs["label"]) == ["train-a", "infer-b", "train-ä"]
        assert jobs["satellite"].dtype == np.int16
        assert jobs.attrs["gpu_hours__units"] == "GPU h" and jobs.attrs["long_name"] == "jobs run"
        assert jobs.loc[jobs["label"] == "infer-b", "gpu_hours"].item() == 40.0
        assert list(run.tables["orbits/track"].columns) == ["t_s", "r_m_0", "r_m_1", "r_m_2"]
        assert list(run.tables["orbits/track"]["r_m_2"]) == [3.0, 6.0]


def test_a_version_1_file_opens():
    with open_run(V1_FILE) as run:
        assert run.schema_version == 1
        assert run.tables == {}
        assert dict(run.timeseries.sizes) == {"time": 7, "satellite": 1}
        np.testing.assert_array_equal(run.t_s, 600.0 * np.arange(7))
        assert run.epoch == np.datetime64("2025-11-15T00:00:00")
        assert run.shell_names == ["starcloud1"]
        assert run.config["name"] == "starcloud1"
        assert run.summary["gpu_hours_delivered"] == pytest.approx(1.0)
        assert run.events.empty and list(run.events.columns)[:3] == ["t_s", "time", "sat"]
        tj = run.timeseries["t_junction_k"].values
        assert tj.max() <= run.summary["max_t_junction_k"] and tj.min() > 250.0


def test_info_and_report_on_a_version_1_file(tmp_path, capsys):
    assert main(["info", str(V1_FILE)]) == 0
    out = capsys.readouterr().out
    assert "schema_version 1, complete" in out and "tables: 0" in out and "t_junction_k [K]" in out
    assert main(["report", str(V1_FILE), "-o", str(tmp_path / "figs")]) == 0
    figures = list((tmp_path / "figs").glob("*.png"))
    assert len(figures) >= 4 and all(p.stat().st_size > 0 for p in figures)
    assert "gpu_hours_delivered" in (tmp_path / "figs" / "summary.txt").read_text()
