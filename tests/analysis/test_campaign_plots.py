"""The campaign report on an index written directly: which figures, and summary.md numbers
against an independent computation (numpy, scipy's t interval)."""
from __future__ import annotations

import numpy as np
from scipy import stats

from sim.analysis.campaign_plots import report_campaign
from tests.analysis.campaign_tables import FAILED, write_synthetic_campaign


def test_report_figures_and_summary_numbers(tmp_path):
    columns = write_synthetic_campaign(tmp_path / "c")
    written = report_campaign(tmp_path / "c")
    names = sorted(p.name for p in written)
    assert names == sorted(["summary.md", "report.html", "gpu_hours_delivered__vs__orbit.png",
                            "gpu_hours_delivered__vs__area.png",
                            "gpu_hours_delivered__distribution.png",
                            "gpu_hours_delivered__heatmap__orbit__area.png"])   # satellites is constant
    assert all(p.parent == tmp_path / "c" / "report" and p.stat().st_size > 0 for p in written)
    text = (tmp_path / "c" / "report" / "summary.md").read_text()
    assert "12 runs: 11 complete, 1 failed, 0 not run; 3 replicates per point" in text
    assert "## gpu_hours_delivered [GPU h]" in text and "## satellites [1]" in text
    x = columns["gpu_hours_delivered"][(columns["point"] == 3) & (columns["status"] == "complete")]
    low, high = stats.t.interval(0.95, len(x) - 1, loc=x.mean(), scale=stats.sem(x))
    row = f"| 3 | sso | 4 | 3 | {x.mean():.4g} | {x.std(ddof=1):.3g} | [{low:.4g}, {high:.4g}] |"
    assert row in text
    assert f"- {FAILED} (seed 104): RuntimeError: boom" in text
    assert np.isfinite(x).all()
