"""Scheduled transfer demands (`network.transfers:`) and the link → transfers index."""
from pathlib import Path

import h5py
import numpy as np
import pytest

from sim.config import ConfigError, scenario_from_dict
from sim.core.simulation import Simulation

# two satellites 1 km apart in the same orbit, one explicit link at a fixed 10 Gbps
PAIR = [{"elements": [{"altitude_km": 650, "inclination_deg": 98, "mean_anomaly_deg": 0.0},
                      {"altitude_km": 650, "inclination_deg": 98, "mean_anomaly_deg": 0.0085}]}]
PAIR_LINK = {"topology": "pairs", "pairs": [[0, 1]], "rate": {"max_gbps": 10, "ref_gbps": 10}}
STATIONS = [{"name": "London", "lat_deg": 51.5, "lon_deg": -0.13, "min_elevation_deg": 10},
            {"name": "New York", "lat_deg": 40.7, "lon_deg": -74.0, "min_elevation_deg": 10},
            {"name": "Sydney", "lat_deg": -33.9, "lon_deg": 151.2, "min_elevation_deg": 10}]


def _scenario(network, constellation=None, duration="300s", name="demands"):
    return scenario_from_dict({
        "name": name, "epoch": "2026-03-20T00:00:00Z", "duration": duration, "dt_s": 10, "seed": 3,
        "record": {"every_s": 60, "compression": "none"},
        "constellation": constellation or PAIR, "network": network})


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
    sim = Simulation(_scenario(net))
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
    """ring [1, 0, 2]: 1→0, 0→2, 2→1 (each to the next, the last to the first)."""
    cons = [{"elements": [{"altitude_km": 650, "inclination_deg": 98, "mean_anomaly_deg": m}
                          for m in (0.0, 0.0085, 0.017)]}]
    net = {"crosslinks": {"topology": "pairs", "pairs": [[0, 1], [1, 2], [0, 2]]},
           "transfers": [{"ring": [1, 0, 2], "size_gb": 1, "start": 20}]}
    sim = Simulation(_scenario(net, cons))
    assert [(d.src, d.dst, d.start_s, d.count) for d in sim.subsystem("network").demands] == \
        [(1, 0, 20.0, 1), (0, 2, 20.0, 1), (2, 1, 20.0, 1)]


@pytest.mark.parametrize("demand, path, message", [
    ({"src": 0, "dst": "Lodnon", "size_gb": 1}, "network.transfers.2.dst",
     "no ground station 'Lodnon' (did you mean 'London'?)"),
    ({"src": 32, "dst": "London", "size_gb": 1}, "network.transfers.2.src", "satellite index 32 outside 0..31"),
    ({"ring": [0, 5, 40], "size_gb": 1}, "network.transfers.2.ring.2", "satellite index 40 outside 0..31"),
])
def test_bad_endpoints_name_the_field_path(demand, path, message):
    net = {"crosslinks": {"topology": "grid"}, "ground_stations": {"stations": STATIONS},
           "transfers": [{"src": 0, "dst": 1, "size_gb": 1}, {"src": "London", "dst": 3, "size_gb": 1}, demand]}
    shell = [{"walker": {"altitude_km": 550, "inclination_deg": 53, "planes": 4, "sats_per_plane": 8}}]
    with pytest.raises(ConfigError) as err:
        Simulation(_scenario(net, shell, name="bad_demands"))
    assert err.value.problems == [(path, message)]
    assert str(err.value) == f"bad_demands: {path}: {message}"


def test_station_name_without_stations_and_bad_forms():
    with pytest.raises(ConfigError, match=r"network.transfers.0.dst: no ground station 'London' \(the scenario"):
        Simulation(_scenario({"crosslinks": PAIR_LINK, "transfers": [{"src": 0, "dst": "London", "size_gb": 1}]}))
    for bad in ({"src": 0, "dst": 1}, {"src": 0, "dst": 1, "size_gb": 1, "size_bytes": 5},
                {"src": 0, "dst": 0, "size_gb": 1}, {"src": 0, "dst": 1, "size_gb": 1, "count": 2},
                {"ring": "all", "src": 0, "size_gb": 1}):
        with pytest.raises(ConfigError, match="network.transfers.0"):
            _scenario({"crosslinks": PAIR_LINK, "transfers": [bad]})


