"""Where a campaign's runs execute: the worker function and the executors (local processes,
a local Dask cluster, or an existing dask.distributed scheduler).

Workers write their own shard `runs/<run_id>.h5` (the Recorder writes `<shard>.tmp` and
renames it when complete) and send back only a small outcome dict: status, wall time and
the scalar metrics. Every random stream of a run comes from its seed, so the shards do not
depend on the executor, the worker count or the order in which runs finish.
"""
from __future__ import annotations

import multiprocessing
import os
import signal
import threading
import time
import traceback
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sim.campaign.plan import RunTask
from sim.config import ConfigError
from sim.io.atomic import write_text_atomic
from sim.io.campaign_store import error_path

# ---------------------------------------------------------------- the worker side


def simulate(scenario, output: Path):
    """The default run function: one Simulation to `output`."""
    from sim.core.simulation import Simulation
    return Simulation(scenario).run(output, progress=False)


def execute_run(task: RunTask, run_fn: Callable | None = None) -> dict:
    """Do one run in this process; return a small outcome dict (never raises for a run error:
    the traceback goes to `runs/<run_id>.error.txt`)."""
    from sim.config import scenario_from_dict

    shard = Path(task.output)
    errors = error_path(shard)
    start = time.perf_counter()
    try:
        scenario = scenario_from_dict(task.scenario_data, source=task.source, base_dir=Path(task.base_dir))
        result = (run_fn or simulate)(scenario, shard)
        errors.unlink(missing_ok=True)
        summary = {k: as_metric(v) for k, (v, _) in result.summary.items()}
        units = {k: str(u) for k, (_, u) in result.summary.items()}
        return {"run_id": task.run_id, "status": "complete", "wall_s": time.perf_counter() - start,
                "summary": summary, "units": units, "error": ""}
    except Exception as exc:  # the campaign goes on; KeyboardInterrupt is not caught
        text = f"run {task.run_id} (seed {task.seed}, {task.params})\n\n{traceback.format_exc()}"
        try:
            write_text_atomic(errors, text)
        except OSError:
            pass
        return failed_outcome(task, f"{type(exc).__name__}: {exc}", time.perf_counter() - start)


def _execute_on_dask_worker(task: RunTask, run_fn: Callable | None = None) -> dict:
    """`execute_run` on a Dask worker: one numba thread per worker unless its cluster says
    otherwise (workers of an existing cluster were not started by us)."""
    os.environ.setdefault("NUMBA_NUM_THREADS", "1")
    return execute_run(task, run_fn)


def failed_outcome(task: RunTask, error: str, wall_s: float = float("nan")) -> dict:
    return {"run_id": task.run_id, "status": "failed", "wall_s": wall_s, "summary": {}, "units": {},
            "error": error}


def as_metric(value: Any) -> float:
    """A summary value as a run-table number (NaN when it is not one)."""
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

@contextmanager
def outcomes(tasks: list[RunTask], *, kind: str, workers: int, scheduler: str | None, run_fn,
             source: str) -> Iterator[Iterator[dict]]:
    """The outcome of every task, in the order they finish. `kind` is `processes`, `dask-local`
    or `dask` (the cluster at `scheduler`). Leaving the block, normally or on Ctrl-C, cancels
    what is still queued and stops the workers."""
    cluster = client = None
    stream: Iterator[dict] = iter(())
    try:
        if not tasks:
            pass
        elif kind == "processes":
            stream = _process_outcomes(tasks, workers, run_fn)
        else:
            try:
                from distributed import Client
            except ImportError:
                raise ConfigError(source, [("executor", "dask.distributed is not installed: "
                                                        "pip install 'odcsim[distributed]'")]) from None
            if scheduler:
                client = Client(scheduler)
            else:
                cluster, client = _local_cluster(workers)
            stream = _dask_outcomes(tasks, client, run_fn)
        yield stream
    finally:
        if hasattr(stream, "close"):
            stream.close()
        if client is not None:
            client.close()
        if cluster is not None:
            cluster.close()


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
        return failed_outcome(task, f"worker lost: {type(exc).__name__}: {exc}")


def _dask_outcomes(tasks: list[RunTask], client, run_fn) -> Iterator[dict]:
    from distributed import as_completed

    futures = {}
    for t in tasks:
        fut = client.submit(_execute_on_dask_worker, t, run_fn, key=f"odcsim-{t.run_id}-{os.getpid()}-{id(t)}",
                            pure=False)
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
