"""Figures of one run (PNG) and its summary as a text table.

Each figure is a matplotlib `Figure` saved with the Agg renderer; pyplot is never used, so
nothing leaks into a notebook's global state. Per shell, a line is the median over the shell's
satellites and the band spans their minimum to maximum.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
from matplotlib.figure import Figure

from sim.analysis.results import RunResult
from sim.core.constants import SECONDS_PER_DAY, SECONDS_PER_HOUR, ZERO_CELSIUS_K

__all__ = ["plot_run", "summary_table"]

# the GPU thermal limits drawn on the junction panel, read from the run's /satellites
LIMIT_LABELS = {
    "t_max_operating_k": "throttle limit",
    "t_slowdown_k": "HW slowdown",
    "t_shutdown_k": "shutdown",
}
LIMIT_STYLES = {"t_max_operating_k": ":", "t_slowdown_k": "--", "t_shutdown_k": "-"}
GROUND_TRACK_SATELLITES_PER_SHELL = 2
GROUND_TRACK_MAX_SATELLITES = 6
GROUND_TRACK_SPAN_S = 6 * SECONDS_PER_HOUR
DPI = 110


def _field(run: RunResult, name: str) -> np.ndarray | None:
    """A (T, N) time-series field as float64, or None when the run does not record it."""
    if name not in run.timeseries.data_vars:
        return None
    return np.asarray(run.timeseries[name].values, dtype=np.float64)


def _sat_id(run: RunResult, column: int) -> int:
    return int(run.timeseries["satellite"].values[column])


def _time_axis(run: RunResult) -> tuple[np.ndarray, str]:
    t_s = run.t_s
    span_s = float(t_s[-1] - t_s[0]) if t_s.size else 0.0
    if span_s > 3 * SECONDS_PER_DAY:
        return t_s / SECONDS_PER_DAY, "time since epoch [d]"
    if span_s > 3 * SECONDS_PER_HOUR:
        return t_s / SECONDS_PER_HOUR, "time since epoch [h]"
    return t_s / 60.0, "time since epoch [min]"


def _shells(run: RunResult) -> list[tuple[str, np.ndarray]]:
    """(shell name, column indices of its satellites) for every shell that has satellites."""
    n = run.timeseries.sizes["satellite"]
    satellites = run.satellites
    if "shell" not in satellites or len(satellites) != n:
        return [("all satellites", np.arange(n))]
    shell = satellites["shell"].to_numpy()
    names = run.shell_names
    groups = []
    for shell_id in np.unique(shell):
        label = names[shell_id] if 0 <= shell_id < len(names) else f"shell {shell_id}"
        groups.append((label, np.flatnonzero(shell == shell_id)))
    return groups


def _colors(count: int) -> list:
    from matplotlib import colormaps

    cmap = colormaps["tab10"]
    return [cmap(i % 10) for i in range(count)]


def _band(ax, x, values, columns, color, label, linestyle="-", center=np.nanmedian):
    """A line (median unless `center` says otherwise) and the min-max band over `columns`."""
    block = values[:, columns]
    with np.errstate(invalid="ignore"):
        ax.fill_between(x, np.nanmin(block, axis=1), np.nanmax(block, axis=1),
                        color=color, alpha=0.2, linewidth=0)
        ax.plot(x, center(block, axis=1), color=color, linestyle=linestyle, label=label)


def _title(run: RunResult, what: str) -> str:
    name = run.attrs.get("scenario_name", run.path.stem)
    return f"{what} — {name} (epoch {run.attrs.get('epoch_utc', '?')})"


def _save(fig: Figure, out_dir: Path, name: str) -> Path:
    path = out_dir / name
    fig.savefig(path, dpi=DPI)
    return path


def _limits_c(run: RunResult) -> dict[str, float]:
    """The run's GPU thermal limits in °C (median over the satellites), those it records."""
    satellites = run.satellites
    return {key: float(np.median(satellites[key])) - ZERO_CELSIUS_K
            for key in LIMIT_LABELS if key in satellites}


def _plot_temperatures(run, x, xlabel, shells, colors, out_dir) -> Path | None:
    panels = [(name, label) for name, label in (
        ("t_junction_k", "GPU junction"), ("t_payload_k", "payload (cold plate)"),
        ("t_radiator_k", "radiator"),
    ) if name in run.timeseries.data_vars]
    if not panels:
        return None
    fig = Figure(figsize=(10, 3.2 * len(panels)), layout="constrained")
    axes = fig.subplots(len(panels), 1, sharex=True, squeeze=False)[:, 0]
    for ax, (name, label) in zip(axes, panels):
        values = _field(run, name) - ZERO_CELSIUS_K
        for (shell, columns), color in zip(shells, colors):
            _band(ax, x, values, columns, color, shell)
        if name == "t_junction_k":
            for key, limit_c in _limits_c(run).items():
                ax.axhline(limit_c, color="firebrick", linestyle=LIMIT_STYLES[key], linewidth=1,
                           label=f"{LIMIT_LABELS[key]} {limit_c:.0f} °C")
        ax.set_ylabel(f"{label} [°C]")
        ax.grid(alpha=0.3)
        ax.legend(loc="best", fontsize="small")
    axes[-1].set_xlabel(xlabel)
    fig.suptitle(_title(run, "Temperatures (median, min–max band per shell)"))
    return _save(fig, out_dir, "temperatures.png")