def test_cli_exit_status_2_for_a_bad_station_name(tmp_path, capsys):
    from sim.cli import main
    path = tmp_path / "bad.yaml"
    path.write_text(
        "name: bad\nepoch: 2026-03-20T00:00:00Z\nduration: 60s\n"
        "constellation: [{walker: {altitude_km: 550, inclination_deg: 53, planes: 2, sats_per_plane: 4}}]\n"
        "network:\n  ground_stations: [{name: London, lat_deg: 51.5, lon_deg: 0}]\n"
        "  transfers: [{src: 0, dst: Lodnon, size_gb: 1}]\n")
    assert main(["run", str(path), "-o", str(tmp_path / "x.h5"), "--quiet"]) == 2
    assert "network.transfers.0.dst: no ground station 'Lodnon'" in capsys.readouterr().err


def test_bytes_moved_equals_completed_sizes_and_the_recorded_bytes(tmp_path):
    """Every transfer completes: bytes_moved = Σ sizes; on a single hop, Σ bytes_out over the
    recorded rows = Σ bytes_in = bytes_moved (each byte leaves one satellite, enters the other)."""
    net = {"crosslinks": PAIR_LINK, "transfers": [
        {"src": 0, "dst": 1, "size_gb": 3.0, "start": 5, "every": 45},
        {"src": 1, "dst": 0, "size_gb": 0.7, "start": 12, "every": 33},
        {"src": 0, "dst": 1, "size_gb": 1.1, "start": 7, "every": 20}]}
    sim = Simulation(_scenario(net, duration="280s"))
    done = []
    orig = sim.subsystem("network")._submit
    sim.subsystem("network")._submit = lambda *a, **k: orig(*a, on_done=done.append)
    result = sim.run(tmp_path / "b.h5")
    assert len(done) == result.summary["network.transfers_done"][0] == sim.subsystem("network").transfers_submitted
    moved = result.summary["network.bytes_moved"][0]
    assert moved == pytest.approx(sum(tr.size_bytes for tr in done), rel=1e-12)
    with h5py.File(result.path) as f:
        out, inn = np.asarray(f["timeseries/bytes_out"]), np.asarray(f["timeseries/bytes_in"])
    # the time series are stored as float32 (7 significant digits)
    assert out.sum(dtype=float) == pytest.approx(moved, rel=1e-6)
    assert inn.sum(dtype=float) == pytest.approx(moved, rel=1e-6)


# ---------------------------------------------------------------- link → transfers index

def _failing_grid(index_links: bool, duration="90m"):
    """+Grid 6×12 with MTBF 0.3 h failures, three stations, demands between satellites and
    stations every few minutes and a latency pair."""
    shell = [{"walker": {"altitude_km": 550, "inclination_deg": 53, "planes": 6, "sats_per_plane": 12,
                         "phasing": 1}}]
    net = {"crosslinks": {"topology": "grid", "mtbf_h": 0.3,
                          "acquisition": {"distribution": "uniform", "min_s": 5, "max_s": 40}},
           "ground_stations": {"stations": STATIONS, "defaults": {"rate_gbps": 5}},
           "routing": {"latency_pairs": [["London", "Sydney"]]},
           "transfers": [{"src": 0, "dst": 40, "size_gb": 600, "every": "7m"},
                         {"src": 17, "dst": "New York", "size_gb": 80, "start": 30, "every": "3m"},
                         {"src": "London", "dst": 55, "size_gb": 40, "start": 90, "every": "4m"},
                         {"ring": [3, 29, 61, 70], "size_gb": 300, "start": 200, "every": "10m"}]}
    sim = Simulation(_scenario(net, shell, duration=duration))
    sim.subsystem("network").index_links = index_links
    checks = [0]
    intact = sim.subsystem("network")._path_intact

    def counted(path):
        checks[0] += 1
        return intact(path)

    sim.subsystem("network")._path_intact = counted
    got = {}
    for name in ("link_down", "link_up", "contact_end", "transfer_done", "route_latency"):
        got[name] = []
        sim.events.subscribe(name, lambda t, sat, a, b, c, name=name: got[name].append(
            np.stack([np.broadcast_to(x, np.shape(t)).astype(float) for x in (t, sat, a, b)], axis=1)))
    return sim, got, checks


