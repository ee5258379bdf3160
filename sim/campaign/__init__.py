"""Monte Carlo campaigns: sweep × seeds, run on local processes or Dask, shards + an index.

    plan = load_campaign("configs/quickstart_campaign.yaml")     # validates every run first
    result = run_campaign(plan, "results/quickstart_campaign", workers=2)
    report_campaign("results/quickstart_campaign")               # PNGs + summary.md

Layout of a campaign directory: `runs/<run_id>.h5` (one complete run each),
`runs/<run_id>.error.txt` (a run that raised), `campaign.h5` (the index: YAML, run table,
external links to the shards; sim.io.campaign_store). spec.py holds the YAML, plan.py its
expansion into runs, executors.py where runs execute and runner.py the campaign itself.

Names are imported on first use, so that building the command line (`odcsim --help`) costs
nothing here.
"""
from __future__ import annotations

import argparse
import sys
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

__all__ = [*_EXPORTS, "add_campaign_arguments", "cmd_campaign", "report_campaign"]


def __getattr__(name):
    if name in _EXPORTS:
        import importlib
        return getattr(importlib.import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'sim.campaign' has no attribute {name!r}")


def add_campaign_arguments(parser: argparse.ArgumentParser) -> None:
    """The arguments of `odcsim campaign`."""
    parser.add_argument("campaign", metavar="CAMPAIGN.yaml", help="campaign YAML")
    parser.add_argument("-o", "--output", metavar="DIR",
                        help="campaign directory (default: results/<campaign name>/)")
    parser.add_argument("--workers", type=int, metavar="N",
                        help="local worker processes (default: the number of cores)")
    parser.add_argument("--scheduler", metavar="tcp://HOST:PORT",
                        help="run on an existing dask.distributed cluster")
    parser.add_argument("--resume", action="store_true",
                        help="keep the complete runs of an earlier start; redo missing or partial ones "
                             "(refused if the directory's index is unreadable or holds another campaign)")
    parser.add_argument("--set", dest="campaign_overrides", action="append", default=[], metavar="KEY=VALUE",
                        help="override a top-level campaign setting, e.g. replicates=2 or duration=2h")
    parser.add_argument("--quiet", action="store_true", help="no progress bar, no summary")


def cmd_campaign(args: argparse.Namespace) -> int:
    """`odcsim campaign`: 0 when every run completed, 1 when some failed; ConfigError for bad input
    (the CLI turns it into status 2). Ctrl-C propagates as KeyboardInterrupt after the index
    has been written."""
    from sim.campaign.plan import load_campaign
    from sim.campaign.runner import run_campaign
    from sim.config import ConfigError
    from sim.io.campaign_store import RUNS_DIR

    if args.workers is not None and args.workers < 1:
        raise ConfigError("--workers", [("workers", "must be at least 1")])
    plan = load_campaign(args.campaign, getattr(args, "campaign_overrides", ()) or ())
    output = Path(args.output) if args.output else Path("results") / plan.name
    quiet = bool(getattr(args, "quiet", False))
    if not quiet:
        print(f"campaign {plan.name!r}: {len(plan.points)} points x {plan.config.replicates} "
              f"replicates = {len(plan.tasks)} runs -> {output}", file=sys.stderr)
    try:
        result = run_campaign(plan, output, workers=args.workers, scheduler=args.scheduler,
                              resume=args.resume, progress=not quiet)
    except KeyboardInterrupt:
        print(f"odcsim campaign: interrupted; completed runs are kept in {output} "
              f"(finish with --resume)", file=sys.stderr)
        raise
    if not quiet:
        print(f"{result.n_complete}/{result.n_runs} runs complete"
              + (f" ({result.n_skipped} kept from an earlier start)" if result.n_skipped else "")
              + (f", {result.n_failed} failed (see {output / RUNS_DIR}/*.error.txt)" if result.n_failed else "")
              + f"; index: {result.index_path}")
    return 0 if result.n_failed == 0 else 1


def report_campaign(directory: str | Path, out_dir: str | Path | None = None) -> list[Path]:
    """PNG figures and summary.md of a campaign directory; returns the files written."""
    from sim.analysis.campaign_plots import report_campaign as _report

    return _report(directory, out_dir)
