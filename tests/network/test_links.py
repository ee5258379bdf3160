"""Crosslinks in a run: acquisitions, failures, geometry losses, re-selection of the nearest
neighbours, and the DWDM mesh of the Suncatcher-like cluster."""
from pathlib import Path

import numpy as np

from sim.config import load_scenario
from sim.core.simulation import Simulation
from sim.network.links import UP
from tests.network.common import SHELL_6X12, collect, scenario, stacked

CONFIGS = Path(__file__).resolve().parents[2] / "configs"


def _submit_later(sim, done):
    yield sim.env.timeout(600.0)
    sim.subsystem("network").submit_transfer(0, 17, 5e12, on_done=done.append)  # 40 Tbit at 100 Gbps ≈ 400 s


def test_grid_links_acquire_fail_and_reroute(tmp_path):
    """+Grid on a small Walker shell with MTBF failures: links go down and come back after an
    acquisition, and a transfer across the shell still completes (re-routed)."""
    net = {"crosslinks": {"topology": "grid", "mtbf_h": 0.5, "acquisition": {"distribution": "uniform",
                                                                             "min_s": 5, "max_s": 20}}}
    sim = Simulation(scenario(net, constellation=SHELL_6X12, duration="2h"))
    got = collect(sim, "link_up", "link_down", "link_acquiring")
    done = []
    sim.env.process(_submit_later(sim, done))
    result = sim.run(tmp_path / "g.h5")
    got = stacked(got)
    downs = got["link_down"]
    assert np.any(downs[:, 3] == 1)              # failures happened
    assert np.any(downs[:, 3] == 0)              # and geometry losses (cross-plane range/LOS)
    ups = got["link_up"]
    acq = ups[ups[:, 0] > 0, 3]
    assert acq.size and np.all((acq >= 5) & (acq <= 20))
    assert len(done) == 1
    s = result.summary
    assert 0.5 < s["network.link_availability"][0] < 1.0
    assert s["network.acquisitions_per_satellite_day"][0] > 0
    assert np.isfinite(s["network.path_latency_p95_ms"][0])


def test_link_up_follows_its_acquisition_and_down_ends_it(tmp_path):
    """Per link, in emission order, an up follows an acquiring by its drawn acquisition time (b)
    and a down follows an up; an acquiring link that loses its geometry goes idle silently."""
    net = {"crosslinks": {"topology": "grid", "mtbf_h": 0.3, "start_up": False,
                          "acquisition": {"distribution": "exponential", "min_s": 3, "mean_s": 10, "max_s": 60}}}
    sim = Simulation(scenario(net, constellation=SHELL_6X12, duration="1h"))
    by_link: dict = {}

    def log(rank):
        def add(t, sat, a, b, c):
            for row in zip(*np.broadcast_arrays(t, sat, a, b)):
                by_link.setdefault((int(row[1]), int(row[2])), []).append((float(row[0]), rank, float(row[3])))
        return add

    for rank, kind in enumerate(("link_acquiring", "link_up", "link_down")):
        sim.events.subscribe(kind, log(rank))
    sim.run(tmp_path / "seq.h5")
    checked = 0
    for events in by_link.values():
        assert events[0][1] == 0
        for (t0, r0, _), (t1, r1, x1) in zip(events, events[1:]):
            assert (r0, r1) in {(0, 1), (1, 2), (2, 0), (0, 0)}, events
            assert t1 >= t0
            if (r0, r1) == (0, 1):
                assert 3 <= x1 <= 60 and abs(t1 - t0 - x1) < 1e-6
                checked += 1
    assert checked > 100


def test_nearest_topology_reselects_within_the_terminal_limit(tmp_path):
    """The Suncatcher-like cluster: nearest-neighbour mesh within 2 km at DWDM rates; every
    satellite uses at most its 6 terminals, and every link UP is within range."""
    sc = load_scenario(CONFIGS / "suncatcher_mesh.yaml", until="10m")
    sim = Simulation(sc)
    result = sim.run(tmp_path / "s.h5")
    links = sim.subsystem("network").links
    assert result.summary["network.candidate_links"][0] > 81
    up = links.state == UP
    assert up.sum() > 81 and np.all(links.rate_bps[up] == 1.6e12)
    assert np.all(links.range_m[up] <= 2.0e3)
    degree = np.bincount(links.a, minlength=81) + np.bincount(links.b, minlength=81)
    assert degree.max() <= 6
