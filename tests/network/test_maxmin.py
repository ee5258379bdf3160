"""Max–min fair allocation: the numba kernels against textbook examples and against the plain
Python progressive filling of tests/network/reference.py; the capacity decode of resource ids."""
import numpy as np
import pytest

from sim.network import maxmin
from sim.network.ids import NetworkIds
from sim.network.links import UP
from tests.network.reference import max_min_fair


def kernel_rates(capacity, flow_resources, rel_tol=1e-12):
    """sim.network.maxmin.max_min_fair_csr on flows given as lists of resource indices."""
    capacity = np.asarray(capacity, float)
    indptr = np.zeros(len(flow_resources) + 1, np.int64)
    np.cumsum([len(r) for r in flow_resources], out=indptr[1:])
    resource = np.concatenate([np.asarray(r, np.int64) for r in flow_resources]) if indptr[-1] else \
        np.zeros(0, np.int64)
    rates = np.zeros(len(flow_resources))
    tol = rel_tol * max(float(capacity.max()), 1.0)
    maxmin.max_min_fair_csr(capacity, indptr, resource, tol, rates, np.empty(capacity.size),
                            np.empty(capacity.size, np.int64), np.empty(len(flow_resources), np.bool_))
    return rates


@pytest.mark.parametrize("rates_of", [kernel_rates, max_min_fair], ids=["kernel", "reference"])
def test_textbook_allocation(rates_of):
    """Bertsekas & Gallager, Data Networks (1992) §6.5.2, Example: links A (cap 1) and B (cap 2);
    flow 0 crosses A and B, flow 1 only A, flow 2 only B. Max–min fair: A is the bottleneck of
    flows 0, 1 (1/2 each); flow 2 takes what is left on B, 2 − 1/2 = 3/2."""
    rates = rates_of(np.array([1.0, 2.0]), [np.array([0, 1]), np.array([0]), np.array([1])])
    np.testing.assert_allclose(rates, [0.5, 0.5, 1.5])


@pytest.mark.parametrize("rates_of", [kernel_rates, max_min_fair], ids=["kernel", "reference"])
def test_four_link_example(rates_of):
    """Bertsekas & Gallager Fig. 6.12 style: 3 flows share link 0 (cap 1), one of them also
    crosses link 1 (cap 0.2) → that one gets 0.2, the other two (1 − 0.2)/2 = 0.4 each; a flow
    alone on link 2 (cap 1) gets 1; a flow without a route gets 0."""
    rates = rates_of(np.array([1.0, 0.2, 1.0]),
                     [np.array([0, 1]), np.array([0]), np.array([0]), np.array([2]), np.array([], int)])
    np.testing.assert_allclose(rates, [0.2, 0.4, 0.4, 1.0, 0.0])


def test_kernel_equals_the_reference_on_random_networks():
    """200 random networks (up to 30 resources, 40 flows of 0–5 hops, capacities over six decades)."""
    rng = np.random.default_rng(5)
    for _ in range(200):
        n_res = int(rng.integers(1, 30))
        capacity = 10.0 ** rng.uniform(6, 12, n_res)
        flows = [rng.choice(n_res, size=int(rng.integers(0, min(5, n_res) + 1)), replace=False)
                 for _ in range(int(rng.integers(1, 40)))]
        expect = max_min_fair(capacity, flows)
        got = kernel_rates(capacity, flows)
        np.testing.assert_allclose(got, expect, rtol=1e-9)
        used = np.zeros(n_res)
        for f, r in enumerate(flows):
            used[r] += got[f]
        assert np.all(used <= capacity * (1 + 1e-9))  # feasible


def test_resource_ids_decode_into_their_capacities():
    """The numbering of sim.network.ids decoded by the kernel: a crosslink hop has its link's
    rate while UP (0 otherwise, either direction), a station edge its station's rate, a station
    total rate × antennas."""
    n, names = 5, ["A", "B"]
    ids = NetworkIds(n, names)
    link_keys = np.array([0 * n + 1, 1 * n + 2, 3 * n + 4], np.int64)
    state = np.array([UP, 0, UP], np.int8)
    rate = np.array([10e9, 20e9, 30e9])
    station_rate, antennas = np.array([1e9, 2e9]), np.array([3, 4])
    _, res_ab = ids.route_ids(np.array([0, 1]), 0, 1)            # hop 0→1
    _, res_ba = ids.route_ids(np.array([1, 0]), 1, 0)            # hop 1→0: its own capacity
    _, res_down = ids.route_ids(np.array([2, 1]), 2, n + 2 + 0)  # hop 2→1 (down link), downlink to A
    _, res_up = ids.route_ids(np.array([4, 3]), n + 1, 3)        # uplink from B, hop 4→3
    assert res_ab[0] != res_ba[0]
    resource = np.concatenate([res_ab, res_ba, res_down, res_up])
    cap = maxmin.resource_capacities(resource, link_keys, state, rate, UP, ids.r1, ids.r3, n, 2, station_rate,
                                     station_rate * antennas, np.zeros(resource.size))
    np.testing.assert_array_equal(cap, [10e9, 10e9, 0.0, 1e9, 3e9, 30e9, 2e9, 8e9])
