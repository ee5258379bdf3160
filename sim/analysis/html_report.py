"""One self-contained HTML page per run and per campaign (`odcsim report` writes report.html).

Everything is embedded: figures as PNG data URIs, the resolved scenario YAML in a collapsible
block, tables as HTML, a few lines of inline script to sort the campaign's run table. The page
opens offline in any browser; the PNG files stay beside it for papers.
"""
from __future__ import annotations

import base64
import html
import math
from pathlib import Path

import numpy as np

STYLE = """
body{font-family:system-ui,-apple-system,'Segoe UI',sans-serif;margin:2rem auto;max-width:72rem;
padding:0 1rem;color:#1b1f24;line-height:1.45}
h1{font-size:1.6rem;margin-bottom:.2rem}h2{font-size:1.2rem;margin-top:2rem;border-bottom:1px solid #d0d7de}
.meta{color:#57606a}table{border-collapse:collapse;font-size:.9rem;margin:.5rem 0}
th,td{border:1px solid #d0d7de;padding:.25rem .6rem;text-align:left}td.num{text-align:right;
font-variant-numeric:tabular-nums}th{background:#f6f8fa}th.sortable{cursor:pointer}
figure{margin:1rem 0}figure img{max-width:100%;height:auto;border:1px solid #eaeef2}
figcaption{color:#57606a;font-size:.85rem}pre{background:#f6f8fa;padding:.8rem;overflow:auto;
font-size:.8rem}details summary{cursor:pointer;font-weight:600}
"""
SORT_SCRIPT = """
document.querySelectorAll('table.sortable').forEach(function(table){
  table.querySelectorAll('th').forEach(function(th, col){
    th.classList.add('sortable');
    th.addEventListener('click', function(){
      var body = table.tBodies[0], rows = Array.prototype.slice.call(body.rows);
      var up = th.dataset.order !== 'asc'; th.dataset.order = up ? 'asc' : 'desc';
      rows.sort(function(a, b){
        var x = a.cells[col].dataset.value || a.cells[col].textContent;
        var y = b.cells[col].dataset.value || b.cells[col].textContent;
        var nx = parseFloat(x), ny = parseFloat(y);
        var c = (!isNaN(nx) && !isNaN(ny)) ? nx - ny : x.localeCompare(y);
        return up ? c : -c;
      });
      rows.forEach(function(r){ body.appendChild(r); });
    });
  });
});
"""


def _text(value) -> str:
    if isinstance(value, (bool, np.bool_)):
        return str(bool(value))
    if isinstance(value, (float, np.floating)):
        return "–" if not math.isfinite(float(value)) else f"{float(value):.6g}"
    return str(value)


def _cell(value) -> str:
    numeric = isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, (bool, np.bool_))
    if numeric:
        return f'<td class="num" data-value="{float(value)!r}">{html.escape(_text(value))}</td>'
    return f"<td>{html.escape(_text(value))}</td>"


def table_html(header: list[str], rows: list[list], sortable: bool = False) -> str:
    head = "".join(f"<th>{html.escape(h)}</th>" for h in header)
    body = "".join("<tr>" + "".join(cell if isinstance(cell, _Raw) else _cell(cell) for cell in row) + "</tr>"
                   for row in rows)
    cls = ' class="sortable"' if sortable else ""
    return f"<table{cls}><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


class _Raw(str):
    """A table cell already written as HTML (a link)."""


def link_cell(href: str, text: str) -> _Raw:
    return _Raw(f'<td><a href="{html.escape(href)}">{html.escape(text)}</a></td>')


def figure_html(path: Path) -> str:
    data = base64.b64encode(Path(path).read_bytes()).decode("ascii")
    name = html.escape(Path(path).name)
    return (f'<figure><img alt="{name}" src="data:image/png;base64,{data}">'
            f"<figcaption>{name}</figcaption></figure>")


def page(title: str, sections: list[str], subtitle: str = "") -> str:
    sub = f'<p class="meta">{html.escape(subtitle)}</p>' if subtitle else ""
    return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            f"<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">"
            f"<title>{html.escape(title)}</title><style>{STYLE}</style></head><body>"
            f"<h1>{html.escape(title)}</h1>{sub}{''.join(sections)}"
            f"<script>{SORT_SCRIPT}</script></body></html>\n")


def _summary_rows(run) -> list[list]:
    return [[name, value, run.summary_units.get(name, "")] for name, value in sorted(run.summary.items())]


def _event_rows(run) -> list[list]:
    counts = run.events["kind_name"].value_counts()
    meaning = {name: what for name, what in run.event_kinds.values()}
    return [[name, int(count), meaning.get(name, "")] for name, count in sorted(counts.items())]


def run_sections(run, figures: list[Path]) -> list[str]:
    """The parts of a run's page: the goodput waterfall first, the summary, every figure, the
    event counts and the resolved scenario."""
    figures = sorted(figures, key=lambda p: Path(p).name != "goodput.png")  # the waterfall first
    waterfall = [figure_html(p) for p in figures[:1] if Path(p).name == "goodput.png"]
    rest = [figure_html(p) for p in figures[len(waterfall):]]
    out = ["<h2>Goodput</h2>" + "".join(waterfall)] if waterfall else []
    out.append("<h2>Summary</h2>" + table_html(["metric", "value", "unit"], _summary_rows(run)))
    if rest:
        out.append("<h2>Figures</h2>" + "".join(rest))
    out.append("<h2>Events</h2>" + table_html(["kind", "count", "a, b, c"], _event_rows(run)))
    yaml_text = run.attrs.get("scenario_yaml", "")
    if yaml_text:
        out.append(f"<h2>Scenario</h2><details><summary>resolved YAML</summary><pre>"
                   f"{html.escape(yaml_text)}</pre></details>")
    return out


def _run_subtitle(run) -> str:
    n = run.timeseries.sizes.get("satellite", 0)
    return f"{run.path.name} · epoch {run.attrs.get('epoch_utc', '?')} · {n} satellites"


def write_run_report(run, figures: list[Path], out_path: Path) -> Path:
    """report.html of one run, with `figures` (PNG files) embedded."""
    name = run.config.get("name") or run.path.stem
    out_path.write_text(page(f"odcsim run: {name}", run_sections(run, figures), _run_subtitle(run)))
    return out_path
