"""The payload's summary metrics, for the fleet and per shell."""
from __future__ import annotations

import numpy as np

from sim.core.constants import SECONDS_PER_HOUR

SHELL_METRICS = ("gpu_hours_delivered", "delivered_fraction", "throttled_fraction", "off_fraction",
                 "eclipse_fraction", "min_soc", "max_t_junction_k")


def fleet_metrics(f, sel, elapsed_s: float) -> dict[str, tuple[float, str]]:
    n = int(np.count_nonzero(np.ones(f.n, bool)[sel]))
    sat_s = max(n * elapsed_s, 1e-300)
    available = float(f.gpu_seconds_available[sel].sum())
    delivered = float(f.gpu_seconds_delivered[sel].sum())
    return {
        "satellites": (n, "1"),
        "gpu_hours_available": (available / SECONDS_PER_HOUR, "h"),
        "gpu_hours_delivered": (delivered / SECONDS_PER_HOUR, "h"),
        "delivered_fraction": (delivered / available if available > 0 else 0.0, "1"),
        "throttled_fraction": (float(f.throttled_seconds[sel].sum()) / sat_s, "1"),
        "off_fraction": (float(f.off_seconds[sel].sum()) / sat_s, "1"),
        "eclipse_fraction": (float(f.eclipse_seconds[sel].sum()) / sat_s, "1"),
        "min_soc": (float(f.min_soc[sel].min()) if n else 1.0, "1"),
        "max_t_junction_k": (float(f.max_t_junction_k[sel].max()) if n else 0.0, "K"),
        "energy_generated_wh": (float(f.energy_generated_j[sel].sum()) / SECONDS_PER_HOUR, "W h"),
        "energy_consumed_wh": (float(f.energy_consumed_j[sel].sum()) / SECONDS_PER_HOUR, "W h"),
        "shutdowns": (int(f.shutdowns[sel].sum()), "1"),
    }


def summary(f, shells, elapsed_s: float) -> dict[str, tuple[float, str]]:
    """Fleet-wide metrics, then `shell.<name>.<metric>` for SHELL_METRICS."""
    out = fleet_metrics(f, slice(None), elapsed_s)
    for i, shell in enumerate(shells):
        for key, (value, unit) in fleet_metrics(f, f.shell == i, elapsed_s).items():
            if key in SHELL_METRICS:
                out[f"shell.{shell.name}.{key}"] = (value, unit)
    return out
