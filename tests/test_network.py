"""Network subsystem: max–min fair sharing, contact windows against python-sgp4, transfers,
configuration and inertness when the section is absent."""
import math
from pathlib import Path

import numpy as np
import pytest

from sim.config import ConfigError, scenario_from_dict
from sim.network.flows import max_min_fair
from sim.core.simulation import Simulation

SHARED_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"


# ---------------------------------------------------------------- max–min fairness

def test_max_min_fair_textbook_allocation():
    """Bertsekas & Gallager, Data Networks (1992) §6.5.2, Example: links A (cap 1) and B (cap 2);
    flow 0 crosses A and B, flow 1 only A, flow 2 only B. Max–min fair: A is the bottleneck of
    flows 0, 1 (1/2 each); flow 2 takes what is left on B, 2 − 1/2 = 3/2."""
    rates = max_min_fair(np.array([1.0, 2.0]), [np.array([0, 1]), np.array([0]), np.array([1])])
    np.testing.assert_allclose(rates, [0.5, 0.5, 1.5])


def test_max_min_fair_four_link_example():
    """Bertsekas & Gallager Fig. 6.12 style: 3 flows share link 0 (cap 1), one of them also
    crosses link 1 (cap 0.2) → that one gets 0.2, the other two (1 − 0.2)/2 = 0.4 each; a flow
    alone on link 2 (cap 1) gets 1; a flow without a route gets 0."""
    rates = max_min_fair(np.array([1.0, 0.2, 1.0]),
                         [np.array([0, 1]), np.array([0]), np.array([0]), np.array([2]), np.array([], int)])
    np.testing.assert_allclose(rates, [0.2, 0.4, 0.4, 1.0, 0.0])


# ---------------------------------------------------------------- contact windows vs python-sgp4

def _tle_file(tmp_path):
    from sgp4.api import WGS72, Satrec
    from sgp4.exporter import export_tle
    sat = Satrec()
    # 550 km, 53°, epoch 2026-03-20 00:00 UTC (days since 1949-12-31 00:00)
    sat.sgp4init(WGS72, "i", 1, 2461119.5 - 2433281.5, 0.0, 0.0, 0.0, 1e-4, 0.0, math.radians(53.0),
                 math.radians(10.0), 15.05 * 2 * math.pi / 1440.0, math.radians(40.0))
    l1, l2 = export_tle(sat)
    path = tmp_path / "one.tle"
    path.write_text(f"SAT\n{l1}\n{l2}\n")
    return path


# longitude chosen so that four passes fall in the first 6 h (a cheaper run than a full day)
STATION = {"name": "mid-latitude site", "lat_deg": 48.0, "lon_deg": -90.0, "alt_m": 500.0, "min_elevation_deg": 10.0}


def reference_contacts(tle_path, t_end_s, epoch_jd=2461119.5):
    """Independent: python-sgp4 TEME positions every 1 s, GMST (IAU 1982, Vallado eq. 3-47)
    rotation, WGS84 geodetic station, elevation; crossings interpolated linearly."""
    from sgp4.api import Satrec
    lines = Path(tle_path).read_text().splitlines()
    sat = Satrec.twoline2rv(lines[1], lines[2])
    t = np.arange(0.0, t_end_s + 1.0, 1.0)
    jd = epoch_jd + t / 86400.0
    err, r_km, _ = sat.sgp4_array(jd, np.zeros_like(jd))
    assert not err.any()
    T = (jd - 2451545.0) / 36525.0
    th = ((67310.54841 + (876600.0 * 3600 + 8640184.812866) * T + 0.093104 * T ** 2) % 86400.0) * 2 * np.pi / 86400
    x = np.cos(th) * r_km[:, 0] + np.sin(th) * r_km[:, 1]
    y = -np.sin(th) * r_km[:, 0] + np.cos(th) * r_km[:, 1]
    z = r_km[:, 2]
    a, f = 6378.137, 1 / 298.257223563
    e2 = f * (2 - f)
    la, lo = np.radians(STATION["lat_deg"]), np.radians(STATION["lon_deg"])
    nr = a / math.sqrt(1 - e2 * math.sin(la) ** 2)
    h = STATION["alt_m"] / 1e3
    g = np.array([(nr + h) * math.cos(la) * math.cos(lo), (nr + h) * math.cos(la) * math.sin(lo),
                  (nr * (1 - e2) + h) * math.sin(la)])
    up = np.array([math.cos(la) * math.cos(lo), math.cos(la) * math.sin(lo), math.sin(la)])
    d = np.stack([x, y, z], axis=1) - g
    el = np.degrees(np.arcsin(d @ up / np.linalg.norm(d, axis=1))) - STATION["min_elevation_deg"]
    k = np.flatnonzero(np.sign(el[:-1]) != np.sign(el[1:]))
    times = t[k] + el[k] / (el[k] - el[k + 1])
    return times, el[k + 1] > 0


