"""Running a campaign: the run table and its index, resume, the directory lock and Ctrl-C.

The parent process keeps the run table and rewrites `campaign.h5` atomically as runs complete
(sim.io.campaign_store); the runs themselves execute where sim.campaign.executors puts them.
"""
from __future__ import annotations

import os
import time
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from sim import __version__
from sim.campaign.executors import as_metric, outcomes
from sim.campaign.plan import CampaignPlan, RunTask, load_campaign, resolved_campaign_yaml
from sim.config import ConfigError
from sim.io.campaign_store import (
    PLAN_DIGEST_ATTR,
    RUNS_DIR,
    CampaignIndexError,
    index_path,
    read_index,
    read_shard_summary,
    remove_leftovers,
    shard_relpath,
    shard_status,
    write_index,
)

INDEX_WRITE_EVERY_S = 1.0   # the index is rewritten at most this often while runs complete
STATUSES = ("pending", "complete", "failed")


class RunTable:
    """The run table kept by the parent, written to the campaign index."""

    def __init__(self, plan: CampaignPlan, output_dir: Path):
        self.plan = plan
        self.output_dir = output_dir
        self.index_path = index_path(output_dir)
        n = len(plan.tasks)
        self.status = np.array(["pending"] * n, dtype=object)
        self.wall_s = np.full(n, np.nan)
        self.error = np.array([""] * n, dtype=object)
        self.metrics: dict[str, np.ndarray] = {}
        self.units: dict[str, str] = {}
        self.row = {t.run_id: i for i, t in enumerate(plan.tasks)}
        self.wanted = plan.config.metrics
        if self.wanted:
            for name in self.wanted:
                self.metrics[name] = np.full(n, np.nan)
        self._last_write = 0.0

    def record(self, outcome: dict) -> None:
        i = self.row[outcome["run_id"]]
        self.status[i] = outcome["status"]
        self.wall_s[i] = outcome.get("wall_s", np.nan)
        self.error[i] = outcome.get("error", "")
        for name, value in outcome.get("summary", {}).items():
            if self.wanted and name not in self.wanted:
                continue
            if name not in self.metrics:
                self.metrics[name] = np.full(len(self.status), np.nan)
            self.metrics[name][i] = value
        for name, unit in outcome.get("units", {}).items():
            self.units.setdefault(name, unit)

    def columns(self) -> dict[str, np.ndarray]:
        tasks = self.plan.tasks
        cols: dict[str, np.ndarray] = {
            "run_id": np.array([t.run_id for t in tasks], dtype=object),
            "index": np.array([t.index for t in tasks], dtype=np.int64),
            "point": np.array([t.point for t in tasks], dtype=np.int64),
            "replicate": np.array([t.replicate for t in tasks], dtype=np.int64),
            "seed": np.array([t.seed for t in tasks], dtype=np.int64),
        }
        for name in self.plan.parameters:
            cols[name] = _parameter_column([t.params[name] for t in tasks])
        cols["status"] = self.status
        cols["wall_s"] = self.wall_s
        cols["error"] = self.error
        reserved = set(cols)
        for name in sorted(self.metrics) if not self.wanted else self.wanted:
            cols[name if name not in reserved else f"metric.{name}"] = self.metrics[name]
        return cols

    def write(self, force: bool = True) -> None:
        now = time.monotonic()
        if not force and now - self._last_write < INDEX_WRITE_EVERY_S:
            return
        plan = self.plan
        links = {t.run_id: shard_relpath(t.run_id) for t, s in zip(plan.tasks, self.status) if s == "complete"}
        attrs = {
            "odcsim_version": __version__,
            "campaign_name": plan.name,
            "campaign_yaml": plan.yaml_text,
            "campaign_resolved_yaml": resolved_campaign_yaml(plan),
            "scenario_path": str(plan.scenario_path),
            PLAN_DIGEST_ATTR: plan.digest(),
            "parameters": list(plan.parameters),
            "metrics": [n for n in self.columns() if n in self.metrics or n.startswith("metric.")],
            "metric_units": {k: self.units.get(k, "") for k in self.metrics},
            "replicates": plan.config.replicates,
            "campaign_seed": plan.config.seed,
            "n_runs": len(plan.tasks),
            "n_complete": int(np.sum(self.status == "complete")),
            "n_failed": int(np.sum(self.status == "failed")),
        }
        write_index(self.index_path, attrs=attrs, columns=self.columns(), links=links)
        self._last_write = now

    def counts(self) -> dict[str, int]:
        return {s: int(np.sum(self.status == s)) for s in STATUSES}


def _parameter_column(labels: list) -> np.ndarray:
    if all(isinstance(v, (int, np.integer)) and not isinstance(v, bool) for v in labels):
        return np.array(labels, dtype=np.int64)
    if all(isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, bool) for v in labels):
        return np.array(labels, dtype=np.float64)
    return np.array([str(v) for v in labels], dtype=object)


# ---------------------------------------------------------------- the campaign

@dataclass
class CampaignResult:
    output_dir: Path
    index_path: Path
    n_runs: int
    n_complete: int
    n_failed: int
    n_skipped: int            # complete shards found by --resume and kept


