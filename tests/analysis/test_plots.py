"""Figures and the summary table of one run, on a synthetic two-shell run."""
from __future__ import annotations

import numpy as np
import pytest

from sim.analysis import open_run
from sim.analysis.plots import _limits_c, plot_run, summary_table
from sim.io.hdf5 import Recorder

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
ALL_FIGURES = {"temperatures.png", "battery_soc.png", "throttle.png", "power.png", "ground_track.png"}
UNITS = {"lat_deg": "deg", "lon_deg": "deg", "alt_km": "km", "illumination": "1", "soc": "1",
         "p_solar_w": "W", "p_load_w": "W", "t_junction_k": "K", "t_payload_k": "K",
         "t_radiator_k": "K", "throttle_level": "1"}


def _synthetic_rows(n, rows, every_s=60.0):
    """Smooth orbit-like rows: 95-minute period, eclipse a third of each orbit."""
    shell = np.repeat([0, 1], [n // 2, n - n // 2])
    inc_deg = np.where(shell == 0, 53.0, 97.6)
    phase = np.linspace(0.0, 2 * np.pi, n, endpoint=False)
    for i in range(rows):
        t_s = i * every_s
        u = 2 * np.pi * t_s / 5700.0 + phase
        sunlit = (np.cos(u) > -0.5).astype(float)
        level = np.where(np.sin(u) > 0.8, 0.7, 1.0)
        t_payload_k = 330.0 + 15.0 * np.sin(u - 0.5)
        yield t_s, {
            "lat_deg": inc_deg * np.sin(u) * (90.0 / np.maximum(inc_deg, 90.0)),
            "lon_deg": (np.degrees(u) - 0.25 * t_s / 60.0 + 180.0) % 360.0 - 180.0,
            "alt_km": np.where(shell == 0, 550.0, 650.0),
            "illumination": sunlit,
            "soc": 0.7 + 0.2 * np.sin(u),
            "p_solar_w": 6000.0 * sunlit,
            "p_load_w": 700.0 * level + 300.0,
            "t_junction_k": t_payload_k + 20.0 * level,
            "t_payload_k": t_payload_k,
            "t_radiator_k": t_payload_k - 25.0,
            "throttle_level": level,
        }, shell


def _write(path, fields, n=8, rows=200, limits_k=None):
    rows_iter = list(_synthetic_rows(n, rows))
    shell = rows_iter[0][2]
    limits_k = {"t_max_operating_k": 360.15} if limits_k is None else limits_k
    with Recorder(
        path, root_attrs={"scenario_name": "synthetic", "scenario_yaml": "name: synthetic\n",
                          "seed": 1, "dt_s": 10.0, "shell_names": ["550 km 53°", "650 km SSO"]},
        satellites={"shell": shell, "soc_floor": np.full(n, 0.2),
                    **{key: np.full(n, value) for key, value in limits_k.items()}},
        fields={name: UNITS[name] for name in fields}, n_satellites=n,
        epoch_iso="2025-06-21T00:00:00Z", compression="lzf",
    ) as rec:
        for t_s, values, _ in rows_iter:
            rec.append_row(t_s, values)
        rec.close({"gpu_hours_delivered": 101.25, "throttled_fraction": 0.125, "runs": 1},
                  {"gpu_hours_delivered": "GPU h", "throttled_fraction": "1"})
    return path


def test_plot_run_writes_every_figure(tmp_path):
    path = _write(tmp_path / "run.h5", UNITS)
    with open_run(path) as run:
        written = plot_run(run, tmp_path / "figures")
    assert {p.name for p in written} == ALL_FIGURES
    for png in written:
        data = png.read_bytes()
        assert data.startswith(PNG_MAGIC) and len(data) > 10_000, png


def test_plot_run_skips_fields_not_recorded(tmp_path):
    path = _write(tmp_path / "run.h5", ["soc", "lat_deg", "lon_deg", "p_load_w"])
    with open_run(path) as run:
        written = plot_run(run, tmp_path / "figures")
    assert {p.name for p in written} == {"battery_soc.png", "ground_track.png", "power.png"}


def test_no_pyplot_state_leaks(tmp_path):
    pyplot = pytest.importorskip("matplotlib.pyplot")
    before = pyplot.get_fignums()
    with open_run(_write(tmp_path / "run.h5", UNITS)) as run:
        plot_run(run, tmp_path)
    assert pyplot.get_fignums() == before


def test_summary_table(tmp_path):
    with open_run(_write(tmp_path / "run.h5", ["soc"])) as run:
        table = summary_table(run)
    lines = table.splitlines()
    assert lines[0].split() == ["metric", "value", "unit"]
    assert lines[2].split() == ["gpu_hours_delivered", "101.25", "GPU", "h"]
    assert lines[3].split() == ["runs", "1"]
    assert lines[4].split() == ["throttled_fraction", "0.125", "1"]


def test_thermal_limits_come_from_the_runs_satellites(tmp_path):
    """The junction panel draws the limits the run's satellites carry (here not the H100's),
    and none that the file does not record."""
    limits_k = {"t_max_operating_k": 353.15, "t_slowdown_k": 358.15, "t_shutdown_k": 363.15}
    with open_run(_write(tmp_path / "run.h5", ["t_junction_k"], limits_k=limits_k)) as run:
        assert _limits_c(run) == pytest.approx({"t_max_operating_k": 80.0, "t_slowdown_k": 85.0,
                                                "t_shutdown_k": 90.0})
        assert [p.name for p in plot_run(run, tmp_path / "figures")] == ["temperatures.png"]
    with open_run(_write(tmp_path / "bare.h5", ["t_junction_k"], limits_k={})) as run:
        assert _limits_c(run) == {}
        assert [p.name for p in plot_run(run, tmp_path / "bare")] == ["temperatures.png"]