def _scenario(network, tmp_path=None, constellation=None, duration="6h", dt_s=10):
    data = {"name": "net", "epoch": "2026-03-20T00:00:00Z", "duration": duration, "dt_s": dt_s, "seed": 3,
            "record": {"every_s": 60, "compression": "none"},
            "constellation": constellation or [{"walker": {"altitude_km": 550, "inclination_deg": 53, "planes": 4,
                                                            "sats_per_plane": 8, "phasing": 1}}]}
    if network is not None:
        data["network"] = network
    return scenario_from_dict(data, base_dir=tmp_path)


def _collect(sim, *names):
    got = {name: [] for name in names}
    for name in names:
        sim.events.subscribe(name, lambda t, sat, a, b, c, name=name: got[name].append(
            np.stack([t, sat, a, b], axis=1)))
    return got


def test_contact_windows_agree_with_sgp4_within_a_tick(tmp_path):
    tle = _tle_file(tmp_path)
    scenario = _scenario({"ground_stations": {"stations": [STATION]}}, tmp_path,
                         constellation=[{"tle": {"path": str(tle)}}], duration="6h")
    sim = Simulation(scenario)
    got = _collect(sim, "contact_start", "contact_end")
    sim.run(tmp_path / "c.h5")
    starts = np.concatenate(got["contact_start"])[:, 0] if got["contact_start"] else np.zeros(0)
    ends = np.concatenate(got["contact_end"])[:, 0] if got["contact_end"] else np.zeros(0)
    ref_t, ref_rising = reference_contacts(tle, 6 * 3600.0)
    assert ref_rising.sum() >= 3 and (~ref_rising).sum() >= 3  # a few complete passes
    np.testing.assert_allclose(np.sort(starts), ref_t[ref_rising], atol=scenario.dt_s)
    np.testing.assert_allclose(np.sort(ends), ref_t[~ref_rising], atol=scenario.dt_s)


# ---------------------------------------------------------------- subsystem behaviour

def test_without_network_section_nothing_is_added(tmp_path):
    sim = Simulation(_scenario(None))
    assert not any(k.startswith("link") or k.startswith("contact") for k in sim.events.kinds)
    assert [s.name for s in sim.subsystems] == ["orbits", "payload"]
    assert "network" not in sim.ctx.services


def test_transfer_over_a_pairs_link_finishes_at_size_over_rate(tmp_path):
    """Two satellites 1 km apart in the same orbit, one explicit link of fixed rate 10 Gbps:
    a 125 MB transfer (1 Gbit) submitted at t = 0 takes 0.1 s; two at once share it fairly."""
    cons = [{"elements": [{"altitude_km": 650, "inclination_deg": 98, "mean_anomaly_deg": 0.0},
                          {"altitude_km": 650, "inclination_deg": 98, "mean_anomaly_deg": 0.0085}]}]
    net = {"crosslinks": {"topology": "pairs", "pairs": [[0, 1]], "rate": {"max_gbps": 10, "ref_gbps": 10},
                          "start_up": True}}
    sim = Simulation(_scenario(net, constellation=cons, duration="60s"))
    done = []

    def submit(env):
        yield env.timeout(1.0)
        sim.subsystem("network").submit_transfer(0, 1, 125e6, on_done=done.append)
        sim.subsystem("network").submit_transfer(1, 0, 125e6, on_done=done.append)   # other direction: own capacity
        sim.subsystem("network").submit_transfer(0, 1, 125e6, on_done=done.append)

    sim.env.process(submit(sim.env))
    result = sim.run(tmp_path / "t.h5")
    times = sorted(tr.done_t_s for tr in done)
    np.testing.assert_allclose(times, [1.1, 1.2, 1.2], rtol=1e-9)
    assert result.summary["network.bytes_moved"][0] == pytest.approx(375e6)
    assert result.summary["network.transfers_done"][0] == 3


