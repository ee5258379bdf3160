"""Scheduled transfer demands (`network.transfers:`): submitted at their times, repeated, rings."""
from pathlib import Path

import numpy as np
import pytest

from sim.config import load_scenario
from sim.core.simulation import Simulation
from tests.network.common import PAIR, PAIR_LINK, scenario

CONFIGS = Path(__file__).resolve().parents[2] / "configs"


def _done(sim):
    """(done time, duration) of every transfer_done event, in order."""
    rows = []
    sim.events.subscribe("transfer_done", lambda t, sat, a, b, c: rows.append(np.stack([t, b], axis=1)))
    return rows


def test_demands_are_submitted_at_their_times_and_repeat(tmp_path):
    """1 Gbit (125 MB) over a 10 Gbps link takes 0.1 s (size / rate). Demand A: start 30 s, every
    60 s, count 3 → submitted at 30, 90, 150 s only. Demand B (the other direction, its own
    capacity): start 0, every 100 s, no count → 0, 100, 200, 300 s (the run ends at 300 s)."""
    net = {"crosslinks": PAIR_LINK, "transfers": [
        {"src": 0, "dst": 1, "size_bytes": 125e6, "start": "30s", "every": "60s", "count": 3},
        {"src": 1, "dst": 0, "size_gb": 0.125, "every": 100}]}
    sim = Simulation(scenario(net, constellation=PAIR, duration="300s"))
    rows = _done(sim)
    result = sim.run(tmp_path / "d.h5")
    done = np.concatenate(rows)
    submitted = np.sort(done[:, 0] - done[:, 1])
    np.testing.assert_allclose(submitted, [0, 30, 90, 100, 150, 200, 300], atol=1e-9)
    np.testing.assert_allclose(done[:, 1], 0.1, rtol=1e-9)
    s = result.summary
    assert s["network.transfers_submitted"][0] == s["network.transfers_done"][0] == 7
    assert s["network.transfer_time_mean_s"][0] == pytest.approx(0.1)


def test_ring_sends_to_the_next_member():
    """ring [1, 0, 2]: 1→0, 0→2, 2→1 (each to the next, the last to the first); ring 'all' over
    three satellites: 0→1, 1→2, 2→0."""
    cons = [{"elements": [{"altitude_km": 650, "inclination_deg": 98, "mean_anomaly_deg": m}
                          for m in (0.0, 0.0085, 0.017)]}]
    net = {"crosslinks": {"topology": "pairs", "pairs": [[0, 1], [1, 2], [0, 2]]},
           "transfers": [{"ring": [1, 0, 2], "size_gb": 1, "start": 20},
                         {"ring": "all", "size_gb": 1, "every": 60}]}
    sim = Simulation(scenario(net, cons, duration="300s"))
    assert [(d.src, d.dst, d.start_s, d.count) for d in sim.subsystem("network").demands] == \
        [(1, 0, 20.0, 1), (0, 2, 20.0, 1), (2, 1, 20.0, 1), (0, 1, 0.0, None), (1, 2, 0.0, None), (2, 0, 0.0, None)]


def test_station_endpoints_resolve_to_their_sending_and_receiving_nodes():
    """A station as src is its sending node N + g, as dst its receiving node N + G + g."""
    stations = [{"name": "A", "lat_deg": 0, "lon_deg": 0}, {"name": "B", "lat_deg": 10, "lon_deg": 10}]
    net = {"ground_stations": {"stations": stations},
           "transfers": [{"src": "B", "dst": 3, "size_gb": 1}, {"src": 5, "dst": "A", "size_gb": 1}]}
    sim = Simulation(scenario(net))
    n = sim.n_satellites
    assert [(d.src, d.dst) for d in sim.subsystem("network").demands] == [(n + 1, 3), (5, n + 2 + 0)]


def test_configs_have_demands_and_valid_endpoints():
    """The shipped scenarios resolve their demands (gateway names exist in the shipped station file)."""
    sc = load_scenario(CONFIGS / "suncatcher_mesh.yaml", until="60s")
    assert len(Simulation(sc).subsystem("network").demands) == 81
    sc = load_scenario(CONFIGS / "starlink_isl.yaml", until="60s")
    net = Simulation(sc).subsystem("network")
    assert len(net.demands) == 5 and net.contacts.stations.n == 263
