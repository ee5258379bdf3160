"""Network figures: PNGs written, the link graph rebuilt from events equals the live state at
the end of the run, and no figures for a run without a network section."""
import numpy as np
import pytest

from sim.analysis.results import open_run
from sim.config import scenario_from_dict
from sim.core.simulation import Simulation
from sim.network.links import UP
from sim.network.plots import contacts_at, links_up_at, plot_network


def _scenario(network):
    data = {"name": "netplot", "epoch": "2026-03-20T00:00:00Z", "duration": "40m", "dt_s": 10, "seed": 2,
            "record": {"every_s": 60, "compression": "none"},
            "constellation": [{"walker": {"altitude_km": 550, "inclination_deg": 53, "planes": 6,
                                          "sats_per_plane": 10, "phasing": 1}}]}
    if network is not None:
        data["network"] = network
    return scenario_from_dict(data)


@pytest.fixture(scope="module")
def network_run(tmp_path_factory):
    network = {"crosslinks": {"topology": "grid", "mtbf_h": 0.3, "acquisition": {"min_s": 5, "max_s": 20}},
               "ground_stations": {"stations": [{"name": "Quito", "lat_deg": -0.18, "lon_deg": -78.47},
                                                {"name": "Nairobi", "lat_deg": -1.29, "lon_deg": 36.82},
                                                {"name": "Perth", "lat_deg": -31.95, "lon_deg": 115.86}]},
               "routing": {"every_s": 60, "latency_pairs": [["Quito", "Nairobi"], ["Nairobi", "Perth"]]}}
    sim = Simulation(_scenario(network))
    path = tmp_path_factory.mktemp("net") / "run.h5"
    sim.run(path)
    return sim, path


def test_plot_network_writes_graph_and_latency(network_run, tmp_path):
    _, path = network_run
    with open_run(path) as run:
        out = plot_network(run, tmp_path / "fig")
    assert [p.name for p in out] == ["network_graph.png", "network_latency.png"]
    for p in out:
        assert p.stat().st_size > 10_000 and p.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_graph_from_events_equals_the_live_state_at_the_end(network_run):
    """links_up_at / contacts_at replay the events; at the final instant they must give exactly the
    links the subsystem holds UP and the usable contacts in view (failures and re-acquisitions
    happened on the way)."""
    sim, path = network_run
    net = sim.subsystem("network")
    with open_run(path) as run:
        t_end = sim.env.now  # the clock runs half a tick past the last row
        a, b = links_up_at(run, t_end)
        sat, g = contacts_at(run, t_end)
    assert net.links.failures > 0
    up = net.links.state == UP
    assert up.any()
    assert sorted(zip(a.tolist(), b.tolist())) == sorted(zip(net.links.a[up].tolist(), net.links.b[up].tolist()))
    gs, gi = np.nonzero(net.contacts.in_contact())
    assert gs.size
    assert sorted(zip(sat.tolist(), g.tolist())) == sorted(zip(gi.tolist(), gs.tolist()))


def test_no_network_section_no_figures(tmp_path):
    path = tmp_path / "plain.h5"
    Simulation(_scenario(None)).run(path)
    with open_run(path) as run:
        assert plot_network(run, tmp_path / "fig") == []


def test_the_figure_finds_the_shipped_station_file(tmp_path):
    """starlink_isl names its gateways `data:ground_stations/...`: the figure draws all 263
    stations (261 gateways and the two user sites) from the scenario in the file."""
    from pathlib import Path

    from sim.config import load_scenario
    from sim.network.plots import _stations
    config = Path(__file__).resolve().parents[2] / "configs" / "starlink_isl.yaml"
    path = tmp_path / "isl.h5"
    Simulation(load_scenario(config, until="60s")).run(path)
    with open_run(path) as run:
        stations = _stations(run)
    assert stations is not None and stations.n == 263