def test_grid_links_acquire_fail_and_reroute(tmp_path):
    """+Grid on a small Walker shell with MTBF failures: links go down and come back after an
    acquisition, and a transfer across the shell still completes (re-routed)."""
    net = {"crosslinks": {"topology": "grid", "mtbf_h": 0.5, "acquisition": {"distribution": "uniform",
                                                                             "min_s": 5, "max_s": 20}}}
    shell = [{"walker": {"altitude_km": 550, "inclination_deg": 53, "planes": 6, "sats_per_plane": 12,
                         "phasing": 1}}]
    sim = Simulation(_scenario(net, constellation=shell, duration="2h"))
    got = _collect(sim, "link_up", "link_down", "link_acquiring")
    done = []
    sim.env.process(_submit_later(sim, done))
    result = sim.run(tmp_path / "g.h5")
    downs = np.concatenate(got["link_down"])
    assert np.any(downs[:, 3] == 1)              # failures happened
    assert np.any(downs[:, 3] == 0)              # and geometry losses (cross-plane range/LOS)
    ups = np.concatenate(got["link_up"])
    acq = ups[ups[:, 0] > 0, 3]
    assert acq.size and np.all((acq >= 5) & (acq <= 20))
    assert len(done) == 1
    s = result.summary
    assert 0.5 < s["network.link_availability"][0] < 1.0
    assert s["network.acquisitions_per_satellite_day"][0] > 0
    assert np.isfinite(s["network.path_latency_p95_ms"][0])


def _submit_later(sim, done):
    yield sim.env.timeout(600.0)
    sim.subsystem("network").submit_transfer(0, 17, 5e12, on_done=done.append)  # 40 Tbit at 100 Gbps ≈ 400 s


def test_suncatcher_mesh_config_runs_with_dwdm(tmp_path):
    """The Suncatcher-like cluster: nearest-neighbour mesh within 1 km at DWDM rates."""
    from sim.config import load_scenario
    path = Path(__file__).resolve().parents[1] / "configs" / "suncatcher_mesh.yaml"
    scenario = load_scenario(path, until="10m")
    sim = Simulation(scenario)
    result = sim.run(tmp_path / "s.h5")
    net = sim.subsystem("network")
    assert result.summary["network.candidate_links"][0] > 81
    up = net.link_state == 2
    assert up.sum() > 81 and np.all(net.link_rate_bps[up] == 1.6e12)


def test_bad_network_config_names_the_field():
    with pytest.raises(ConfigError) as err:
        _scenario({"crosslinks": {"topology": "pairs"}})
    assert "network.crosslinks" in str(err.value)
    with pytest.raises(ConfigError) as err:
        _scenario({"crosslinks": {"max_rnage_km": 10}})
    assert "max_rnage_km" in str(err.value)


@pytest.mark.skipif(not (SHARED_DATA / "ground_stations").exists(), reason="../shared/data is absent")
def test_station_files_load():
    from sim.network.config import GroundStations
    from sim.network.stations import build_stations
    xml = build_stations(GroundStations(file=str(SHARED_DATA / "ground_stations" / "starperf_starlink_gateways.xml")),
                         Path)
    assert xml.n == 261 and np.all(np.abs(xml.lat_deg) <= 90)
    gj = build_stations(GroundStations(file=str(SHARED_DATA / "ground_stations" / "brahe" / "ksat.json"),
                                       defaults={"kind": "optical", "clear_sky_probability": 0.6}), Path)
    assert gj.n > 5 and gj.names[0] == "KSAT Prudhoe Bay" and np.all(gj.kind == 1)


