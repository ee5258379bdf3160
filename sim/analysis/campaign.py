"""Reading a campaign: `open_campaign(dir)` → the run table as a pandas DataFrame.

    runs = open_campaign("results/quickstart_campaign")
    runs.parameters                  # swept parameter columns
    runs.metrics                     # scalar metric columns (units in runs.units)
    runs.complete()                  # the rows of complete runs
    run = runs.load_run("r0003")     # one run, as open_run gives it
    stats = point_statistics(runs, "gpu_hours_delivered")   # mean, std, 95% CI per point
"""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

from sim.io.campaign_store import INDEX_NAME, error_path, read_index, shard_path


class CampaignFrame(pd.DataFrame):
    """The run table (one row per run) that also knows its campaign directory."""

    _metadata = ["campaign_dir", "campaign_attrs"]

    @property
    def _constructor(self):
        return CampaignFrame

    @property
    def parameters(self) -> list[str]:
        return list(self.campaign_attrs.get("parameters", []))

    @property
    def metrics(self) -> list[str]:
        return [m for m in self.campaign_attrs.get("metrics", []) if m in self.columns]

    @property
    def units(self) -> dict[str, str]:
        return dict(self.campaign_attrs.get("metric_units", {}))

    def complete(self) -> "CampaignFrame":
        return self[self["status"] == "complete"]

    def shard_path(self, run_id: str) -> Path:
        return shard_path(self.campaign_dir, run_id)

    def load_run(self, run_id: str):
        """One run of the campaign, as `sim.analysis.results.open_run` opens it."""
        from sim.analysis.results import open_run

        if run_id not in set(self["run_id"]):
            raise KeyError(f"no run {run_id!r} in {self.campaign_dir}")
        return open_run(self.shard_path(run_id))

    def error(self, run_id: str) -> str:
        """The traceback of a failed run ('' if it did not fail)."""
        path = error_path(self.shard_path(run_id))
        return path.read_text() if path.exists() else ""


def open_campaign(directory: str | Path) -> CampaignFrame:
    """The run table of a campaign directory (or of its campaign.h5): columns run_id, index,
    point, replicate, seed, one per swept parameter, status, wall_s, error, one per metric.
    Raises ConfigError if there is no index, CampaignIndexError (a ResultFileError) if it cannot
    be read."""
    directory = Path(directory)
    index = directory if directory.suffix == ".h5" else directory / INDEX_NAME
    if not index.exists():
        from sim.config import ConfigError
        raise ConfigError(directory, [("", f"no campaign index ({INDEX_NAME}) here")])
    attrs, columns, _ = read_index(index)
    for key in ("parameters", "metrics", "metric_units"):
        if isinstance(attrs.get(key), str):
            attrs[key] = json.loads(attrs[key])
    frame = CampaignFrame({k: (v.astype(str) if v.dtype == object else v) for k, v in columns.items()})
    frame.campaign_dir = str(index.parent)
    frame.campaign_attrs = attrs
    frame.attrs.update({"campaign_dir": str(index.parent), "parameters": attrs.get("parameters", []),
                        "metrics": attrs.get("metrics", []), "units": attrs.get("metric_units", {})})
    return frame


def t_critical(n: int, confidence: float = 0.95) -> float:
    """Two-sided Student t quantile for n samples (n - 1 degrees of freedom)."""
    from scipy import stats

    return float(stats.t.ppf(0.5 + confidence / 2.0, n - 1)) if n > 1 else float("nan")


def point_statistics(runs: pd.DataFrame, metric: str, by: list[str] | None = None,
                     confidence: float = 0.95) -> pd.DataFrame:
    """Per sweep point (or per group of `by` columns) of the complete runs: n, mean, std
    (n - 1), the `confidence` interval of the mean (Student t), and quantiles 5..95 %."""
    if by is None:
        by = ["point"] + [p for p in getattr(runs, "parameters", runs.attrs.get("parameters", []))]
    done = runs[runs["status"] == "complete"]
    rows = []
    for key, group in done.groupby(by, sort=True, dropna=False):
        values = group[metric].to_numpy(float)
        values = values[np.isfinite(values)]
        n = len(values)
        mean = float(values.mean()) if n else np.nan
        std = float(values.std(ddof=1)) if n > 1 else (0.0 if n == 1 else np.nan)
        half = t_critical(n, confidence) * std / np.sqrt(n) if n > 1 else np.nan
        q = np.quantile(values, [0.05, 0.25, 0.5, 0.75, 0.95]) if n else [np.nan] * 5
        key = key if isinstance(key, tuple) else (key,)
        rows.append({**dict(zip(by, key)), "n": n, "mean": mean, "std": std,
                     "ci_low": mean - half, "ci_high": mean + half,
                     "p05": q[0], "p25": q[1], "p50": q[2], "p75": q[3], "p95": q[4]})
    return pd.DataFrame(rows)
