"""Transfers: completion at size over rate, fair sharing, byte accounting, cancellation, and
the incremental allocation against a global max–min fair one."""
import h5py
import numpy as np
import pytest

from sim.core.simulation import Simulation
from tests.network.common import PAIR, PAIR_LINK, failing_grid, scenario
from tests.network.reference import max_min_fair


def test_transfer_over_a_pairs_link_finishes_at_size_over_rate(tmp_path):
    """Two satellites 1 km apart in the same orbit, one explicit link of fixed rate 10 Gbps:
    a 125 MB transfer (1 Gbit) submitted at t = 1 s takes 0.1 s; two at once share it fairly,
    the other direction has its own capacity."""
    net = {"crosslinks": {**PAIR_LINK, "start_up": True}}
    sim = Simulation(scenario(net, constellation=PAIR, duration="60s"))
    done = []

    def submit(env):
        yield env.timeout(1.0)
        network = sim.subsystem("network")
        network.submit_transfer(0, 1, 125e6, on_done=done.append)
        network.submit_transfer(1, 0, 125e6, on_done=done.append)
        network.submit_transfer(0, 1, 125e6, on_done=done.append)

    sim.env.process(submit(sim.env))
    result = sim.run(tmp_path / "t.h5")
    times = sorted(tr.done_t_s for tr in done)
    np.testing.assert_allclose(times, [1.1, 1.2, 1.2], rtol=1e-9)
    assert result.summary["network.bytes_moved"][0] == pytest.approx(375e6)
    assert result.summary["network.transfers_done"][0] == 3


def test_a_cancelled_transfer_frees_its_share(tmp_path):
    """Two transfers share the 10 Gbps link (5 Gbps each); cancelling one at 1.05 s gives the
    other the whole link: 1 Gbit at 5 Gbps for 0.05 s, the rest at 10 Gbps → done at 1.125 s;
    the cancelled one moved 31.25 MB and never completes."""
    sim = Simulation(scenario({"crosslinks": PAIR_LINK}, constellation=PAIR, duration="30s"))
    network = sim.subsystem("network")
    got = {}

    def submit(env):
        yield env.timeout(1.0)
        got["keep"] = network.submit_transfer(0, 1, 125e6)
        got["drop"] = network.submit_transfer(0, 1, 125e6)
        yield env.timeout(0.05)
        network.cancel_transfer(got["drop"])

    sim.env.process(submit(sim.env))
    result = sim.run(tmp_path / "cancel.h5")
    assert got["keep"].done_t_s == pytest.approx(1.125, rel=1e-9)
    assert got["drop"].done_t_s is None and got["drop"] not in network.active_transfers
    assert got["drop"].remaining_bytes == pytest.approx(125e6 - 31.25e6, rel=1e-9)
    assert result.summary["network.bytes_moved"][0] == pytest.approx(125e6 + 31.25e6, rel=1e-9)
    assert result.summary["network.transfers_done"][0] == 1


def test_bad_api_endpoints_are_refused():
    sim = Simulation(scenario({"crosslinks": PAIR_LINK}, constellation=PAIR, duration="30s"))
    network = sim.subsystem("network")
    with pytest.raises(ValueError, match="satellite index 2 outside 0..1"):
        network.submit_transfer(0, 2, 1e6)
    with pytest.raises(KeyError, match="no ground station 'London'"):
        network.submit_transfer("London", 1, 1e6)
    with pytest.raises(ValueError, match="size_bytes must be positive"):
        network.submit_transfer(0, 1, 0.0)


def test_bytes_moved_equals_completed_sizes_and_the_recorded_bytes(tmp_path):
    """Every transfer completes: bytes_moved = Σ sizes; on a single hop, Σ bytes_out over the
    recorded rows = Σ bytes_in = bytes_moved (each byte leaves one satellite, enters the other)."""
    net = {"crosslinks": PAIR_LINK, "transfers": [
        {"src": 0, "dst": 1, "size_gb": 3.0, "start": 5, "every": 45},
        {"src": 1, "dst": 0, "size_gb": 0.7, "start": 12, "every": 33},
        {"src": 0, "dst": 1, "size_gb": 1.1, "start": 7, "every": 20}]}
    sim = Simulation(scenario(net, constellation=PAIR, duration="280s"))
    network = sim.subsystem("network")
    done = []
    orig = network._submit
    network._submit = lambda *a, **k: orig(*a, on_done=done.append)
    result = sim.run(tmp_path / "b.h5")
    assert len(done) == result.summary["network.transfers_done"][0] == network.flows.submitted
    moved = result.summary["network.bytes_moved"][0]
    assert moved == pytest.approx(sum(tr.size_bytes for tr in done), rel=1e-12)
    with h5py.File(result.path) as f:
        out, inn = np.asarray(f["timeseries/bytes_out"]), np.asarray(f["timeseries/bytes_in"])
    # the time series are stored as float32 (7 significant digits)
    assert out.sum(dtype=float) == pytest.approx(moved, rel=1e-6)
    assert inn.sum(dtype=float) == pytest.approx(moved, rel=1e-6)


def test_incremental_allocation_equals_a_full_max_min_fair_allocation(tmp_path):
    """Reference: progressive filling over ALL routed flows at once, in plain Python
    (tests/network/reference.max_min_fair). Re-allocating only the component of the flows that
    changed must leave every rate equal to the global max–min fair allocation, checked after
    every re-allocation while all routes are intact (capacities do not drift here: +Grid links
    shorter than ref_range_km run at max_gbps and station rates are fixed)."""
    sim = failing_grid(duration="60m")
    net = sim.subsystem("network")
    flows = net.flows
    reallocate, checked = flows.reallocate, [0]

    def check(t_s, seeds=None):
        reallocate(t_s, seeds)
        routed = [tr for tr in flows.active if tr.path is not None]
        if len(routed) < 2 or not all(net.routes.intact(tr.path) for tr in routed):
            return
        ids, inverse = np.unique(np.concatenate([tr.resources for tr in routed]), return_inverse=True)
        bounds = np.cumsum([0] + [tr.resources.size for tr in routed])
        expect = max_min_fair(flows.capacity_bps(ids), [inverse[a:b] for a, b in zip(bounds[:-1], bounds[1:])])
        np.testing.assert_allclose([tr.rate_bps for tr in routed], expect, rtol=1e-9)
        assert all(tr.rate_bps == 0.0 for tr in flows.active if tr.path is None)
        checked[0] += 1

    flows.reallocate = check
    sim.run(tmp_path / "alloc.h5")
    assert checked[0] > 20, checked[0]