def _plot_soc(run, x, xlabel, shells, colors, out_dir) -> Path | None:
    soc = _field(run, "soc")
    if soc is None:
        return None
    fig = Figure(figsize=(10, 4), layout="constrained")
    ax = fig.subplots()
    for (shell, columns), color in zip(shells, colors):
        _band(ax, x, 100.0 * soc, columns, color, shell)
    if "soc_floor" in run.satellites:
        floor = 100.0 * float(np.median(run.satellites["soc_floor"]))
        ax.axhline(floor, color="firebrick", linestyle="--", linewidth=1, label=f"floor {floor:.0f} %")
    ax.set_ylim(-2, 102)
    ax.set_ylabel("battery state of charge [%]")
    ax.set_xlabel(xlabel)
    ax.grid(alpha=0.3)
    ax.legend(loc="best", fontsize="small")
    fig.suptitle(_title(run, "Battery state of charge"))
    return _save(fig, out_dir, "battery_soc.png")


def _plot_throttle(run, x, xlabel, shells, colors, out_dir) -> Path | None:
    level = _field(run, "throttle_level")
    if level is None:
        return None
    fig = Figure(figsize=(10, 6), layout="constrained")
    top, bottom = fig.subplots(2, 1, sharex=True)
    for (shell, columns), color in zip(shells, colors):
        _band(top, x, level, columns, color, f"{shell}: mean", center=np.nanmean)
        block = level[:, columns]
        bottom.plot(x, 100.0 * np.mean((block > 0) & (block < 1.0 - 1e-6), axis=1),
                    color=color, label=f"{shell}: throttled")
        bottom.plot(x, 100.0 * np.mean(block <= 0, axis=1), color=color, linestyle="--",
                    label=f"{shell}: no compute (off, or capped to idle)")
    top.set_ylabel("GPU clock [fraction of f_max]")
    top.set_title("mean and min–max band per shell", fontsize="medium")
    top.set_ylim(-0.05, 1.05)
    bottom.set_ylabel("satellites [%]")
    bottom.set_xlabel(xlabel)
    for ax in (top, bottom):
        ax.grid(alpha=0.3)
        ax.legend(loc="best", fontsize="small")
    fig.suptitle(_title(run, "GPU throttle level"))
    return _save(fig, out_dir, "throttle.png")


def _plot_power(run, x, xlabel, shells, colors, out_dir) -> Path | None:
    illumination = _field(run, "illumination")
    p_solar_w = _field(run, "p_solar_w")
    p_load_w = _field(run, "p_load_w")
    if illumination is None and p_solar_w is None and p_load_w is None:
        return None
    rows = (illumination is not None) + (p_solar_w is not None or p_load_w is not None)
    fig = Figure(figsize=(10, 3.4 * rows), layout="constrained")
    axes = list(fig.subplots(rows, 1, sharex=True, squeeze=False)[:, 0])
    if illumination is not None:
        ax = axes.pop(0)
        for (shell, columns), color in zip(shells, colors):
            ax.plot(x, 100.0 * illumination[:, columns].mean(axis=1), color=color,
                    label=f"{shell}: fleet mean")
            ax.plot(x, 100.0 * illumination[:, columns[0]], color=color, linewidth=0.8,
                    alpha=0.6, linestyle=":", label=f"{shell}: satellite {_sat_id(run, columns[0])}")
        ax.set_ylabel("illumination [% of solar disc]")
        ax.set_ylim(-2, 102)
        ax.grid(alpha=0.3)
        ax.legend(loc="best", fontsize="small")
    if axes:
        ax = axes.pop(0)
        for (shell, columns), color in zip(shells, colors):
            if p_solar_w is not None:
                _band(ax, x, p_solar_w / 1e3, columns, color, f"{shell}: solar array")
            if p_load_w is not None:
                _band(ax, x, p_load_w / 1e3, columns, color, f"{shell}: load", linestyle="--")
        ax.set_ylabel("power per satellite [kW]")
        ax.grid(alpha=0.3)
        ax.legend(loc="best", fontsize="small")
    fig.axes[-1].set_xlabel(xlabel)
    fig.suptitle(_title(run, "Illumination and power"))
    return _save(fig, out_dir, "power.png")


