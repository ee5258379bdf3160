"""Scenarios and event collectors the network tests share."""
from __future__ import annotations

import numpy as np

from sim.config import scenario_from_dict
from sim.core.simulation import Simulation

SHELL_4X8 = [{"walker": {"altitude_km": 550, "inclination_deg": 53, "planes": 4, "sats_per_plane": 8,
                         "phasing": 1}}]
SHELL_6X12 = [{"walker": {"altitude_km": 550, "inclination_deg": 53, "planes": 6, "sats_per_plane": 12,
                          "phasing": 1}}]
# two satellites 1 km apart in the same orbit, one explicit link at a fixed 10 Gbps
PAIR = [{"elements": [{"altitude_km": 650, "inclination_deg": 98, "mean_anomaly_deg": 0.0},
                      {"altitude_km": 650, "inclination_deg": 98, "mean_anomaly_deg": 0.0085}]}]
PAIR_LINK = {"topology": "pairs", "pairs": [[0, 1]], "rate": {"max_gbps": 10, "ref_gbps": 10}}
STATIONS = [{"name": "London", "lat_deg": 51.5, "lon_deg": -0.13, "min_elevation_deg": 10},
            {"name": "New York", "lat_deg": 40.7, "lon_deg": -74.0, "min_elevation_deg": 10},
            {"name": "Sydney", "lat_deg": -33.9, "lon_deg": 151.2, "min_elevation_deg": 10}]


def scenario_data(network, constellation=None, duration="6h", dt_s=10, name="net") -> dict:
    data = {"name": name, "epoch": "2026-03-20T00:00:00Z", "duration": duration, "dt_s": dt_s, "seed": 3,
            "record": {"every_s": 60, "compression": "none"}, "constellation": constellation or SHELL_4X8}
    if network is not None:
        data["network"] = network
    return data


def scenario(network, constellation=None, duration="6h", dt_s=10, name="net", base_dir=None):
    return scenario_from_dict(scenario_data(network, constellation, duration, dt_s, name), base_dir=base_dir)


def collect(sim, *names) -> dict[str, list]:
    """Rows (t, sat, a, b) of each event kind, appended as the run emits them."""
    got = {name: [] for name in names}
    for name in names:
        sim.events.subscribe(name, lambda t, sat, a, b, c, name=name: got[name].append(
            np.stack([np.broadcast_to(x, np.shape(t)).astype(float) for x in (t, sat, a, b)], axis=1)))
    return got


def stacked(got: dict[str, list]) -> dict[str, np.ndarray]:
    return {k: np.concatenate(v) if v else np.zeros((0, 4)) for k, v in got.items()}


def routed_sim(duration="10m"):
    """+Grid 8×10 and three stations, started (geometry and contacts at the epoch)."""
    shell = [{"walker": {"altitude_km": 550, "inclination_deg": 53, "planes": 8, "sats_per_plane": 10,
                         "phasing": 1}}]
    stations = [{"name": "A", "lat_deg": 40.0, "lon_deg": -100.0, "min_elevation_deg": 10},
                {"name": "B", "lat_deg": 45.0, "lon_deg": 10.0, "min_elevation_deg": 10},
                {"name": "C", "lat_deg": -30.0, "lon_deg": 140.0, "min_elevation_deg": 10}]
    sim = Simulation(scenario({"crosslinks": {"topology": "grid"}, "ground_stations": {"stations": stations}},
                              constellation=shell, duration=duration))
    sim.subsystem("network").start()
    return sim


def failing_grid(duration="90m"):
    """+Grid 6×12 with MTBF 0.3 h failures, three stations, demands between satellites and
    stations every few minutes and a latency pair."""
    net = {"crosslinks": {"topology": "grid", "mtbf_h": 0.3,
                          "acquisition": {"distribution": "uniform", "min_s": 5, "max_s": 40}},
           "ground_stations": {"stations": STATIONS, "defaults": {"rate_gbps": 5}},
           "routing": {"latency_pairs": [["London", "Sydney"]]},
           "transfers": [{"src": 0, "dst": 40, "size_gb": 600, "every": "7m"},
                         {"src": 17, "dst": "New York", "size_gb": 80, "start": 30, "every": "3m"},
                         {"src": "London", "dst": 55, "size_gb": 40, "start": 90, "every": "4m"},
                         {"ring": [3, 29, 61, 70], "size_gb": 300, "start": 200, "every": "10m"}]}
    return Simulation(scenario(net, SHELL_6X12, duration=duration, name="demands"))
