"""Running a campaign: the worker function, the executors, the index, resume and Ctrl-C.

Workers write their own shard `runs/<run_id>.h5` (the Recorder writes `<shard>.tmp` and
renames it when complete) and send back only a small outcome dict: status, wall time and
the scalar metrics. The parent keeps the run table and rewrites `campaign.h5` atomically.
Every random stream of a run comes from its seed, so the shards do not depend on the
executor, the worker count or the order in which runs finish.
"""
from __future__ import annotations

import multiprocessing
import os
import signal
import threading
import time
import traceback
from contextlib import contextmanager
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterator

import numpy as np

from sim import __version__
from sim.config import ConfigError
from sim.campaign.spec import CampaignPlan, RunTask, load_campaign, resolved_campaign_yaml

INDEX_WRITE_EVERY_S = 1.0   # the index is rewritten at most this often while runs complete
STATUSES = ("pending", "complete", "failed")


# ---------------------------------------------------------------- the worker side

def simulate(scenario, output: Path):
    """The default run function: one Simulation to `output`."""
    from sim.core.simulation import Simulation
    return Simulation(scenario).run(output, progress=False)


def _write_text_atomic(path: Path, text: str) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text)
    os.replace(tmp, path)


def execute_run(task: RunTask, run_fn: Callable | None = None) -> dict:
    """Do one run in this process; return a small outcome dict (never raises for a run error:
    the traceback goes to `runs/<run_id>.error.txt`)."""
    os.environ.setdefault("NUMBA_NUM_THREADS", "1")
    from sim.config import scenario_from_dict

    shard = Path(task.output)
    error_path = shard.with_name(f"{task.run_id}.error.txt")
    start = time.perf_counter()
    try:
        scenario = scenario_from_dict(task.scenario_data, source=task.source, base_dir=Path(task.base_dir))
        result = (run_fn or simulate)(scenario, shard)
        error_path.unlink(missing_ok=True)
        summary = {k: _scalar(v) for k, (v, _) in result.summary.items()}
        units = {k: str(u) for k, (_, u) in result.summary.items()}
        return {"run_id": task.run_id, "status": "complete", "wall_s": time.perf_counter() - start,
                "summary": summary, "units": units, "error": ""}
    except Exception as exc:  # the campaign goes on; KeyboardInterrupt is not caught
        text = f"run {task.run_id} (seed {task.seed}, {task.params})\n\n{traceback.format_exc()}"
        try:
            _write_text_atomic(error_path, text)
        except OSError:
            pass
        return {"run_id": task.run_id, "status": "failed", "wall_s": time.perf_counter() - start,
                "summary": {}, "units": {}, "error": f"{type(exc).__name__}: {exc}"}


def _scalar(value: Any) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        return float("nan")


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().rsplit(")", 1)[1].split()[0] not in ("Z", "X")
    except FileNotFoundError:
        return False
    except OSError:
        pass
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        pass
    return True


def _watch_campaign(campaign_pid: int) -> None:
    # the campaign process, not our parent: under forkserver our parent is the fork server,
    # which itself waits for us, so it never dies first
    while True:
        time.sleep(0.5)
        if not _alive(campaign_pid):
            os._exit(1)   # the campaign process died (kill -9): abandon the run


def _init_process_worker(campaign_pid: int) -> None:
    """Pool worker set-up: one numba thread, Ctrl-C handled by the campaign process only, and
    exit when that process dies so that no orphan keeps writing into the campaign directory."""
    os.environ["NUMBA_NUM_THREADS"] = "1"
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    threading.Thread(target=_watch_campaign, args=(campaign_pid,), daemon=True).start()


# ---------------------------------------------------------------- executors

def _mp_context():
    methods = multiprocessing.get_all_start_methods()
    return multiprocessing.get_context("forkserver" if "forkserver" in methods else "spawn")


def _process_outcomes(tasks: list[RunTask], workers: int, run_fn) -> Iterator[dict]:
    pool = ProcessPoolExecutor(max_workers=workers, mp_context=_mp_context(),
                               initializer=_init_process_worker, initargs=(os.getpid(),))
    futures = {pool.submit(execute_run, t, run_fn): t for t in tasks}
    try:
        pending = set(futures)
        while pending:
            done, pending = wait(pending, return_when=FIRST_COMPLETED)
            for fut in done:
                yield _outcome_of(fut, futures[fut])
    except BaseException:
        processes = list(getattr(pool, "_processes", {}).values())
        pool.shutdown(wait=False, cancel_futures=True)
        for p in processes:
            p.terminate()
        for p in processes:
            p.join(5)
        raise
    pool.shutdown(wait=True)


def _outcome_of(fut, task: RunTask) -> dict:
    try:
        return fut.result()
    except Exception as exc:  # the worker itself died (BrokenProcessPool, KilledWorker...)
        return {"run_id": task.run_id, "status": "failed", "wall_s": float("nan"), "summary": {},
                "units": {}, "error": f"worker lost: {type(exc).__name__}: {exc}"}


def _dask_outcomes(tasks: list[RunTask], client, run_fn) -> Iterator[dict]:
    from distributed import as_completed

    futures = {}
    for t in tasks:
        fut = client.submit(execute_run, t, run_fn, key=f"odcsim-{t.run_id}-{os.getpid()}-{id(t)}", pure=False)
        futures[fut.key] = (fut, t)
    try:
        for fut in as_completed([f for f, _ in futures.values()]):
            yield _outcome_of(fut, futures[fut.key][1])
    except BaseException:
        client.cancel([f for f, _ in futures.values()])
        raise