# ---------------------------------------------------------------- routing (A*) against scipy Dijkstra

def _routed_sim(duration="10m"):
    shell = [{"walker": {"altitude_km": 550, "inclination_deg": 53, "planes": 8, "sats_per_plane": 10,
                         "phasing": 1}}]
    stations = [{"name": "A", "lat_deg": 40.0, "lon_deg": -100.0, "min_elevation_deg": 10},
                {"name": "B", "lat_deg": 45.0, "lon_deg": 10.0, "min_elevation_deg": 10},
                {"name": "C", "lat_deg": -30.0, "lon_deg": 140.0, "min_elevation_deg": 10}]
    sim = Simulation(_scenario({"crosslinks": {"topology": "grid"}, "ground_stations": {"stations": stations}},
                               constellation=shell, duration=duration))
    sim.subsystem("network").start()
    return sim


def test_astar_routes_equal_scipy_dijkstra_with_links_down():
    """Independent reference: scipy.sparse.csgraph.dijkstra over the full graph (Network.build_graph,
    stations as separate sender/receiver nodes). With a third of the crosslinks down, the A* kernel
    gives the same latency for every satellite pair and every station pair, and its paths are valid."""
    from scipy.sparse.csgraph import dijkstra
    sim = _routed_sim()
    net = sim.subsystem("network")
    rng = np.random.default_rng(1)
    net.link_state[rng.random(net.link_state.size) < 0.33] = 0
    net._link_weight_s = None
    graph = net.build_graph()
    dist = dijkstra(graph.matrix, directed=True)
    n, G = net.n, net.stations.n
    pairs = [(s, d) for s in range(n) for d in range(0, n, 7)]
    pairs += [(n + g, n + G + h) for g in range(G) for h in range(G) if g != h]
    pairs += [(n + g, d) for g in range(G) for d in range(0, n, 11)] + [(s, n + G + g) for g in range(G)
                                                                       for s in range(0, n, 13)]
    reachable = 0
    for s, d in pairs:
        latency, path, _ = net._route(s, d)
        if not np.isfinite(dist[s, d]):
            assert path is None
            continue
        reachable += 1
        assert latency == pytest.approx(dist[s, d], rel=1e-9, abs=1e-15)
        assert net._path_intact(path) and path[0] == s and path[-1] == d
        hops = graph.matrix[path[:-1], path[1:]]
        assert np.sum(hops) == pytest.approx(latency, rel=1e-9)
    assert reachable > 0.5 * len(pairs)


def test_only_the_transfer_whose_route_breaks_is_rerouted():
    """Two transfers on disjoint routes; a link on the first one's route fails: the first is
    re-routed (new route = scipy Dijkstra shortest path on the new graph), the second keeps its
    route object untouched (not recomputed)."""
    from scipy.sparse.csgraph import dijkstra
    sim = _routed_sim()
    net = sim.subsystem("network")
    t0 = net.submit_transfer(0, 45, 1e15)
    net._reroute()
    off_route = [d for d in range(net.n) if d not in set(t0.path)]
    t1 = net.submit_transfer(off_route[0], off_route[1], 1e15)
    net._reroute()
    assert set(t0.path).isdisjoint(t1.path)
    path1_before, routed1 = t1.path, t1.routed_t_s
    a, b = sorted(t0.path[:2])
    j = int(np.searchsorted(net.link_keys, a * net.n + b))
    net.link_state[j] = 0
    net._topology_changed(lost=True)
    net._reroute()
    assert t1.path is path1_before and t1.routed_t_s == routed1
    assert net._path_intact(t0.path) and not {(a, b)} & set(zip(t0.path[:-1], t0.path[1:]))
    dist = dijkstra(net.build_graph().matrix, directed=True, indices=[0])
    assert t0.latency_s == pytest.approx(dist[0, 45], rel=1e-9)
