"""Network figures of one run: the link graph at one instant over a longitude/latitude map,
and the one-way latency between named ground-station pairs through time.

The graph is rebuilt from the events alone (link_up / link_down, contact_start / contact_end)
and the recorded sub-satellite points, so it needs nothing beyond the result file. Matplotlib
`Figure` objects with the Agg renderer, no pyplot state (as sim.analysis.plots).
`plot_network` returns [] for a run without a `network:` section.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
from matplotlib.collections import LineCollection
from matplotlib.figure import Figure

from sim.analysis.results import RunResult
from sim.core.constants import SECONDS_PER_HOUR

__all__ = ["plot_network", "links_up_at", "contacts_at"]

DPI = 110


def plot_network(run: RunResult, out_dir: str | Path, at_s: float | None = None) -> list[Path]:
    """network_graph.png (crosslinks and usable ground links up at `at_s`, default the recorded
    row nearest the middle of the run) and, when the scenario tracks latency pairs,
    network_latency.png; [] without network data."""
    ts = run.timeseries
    if "isl_up" not in ts.data_vars or ts.sizes.get("time", 0) == 0:
        return []
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = [_plot_graph(run, out_dir, at_s)]
    latency = _plot_latency(run, out_dir)
    if latency is not None:
        paths.append(latency)
    return paths


def _replay(run: RunResult, on: str, off: str, at_s: float, need_flag: bool = False):
    """(sat, a) pairs whose last `on`/`off` event at or before at_s is `on` (and, with
    need_flag, whose `on` carried b = 1)."""
    ev = run.events
    sel = ev[((ev.kind_name == on) | (ev.kind_name == off)) & (ev.t_s <= at_s)]
    if sel.empty:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    sat, a = sel.sat.to_numpy(np.int64), sel.a.to_numpy().astype(np.int64)
    up = (sel.kind_name == on).to_numpy().copy()
    if need_flag:
        up &= sel.b.to_numpy() > 0.5
    key = sat * (int(max(sat.max(), a.max())) + 1) + a
    order = np.lexsort((-np.arange(key.size), key))  # by key, newest first (events are in time order)
    _, first = np.unique(key[order], return_index=True)
    last = order[first]
    keep = up[last]
    return sat[last][keep], a[last][keep]


def links_up_at(run: RunResult, at_s: float) -> tuple[np.ndarray, np.ndarray]:
    """Satellite pairs (a, b) whose crosslink is up at at_s [s since epoch]."""
    return _replay(run, "link_up", "link_down", at_s)


def contacts_at(run: RunResult, at_s: float) -> tuple[np.ndarray, np.ndarray]:
    """(satellite, station index) of usable ground contacts at at_s."""
    return _replay(run, "contact_start", "contact_end", at_s, need_flag=True)


def _stations(run: RunResult):
    """Station names and lat/lon [deg] from the scenario embedded in the file, or None when a
    station file it names cannot be found from here (`data:` names are the shipped files)."""
    cfg = (run.config.get("network") or {}).get("ground_stations")
    if not cfg:
        return None
    from sim.config.base import resolve_data_path
    from sim.network.config import GroundStations
    from sim.network.stations import StationFileError, build_stations
    bases = [Path.cwd(), run.path.resolve().parent, Path(__file__).resolve().parents[2] / "configs"]
    for base in bases:
        try:
            return build_stations(GroundStations.model_validate(cfg), lambda p: resolve_data_path(p, base))
        except (OSError, StationFileError):
            continue
    return None


def _wrap_segments(lon1, lat1, lon2, lat2) -> np.ndarray:
    """Segments (K, 2, 2) in lon/lat; one crossing the date line is drawn on both sides."""
    jump = np.abs(lon2 - lon1) > 180.0
    shift = np.where(lon1 > lon2, 360.0, -360.0)
    seg = [np.stack([np.stack([lon1, lat1], 1), np.stack([np.where(jump, lon2 + shift, lon2), lat2], 1)], 1)]
    if jump.any():
        seg.append(np.stack([np.stack([lon1[jump] - shift[jump], lat1[jump]], 1),
                             np.stack([lon2[jump], lat2[jump]], 1)], 1))
    return np.concatenate(seg)


def _plot_graph(run: RunResult, out_dir: Path, at_s: float | None) -> Path:
    t_rows = run.t_s
    if at_s is None:
        at_s = float(t_rows[np.argmin(np.abs(t_rows - 0.5 * (t_rows[0] + t_rows[-1])))])
    row = int(np.argmin(np.abs(t_rows - at_s)))
    ts = run.timeseries
    lat, lon = ts["lat_deg"].values[row], ts["lon_deg"].values[row]
    column = {int(s): j for j, s in enumerate(ts["satellite"].values)}
    fig = Figure(figsize=(11, 5.6), dpi=DPI)
    ax = fig.add_subplot()
    a, b = links_up_at(run, at_s)
    if a.size:
        ca = np.array([column[int(s)] for s in a])
        cb = np.array([column[int(s)] for s in b])
        ax.add_collection(LineCollection(_wrap_segments(lon[ca], lat[ca], lon[cb], lat[cb]), colors="tab:blue",
                                         linewidths=0.5, alpha=0.6, label=f"crosslinks up ({a.size})"))
    ax.plot(lon, lat, ".", color="k", markersize=2.0, label=f"satellites ({lat.size})")
    stations = _stations(run)
    if stations is not None:
        ax.plot(stations.lon_deg, stations.lat_deg, "^", color="tab:red", markersize=4,
                label=f"ground stations ({stations.n})")
        sat, g = contacts_at(run, at_s)
        if sat.size:
            cs = np.array([column[int(s)] for s in sat])
            lon_g = ((stations.lon_deg[g] + 180.0) % 360.0) - 180.0
            ax.add_collection(LineCollection(_wrap_segments(lon[cs], lat[cs], lon_g, stations.lat_deg[g]),
                                             colors="tab:red", linewidths=0.7, alpha=0.8,
                                             label=f"usable ground links ({sat.size})"))
    ax.set_xlim(-180, 180)
    ax.set_ylim(-90, 90)
    ax.set_xticks(np.arange(-180, 181, 60))
    ax.set_yticks(np.arange(-90, 91, 30))
    ax.grid(True, linewidth=0.4, alpha=0.5)
    ax.set_aspect("equal")
    ax.set_xlabel("longitude [deg]")
    ax.set_ylabel("geodetic latitude [deg]")
    ax.set_title(f"{run.attrs.get('scenario_name', '')}: links up at t = {at_s / SECONDS_PER_HOUR:.2f} h "
                 f"(positions of the row at {t_rows[row] / SECONDS_PER_HOUR:.2f} h)")
    ax.legend(loc="lower left", fontsize=8, framealpha=0.85)
    fig.tight_layout()
    path = out_dir / "network_graph.png"
    fig.savefig(path)
    return path


def _plot_latency(run: RunResult, out_dir: Path) -> Path | None:
    ev = run.events
    sel = ev[ev.kind_name == "route_latency"]
    if sel.empty:
        return None
    pairs = ((run.config.get("network") or {}).get("routing") or {}).get("latency_pairs") or []
    fig = Figure(figsize=(10, 4.5), dpi=DPI)
    ax = fig.add_subplot()
    for p in np.unique(sel.a.to_numpy().astype(int)):
        one = sel[sel.a.astype(int) == p]
        label = " – ".join(pairs[p]) if p < len(pairs) else f"pair {p}"
        ax.step(one.t_s.to_numpy() / SECONDS_PER_HOUR, one.b.to_numpy() * 1e3, where="post", linewidth=1.0, label=label)
    ax.set_xlabel("time since epoch [h]")
    ax.set_ylabel("one-way path latency [ms]")
    ax.set_title("shortest-path latency between ground stations (gaps: no route)")
    ax.grid(True, linewidth=0.4, alpha=0.5)
    ax.legend(fontsize=8)
    fig.tight_layout()
    path = out_dir / "network_latency.png"
    fig.savefig(path)
    return path
