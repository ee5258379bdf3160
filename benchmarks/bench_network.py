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
Routes are reused per (src, dst) while intact (sim.network.routes.Routes.route_for); the
demand report prints searches against reuses. Each case also prints its cost per part
(crosslink kernel, contact kernel, A* route searches, flow allocations: ms per tick and calls
per tick) from one extra run with timers. The references (every route checked per loss, graph
build + scipy Dijkstra) are those of the tests, tests/network/reference.py.
Run with ``pytest benchmarks/bench_network.py -q -s -o python_files='bench_*.py'``.
"""
from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np
import pytest

from sim.config import scenario_from_dict
from sim.core.simulation import Simulation
from sim.core.subsystem import Block
from sim.network.links import UP

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tests.network.reference import check_every_route, network_graph, shortest_paths  # noqa: E402

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
    return _started(Simulation(scenario))


def _started(sim):
    """Every subsystem started, 50 long transfers submitted, three ticks driven (numba
    compilation, caches)."""
    for sub in sim.subsystems:
        sub.start()
    net = sim.subsystem("network")
    rng = np.random.default_rng(0)
    for a, b in rng.integers(0, sim.fleet.n, size=(50, 2)):
        net.submit_transfer(int(a), int(b), 1e18)
    _drive(sim, 3)
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
    return _started(Simulation(scenario))


def _drive(sim, n_ticks: int) -> tuple[float, float]:
    """Advance n_ticks as the simulation clock does (sim.core.simulation.Simulation._clock: one
    Block of one tick per step, every subsystem in order); (physics seconds, network seconds).
    Physics is the orbits and payload advance; everything else the SimPy environment runs (the
    network's advance, its timeouts and re-routes) is the network's."""
    env, clock = sim.env, sim.clock
    physics = [sub for sub in sim.subsystems if sub.name in ("orbits", "payload")]
    net = sim.subsystem("network")
    spent = {"physics": 0.0}
    first = clock.step + 1

    def run_clock():
        for step in range(first, first + n_ticks):
            yield env.timeout(clock.time_of_step(step) - env.now)
            clock.advance_to(step)
            block = Block(step, step, DT_S)
            t0 = time.perf_counter()
            for sub in physics:
                sub.advance(block)
            spent["physics"] += time.perf_counter() - t0
            net.advance(block)

    env.process(run_clock())
    t0 = time.perf_counter()
    env.run(until=clock.time_of_step(first + n_ticks - 1) + 0.5 * DT_S)
    total = time.perf_counter() - t0
    return spent["physics"], total - spent["physics"]


class _Parts:
    """Times the network's parts on one subsystem instance (instance attributes shadow the
    methods; removed by `close`): the per-tick kernels (crosslinks, contacts: geometry and
    crossings in one pass each), A* route searches and flow allocations, with call counts."""

    def __init__(self, net):
        self.seconds, self.calls = {}, {}
        self._shadowed = [(obj, name) for obj, name in ((net.links, "_kernel"), (net.contacts, "_kernel"),
                                                       (net.routes, "search"), (net.flows, "reallocate"))
                          if obj is not None]
        parts = {"_kernel": None, "search": "A* routes", "reallocate": "flow allocations"}
        for obj, name in self._shadowed:
            part = parts[name] or ("crosslink kernel" if obj is net.links else "contact kernel")
            setattr(obj, name, self._timed(part, getattr(obj, name)))

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
        for obj, name in self._shadowed:
            delattr(obj, name)


def _parts_line(parts: dict, n_ticks: int) -> str:
    return "; ".join(f"{k} {s / n_ticks * 1e3:.3f} ms ({c / n_ticks:.1f} calls)" for k, (s, c) in parts.items())


def _measure(benchmark, sim, key: str, every_s: float, reoptimize_s: float | None):
    routing = sim.subsystem("network").config.routing
    routing.every_s, routing.reoptimize_s = every_s, reoptimize_s
    phys, net = [], []

    def run():
        p, n = _drive(sim, N_TICKS)
        phys.append(p / N_TICKS)
        net.append(n / N_TICKS)

    try:
        benchmark.pedantic(run, rounds=3, iterations=1)
        parts = _Parts(sim.subsystem("network"))  # one more run with the parts timed (timers add a little)
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


def _measure_demands(benchmark, sim, key: str, every_route: bool):
    net = sim.subsystem("network")
    if every_route:
        check_every_route(net)  # the reference: every route checked on every loss
    phys, cost, checks = [], [], [0]
    intact = net.routes.intact

    def counted(path):
        checks[0] += 1
        return intact(path)

    net.routes.intact = counted

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
        del net.routes.intact
        if every_route:
            del net._elements_lost
    PARTS[key] = {k: (parts.seconds[k], parts.calls[k]) for k in parts.seconds}
    RESULTS[key] = (float(np.mean(phys)), float(np.mean(cost)))
    RESULTS[key + "_checks"] = (n_checks / (3 * N_TICKS), 0.0)


def test_demand_load_indexed(benchmark, demand_sim):
    _measure_demands(benchmark, demand_sim, "demands_indexed", False)


def test_demand_load_full_check(benchmark, demand_sim):
    _measure_demands(benchmark, demand_sim, "demands_full", True)
    _report_demands(demand_sim)


def _report_demands(sim):
    print()
    net = sim.subsystem("network")
    for key, label in (("demands_indexed", "demand load, link → transfers index"),
                       ("demands_full", "demand load, every route checked per loss")):
        if key in RESULTS:
            p, n = RESULTS[key]
            print(f"{label:45s} physics {p * 1e3:7.3f} ms/tick  network {n * 1e3:7.3f} ms/tick  "
                  f"ratio {n / p:.2f}  route checks/tick {RESULTS[key + '_checks'][0]:.1f}")
            print(f"    per tick: {_parts_line(PARTS[key], N_TICKS)}")
    flows, routes = net.flows, net.routes
    print(f"demand load: {flows.submitted} submitted, {flows.done} done, {len(flows.active)} active, "
          f"{flows.bytes_moved / 1e12:.1f} TB moved, contacts {net.contacts.contacts}; routes searched "
          f"{routes.searches}, reused {routes.reuses}")


def test_one_full_reroute_astar_vs_dijkstra(benchmark, sim):
    net = sim.subsystem("network")

    def astar():
        for tr in net.active_transfers:
            tr.routed_t_s = -np.inf  # every route is stale: all 50 searched again
        for route in list(net.routes.kept.values()):
            net.routes.evict(route)
        net._route_full = True
        net._reroute()

    def dijkstra():
        graph = network_graph(net)
        shortest_paths(graph, sorted({tr.src for tr in net.active_transfers}))

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
    links, router = sim.subsystem("network").links, sim.subsystem("network").routes.router
    print(f"links up {int((links.state == UP).sum())} of {links.keys.size}; acquisitions {links.acquisitions}, "
          f"failures {links.failures}; A* queries {router.queries if router else 0}")