def test_link_index_gives_the_same_run_as_checking_every_route(tmp_path):
    """Reference: the same run with index_links = False (every route checked on every loss).
    Same events (link failures, contact ends, transfer completions with their times, latency
    pair updates) and the same summary; the indexed run checks far fewer routes."""
    runs = {}
    for index in (False, True):
        sim, got, checks = _failing_grid(index)
        result = sim.run(tmp_path / f"i{int(index)}.h5")
        runs[index] = ({k: np.concatenate(v) if v else np.zeros((0, 4)) for k, v in got.items()},
                       result.summary, checks[0], sim)
    (ev_full, s_full, n_full, _), (ev_idx, s_idx, n_idx, sim) = runs[False], runs[True]
    assert (ev_full["link_down"][:, 3] == 1).sum() > 10            # failures did happen
    assert ev_full["transfer_done"].shape[0] > 20
    assert ev_full["route_latency"].shape[0] > 10
    for name in ev_full:
        assert ev_idx[name].shape == ev_full[name].shape, name
        np.testing.assert_array_equal(ev_idx[name][:, 1:3], ev_full[name][:, 1:3])
        np.testing.assert_allclose(ev_idx[name][:, [0, 3]], ev_full[name][:, [0, 3]], rtol=1e-9, atol=1e-9)
    for key, (value, _) in s_full.items():
        assert s_idx[key][0] == pytest.approx(value, rel=1e-9, nan_ok=True), key
    assert n_idx < 0.5 * n_full
    # the index holds exactly the elements of the live routes
    net = sim.subsystem("network")
    expect: dict[int, set] = {}
    for tr in net.transfers:
        for e in net._elements(tr.path):
            expect.setdefault(e, set()).add(tr)
    assert net._by_element == expect
    assert net._unrouted == {tr for tr in net.transfers if tr.path is None}


def test_configs_have_demands_and_valid_endpoints():
    """The shipped scenarios resolve their demands (gateway names exist in the station file)."""
    from sim.config import load_scenario
    configs = Path(__file__).resolve().parents[1] / "configs"
    shared = Path(__file__).resolve().parents[1].parent / "shared" / "data"
    sc = load_scenario(configs / "suncatcher_mesh.yaml", until="60s")
    assert len(Simulation(sc).subsystem("network").demands) == 81
    if not (shared / "ground_stations").exists():
        pytest.skip("../shared/data is absent")
    sc = load_scenario(configs / "starlink_isl.yaml", until="60s")
    assert len(Simulation(sc).subsystem("network").demands) == 5


def test_incremental_allocation_equals_a_full_max_min_fair_allocation(tmp_path):
    """Reference: Bertsekas & Gallager §6.5.2 progressive filling over ALL routed flows at once
    (tests reference max_min_fair). Re-allocating only the component of the flows that changed
    must leave every rate equal to the global max–min fair allocation, checked after every
    re-allocation while all routes are intact (capacities do not drift here: +Grid links shorter
    than ref_range_km run at max_gbps and station rates are fixed)."""
    from sim.network.flows import max_min_fair
    sim, _, _ = _failing_grid(True, duration="60m")
    net = sim.subsystem("network")
    reallocate, checked = net._reallocate, [0]

    def check(t_s, seeds=None):
        reallocate(t_s, seeds)
        routed = [tr for tr in net.transfers if tr.path is not None]
        if len(routed) < 2 or not all(type(net)._path_intact(net, tr.path) for tr in routed):
            return
        ids, inverse = np.unique(np.concatenate([tr.resources for tr in routed]), return_inverse=True)
        bounds = np.cumsum([0] + [tr.resources.size for tr in routed])
        expect = max_min_fair(net._capacity_bps(ids), [inverse[a:b] for a, b in zip(bounds[:-1], bounds[1:])])
        np.testing.assert_allclose([tr.rate_bps for tr in routed], expect, rtol=1e-9)
        assert all(tr.rate_bps == 0.0 for tr in net.transfers if tr.path is None)
        checked[0] += 1

    net._reallocate = check
    sim.run(tmp_path / "alloc.h5")
    assert checked[0] > 20, checked[0]
