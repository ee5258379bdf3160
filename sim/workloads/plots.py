"""The goodput waterfall: available → delivered → useful, one bar per cause of badput.

The first figure of every report (sim.analysis.plots.plot_run). Read from the run's summary
(useful_gpu_hours, badput.<cause>_gpu_hours, gpu_hours_available), so it works for any result
file that has the goodput accounting.
"""
from __future__ import annotations

from pathlib import Path

from matplotlib.figure import Figure

from sim.payload.accounting import BADPUT_CAUSES
from sim.workloads.goodput import CAUSES

PHYSICAL = set(BADPUT_CAUSES)


def waterfall_steps(summary: dict) -> list[tuple[str, float, float]]:
    """(label, bottom, height) of every bar [GPU h]: the totals (available, delivered, useful)
    stand on 0, each cause hangs from the level it lowers; causes of zero are left out."""
    level = float(summary["gpu_hours_available"])
    steps = [("available", 0.0, level)]
    for group in ([c for c in CAUSES if c in PHYSICAL], [c for c in CAUSES if c not in PHYSICAL]):
        for cause in group:
            value = float(summary.get(f"badput.{cause}_gpu_hours", 0.0))
            if value > 0.0:
                level -= value
                steps.append((cause.replace("_", " "), level, value))
        steps.append(("delivered", 0.0, level) if group[0] in PHYSICAL else ("useful", 0.0, level))
    return steps


def plot_goodput(run, out_dir: str | Path) -> list[Path]:
    """goodput.png; [] for a file without the goodput accounting (schema 1)."""
    summary = run.summary
    if "useful_gpu_hours" not in summary:
        return []
    steps = waterfall_steps(summary)
    fig = Figure(figsize=(max(6.0, 0.75 * len(steps) + 2.0), 4.2), layout="constrained")
    ax = fig.subplots()
    colors = {"available": "#4c72b0", "delivered": "#4c72b0", "useful": "#55a868"}
    for x, (label, bottom, height) in enumerate(steps):
        ax.bar(x, height, bottom=bottom, color=colors.get(label, "#c44e52"), edgecolor="black", linewidth=0.5)
        ax.annotate(f"{height:.4g}", (x, bottom + height), ha="center", va="bottom", fontsize=8)
    ax.set_xticks(range(len(steps)), [s[0] for s in steps], rotation=30, ha="right")
    ax.set_ylabel("GPU-hours")
    fraction = float(summary.get("goodput_fraction", 0.0))
    ax.set_title(f"{run.attrs.get('scenario_name', '')}: goodput {fraction:.1%} of the GPU-hours available")
    path = Path(out_dir) / "goodput.png"
    fig.savefig(path, dpi=110)
    return [path]
