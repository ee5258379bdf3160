"""Economics figures of one run: mass per satellite by component, the mission's cost by term, and
$ per useful GPU-hour against the launch price with the terrestrial comparator's line.

Matplotlib `Figure` objects with the Agg renderer, no pyplot state (as sim.analysis.plots).
`plot_economics` returns [] for a run without an `economics:` section.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
from matplotlib.figure import Figure

from sim.analysis.results import RunResult
from sim.lifetime.economics.mass import COMPONENTS

__all__ = ["plot_economics", "usd_per_useful_gpu_hour_at"]

DPI = 110
LAUNCH_PRICES_USD_KG = np.geomspace(10.0, 20000.0, 200)
PREFIX = "economics."


def _text(value) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


def plot_economics(run: RunResult, out_dir: str | Path) -> list[Path]:
    """economics_mass.png, economics_cost.png and economics_launch_price.png; [] without economics."""
    tables = run.tables
    if "economics/mass" not in tables or f"{PREFIX}tco_usd" not in run.summary:
        return []
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    return [_plot_mass(run, tables["economics/mass"], out_dir), _plot_cost(run, tables["economics/cost"], out_dir),
            _plot_launch_price(run, out_dir)]


def _title(run: RunResult, what: str) -> str:
    return f"{run.attrs.get('scenario_name', '')}: {what}"


def _save(fig: Figure, out_dir: Path, name: str) -> Path:
    path = out_dir / name
    fig.savefig(path, dpi=DPI, bbox_inches="tight")
    return path


def _plot_mass(run, mass, out_dir) -> Path:
    from matplotlib import colormaps

    fig = Figure(figsize=(7.0, 4.2))
    ax = fig.subplots()
    shells = [_text(s) for s in mass["shell"]]
    bottom = np.zeros(len(shells))
    cmap = colormaps["tab10"]
    for k, component in enumerate(COMPONENTS):
        values = mass[f"{component}_kg"].to_numpy(dtype=float)
        if not values.any():
            continue
        ax.bar(shells, values, bottom=bottom, color=cmap(k % 10), label=component.replace("_", " "))
        bottom += values
    for i, total in enumerate(bottom):
        kw = mass["it_power_w"].iloc[i] / 1e3
        ax.text(i, total, f"{total:.0f} kg\n{total / kw:.0f} kg/kW" if kw > 0 else f"{total:.0f} kg",
                ha="center", va="bottom", fontsize=8)
    ax.set_ylabel("mass per satellite [kg]")
    ax.set_ylim(0, 1.2 * max(bottom.max(), 1.0))
    ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    ax.grid(alpha=0.3, axis="y")
    fig.suptitle(_title(run, "mass per satellite by component"))
    return _save(fig, out_dir, "economics_mass.png")


def _plot_cost(run, cost, out_dir) -> Path:
    s = run.summary
    fig = Figure(figsize=(7.0, 4.2))
    ax = fig.subplots()
    terms = [_text(t) for t in cost["term"]]
    values = cost["present_value_usd"].to_numpy(dtype=float) / 1e6
    ax.barh(terms, values, color="tab:blue")
    for y, v in enumerate(values):
        ax.text(v, y, f" {v:,.1f}", va="center", fontsize=8)
    ax.invert_yaxis()
    ax.set_xlabel("present value over the mission [million USD]")
    ax.grid(alpha=0.3, axis="x")
    ax.set_xlim(0, 1.2 * max(values.max(), 1e-9))
    fig.suptitle(_title(run, f"cost of ownership ${s[PREFIX + 'tco_usd'] / 1e6:,.0f} M over "
                             f"{_mission_years(run):g} yr, {int(s[PREFIX + 'launches'])} launches"))
    return _save(fig, out_dir, "economics_cost.png")


def _mission_years(run) -> float:
    return float(run.config.get("economics", {}).get("mission_years", 5.0))


def usd_per_useful_gpu_hour_at(summary: dict, usd_per_kg):
    """The run's $ per useful GPU-hour at other launch prices (TCO is linear in $/kg)."""
    tco = summary[PREFIX + "tco_usd"] + summary[PREFIX + "launch_billed_equivalent_kg"] * (
        np.asarray(usd_per_kg, dtype=float) - summary[PREFIX + "launch_usd_per_kg"])
    useful = summary[PREFIX + "discounted_useful_gpu_hours"]
    return tco / useful if useful > 0 else np.full_like(tco, np.inf)


def _plot_launch_price(run, out_dir) -> Path:
    s = run.summary
    fig = Figure(figsize=(6.4, 4.2))
    ax = fig.subplots()
    ax.loglog(LAUNCH_PRICES_USD_KG, usd_per_useful_gpu_hour_at(s, LAUNCH_PRICES_USD_KG), color="tab:blue",
              label="this design in orbit")
    terrestrial = s[PREFIX + "terrestrial_usd_per_useful_gpu_hour"]
    ax.axhline(terrestrial, color="tab:green", linestyle="--", label=f"terrestrial H100 ({terrestrial:.2f})")
    price = s[PREFIX + "launch_usd_per_kg"]
    ax.plot([price], [s[PREFIX + "usd_per_useful_gpu_hour"]], "o", color="tab:red",
            label=f"scenario's launch price (${price:,.0f}/kg)")
    breakeven = s[PREFIX + "breakeven_launch_usd_per_kg"]
    if np.isfinite(breakeven) and breakeven > 0:
        ax.axvline(breakeven, color="grey", linestyle=":", label=f"break-even ${breakeven:,.0f}/kg")
    ax.set_xlabel("launch price [USD/kg]")
    ax.set_ylabel("USD per useful GPU-hour")
    ax.grid(alpha=0.3, which="both")
    ax.legend(fontsize=8)
    note = "" if breakeven > 0 else " (no break-even: free launch is still dearer)"
    fig.suptitle(_title(run, "$ per useful GPU-hour against launch price" + note), fontsize=10)
    return _save(fig, out_dir, "economics_launch_price.png")
