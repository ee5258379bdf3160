"""Network cost against the physics tick at N = 10,000 with +Grid.

A Walker 53° shell at 550 km, 100 planes × 100 (+Grid: 20,000 candidate links) with the
crosslink settings of configs/starlink_isl.yaml (slew limit 1°/s, acquisition 2–30 s, MTBF
2,000 h) and 50 transfers between random satellites that last the whole run. The SimPy
environment is driven tick by tick exactly as the simulation clock does; inside each tick the
physics tick is timed on its own, and everything else (crosslink kernel, crossings, link
events, acquisitions, re-routes, flow allocation) is the network's cost. Ratios network /
physics are printed for
  - default routing: re-route only new transfers and routes that lost a hop; latency and
    rate refresh every routing.every_s = 60 s;
  - routing.reoptimize_s = 600 s: also re-compute every intact route once it is 10 min old;
  - worst case: every route re-computed every tick;
and one full re-route of the 50 transfers by the A* kernel against the first slice's method
(graph rebuild + scipy Dijkstra from the 50 sources), measured in the same run.

Demand load (scheduled `network.transfers`, second fixture): the same shell plus 12 ground
stations (contacts come and go every tick) and 150 demands submitted by the subsystem's own
process: 100 satellite → satellite (5–50 GB every 1–5 min), 40 satellite → station, 10
station → station, on top of the 50 long transfers. Ratio network / physics with the
link → transfers index, and without it (every route checked on every link or contact loss:
the previous behaviour) in the same run.
Routes are reused per (src, dst) while intact (Network._route_for); the demand report prints
searches against reuses. Each case also prints its cost per part (crosslink kernel, contact kernel, A* route searches,
flow allocations: ms per tick and calls per tick) from one extra run with timers.
Run with ``pytest benchmarks/bench_network.py --benchmark-only -s``.
"""
from __future__ import annotations

import time

import numpy as np
import pytest

from sim.config import scenario_from_dict
from sim.core.simulation import Simulation

N_TICKS = 60          # 10 minutes at dt = 10 s: ten refreshes of routing.every_s
DT_S = 10.0
RESULTS: dict[str, tuple[float, float]] = {}
PARTS: dict[str, dict[str, tuple[float, int]]] = {}   # per case: part → (seconds, calls) over N_TICKS


@pytest.fixture(scope="module")
def sim():
    scenario = scenario_from_dict({
        "name": "bench_network", "epoch": "2026-03-20T00:00:00Z", "duration": "1d", "dt_s": DT_S,
        "constellation": [{"walker": {"altitude_km": 550, "inclination_deg": 53, "planes": 100,
                                      "sats_per_plane": 100, "phasing": 1}}],
        "network": {"crosslinks": {"topology": "grid", "max_slew_rate_deg_s": 1.0, "mtbf_h": 2000,
                                   "acquisition": {"distribution": "uniform", "min_s": 2, "max_s": 30}}},
    })
    sim = Simulation(scenario)
    net = sim.network
    net.start()
    rng = np.random.default_rng(0)
    for a, b in rng.integers(0, sim.fleet.n, size=(50, 2)):
        net.submit_transfer(int(a), int(b), 1e18)
    sim.clock_s = 0.0
    _drive(sim, 3)  # warm up (numba compilation, caches)
    return sim


STATIONS = [("London", 51.5, -0.13), ("New York", 40.7, -74.0), ("Tokyo", 35.7, 139.7),
            ("Sydney", -33.9, 151.2), ("Sao Paulo", -23.5, -46.6), ("Johannesburg", -26.2, 28.0),
            ("Mumbai", 19.1, 72.9), ("Singapore", 1.35, 103.8), ("Los Angeles", 34.0, -118.2),
            ("Frankfurt", 50.1, 8.7), ("Santiago", -33.4, -70.6), ("Anchorage", 61.2, -149.9)]


def _demands(n_sats: int) -> list[dict]:
    rng = np.random.default_rng(7)
    names = [name for name, _, _ in STATIONS]
    out = []

    def add(src, dst):
        out.append({"src": src, "dst": dst, "size_gb": float(rng.uniform(5, 50)),
                    "start": float(rng.uniform(0, 60)), "every": float(rng.choice([60, 120, 180, 300]))})

    for a, b in rng.choice(n_sats, size=(100, 2), replace=False):
        add(int(a), int(b))
    for a in rng.choice(n_sats, size=40, replace=False):
        add(int(a), names[int(rng.integers(len(names)))])
    for k in range(10):
        add(names[k], names[(k + 5) % len(names)])
    return out


