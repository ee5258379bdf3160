"""Campaign figures and summary.md: what each swept parameter does to each metric, with the
uncertainty across replicates.

- `<metric>__vs__<param>.png`: mean across replicates against the parameter, with the 95 %
  confidence band of the mean (Student t); one line per value of a second grid parameter
  when there is one with few values, others pooled.
- `<metric>__distribution.png`: the replicate values of every point (box + points).
- `<metric>__heatmap__<p>__<q>.png`: the mean on the grid of two swept parameters.
- `summary.md`: per metric, a table of n, mean, std, 95 % CI and quantiles per point.
Metrics that are the same in every run are listed in summary.md but not plotted.
"""
from __future__ import annotations

import re
from itertools import combinations
from pathlib import Path

import numpy as np
import pandas as pd

from sim.analysis.campaign import open_campaign, point_statistics

MAX_LINES = 8


def _pyplot():
    import matplotlib
    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt
    return plt


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", text).strip("_")


def _short(param: str) -> str:
    """constellation.0.radiator.area_m2 -> radiator.area_m2 (for axis labels)."""
    parts = param.split(".")
    return ".".join(parts[-2:]) if len(parts) > 2 else param


def _metric_label(runs, metric: str) -> str:
    """`metric [unit]`, without a dimensionless unit."""
    unit = runs.units.get(metric, "")
    return f"{metric} [{unit}]" if unit and unit != "1" else metric


def _save(plt, fig, path: Path) -> Path:
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def _is_numeric(series: pd.Series) -> bool:
    return pd.api.types.is_numeric_dtype(series)


def varying_metrics(runs) -> list[str]:
    done = runs[runs["status"] == "complete"]
    out = []
    for m in runs.metrics:
        values = done[m].to_numpy(float)
        values = values[np.isfinite(values)]
        if len(values) and np.ptp(values) > 0:
            out.append(m)
    return out


def _positions(values: pd.Series):
    """x positions for a parameter: its values if numeric, else category indices."""
    if _is_numeric(values):
        return values.to_numpy(float), None
    cats = list(dict.fromkeys(values))
    return np.array([cats.index(v) for v in values], float), cats


def plot_metric_vs_parameter(runs, metric: str, param: str, path: Path) -> Path:
    plt = _pyplot()
    others = [p for p in runs.parameters if p != param]
    group = None
    if len(others) >= 1:
        n_values = runs[others[0]].nunique()
        if 1 < n_values <= MAX_LINES:
            group = others[0]
    fig, ax = plt.subplots(figsize=(6.4, 4.2))
    grid_like = runs[param].nunique() < len(runs["point"].unique()) or len(runs.parameters) == 1
    groups = [(None, runs)] if group is None else list(runs.groupby(group, sort=True))
    all_cats = None
    for value, sub in groups:
        stats = point_statistics(sub, metric, by=[param])
        if stats.empty:
            continue
        x, cats = _positions(stats[param])
        all_cats = cats or all_cats
        order = np.argsort(x)
        x, s = x[order], stats.iloc[order]
        label = None if group is None else f"{_short(group)} = {value}"
        if grid_like:
            line, = ax.plot(x, s["mean"], marker="o", label=label)
            ax.fill_between(x, s["ci_low"], s["ci_high"], alpha=0.25, color=line.get_color(), linewidth=0)
        else:
            yerr = np.vstack([s["mean"] - s["ci_low"], s["ci_high"] - s["mean"]])
            ax.errorbar(x, s["mean"], yerr=np.nan_to_num(yerr), fmt="o", capsize=3, label=label)
    if all_cats:
        ax.set_xticks(range(len(all_cats)), all_cats)
    ax.set_xlabel(_short(param))
    ax.set_ylabel(_metric_label(runs, metric))
    ax.set_title(f"{metric}: mean and 95% CI across replicates", fontsize=10)
    if group is not None:
        ax.legend(fontsize=8)
    ax.grid(alpha=0.3)
    return _save(plt, fig, path)


def _point_label(runs, point: int) -> str:
    row = runs[runs["point"] == point].iloc[0]
    parts = []
    for p in runs.parameters:
        v = row[p]
        parts.append(f"{_short(p)}={v:.4g}" if isinstance(v, (float, np.floating)) else f"{_short(p)}={v}")
    return "\n".join(parts) or f"point {point}"


def plot_distributions(runs, metric: str, path: Path) -> Path:
    plt = _pyplot()
    done = runs[runs["status"] == "complete"]
    points = sorted(done["point"].unique())
    data = [done.loc[done["point"] == p, metric].to_numpy(float) for p in points]
    fig, ax = plt.subplots(figsize=(max(6.4, 0.7 * len(points) + 2), 4.4))
    ax.boxplot(data, positions=range(len(points)), widths=0.6, showfliers=False)
    for i, values in enumerate(data):
        jitter = np.linspace(-0.15, 0.15, len(values)) if len(values) > 1 else [0.0]
        ax.plot(i + np.asarray(jitter), values, "o", ms=3, alpha=0.6, color="C1")
    if len(points) <= 16:
        ax.set_xticks(range(len(points)), [_point_label(runs, p) for p in points], fontsize=7)
    else:
        ax.set_xlabel("sweep point")
    ax.set_ylabel(_metric_label(runs, metric))
    ax.set_title(f"{metric}: replicates per sweep point", fontsize=10)
    ax.grid(alpha=0.3, axis="y")
    return _save(plt, fig, path)


