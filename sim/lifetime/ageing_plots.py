"""The report figure "working GPUs and capacity over the mission" from /lifetime/capacity.

Left axis: installed and working GPUs; right axis: mean battery capacity retention and mean array
power retention (per-year degradation × dose), both as fractions of the beginning of life.
Matplotlib `Figure` with the Agg renderer, no pyplot state (as sim.analysis.plots); [] for a run
without the table (no `lifetime.ageing:`).
"""
from __future__ import annotations

from pathlib import Path

from matplotlib.figure import Figure

from sim.analysis.results import RunResult
from sim.core.constants import SECONDS_PER_DAY

__all__ = ["plot_ageing"]

DPI = 110


def plot_ageing(run: RunResult, out_dir: str | Path) -> list[Path]:
    table = run.tables.get("lifetime/capacity")
    if table is None or len(table) == 0:
        return []
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    days = table["t_s"].to_numpy(dtype=float) / SECONDS_PER_DAY
    x, xlabel = (days / 365.25, "time [years]") if days[-1] > 730.0 else (days, "time [days]")
    fig = Figure(figsize=(7.0, 4.2))
    ax = fig.subplots()
    ax.step(x, table["installed_gpus"], where="post", color="grey", linestyle="--", label="installed GPUs")
    ax.step(x, table["working_gpus"], where="post", color="tab:blue", label="working GPUs")
    ax.set_xlabel(xlabel)
    ax.set_ylabel("GPUs")
    ax.set_ylim(0, 1.1 * max(float(table["installed_gpus"].max()), 1.0))
    ax.grid(alpha=0.3)
    right = ax.twinx()
    right.plot(x, table["battery_retention_mean"], color="tab:red", label="battery capacity (mean, of BOL)")
    right.plot(x, table["array_retention_mean"], color="tab:orange", label="array power (mean, of BOL)")
    right.set_ylabel("retention [1]")
    right.set_ylim(0.0, 1.05)
    lines = ax.get_legend_handles_labels()
    more = right.get_legend_handles_labels()
    ax.legend(lines[0] + more[0], lines[1] + more[1], fontsize=8, loc="lower left")
    end = table.iloc[-1]
    fig.suptitle(f"{run.attrs.get('scenario_name', '')}: working GPUs and capacity over the mission "
                 f"(end: {int(end['working_gpus'])}/{int(end['installed_gpus'])} GPUs, "
                 f"battery {end['battery_retention_mean']:.3f})", fontsize=10)
    path = out_dir / "lifetime_capacity.png"
    fig.savefig(path, dpi=DPI, bbox_inches="tight")
    return [path]
