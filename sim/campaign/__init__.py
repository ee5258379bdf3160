"""Monte Carlo campaigns: sweep × seeds, run on local processes or Dask, shards + an index.

    plan = load_campaign("configs/quickstart_campaign.yaml")     # validates every run first
    result = run_campaign(plan, "results/quickstart_campaign", workers=2)
    report_campaign("results/quickstart_campaign")               # PNGs + summary.md

Layout of a campaign directory: `runs/<run_id>.h5` (one complete run each),
`runs/<run_id>.error.txt` (a run that raised), `campaign.h5` (the index: YAML, run table,
external links to the shards; sim.io.campaign_store). spec.py holds the YAML, plan.py its
expansion into runs, executors.py where runs execute and runner.py the campaign itself.

Names are imported on first use, so that `import sim.campaign` costs nothing. The command
(`odcsim campaign`) is in sim/cli.py.
"""
from __future__ import annotations

from pathlib import Path

_EXPORTS = {
    "CampaignConfig": "sim.campaign.spec",
    "CampaignPlan": "sim.campaign.plan",
    "RunTask": "sim.campaign.plan",
    "expand_points": "sim.campaign.plan",
    "load_campaign": "sim.campaign.plan",
    "run_seed": "sim.campaign.plan",
    "sample_points": "sim.campaign.plan",
    "execute_run": "sim.campaign.executors",
    "simulate": "sim.campaign.executors",
    "CampaignResult": "sim.campaign.runner",
    "run_campaign": "sim.campaign.runner",
}

__all__ = [*_EXPORTS, "report_campaign"]


def __getattr__(name):
    if name in _EXPORTS:
        import importlib
        return getattr(importlib.import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'sim.campaign' has no attribute {name!r}")


def report_campaign(directory: str | Path, out_dir: str | Path | None = None) -> list[Path]:
    """PNG figures and summary.md of a campaign directory; returns the files written."""
    from sim.analysis.campaign_plots import report_campaign as _report

    return _report(directory, out_dir)