def _plot_ground_track(run, shells, colors, out_dir) -> Path | None:
    lat_deg = _field(run, "lat_deg")
    lon_deg = _field(run, "lon_deg")
    if lat_deg is None or lon_deg is None:
        return None
    t_s = run.t_s
    shown = t_s <= t_s[0] + GROUND_TRACK_SPAN_S  # a few orbits; more only hides the tracks
    lat_deg, lon_deg = lat_deg[shown], lon_deg[shown]
    hours = (t_s[shown][-1] - t_s[0]) / SECONDS_PER_HOUR
    fig = Figure(figsize=(10, 5.5), layout="constrained")
    ax = fig.subplots()
    drawn = 0
    for (shell, columns), color in zip(shells, colors):
        picks = columns[np.linspace(0, len(columns) - 1, GROUND_TRACK_SATELLITES_PER_SHELL).astype(int)]
        for k, column in enumerate(dict.fromkeys(picks.tolist())):
            if drawn >= GROUND_TRACK_MAX_SATELLITES:
                break
            lon, lat = lon_deg[:, column].copy(), lat_deg[:, column].copy()
            breaks = np.flatnonzero(np.abs(np.diff(lon)) > 180.0) + 1  # date-line wrap
            lon, lat = np.insert(lon, breaks, np.nan), np.insert(lat, breaks, np.nan)
            ax.plot(lon, lat, color=color, linewidth=0.9, alpha=0.9 if k == 0 else 0.55,
                    label=f"{shell}: satellite {_sat_id(run, column)}")
            ax.plot(lon[0], lat[0], "o", color=color, markersize=4)
            drawn += 1
    ax.set_xlim(-180, 180)
    ax.set_ylim(-90, 90)
    ax.set_xticks(np.arange(-180, 181, 60))
    ax.set_yticks(np.arange(-90, 91, 30))
    ax.set_aspect("equal")
    ax.set_xlabel("longitude [deg]")
    ax.set_ylabel("geodetic latitude [deg]")
    ax.grid(alpha=0.3)
    ax.legend(loc="lower left", fontsize="small")
    fig.suptitle(_title(run, f"Ground tracks, first {hours:.3g} h (dot: start)"))
    return _save(fig, out_dir, "ground_track.png")


def plot_run(run: RunResult, out_dir: str | Path) -> list[Path]:
    """Write the run's figures as PNG files into `out_dir`; return their paths.

    goodput.png (the waterfall of available → delivered → useful GPU-hours) first, then
    temperatures.png, battery_soc.png, throttle.png, power.png, ground_track.png; then the
    radiation, network, economics and ageing figures when the run has those subsystems. A figure whose fields
    the run did not record is skipped.
    """
    from sim.lifetime.ageing_plots import plot_ageing
    from sim.lifetime.economics.plots import plot_economics
    from sim.network.plots import plot_network
    from sim.radiation.plots import plot_radiation
    from sim.workloads.plots import plot_goodput

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    if run.timeseries.sizes.get("time", 0) == 0:
        return []
    x, xlabel = _time_axis(run)
    shells = _shells(run)
    colors = _colors(len(shells))
    written = [
        *plot_goodput(run, out_dir),
        _plot_temperatures(run, x, xlabel, shells, colors, out_dir),
        _plot_soc(run, x, xlabel, shells, colors, out_dir),
        _plot_throttle(run, x, xlabel, shells, colors, out_dir),
        _plot_power(run, x, xlabel, shells, colors, out_dir),
        _plot_ground_track(run, shells, colors, out_dir),
    ]
    written += plot_radiation(run, out_dir) + plot_network(run, out_dir) + plot_economics(run, out_dir)
    written += plot_ageing(run, out_dir)
    return [path for path in written if path is not None]


def _format(value) -> str:
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float):
        return f"{value:.6g}"
    return str(value)


def summary_table(run: RunResult) -> str:
    """The run's summary metrics as a plain-text table: metric, value, unit."""
    rows = [(name, _format(value), run.summary_units.get(name, ""))
            for name, value in sorted(run.summary.items())]
    header = ("metric", "value", "unit")
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(3)]
    lines = [
        f"{header[0]:<{widths[0]}}  {header[1]:>{widths[1]}}  {header[2]}",
        f"{'-' * widths[0]}  {'-' * widths[1]}  {'-' * max(widths[2], 4)}",
    ]
    lines += [f"{n:<{widths[0]}}  {v:>{widths[1]}}  {u}".rstrip() for n, v, u in rows]
    return "\n".join(lines)
