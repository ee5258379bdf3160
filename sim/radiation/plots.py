"""Radiation figures of one run: where the upsets happened over the AP8 trapped-proton map, and
the upset rate through time against the solar-particle-event flux.

Matplotlib `Figure` objects with the Agg renderer, no pyplot state (as sim.analysis.plots).
`plot_radiation` returns [] for a run without a `radiation:` section.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
from matplotlib.colors import LogNorm
from matplotlib.figure import Figure

from sim.analysis.results import RunResult
from sim.core.constants import SECONDS_PER_DAY, SECONDS_PER_HOUR
from sim.radiation.constants import TRAPPED_FLOOR_CM2_S

__all__ = ["plot_radiation", "upset_locations"]

UPSET_KINDS = ("seu_corrected", "sdc_detected", "sdc", "sefi", "sel")
KIND_COLORS = {"seu_corrected": "tab:blue", "sdc_detected": "tab:orange", "sdc": "tab:red",
               "sefi": "tab:purple", "sel": "black"}
MAX_POINTS_PER_KIND = 20000
DPI = 110


def plot_radiation(run: RunResult, out_dir: str | Path) -> list[Path]:
    """radiation_map.png (upset locations over the AP8 map at the run's altitude) and
    radiation_timeline.png (upsets per hour and modelled upset rate, SPE flux); [] without
    radiation data."""
    ts = run.timeseries
    if "upset_rate" not in ts.data_vars or ts.sizes.get("time", 0) == 0:
        return []
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    return [_plot_map(run, out_dir), _plot_timeline(run, out_dir)]


def upset_locations(run: RunResult, kinds=UPSET_KINDS) -> dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """kind -> (t_s, lat_deg, lon_deg) of each upset, from the recorded row nearest in time of the
    event's satellite (positions are as coarse as the record interval)."""
    ev = run.events
    ts = run.timeseries
    t_rows = run.t_s
    column = {int(s): j for j, s in enumerate(ts["satellite"].values)}
    lat, lon = ts["lat_deg"].values, ts["lon_deg"].values
    out = {}
    for kind in kinds:
        sel = ev[(ev.kind_name == kind) & (ev.sat >= 0)]
        if sel.empty:
            continue
        t = sel.t_s.to_numpy()
        row = np.clip(np.searchsorted(t_rows, t), 1, t_rows.size - 1) if t_rows.size > 1 else np.zeros(t.size, int)
        if t_rows.size > 1:
            row = np.where(np.abs(t_rows[row - 1] - t) <= np.abs(t_rows[row] - t), row - 1, row)
        col = np.array([column.get(int(s), 0) for s in sel.sat.to_numpy()])
        out[kind] = (t, lat[row, col], lon[row, col])
    return out


def _radiation_config(run: RunResult):
    from sim.radiation.config import RadiationConfig
    return RadiationConfig.model_validate(run.config.get("radiation") or {})


def _ap8_background(run: RunResult):
    """(lat, lon, J(>E_floor) [1/(cm2 s)], label) at the run's mean altitude, or None."""
    try:
        from datetime import timezone

        from sim.radiation import environment, transport, trapped
        cfg = _radiation_config(run)
        alt_km = float(np.nanmean(run.timeseries["alt_km"].values))
        floor_mev = float(transport.energy_outside_mev(cfg.upset_threshold_mev, cfg.shielding_al_mm))
        epoch = run.epoch.to_pydatetime().replace(tzinfo=timezone.utc)
        solar = environment.ap8_phase(cfg, epoch)
        # the run's own grid, so the map comes from its cache
        tp, sats = cfg.trapped, run.satellites
        lat, lon, alt = environment.trapped_grid(tp, sats["a_m"].to_numpy(), sats["e"].to_numpy())
        fmap = trapped.scaled(trapped.ap8_map(lat, lon, alt, np.asarray(tp.energies_mev), solar, epoch, tp.cache_dir),
                              tp.scale_by_energy)
        flux = trapped.interpolate_energy(fmap, floor_mev)
        k = int(np.clip(np.searchsorted(alt, alt_km) - 1, 0, max(alt.size - 2, 0)))
        w = float(np.clip((alt_km - alt[k]) / (alt[min(k + 1, alt.size - 1)] - alt[k] or 1.0), 0.0, 1.0))
        k1 = min(k + 1, alt.size - 1)
        floor = TRAPPED_FLOOR_CM2_S   # interpolated in log space like the tick's map
        layer = np.exp((1 - w) * np.log(flux[:, :, k] + floor) + w * np.log(flux[:, :, k1] + floor)) - floor
        return lat, lon, layer, f"AP8-{solar.upper()} J(>{floor_mev:.0f} MeV) at {alt_km:.0f} km [cm⁻² s⁻¹]"
    except Exception:   # aep8 missing or the config unreadable: fall back to the recorded flux
        return None


def _plot_map(run: RunResult, out_dir: Path) -> Path:
    fig = Figure(figsize=(11, 5.5), layout="constrained")
    ax = fig.add_subplot()
    background = _ap8_background(run)
    if background is not None:
        lat, lon, flux, label = background
        positive = flux[flux > 0]
        if positive.size:
            vmin = max(positive.max() * 1e-4, positive.min())
            mesh = ax.pcolormesh(lon, lat, np.where(flux > vmin, flux, np.nan), shading="nearest", cmap="magma_r",
                                 norm=LogNorm(vmin=vmin, vmax=positive.max()), alpha=0.8)
            fig.colorbar(mesh, ax=ax, label=label, shrink=0.8)
    else:
        ts = run.timeseries
        flux = ts["trapped_flux"].values.ravel()
        keep = flux > 0
        if keep.any():
            sc = ax.scatter(ts["lon_deg"].values.ravel()[keep], ts["lat_deg"].values.ravel()[keep], c=flux[keep],
                            s=3, cmap="magma_r", norm=LogNorm(), alpha=0.6)
            fig.colorbar(sc, ax=ax, label="recorded trapped proton flux [cm⁻² s⁻¹]", shrink=0.8)
    rng = np.random.default_rng(0)
    for kind, (t, la, lo) in upset_locations(run).items():
        n = t.size
        pick = rng.choice(n, MAX_POINTS_PER_KIND, replace=False) if n > MAX_POINTS_PER_KIND else slice(None)
        shown = "" if n <= MAX_POINTS_PER_KIND else f", {MAX_POINTS_PER_KIND} shown"
        ax.scatter(lo[pick], la[pick], s=4, color=KIND_COLORS[kind], label=f"{kind} ({n}{shown})", alpha=0.7,
                   linewidths=0)
    ax.set_xlim(-180, 180)
    ax.set_ylim(-90, 90)
    ax.set_xlabel("longitude [deg]")
    ax.set_ylabel("latitude [deg]")
    ax.set_title(f"{run.attrs.get('scenario_name', '')}: upset locations")
    ax.grid(alpha=0.3)
    if ax.get_legend_handles_labels()[0]:
        ax.legend(loc="lower left", fontsize=8, markerscale=3)
    return _save(fig, out_dir, "radiation_map.png")


def _plot_timeline(run: RunResult, out_dir: Path) -> Path:
    ts = run.timeseries
    t_s = run.t_s
    scale, unit = (SECONDS_PER_DAY, "d") if t_s[-1] > 3 * SECONDS_PER_DAY else (SECONDS_PER_HOUR, "h")
    fig = Figure(figsize=(11, 6), layout="constrained")
    ax, ax_spe = fig.subplots(2, 1, sharex=True)
    rate = ts["upset_rate"].values
    ax.plot(t_s / scale, rate.sum(axis=1) * SECONDS_PER_HOUR, color="gray", lw=1.0, label="model rate, fleet [1/h]")
    edges = np.arange(0.0, t_s[-1] + SECONDS_PER_HOUR, SECONDS_PER_HOUR)
    for kind, (t, _, _) in upset_locations(run).items():
        counts, _ = np.histogram(t, bins=edges)
        ax.stairs(counts, edges / scale, color=KIND_COLORS[kind], lw=1.0, label=f"{kind} per hour")
    ax.set_yscale("symlog", linthresh=1.0)
    ax.set_ylabel("upsets per hour (fleet)")
    ax.legend(fontsize=8, ncols=3)
    ax.grid(alpha=0.3)
    spe = ts["spe_flux"].values
    ax_spe.plot(t_s / scale, np.max(spe, axis=1), color="tab:red", lw=1.0, label="max over satellites")
    ax_spe.plot(t_s / scale, np.median(spe, axis=1), color="tab:orange", lw=1.0, label="median")
    if np.any(spe > 0):
        ax_spe.set_yscale("log")
    ev = run.events
    for kind, style in (("spe_onset", ":"), ("spe_peak", "--"), ("spe_end", "-.")):
        for t in ev.t_s[ev.kind_name == kind]:
            for a in (ax, ax_spe):
                a.axvline(t / scale, color="tab:red", ls=style, lw=0.8, alpha=0.6)
    ax_spe.set_ylabel("SPE protons at the device floor [cm⁻² s⁻¹]")
    ax_spe.set_xlabel(f"time since epoch [{unit}]")
    ax_spe.legend(fontsize=8)
    ax_spe.grid(alpha=0.3)
    return _save(fig, out_dir, "radiation_timeline.png")


def _save(fig: Figure, out_dir: Path, name: str) -> Path:
    path = out_dir / name
    fig.savefig(path, dpi=DPI)
    return path
