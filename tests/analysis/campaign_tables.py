"""A campaign index written directly (no runs): 2 orbits x 2 radiator areas, 3 replicates each,
one failed run; metric values chosen so that every statistic is known."""
from __future__ import annotations

import numpy as np

from sim.io.campaign_store import index_path, shard_relpath, write_index

ORBITS, AREAS, REPLICATES = ["walker", "sso"], [2.0, 4.0], 3
FAILED = "r0004"


def write_synthetic_campaign(directory) -> dict:
    """Write the index into `directory`; return the columns written."""
    rows = [(o, a, r) for o in ORBITS for a in AREAS for r in range(REPLICATES)]
    n = len(rows)
    run_ids = [f"r{i:04d}" for i in range(n)]
    rng = np.random.default_rng(5)
    delivered = np.array([10.0 * (1 + ORBITS.index(o)) + a + rng.normal(0, 0.5) for o, a, _ in rows])
    status = np.array(["complete"] * n, dtype=object)
    status[run_ids.index(FAILED)] = "failed"
    delivered[run_ids.index(FAILED)] = np.nan
    columns = {
        "run_id": np.array(run_ids, dtype=object),
        "index": np.arange(n, dtype=np.int64),
        "point": np.array([i // REPLICATES for i in range(n)], dtype=np.int64),
        "replicate": np.array([r for *_, r in rows], dtype=np.int64),
        "seed": np.arange(100, 100 + n, dtype=np.int64),
        "orbit": np.array([o for o, _, _ in rows], dtype=object),
        "area": np.array([a for _, a, _ in rows]),
        "status": status,
        "wall_s": np.full(n, 0.5),
        "error": np.array(["RuntimeError: boom" if s == "failed" else "" for s in status], dtype=object),
        "gpu_hours_delivered": delivered,
        "satellites": np.full(n, 3.0),
    }
    attrs = {"campaign_name": "synthetic", "plan_digest": "x", "parameters": ["orbit", "area"],
             "metrics": ["gpu_hours_delivered", "satellites"],
             "metric_units": {"gpu_hours_delivered": "GPU h", "satellites": "1"},
             "replicates": REPLICATES, "campaign_seed": 1}
    (directory / "runs").mkdir(parents=True, exist_ok=True)
    links = {r: shard_relpath(r) for r, s in zip(run_ids, status) if s == "complete"}
    write_index(index_path(directory), attrs=attrs, columns=columns, links=links)
    return columns
