"""Satellites that re-entered (FleetState `reentered`, the lifetime subsystem's field) carry no
link or contact and are not routed through: their links go down (link_down cause 3) at the end of
the first tick the network sees the flag in, and stay infeasible."""
import numpy as np

from sim.config import scenario_from_dict
from sim.core.fleet import field_specs
from sim.core.simulation import Simulation
from sim.network.links import DOWN_REENTRY, UP
from tests.network.common import SHELL_6X12, STATIONS, collect, scenario, stacked

T_FLAG_S = 605.0   # between two ticks (dt 10 s): the network sees it in the tick ending at 610 s


def _flagged_grid():
    """+Grid 6×12, three stations, one long transfer 0 → 40; the field `reentered` allocated as
    the lifetime subsystem would, set at T_FLAG_S for a relay in the middle of the transfer's
    route."""
    net = {"crosslinks": {"topology": "grid"}, "ground_stations": {"stations": STATIONS}}
    sim = Simulation(scenario(net, SHELL_6X12, duration="30m"))
    sim.fleet.allocate(field_specs("state", {"reentered": ("i1", "1", "re-entered (test)")}), "test")
    got = collect(sim, "link_up", "link_down", "link_acquiring", "contact_start")
    seen = {}

    def flag():
        net = sim.subsystem("network")
        seen["transfer"] = tr = net.submit_transfer(0, 40, 1e16)
        yield sim.env.timeout(T_FLAG_S)
        x = int(tr.path[tr.path.size // 2])
        links = net.links
        seen["x"] = x
        seen["up"] = {(int(a), int(b)) for a, b, s in zip(links.a, links.b, links.state) if s == UP and x in (a, b)}
        sim.fleet.reentered[x] = 1

    sim.env.process(flag())
    return sim, got, seen


def test_links_of_a_reentered_satellite_go_down_and_stay_down(tmp_path):
    """Consistency check: every link of the flagged satellite that was up goes down with cause 3
    at 610 s, none of its links acquires or comes up afterwards, it has no ground contact, and
    the transfer that relayed through it is re-routed around it."""
    sim, got, seen = _flagged_grid()
    sim.run(tmp_path / "r.h5")
    got = stacked(got)
    x = seen["x"]
    assert seen["up"]
    down = got["link_down"]
    reentry = down[down[:, 3] == DOWN_REENTRY]
    assert {(int(s), int(a)) for s, a in reentry[:, 1:3]} == seen["up"]
    assert np.all(reentry[:, 0] == 610.0)
    for kind in ("link_up", "link_acquiring"):
        rows = got[kind]
        late = rows[rows[:, 0] > T_FLAG_S]
        assert not np.any((late[:, 1] == x) | (late[:, 2] == x)), kind
    starts = got["contact_start"]
    assert not np.any((starts[:, 0] > T_FLAG_S) & (starts[:, 1] == x))
    net = sim.subsystem("network")
    links = net.links
    mine = (links.a == x) | (links.b == x)
    assert np.all(links.state[mine] != UP) and np.all(links.margin[mine] == -1.0)
    assert not net.contacts.in_contact()[:, x].any() and np.all(net.contacts.margin[:, x] == -1.0)
    tr = seen["transfer"]
    assert tr.path is not None and x not in tr.path.tolist() and tr.rate_bps > 0.0


def test_lifetime_reentry_takes_the_link_down(tmp_path):
    """Consistency check with the lifetime subsystem: two satellites of one equatorial orbit 1°
    apart with the same cross-section decay alike (their link keeps its geometry) and re-enter
    at 250 km; the link between them goes down with cause 3 after the reentry events, no later
    than one station-keeping update interval (600 s) plus a tick, and never comes back."""
    data = {
        "name": "reentry_link", "epoch": "2026-03-20T00:00:00Z", "duration": "3d", "dt_s": 60, "seed": 1,
        "record": {"every_s": "1d"},
        "constellation": [{"name": "eq", "elements": [
            {"altitude_km": 300.0, "inclination_deg": 0.0, "mean_anomaly_deg": m} for m in (0.0, 1.0)],
            "solar_array": {"area_m2": 4.0, "tracking": "body"}, "radiator": {"area_m2": 1.0, "orientation": "nadir"}}],
        "lifetime": {"drag": {"density": "exponential"}, "mass_kg": 100.0, "body_area_m2": 20.0,
                     "reentry_altitude_km": 250, "station_keeping": {"enabled": False},
                     "propulsion": {"propellant_kg": 0.0}},
        "network": {"crosslinks": {"topology": "pairs", "pairs": [[0, 1]], "grazing_altitude_km": 0,
                                   "rate": {"max_gbps": 10, "ref_gbps": 10}}},
    }
    sim = Simulation(scenario_from_dict(data))
    got = collect(sim, "link_up", "link_down", "reentry")
    sim.run(tmp_path / "l.h5")
    got = stacked(got)
    assert np.all(sim.fleet.reentered == 1)
    t_reentry = got["reentry"][:, 0].max()
    down = got["link_down"]
    assert down.shape[0] == 1 and down[0, 3] == DOWN_REENTRY
    assert t_reentry <= down[0, 0] <= t_reentry + 600.0 + 60.0
    assert not np.any(got["link_up"][:, 0] > 0.0)
    assert sim.subsystem("network").links.state[0] != UP
