"""report.html of a campaign: the run table (sortable, each complete run linked to a page of
its own), per-point statistics of every metric, and every figure of `odcsim report`."""
from __future__ import annotations

import html
from pathlib import Path

from sim.analysis.campaign import point_statistics
from sim.analysis.html_report import figure_html, link_cell, page, run_sections, table_html

RUN_PAGES = "runs"


def _run_table(runs, linked: set[str]) -> str:
    params, metrics = runs.parameters, runs.metrics
    header = ["run", "status", "seed", *params, *(f"{m} [{runs.units[m]}]" if runs.units.get(m) else m
                                                  for m in metrics)]
    rows = []
    for _, row in runs.iterrows():
        run_id = str(row["run_id"])
        first = link_cell(f"{RUN_PAGES}/{run_id}.html", run_id) if run_id in linked else run_id
        rows.append([first, row["status"], int(row["seed"]), *(row[p] for p in params),
                     *(row[m] if row["status"] == "complete" else float("nan") for m in metrics)])
    return table_html(header, rows, sortable=True)


def _statistics(runs) -> str:
    parts = []
    for metric in runs.metrics:
        stats = point_statistics(runs, metric)
        unit = runs.units.get(metric, "")
        rows = [[int(r["point"]), *(r[p] for p in runs.parameters), int(r["n"]), r["mean"], r["std"],
                 r["ci_low"], r["ci_high"]] for _, r in stats.iterrows()]
        parts.append(f"<h3>{html.escape(metric)}{f' [{html.escape(unit)}]' if unit else ''}</h3>"
                     + table_html(["point", *runs.parameters, "n", "mean", "std", "95% CI low", "95% CI high"],
                                  rows, sortable=True))
    return "".join(parts)


def _write_run_pages(runs, out_dir: Path, campaign_title: str) -> set[str]:
    """A page per complete run (summary, events, scenario; its figures: `odcsim report` on the
    shard), linked back to the campaign page."""
    from sim.analysis.results import ResultFileError, open_run

    pages = out_dir / RUN_PAGES
    pages.mkdir(parents=True, exist_ok=True)
    written = set()
    for run_id in runs.loc[runs["status"] == "complete", "run_id"]:
        try:
            with open_run(runs.shard_path(run_id)) as run:
                back = f'<p><a href="../report.html">← {html.escape(campaign_title)}</a> · figures: ' \
                       f"<code>odcsim report {html.escape(str(run.path))}</code></p>"
                text = page(f"run {run_id}", [back, *run_sections(run, [])], str(run.path.name))
        except ResultFileError:
            continue
        (pages / f"{run_id}.html").write_text(text)
        written.add(str(run_id))
    return written


def write_campaign_report(runs, figures: list[Path], out_dir: Path) -> Path:
    """report.html of a campaign in `out_dir` (beside its PNGs), with a page per complete run."""
    attrs = runs.campaign_attrs
    title = f"odcsim campaign: {attrs.get('campaign_name', '')}"
    counts = runs["status"].value_counts().to_dict()
    subtitle = (f"{len(runs)} runs: {counts.get('complete', 0)} complete, {counts.get('failed', 0)} failed, "
                f"{counts.get('pending', 0)} not run · {attrs.get('replicates', '?')} replicates per point · "
                f"campaign seed {attrs.get('campaign_seed', '?')}")
    linked = _write_run_pages(runs, out_dir, title)
    sections = ["<h2>Runs</h2><p class=\"meta\">Click a column to sort.</p>" + _run_table(runs, linked)]
    if runs.metrics and (runs["status"] == "complete").any():
        sections.append("<h2>Per sweep point</h2><p class=\"meta\">Mean, sample standard deviation and the "
                        "95 % confidence interval of the mean (Student t) over each point's complete "
                        "replicates.</p>" + _statistics(runs))
    if figures:
        sections.append("<h2>Figures</h2>" + "".join(figure_html(p) for p in figures))
    failed = runs[runs["status"] == "failed"]
    if len(failed):
        items = "".join(f"<li>{html.escape(str(r['run_id']))} (seed {int(r['seed'])}): "
                        f"{html.escape(str(r['error']))}</li>" for _, r in failed.iterrows())
        sections.append(f"<h2>Failed runs</h2><ul>{items}</ul>")
    out = out_dir / "report.html"
    out.write_text(page(title, sections, subtitle))
    return out