def plot_heatmap(runs, metric: str, p: str, q: str, path: Path) -> Path:
    plt = _pyplot()
    stats = point_statistics(runs, metric, by=[p, q])
    xs = list(dict.fromkeys(sorted(stats[p].unique(), key=_sort_key)))
    ys = list(dict.fromkeys(sorted(stats[q].unique(), key=_sort_key)))
    grid = np.full((len(ys), len(xs)), np.nan)
    for _, row in stats.iterrows():
        grid[ys.index(row[q]), xs.index(row[p])] = row["mean"]
    fig, ax = plt.subplots(figsize=(6.4, 4.8))
    image = ax.imshow(grid, origin="lower", aspect="auto", cmap="viridis")
    ax.set_xticks(range(len(xs)), [_fmt(v) for v in xs])
    ax.set_yticks(range(len(ys)), [_fmt(v) for v in ys])
    ax.set_xlabel(_short(p))
    ax.set_ylabel(_short(q))
    finite = grid[np.isfinite(grid)]
    if len(xs) * len(ys) <= 64 and finite.size:
        middle = 0.5 * (finite.min() + finite.max())
        for (j, i), v in np.ndenumerate(grid):
            if np.isfinite(v):
                ax.text(i, j, f"{v:.3g}", ha="center", va="center", fontsize=8,
                        color="black" if v > middle else "white")
    fig.colorbar(image, ax=ax, label=f"mean {_metric_label(runs, metric)}")
    ax.set_title(f"{metric}: mean across replicates", fontsize=10)
    return _save(plt, fig, path)


def _sort_key(v):
    return (0, float(v), "") if isinstance(v, (int, float, np.integer, np.floating)) else (1, 0.0, str(v))


def _fmt(v) -> str:
    return f"{v:.4g}" if isinstance(v, (float, np.floating)) else str(v)


def summary_markdown(runs, metrics: list[str] | None = None) -> str:
    attrs = runs.campaign_attrs
    counts = runs["status"].value_counts().to_dict()
    lines = [f"# Campaign {attrs.get('campaign_name', '')}", "",
             f"{len(runs)} runs: {counts.get('complete', 0)} complete, {counts.get('failed', 0)} failed, "
             f"{counts.get('pending', 0)} not run; {attrs.get('replicates', '?')} replicates per point, "
             f"campaign seed {attrs.get('campaign_seed', '?')}.", "",
             "Per sweep point over its complete replicates: mean, sample standard deviation, the 95 % "
             "confidence interval of the mean (Student t) and quantiles.", ""]
    params = runs.parameters
    for metric in metrics if metrics is not None else runs.metrics:
        unit = runs.units.get(metric, "")
        stats = point_statistics(runs, metric)
        lines += [f"## {metric}" + (f" [{unit}]" if unit else ""), ""]
        head = ["point"] + [_short(p) for p in params] + ["n", "mean", "std", "95% CI", "p05", "p50", "p95"]
        lines.append("| " + " | ".join(head) + " |")
        lines.append("|" + "---|" * len(head))
        for _, row in stats.iterrows():
            ci = "–" if not np.isfinite(row["ci_low"]) else f"[{row['ci_low']:.4g}, {row['ci_high']:.4g}]"
            cells = [str(int(row["point"]))] + [_fmt(row[p]) for p in params] + [
                str(int(row["n"])), f"{row['mean']:.4g}", f"{row['std']:.3g}", ci,
                f"{row['p05']:.4g}", f"{row['p50']:.4g}", f"{row['p95']:.4g}"]
            lines.append("| " + " | ".join(cells) + " |")
        lines.append("")
    failed = runs[runs["status"] == "failed"]
    if len(failed):
        lines += ["## Failed runs", ""]
        for _, row in failed.iterrows():
            lines.append(f"- {row['run_id']} (seed {row['seed']}): {row['error']}")
        lines.append("")
    return "\n".join(lines)


def report_campaign(directory: str | Path, out_dir: str | Path | None = None,
                    metrics: list[str] | None = None) -> list[Path]:
    """Write the campaign figures, summary.md and report.html (with a page per complete run
    under runs/) into `out_dir` (default: DIR/report)."""
    from sim.analysis.campaign_html import write_campaign_report

    runs = open_campaign(directory)
    out = Path(out_dir) if out_dir is not None else Path(runs.campaign_dir) / "report"
    out.mkdir(parents=True, exist_ok=True)
    written = []
    summary = out / "summary.md"
    summary.write_text(summary_markdown(runs, metrics))
    written.append(summary)
    if not (runs["status"] == "complete").any():
        return written + [write_campaign_report(runs, [], out)]
    plotted = varying_metrics(runs) if metrics is None else metrics
    grid_params = [p for p in runs.parameters if runs[p].nunique() > 1]
    for metric in plotted:
        for param in grid_params:
            written.append(plot_metric_vs_parameter(
                runs, metric, param, out / f"{_slug(metric)}__vs__{_slug(_short(param))}.png"))
        written.append(plot_distributions(runs, metric, out / f"{_slug(metric)}__distribution.png"))
        few = [p for p in grid_params if runs[p].nunique() <= 24]
        for p, q in combinations(few, 2):
            written.append(plot_heatmap(runs, metric, p, q,
                                        out / f"{_slug(metric)}__heatmap__{_slug(_short(p))}__{_slug(_short(q))}.png"))
    return written + [write_campaign_report(runs, [p for p in written if p.suffix == ".png"], out)]
