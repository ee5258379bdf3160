"""Max–min fair sharing of link capacity between flows (progressive filling).

Bertsekas & Gallager, Data Networks (2nd ed., 1992) §6.5.2: raise every unfrozen flow's
rate equally until some resource saturates; freeze the flows through it; repeat.
"""
from __future__ import annotations

import numpy as np


def max_min_fair(capacity: np.ndarray, flow_resources: list[np.ndarray], rel_tol: float = 1e-12) -> np.ndarray:
    """Rates of flows (same unit as capacity) given the resources each one crosses.

    capacity: (R,) capacity of each resource; flow_resources: per flow, the resource indices
    on its path (a flow with none gets rate 0: it has no route). Work ∝ bottlenecks × entries.
    """
    n_flows = len(flow_resources)
    rates = np.zeros(n_flows)
    if n_flows == 0:
        return rates
    lengths = np.array([len(r) for r in flow_resources], dtype=np.int64)
    res = np.concatenate([np.asarray(r, dtype=np.int64) for r in flow_resources]) if lengths.sum() else \
        np.zeros(0, np.int64)
    owner = np.repeat(np.arange(n_flows), lengths)
    remaining = np.asarray(capacity, dtype=float).copy()
    active = lengths > 0
    tol = rel_tol * max(float(np.max(capacity)) if len(capacity) else 1.0, 1.0)
    while active.any():
        live = active[owner]
        count = np.bincount(res[live], minlength=remaining.size)
        used = count > 0
        share = np.full(remaining.size, np.inf)
        share[used] = remaining[used] / count[used]
        delta = max(float(share.min()), 0.0)
        rates[active] += delta
        remaining[used] -= delta * count[used]
        saturated = used & (remaining <= tol)
        frozen = np.zeros(n_flows, dtype=bool)
        frozen[owner[live & saturated[res]]] = True
        if not frozen.any():  # numerical guard: freeze the flows of the tightest resource
            frozen[owner[live & (res == int(np.argmin(share)))]] = True
        active &= ~frozen
    return rates
