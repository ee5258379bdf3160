"""The example notebooks execute from top to bottom (nbclient), on a shortened run, and what
they compute agrees with the result files, read here directly with h5py.

Each notebook has one cell tagged `numbers` that prints, as JSON, the values its figures show;
the checks below recompute them from the files the notebook wrote.
"""
from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import h5py
import nbclient
import nbformat
import numpy as np
import pytest

NOTEBOOKS = Path(__file__).resolve().parents[2] / "notebooks"


def _execute(name: str, out_dir: Path, monkeypatch) -> dict:
    """Run the notebook; return the JSON its `numbers` cell printed."""
    nb = nbformat.read(NOTEBOOKS / name, as_version=4)
    assert all(not cell.get("outputs") for cell in nb.cells if cell.cell_type == "code"), \
        f"{name} is committed with outputs"
    monkeypatch.setenv("ODCSIM_NOTEBOOK_FAST", "1")
    monkeypatch.setenv("ODCSIM_NOTEBOOK_OUT", str(out_dir))
    monkeypatch.setenv("MPLBACKEND", "Agg")
    client = nbclient.NotebookClient(nb, timeout=600, kernel_name="python3",
                                     resources={"metadata": {"path": str(NOTEBOOKS)}})
    client.execute()      # raises CellExecutionError, naming the cell, if any cell fails
    tagged = [c for c in nb.cells if "numbers" in c.get("metadata", {}).get("tags", [])]
    assert len(tagged) == 1, f"{name}: expected one cell tagged 'numbers'"
    text = "".join(o.get("text", "") for o in tagged[0].outputs if o.get("output_type") == "stream")
    return json.loads(text)


@pytest.mark.slow
def test_run_in_depth_numbers_agree_with_the_result_file(tmp_path, monkeypatch):
    numbers = _execute("run_in_depth.ipynb", tmp_path, monkeypatch)
    with h5py.File(tmp_path / "notebook_run.h5", "r") as f:
        assert numbers["rows"] == f["timeseries/time"].shape[0] > 100
        assert numbers["satellites"] == f["timeseries/satellite"].shape[0]
        kinds = Counter(f["events"].attrs[f"kind_{code}"] for code in f["events"]["kind"])
        assert numbers["events_per_kind"] == dict(kinds) and kinds
        summary = dict(f["summary"].attrs)
        shells = json.loads(f.attrs["shell_names"])
    assert sorted(numbers["shells"]) == sorted(shells)
    for name, seen in numbers["shells"].items():
        # recorded rows sample the run; the summary accumulated every tick
        assert seen["eclipse_fraction"] == pytest.approx(summary[f"shell.{name}.eclipse_fraction"], abs=0.01)
        hottest = summary[f"shell.{name}.max_t_junction_k"]
        assert hottest - 0.5 <= seen["max_t_junction_k"] <= hottest + 1e-3    # float32 rounding


@pytest.mark.slow
def test_campaign_numbers_agree_with_the_run_files(tmp_path, monkeypatch):
    numbers = _execute("campaign.ipynb", tmp_path, monkeypatch)
    directory = tmp_path / "notebook_campaign"
    with h5py.File(directory / "campaign.h5", "r") as f:
        table = {name: f["table"][name].asstr()[()] if h5py.check_string_dtype(f["table"][name].dtype)
                 else f["table"][name][()] for name in ("run_id", "status", "orbit", "radiator_area_m2")}
    delivered: dict[tuple, list[float]] = {}
    for run_id, status, orbit, area in zip(*table.values()):
        if status != "complete":
            continue
        with h5py.File(directory / "runs" / f"{run_id}.h5", "r") as shard:
            delivered.setdefault((orbit, float(area)), []).append(float(shard["summary"].attrs["gpu_hours_delivered"]))
    assert numbers["runs"] == len(table["run_id"]) == 2 * 10           # FAST: 2 replicates x 10 points
    assert numbers["complete"] == sum(len(v) for v in delivered.values())
    assert len(numbers["points"]) == len(delivered) == 10
    for point in numbers["points"]:
        values = delivered[(point["orbit"], point["radiator_area_m2"])]
        assert point["n"] == len(values)
        assert point["mean"] == pytest.approx(np.mean(values), rel=1e-12)