def _local_cluster(workers: int):
    import logging

    from distributed import Client, LocalCluster

    cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                           dashboard_address=None, silence_logs=logging.ERROR,
                           env={"NUMBA_NUM_THREADS": "1"})
    return cluster, Client(cluster)


def _missing_dask(what: str) -> ConfigError:
    return ConfigError(what, [("executor", "dask.distributed is not installed: "
                                           "pip install 'odcsim[distributed]'")])


# ---------------------------------------------------------------- the run table

class RunTable:
    """The run table kept by the parent, written to campaign.h5."""

    def __init__(self, plan: CampaignPlan, output_dir: Path):
        self.plan = plan
        self.output_dir = output_dir
        self.index_path = output_dir / "campaign.h5"
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
        from sim.io.campaign_store import write_index

        now = time.monotonic()
        if not force and now - self._last_write < INDEX_WRITE_EVERY_S:
            return
        plan = self.plan
        links = {t.run_id: f"runs/{t.run_id}.h5" for t, s in zip(plan.tasks, self.status) if s == "complete"}
        attrs = {
            "odcsim_version": __version__,
            "campaign_name": plan.name,
            "campaign_yaml": plan.yaml_text,
            "campaign_resolved_yaml": resolved_campaign_yaml(plan),
            "scenario_path": str(plan.scenario_path),
            "plan_digest": plan.digest(),
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


def _reuse_complete_shards(table: RunTable, output_dir: Path) -> list[RunTask]:
    """Mark runs whose shard is complete; return the tasks still to do. Leftover temporary
    files, partial and corrupt shards are removed."""
    from sim.io.campaign_store import read_index, read_shard_summary, shard_status

    old_wall = {}
    if table.index_path.exists():
        try:
            _, cols, _ = read_index(table.index_path)
            old_wall = dict(zip(cols["run_id"], cols["wall_s"]))
        except Exception:
            pass
    for tmp in (output_dir / "runs").glob("*.tmp"):
        tmp.unlink(missing_ok=True)
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
                              "wall_s": float(old_wall.get(task.run_id, np.nan)),
                              "summary": {k: _scalar(v) for k, v in summary.items()}, "units": units})
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
    """Run every run of a campaign and keep `output_dir/campaign.h5` up to date.

    workers: local worker processes (default: the campaign's `workers`, else the cores).
    scheduler: address of an existing dask.distributed scheduler (overrides `executor`).
    executor: `processes` or `dask-local` (default: the campaign's `executor`).
    resume: keep complete shards of an earlier start, redo missing/partial/corrupt ones.
    run_fn: `run_fn(scenario, shard_path) -> RunResult`, picklable (default: Simulation).
    """
    plan = campaign if isinstance(campaign, CampaignPlan) else load_campaign(campaign)
    output_dir = Path(output_dir) if output_dir is not None else Path("results") / plan.name
    plan = plan.with_output(output_dir)
    index_path = output_dir / "campaign.h5"
    if index_path.exists() and not resume:
        raise ConfigError(output_dir, [("", "a campaign is already there: pass --resume to finish it, "
                                            "or choose another -o")])
    if resume and index_path.exists():
        from sim.io.campaign_store import read_index
        try:
            attrs, _, _ = read_index(index_path)
        except Exception:
            attrs = {}
        if attrs and attrs.get("plan_digest") != plan.digest():
            raise ConfigError(output_dir, [("", "the campaign in this directory differs from "
                                                f"{plan.path} (runs or seeds changed): use another -o")])
    (output_dir / "runs").mkdir(parents=True, exist_ok=True)
    with _exclusive(output_dir):
        return _run_locked(plan, output_dir, workers=workers, scheduler=scheduler, executor=executor,
                           progress=progress, run_fn=run_fn, on_outcome=on_outcome)


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


def _run_locked(plan: CampaignPlan, output_dir: Path, *, workers, scheduler, executor, progress,
                run_fn, on_outcome) -> CampaignResult:
    index_path = output_dir / "campaign.h5"
    table = RunTable(plan, output_dir)
    todo = _reuse_complete_shards(table, output_dir)
    skipped = len(plan.tasks) - len(todo)
    table.write()

    workers = workers or plan.config.workers or os.cpu_count() or 1
    kind = "dask" if scheduler else (executor or plan.config.executor)
    bar = _progress(len(plan.tasks), skipped, progress)
    cluster = client = None
    outcomes = None
    try:
        if not todo:
            outcomes: Iterator[dict] = iter(())
        elif kind == "processes":
            outcomes = _process_outcomes(todo, workers, run_fn)
        else:
            try:
                from distributed import Client
            except ImportError:
                raise _missing_dask(str(plan.path)) from None
            if scheduler:
                client = Client(scheduler)
            else:
                cluster, client = _local_cluster(workers)
            outcomes = _dask_outcomes(todo, client, run_fn)
        for outcome in outcomes:
            table.record(outcome)
            table.write(force=False)
            if on_outcome is not None:
                on_outcome(outcome)
            if bar is not None:
                bar.update(1)
                bar.set_postfix(failed=table.counts()["failed"], refresh=False)
    finally:
        if outcomes is not None and hasattr(outcomes, "close"):
            outcomes.close()   # on Ctrl-C: cancel what is queued, stop the workers
        table.write()
        if bar is not None:
            bar.close()
        if client is not None:
            client.close()
        if cluster is not None:
            cluster.close()
        for tmp in (output_dir / "runs").glob("*.tmp"):
            tmp.unlink(missing_ok=True)
    counts = table.counts()
    return CampaignResult(output_dir, index_path, len(plan.tasks), counts["complete"], counts["failed"], skipped)
