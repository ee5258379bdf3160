"""Max–min fair sharing of link capacity between flows (progressive filling).

Bertsekas & Gallager, Data Networks (2nd ed., 1992) §6.5.2: raise every unfrozen flow's
rate equally until some resource saturates; freeze the flows through it; repeat. The loop
runs in the numba kernel sim.network.kernels.max_min_fair_csr.
"""
from __future__ import annotations

import numpy as np


def max_min_fair_csr(capacity: np.ndarray, indptr: np.ndarray, resource: np.ndarray,
                     rel_tol: float = 1e-12) -> np.ndarray:
    """Rates of flows (same unit as capacity); flow f crosses resource[indptr[f]:indptr[f+1]]
    (indices into capacity; a flow with none gets rate 0: it has no route)."""
    from sim.network.kernels import max_min_fair_csr as kernel
    capacity = np.ascontiguousarray(capacity, dtype=float)
    indptr = np.ascontiguousarray(indptr, dtype=np.int64)
    n_flows = indptr.size - 1
    rates = np.zeros(n_flows)
    if n_flows == 0:
        return rates
    tol = rel_tol * max(float(np.max(capacity)) if capacity.size else 1.0, 1.0)
    kernel(capacity, indptr, np.ascontiguousarray(resource, dtype=np.int64), tol, rates,
           np.empty(capacity.size), np.empty(capacity.size, np.int64), np.empty(n_flows, np.bool_))
    return rates


def max_min_fair(capacity: np.ndarray, flow_resources: list[np.ndarray], rel_tol: float = 1e-12) -> np.ndarray:
    """Rates of flows (same unit as capacity) given the resources each one crosses.

    capacity: (R,) capacity of each resource; flow_resources: per flow, the resource indices
    on its path (a flow with none gets rate 0: it has no route). Work ∝ bottlenecks × entries.
    """
    lengths = np.array([len(r) for r in flow_resources], dtype=np.int64)
    indptr = np.zeros(lengths.size + 1, np.int64)
    np.cumsum(lengths, out=indptr[1:])
    res = np.concatenate([np.asarray(r, dtype=np.int64) for r in flow_resources]) if lengths.sum() else \
        np.zeros(0, np.int64)
    return max_min_fair_csr(capacity, indptr, res, rel_tol)
