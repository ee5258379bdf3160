"""The network subsystem as the simulation builds it: absent without its section, the event
kinds of the parts it has, and the same run whether its kernels go parallel or not."""
import numba
import numpy as np
import pytest

from sim.core import numerics
from sim.core.simulation import Simulation
from sim.io.compare import compare_runs
from sim.network import contacts, links
from tests.network.common import SHELL_6X12, STATIONS, scenario


def test_without_network_section_nothing_is_added():
    sim = Simulation(scenario(None))
    assert not any(k.startswith("link") or k.startswith("contact") for k in sim.events.kinds)
    assert [s.name for s in sim.subsystems] == ["orbits", "payload", "goodput"]
    assert "network" not in sim.ctx.services


def test_event_kinds_and_records_follow_the_parts_present(tmp_path):
    sim = Simulation(scenario({"ground_stations": {"stations": STATIONS}}, duration="10m"))
    net = sim.subsystem("network")
    assert sim.ctx.services.get("network") is net and net.links is None
    kinds = set(sim.events.kinds)
    assert {"contact_start", "contact_end", "transfer_done", "route_latency"} <= kinds
    assert not kinds & {"link_up", "link_down", "link_acquiring"}
    result = sim.run(tmp_path / "g.h5")
    assert "network.contacts" in result.summary and "network.candidate_links" not in result.summary
    row = net.record(sim.env.now)
    assert set(row) == set(net.recorded_units) == {"isl_up", "ground_contact", "bytes_in", "bytes_out"}
    assert np.all(row["isl_up"] == 0) and row["ground_contact"].shape == (sim.n_satellites,)


def _parallel_from_a_few_items(monkeypatch) -> list:
    """The crosslink and contact kernels take their parallel path from a few items on (five
    chunks over a small fleet), as they do for a Starlink-size one; returns the calls."""
    if numba.get_num_threads() < 2:
        pytest.skip("the parallel path needs two numba threads")
    calls = []

    def small(n_items, min_chunk=numerics.MIN_CHUNK):
        calls.append(n_items)
        return max(1, n_items // 5)

    monkeypatch.setattr(links, "parallel_chunk", small)
    monkeypatch.setattr(contacts, "parallel_chunk", small)
    return calls


def _run(path):
    net = {"crosslinks": {"topology": "grid", "mtbf_h": 0.3, "max_slew_rate_deg_s": 1.0},
           "ground_stations": {"stations": STATIONS},
           "routing": {"latency_pairs": [["London", "Sydney"]]},
           "transfers": [{"src": 0, "dst": 40, "size_gb": 600, "every": "7m"},
                         {"src": 17, "dst": "New York", "size_gb": 80, "start": 30, "every": "3m"}]}
    sim = Simulation(scenario(net, SHELL_6X12, duration="40m"))
    sim.run(path)
    return sim


def test_parallel_kernels_give_the_same_run_as_the_serial_ones(tmp_path, monkeypatch):
    """Reference: the run with the serial kernels (72 satellites, 144 links: below the parallel
    threshold). The run with both kernels parallel in several chunks writes identical datasets."""
    serial = _run(tmp_path / "serial.h5")
    assert links.parallel_chunk(serial.subsystem("network").links.keys.size) == 0
    calls = _parallel_from_a_few_items(monkeypatch)
    _run(tmp_path / "parallel.h5")
    assert calls
    assert compare_runs(tmp_path / "serial.h5", tmp_path / "parallel.h5") == []