@pytest.fixture(scope="module")
def demand_sim():
    stations = [{"name": n, "lat_deg": lat, "lon_deg": lon, "min_elevation_deg": 25, "rate_gbps": 20,
                 "antennas": 8} for n, lat, lon in STATIONS]
    scenario = scenario_from_dict({
        "name": "bench_network_demands", "epoch": "2026-03-20T00:00:00Z", "duration": "1d", "dt_s": DT_S,
        "constellation": [{"walker": {"altitude_km": 550, "inclination_deg": 53, "planes": 100,
                                      "sats_per_plane": 100, "phasing": 1}}],
        "network": {"crosslinks": {"topology": "grid", "max_slew_rate_deg_s": 1.0, "mtbf_h": 2000,
                                   "acquisition": {"distribution": "uniform", "min_s": 2, "max_s": 30}},
                    "ground_stations": {"stations": stations},
                    "transfers": _demands(10_000)},
    })
    sim = Simulation(scenario)
    net = sim.network
    net.start()
    rng = np.random.default_rng(0)
    for a, b in rng.integers(0, sim.fleet.n, size=(50, 2)):
        net.submit_transfer(int(a), int(b), 1e18)
    sim.clock_s = 0.0
    _drive(sim, 3)
    return sim


def _drive(sim, n_ticks: int) -> tuple[float, float]:
    """Advance n_ticks as the simulation clock does; (physics seconds, network seconds)."""
    env, physics, net = sim.env, sim.subsystems[0], sim.network
    spent = {"physics": 0.0}

    def clock():
        for _ in range(n_ticks):
            sim.clock_s += DT_S
            yield env.timeout(sim.clock_s - env.now)
            t0 = time.perf_counter()
            physics.tick(sim.clock_s, DT_S)
            spent["physics"] += time.perf_counter() - t0
            net.tick(sim.clock_s, DT_S)

    env.process(clock())
    t0 = time.perf_counter()
    env.run(until=sim.clock_s + n_ticks * DT_S + 0.5 * DT_S)
    total = time.perf_counter() - t0
    return spent["physics"], total - spent["physics"]


class _Parts:
    """Times the network's parts on one subsystem instance (instance attributes shadow the
    methods; removed by `close`): the per-tick kernels (crosslinks, contacts: geometry and
    crossings in one pass each), A* route searches and flow allocations, with call counts."""

    def __init__(self, net):
        import types
        self.net, self.seconds, self.calls = net, {}, {}
        kernels = types.SimpleNamespace(**{k: getattr(net._links, k) for k in dir(net._links) if not k.startswith("__")})
        for name in ("isl_tick", "isl_tick_range", "ground_tick", "ground_tick_range"):
            part = "crosslink kernel" if name.startswith("isl") else "contact kernel"
            setattr(kernels, name, self._timed(part, getattr(net._links, name)))
        self._kernels, net._links = net._links, kernels
        net._route = self._timed("A* routes", net._route)
        net._reallocate = self._timed("flow allocations", net._reallocate)

    def _timed(self, part, fn):
        def timed(*args, **kwargs):
            t0 = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                self.seconds[part] = self.seconds.get(part, 0.0) + time.perf_counter() - t0
                self.calls[part] = self.calls.get(part, 0) + 1
        return timed

    def close(self):
        self.net._links = self._kernels
        del self.net._route, self.net._reallocate


def _parts_line(parts: dict, n_ticks: int) -> str:
    return "; ".join(f"{k} {s / n_ticks * 1e3:.3f} ms ({c / n_ticks:.1f} calls)" for k, (s, c) in parts.items())


def _measure(benchmark, sim, key: str, every_s: float, reoptimize_s: float | None):
    routing = sim.network.config.routing
    routing.every_s, routing.reoptimize_s = every_s, reoptimize_s
    phys, net = [], []

    def run():
        p, n = _drive(sim, N_TICKS)
        phys.append(p / N_TICKS)
        net.append(n / N_TICKS)

    try:
        benchmark.pedantic(run, rounds=3, iterations=1)
        parts = _Parts(sim.network)  # one more run with the parts timed (timers add a little)
        try:
            _drive(sim, N_TICKS)
        finally:
            parts.close()
    finally:
        routing.every_s, routing.reoptimize_s = 60.0, None
    RESULTS[key] = (float(np.mean(phys)), float(np.mean(net)))
    PARTS[key] = {k: (parts.seconds[k], parts.calls[k]) for k in parts.seconds}


def test_default_routing(benchmark, sim):
    _measure(benchmark, sim, "default", 60.0, None)


def test_reoptimize_every_10_min(benchmark, sim):
    _measure(benchmark, sim, "reoptimize_600", 60.0, 600.0)