def _check_resumable(plan: CampaignPlan, output_dir: Path) -> dict[str, float]:
    """Refuse to resume into a directory whose index cannot be read or holds another plan;
    return the wall times the index recorded (run id -> s)."""
    path = index_path(output_dir)
    try:
        attrs, columns, _ = read_index(path)
    except CampaignIndexError as err:
        raise ConfigError(path, [("", f"{err}; --resume needs it to check that the runs here are "
                                      f"this campaign's: remove {path.name} (or the directory) to start "
                                      f"again, or choose another -o")]) from None
    if attrs[PLAN_DIGEST_ATTR] != plan.digest():
        raise ConfigError(output_dir, [("", "the campaign in this directory differs from "
                                            f"{plan.path} (runs or seeds changed): use another -o")])
    wall_s = columns.get("wall_s", [np.nan] * len(columns["run_id"]))
    return {str(run_id): float(w) for run_id, w in zip(columns["run_id"], wall_s)}


def _reuse_complete_shards(table: RunTable, old_wall_s: dict[str, float]) -> list[RunTask]:
    """Mark runs whose shard is complete; return the tasks still to do. Leftover temporary
    files, partial and corrupt shards are removed."""
    remove_leftovers(table.output_dir)
    todo = []
    for task in table.plan.tasks:
        shard = Path(task.output)
        status = shard_status(shard)
        if status == "complete":
            try:
                summary, units = read_shard_summary(shard)
            except Exception:
                status = "partial"
            else:
                table.record({"run_id": task.run_id, "status": "complete",
                              "wall_s": old_wall_s.get(task.run_id, np.nan),
                              "summary": {k: as_metric(v) for k, v in summary.items()}, "units": units})
                continue
        if status == "partial":
            shard.unlink(missing_ok=True)
        todo.append(task)
    return todo


def _progress(total: int, initial: int, enabled: bool):
    if not enabled:
        return None
    import sys

    if not sys.stderr.isatty():
        return None
    from tqdm import tqdm
    return tqdm(total=total, initial=initial, unit="run", desc="campaign", dynamic_ncols=True)


def run_campaign(campaign: str | Path | CampaignPlan, output_dir: str | Path | None = None, *,
                 workers: int | None = None, scheduler: str | None = None, executor: str | None = None,
                 resume: bool = False, progress: bool = False, run_fn: Callable | None = None,
                 on_outcome: Callable[[dict], None] | None = None) -> CampaignResult:
    """Run every run of a campaign and keep the index `output_dir/campaign.h5` up to date.

    workers: local worker processes (default: the campaign's `workers`, else the cores).
    scheduler: address of an existing dask.distributed scheduler (overrides `executor`).
    executor: `processes` or `dask-local` (default: the campaign's `executor`).
    resume: keep complete shards of an earlier start, redo missing/partial/corrupt ones; an
        index that cannot be read, or that holds another plan, is refused (ConfigError).
    run_fn: `run_fn(scenario, shard_path) -> RunResult`, picklable (default: Simulation).
    """
    plan = campaign if isinstance(campaign, CampaignPlan) else load_campaign(campaign)
    output_dir = Path(output_dir) if output_dir is not None else Path("results") / plan.name
    plan = plan.with_output(output_dir)
    index = index_path(output_dir)
    if index.exists() and not resume:
        raise ConfigError(output_dir, [("", "a campaign is already there: pass --resume to finish it, "
                                            "or choose another -o")])
    old_wall_s = _check_resumable(plan, output_dir) if resume and index.exists() else {}
    (output_dir / RUNS_DIR).mkdir(parents=True, exist_ok=True)
    with _exclusive(output_dir):
        return _run_locked(plan, output_dir, old_wall_s, workers=workers, scheduler=scheduler,
                           executor=executor, progress=progress, run_fn=run_fn, on_outcome=on_outcome)


@contextmanager
def _exclusive(output_dir: Path):
    """Hold `campaign.lock` so that two processes never run one campaign directory at once
    (the kernel releases it when the holder dies, even by kill -9)."""
    import fcntl

    handle = open(output_dir / "campaign.lock", "a+")
    try:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            raise ConfigError(output_dir, [("", "another process is running this campaign")]) from None
        yield
    finally:
        handle.close()


def _run_locked(plan: CampaignPlan, output_dir: Path, old_wall_s: dict[str, float], *, workers,
                scheduler, executor, progress, run_fn, on_outcome) -> CampaignResult:
    table = RunTable(plan, output_dir)
    todo = _reuse_complete_shards(table, old_wall_s)
    skipped = len(plan.tasks) - len(todo)
    table.write()

    workers = workers or plan.config.workers or os.cpu_count() or 1
    kind = "dask" if scheduler else (executor or plan.config.executor)
    bar = _progress(len(plan.tasks), skipped, progress)
    try:
        with outcomes(todo, kind=kind, workers=workers, scheduler=scheduler, run_fn=run_fn,
                      source=str(plan.path)) as stream:
            for outcome in stream:
                table.record(outcome)
                table.write(force=False)
                if on_outcome is not None:
                    on_outcome(outcome)
                if bar is not None:
                    bar.update(1)
                    bar.set_postfix(failed=table.counts()["failed"], refresh=False)
    finally:
        table.write()
        if bar is not None:
            bar.close()
        remove_leftovers(output_dir)
    counts = table.counts()
    return CampaignResult(output_dir, table.index_path, len(plan.tasks), counts["complete"], counts["failed"],
                          skipped)
