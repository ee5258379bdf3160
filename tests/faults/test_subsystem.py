"""The faults subsystem in runs: a station outage and a terminal failure against the same run
without them, the /faults/timeline table and the block-size invariance."""
from pathlib import Path

import numpy as np
import pytest

from sim.analysis.results import open_run
from sim.config import scenario_from_dict
from sim.core.simulation import Simulation
from sim.network.links import DOWN_TERMINAL
from tests.helpers import assert_block_invariant

SMALL = Path(__file__).with_name("small.yaml")
PROJECT = Path(__file__).resolve().parents[2]
T0_S, T1_S = 1200.0, 2400.0


def _scenario(faults=None):
    data = {"name": "faults_test", "epoch": "2026-03-20T00:00:00Z", "duration": "1h", "dt_s": 10, "seed": 3,
            "record": {"every_s": 600, "compression": "none", "daily": False},
            "constellation": [{"walker": {"altitude_km": 550, "inclination_deg": 53, "planes": 6,
                                          "sats_per_plane": 12, "phasing": 1}}],
            "network": {"crosslinks": {"topology": "grid", "max_terminals": 4,   # fixed: no draws to shift
                                       "acquisition": {"distribution": "fixed", "mean_s": 10}},
                        "ground_stations": {"file": "data:ground_stations/brahe_ksat.json",
                                            "defaults": {"min_elevation_deg": 0, "clear_sky_probability": 0.7}}}}
    if faults is not None:
        data["faults"] = {"scheduled": faults}
    return scenario_from_dict(data)


def _run(tmp_path, name, faults=None):
    sim = Simulation(_scenario(faults))
    run = open_run(sim.run(tmp_path / f"{name}.h5").path)
    return sim, run


def _kind(run, name):
    ev = run.events
    return ev[ev.kind_name == name][["t_s", "sat", "a", "b"]].to_numpy()


@pytest.fixture(scope="module")
def baseline(tmp_path_factory):
    return _run(tmp_path_factory.mktemp("faults"), "baseline")


def test_a_station_outage_leaves_no_usable_contact_and_nothing_else_changed(baseline, tmp_path):
    """Outside [T0, T1] the contact events are those of the run without the fault (the clear-sky
    draws do not shift); inside, the down station starts no usable contact, its usable ones end at
    T0 and those still in view with a clear sky start again at T1. Consistency checks against the
    run without the fault."""
    _, base = baseline
    names = [s["name"] for s in base.config["network"]["ground_stations"].get("stations", [])]
    assert not names
    starts = _kind(base, "contact_start")
    busiest = np.bincount(starts[:, 2].astype(int)).argmax()   # the station with the most contacts
    sim, run = _run(tmp_path, "outage", [{"kind": "station_outage", "target": {
        "station": sim_station_name(busiest)}, "at": T0_S, "duration": T1_S - T0_S}])
    for kind in ("contact_start", "contact_end"):
        a, b = _kind(base, kind), _kind(run, kind)
        outside = lambda x: x[(x[:, 0] < T0_S) | (x[:, 0] > T1_S)]  # noqa: E731
        assert np.array_equal(outside(a), outside(b)), kind
    st = _kind(run, "contact_start")
    inside = st[(st[:, 0] > T0_S) & (st[:, 0] < T1_S) & (st[:, 2] == busiest)]
    assert inside.size and np.all(inside[:, 3] == -1.0)   # started while down: not usable
    other = st[(st[:, 0] > T0_S) & (st[:, 0] < T1_S) & (st[:, 2] != busiest)]
    base_st = _kind(base, "contact_start")
    assert np.array_equal(other, base_st[(base_st[:, 0] > T0_S) & (base_st[:, 0] < T1_S) & (base_st[:, 2] != busiest)])
    tl = run.tables["faults/timeline"]
    assert list(tl["target"]) == [busiest] and tl["start_s"][0] == T0_S and tl["end_s"][0] == T1_S
    assert run.summary["faults.station_outage_down_hours"] == pytest.approx((T1_S - T0_S) / 3600.0)
    fs = _kind(run, "fault_start")
    assert fs.tolist() == [[T0_S, -1.0, 1.0, float(busiest)]]


def sim_station_name(g: int) -> str:
    from sim.network.stations import build_stations
    s = _scenario()
    return build_stations(s.network.ground_stations, s.resolve_path).names[g]


def _last_state(events: dict, pair, t_s: float) -> str | None:
    """The link event of `pair` last before t_s (link_up, link_acquiring, link_down), or None."""
    last = None
    for kind, rows in events.items():
        for r in rows:
            if (int(r[1]), int(r[2])) == pair and r[0] < t_s and (last is None or r[0] >= last[0]):
                last = (r[0], kind)
    return last[1] if last else None


def test_a_terminal_failure_takes_down_exactly_the_links_of_that_terminal(baseline, tmp_path):
    """Terminal 1 of satellite 5 serves its second candidate link (sim.network.links): that link,
    and no other, goes down at T0 with cause 4 (if it was up) and acquires no earlier than T1;
    satellite 9's whole-satellite fault takes those of its four links that were up. Every other link
    event is the baseline's (consistency checks against the run without the faults)."""
    base_sim, base = baseline
    links = next(s for s in base_sim.subsystems if s.name == "network").links
    target = np.flatnonzero((links.a == 5) | (links.b == 5))[1]
    sat9 = np.flatnonzero((links.a == 9) | (links.b == 9))
    assert sat9.size == 4
    pair = (int(links.a[target]), int(links.b[target]))
    hit = {(int(links.a[j]), int(links.b[j])) for j in [target, *sat9]}
    base_events = {k: _kind(base, k) for k in ("link_acquiring", "link_up", "link_down")}
    up_at_t0 = {p for p in hit if _last_state(base_events, p, T0_S) == "link_up"}
    assert up_at_t0, "the test needs a faulted link that is up at T0"
    _, run = _run(tmp_path, "terminal", [
        {"kind": "terminal_failure", "target": {"satellite": 5, "terminal": 1}, "at": T0_S, "duration": T1_S - T0_S},
        {"kind": "satellite_terminals", "target": {"satellite": 9}, "at": T0_S, "duration": "permanent"}])
    down = _kind(run, "link_down")
    faulted = down[down[:, 3] == DOWN_TERMINAL]
    assert {(int(s), int(o)) for _, s, o, _ in faulted} == up_at_t0 and np.all(faulted[:, 0] == T0_S)
    for kind in ("link_acquiring", "link_up", "link_down"):
        keep = lambda x: x[[(int(r[1]), int(r[2])) not in hit for r in x]]  # noqa: E731
        assert np.array_equal(keep(base_events[kind]), keep(_kind(run, kind))), kind
    for kind in ("link_acquiring", "link_up"):
        rows = _kind(run, kind)
        mine = [r[0] for r in rows if (int(r[1]), int(r[2])) == pair and r[0] >= T0_S]
        assert all(t >= T1_S for t in mine)
        assert not [r for r in rows if 9 in (int(r[1]), int(r[2])) and r[0] >= T0_S]


def test_small_config_is_block_invariant(tmp_path):
    assert_block_invariant(SMALL, "3h", tmp_path)


def test_ground_outage_is_block_invariant(tmp_path):
    """The shipped config, its outage moved into a short run."""
    assert_block_invariant(PROJECT / "configs" / "ground_outage.yaml", "20m", tmp_path,
                           sets=("faults.scheduled.0.at=5m", "faults.scheduled.0.duration=10m"))