def test_worst_case_reroute_every_tick(benchmark, sim):
    _measure(benchmark, sim, "every_tick", DT_S, 1e-9)


def _measure_demands(benchmark, sim, key: str, index_links: bool):
    net = sim.network
    net.index_links = index_links
    phys, cost, checks = [], [], [0]
    intact = type(net)._path_intact

    def counted(path):
        checks[0] += 1
        return intact(net, path)

    net._path_intact = counted

    def run():
        p, n = _drive(sim, N_TICKS)
        phys.append(p / N_TICKS)
        cost.append(n / N_TICKS)

    try:
        benchmark.pedantic(run, rounds=3, iterations=1)
        n_checks = checks[0]
        parts = _Parts(net)
        try:
            _drive(sim, N_TICKS)
        finally:
            parts.close()
    finally:
        net.index_links = True
        del net._path_intact
    PARTS[key] = {k: (parts.seconds[k], parts.calls[k]) for k in parts.seconds}
    RESULTS[key] = (float(np.mean(phys)), float(np.mean(cost)))
    RESULTS[key + "_checks"] = (n_checks / (3 * N_TICKS), 0.0)


def test_demand_load_indexed(benchmark, demand_sim):
    _measure_demands(benchmark, demand_sim, "demands_indexed", True)


def test_demand_load_full_check(benchmark, demand_sim):
    _measure_demands(benchmark, demand_sim, "demands_full", False)
    _report_demands(demand_sim)


def _report_demands(sim):
    print()
    net = sim.network
    for key, label in (("demands_indexed", "demand load, link → transfers index"),
                       ("demands_full", "demand load, every route checked per loss")):
        if key in RESULTS:
            p, n = RESULTS[key]
            print(f"{label:45s} physics {p * 1e3:7.3f} ms/tick  network {n * 1e3:7.3f} ms/tick  "
                  f"ratio {n / p:.2f}  route checks/tick {RESULTS[key + '_checks'][0]:.1f}")
            print(f"    per tick: {_parts_line(PARTS[key], N_TICKS)}")
    print(f"demand load: {net.transfers_submitted} submitted, {net.transfers_done} done, {len(net.transfers)} active, "
          f"{net.bytes_moved / 1e12:.1f} TB moved, contacts {net.contacts}; routes searched {net.route_searches}, "
          f"reused {net.route_reuses}")


def test_one_full_reroute_astar_vs_dijkstra(benchmark, sim):
    from sim.network.routing import shortest_paths
    net = sim.network

    def astar():
        for tr in net.transfers:
            tr.routed_t_s = -np.inf  # every route is stale: all 50 searched again
        for route in list(net._routes.values()):
            net._evict(route)
        net._route_full = True
        net._reroute()

    def dijkstra():
        graph = net.build_graph()
        shortest_paths(graph, sorted({tr.src for tr in net.transfers}))

    saved = net.config.routing.reoptimize_s
    net.config.routing.reoptimize_s = 1e-9
    try:
        for fn in (astar, dijkstra):
            fn()
        t = {}
        for name, fn in (("astar", astar), ("dijkstra", dijkstra)):
            samples = []
            for _ in range(5):
                t0 = time.perf_counter()
                fn()
                samples.append(time.perf_counter() - t0)
            t[name] = min(samples)
        benchmark.pedantic(astar, rounds=5, iterations=1)
    finally:
        net.config.routing.reoptimize_s = saved
    RESULTS["reroute"] = (t["astar"], t["dijkstra"])
    _report(sim)


def _report(sim):
    print()
    for key, label in (("default", "default (broken routes only, refresh 60 s)"),
                       ("reoptimize_600", "reoptimize_s = 600 s"),
                       ("every_tick", "worst case: all 50 re-routed every tick")):
        if key in RESULTS:
            p, n = RESULTS[key]
            print(f"{label:45s} physics {p * 1e3:7.3f} ms/tick  network {n * 1e3:7.3f} ms/tick  "
                  f"ratio {n / p:.2f}")
            print(f"    per tick: {_parts_line(PARTS[key], N_TICKS)}")
    if "reroute" in RESULTS:
        a, d = RESULTS["reroute"]
        print(f"one full re-route of 50 transfers: A* {a * 1e3:.2f} ms (route + allocation); first slice's graph "
              f"build + scipy Dijkstra from 50 sources {d * 1e3:.2f} ms (paths only): {d / a:.1f}x")
    net = sim.network
    print(f"links up {int((net.link_state == 2).sum())} of {net.link_keys.size}; acquisitions {net.acquisitions}, "
          f"failures {net.failures}; A* queries {net._router.queries if net._router else 0}")
