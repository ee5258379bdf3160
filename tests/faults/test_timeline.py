"""The fault timeline: reproducible, Poisson counts and duration laws against their closed forms."""
from pathlib import Path

import numpy as np
import pytest

from sim.config import load_scenario, scenario_from_dict
from sim.core.constants import SECONDS_PER_HOUR, SECONDS_PER_JULIAN_YEAR
from sim.faults.targets import Units, resolve_units
from sim.faults.timeline import build_timeline, down_hours

SMALL = Path(__file__).with_name("small.yaml")
YEARS = 1000.0
HORIZON_S = YEARS * SECONDS_PER_JULIAN_YEAR


def _timeline(scenario, horizon_s=None, seed=None):
    cfg = scenario.faults
    units = [resolve_units(f, scenario) for _, f in cfg.entries()]
    from sim.network.stations import build_stations
    stations = build_stations(scenario.network.ground_stations, scenario.resolve_path)
    return build_timeline(cfg, scenario.epoch, scenario.seed if seed is None else seed,
                          horizon_s or scenario.duration, units, stations)


def _random_only(random, n_sats=32):
    return scenario_from_dict({
        "epoch": "2026-03-20T00:00:00Z", "duration": "1h", "seed": 7,
        "constellation": [{"walker": {"altitude_km": 550, "inclination_deg": 53, "planes": 4,
                                      "sats_per_plane": n_sats // 4, "phasing": 1}}],
        "network": {"crosslinks": {"topology": "grid", "max_terminals": 4},
                    "ground_stations": {"file": "data:ground_stations/brahe_ksat.json"}},
        "faults": {"random": random}})


def test_timeline_is_reproducible_for_a_seed_and_differs_for_another():
    """A consistency check: the same seed draws the same timeline; another seed another."""
    scenario = load_scenario(SMALL)
    a, b = _timeline(scenario, 30 * 86400.0), _timeline(scenario, 30 * 86400.0)
    assert a.size > 20 and np.array_equal(a, b)
    c = _timeline(scenario, 30 * 86400.0, seed=scenario.seed + 1)
    assert not np.array_equal(a, c)
    assert np.all(np.diff(a["start_s"]) >= 0)


def test_entries_draw_from_their_own_streams():
    """Adding a random fault leaves the draws of the others as they were (a consistency check)."""
    one = {"kind": "terminal_failure", "target": {"satellites": "all"}, "mtbf_h": 1e5,
           "duration": {"distribution": "fixed", "value_s": 600}}
    two = {"kind": "station_outage", "target": {"operator": "KSAT"}, "rate_per_year": 50,
           "duration": {"distribution": "exponential", "mean_s": 3600}}
    alone = _timeline(_random_only([one]), HORIZON_S / 100)
    both = _timeline(_random_only([one, two]), HORIZON_S / 100)
    kept = both[both["entry"] == 0]
    for name in ("start_s", "end_s", "sat", "target"):
        assert np.array_equal(alone[name], kept[name])


@pytest.mark.parametrize("per_unit", [False, True], ids=["rate_per_year", "mtbf_h"])
def test_random_fault_counts_match_the_poisson_expectation(per_unit):
    """Counts of a Poisson process over 1,000 years against the closed form E[N] = λT, Var[N] = λT;
    the tolerance is 4 standard deviations (fixed seed). rate_per_year: 20 a year for the whole
    target (each fault holds all 36 KSAT stations); mtbf_h 87,660 h (0.1 a year) per terminal of
    32 × 4 terminals: λT = 12,800."""
    if per_unit:
        fault = {"kind": "terminal_failure", "target": {"satellites": "all"}, "mtbf_h": 87660.0,
                 "duration": {"distribution": "fixed", "value_s": 60}}
        expected = 128 * YEARS * SECONDS_PER_JULIAN_YEAR / (87660.0 * SECONDS_PER_HOUR)
    else:
        fault = {"kind": "station_outage", "target": {"operator": "KSAT"}, "rate_per_year": 20.0,
                 "duration": {"distribution": "fixed", "value_s": 60}}
        expected = 20.0 * YEARS
    rows = _timeline(_random_only([fault]), HORIZON_S)
    faults = np.unique(rows["fault"]).size
    assert abs(faults - expected) < 4.0 * np.sqrt(expected)
    per_fault = 1 if per_unit else 36
    assert rows.size == faults * per_fault
    if per_unit:  # each unit its own process: the counts per terminal are Poisson(λT / 128) too
        counts = np.bincount(rows["sat"] * 4 + rows["target"], minlength=128)
        assert abs(counts.var(ddof=1) / counts.mean() - 1.0) < 4.0 * np.sqrt(2.0 / 127)


@pytest.mark.parametrize("spec,median_s,mean_s", [
    ({"distribution": "exponential", "mean_s": 3600}, 3600 * np.log(2.0), 3600.0),
    ({"distribution": "lognormal", "median_s": 3600, "sigma": 0.8}, 3600.0, 3600 * np.exp(0.32)),
])
def test_outage_durations_follow_their_law(spec, median_s, mean_s):
    """Sample median and mean of 20,000 drawn durations against the closed forms (exponential:
    median = mean·ln 2; lognormal: median = e^μ, mean = e^(μ+σ²/2)); 3 % tolerance (≈ 4 standard errors)."""
    fault = {"kind": "station_outage", "target": {"station": "KSAT Svalbard"}, "rate_per_year": 20.0,
             "duration": spec}
    scenario = _random_only([fault])
    names = [n for n in _station_names(scenario) if "Svalbard" in n]
    fault["target"] = {"station": names[0]}
    rows = _timeline(_random_only([fault]), HORIZON_S)
    d = rows["end_s"] - rows["start_s"]
    assert d.size == pytest.approx(20_000, rel=0.03)
    assert np.median(d) == pytest.approx(median_s, rel=0.03)
    assert d.mean() == pytest.approx(mean_s, rel=0.03)


def _station_names(scenario):
    from sim.network.stations import build_stations
    return build_stations(scenario.network.ground_stations, scenario.resolve_path).names


def test_cloud_front_holds_the_optical_stations_near_its_centre():
    """Each cloud front holds its centre station and only optical stations within radius_km of it
    (a consistency check of the model in docs/models.md)."""
    from sim.faults.targets import great_circle_km
    from sim.network.stations import build_stations
    scenario = load_scenario(SMALL)
    stations = build_stations(scenario.network.ground_stations, scenario.resolve_path)
    rows = _timeline(scenario, 30 * 86400.0)
    fronts = rows[rows["kind"] == 2]
    assert np.unique(fronts["fault"]).size > 5
    for f in np.unique(fronts["fault"]):
        g = fronts["target"][fronts["fault"] == f]
        d = great_circle_km(stations.lat_deg[g[0]], stations.lon_deg[g[0]], stations.lat_deg, stations.lon_deg)
        near = np.flatnonzero(d <= 1000.0)
        centre_fits = [np.array_equal(np.sort(g), np.flatnonzero(
            great_circle_km(stations.lat_deg[c], stations.lon_deg[c], stations.lat_deg, stations.lon_deg) <= 1000.0))
            for c in g]
        assert any(centre_fits) and near.size >= 1


def test_down_hours_merge_overlaps():
    """Unit-hours down against a hand count: [0, 2 h) ∪ [1 h, 3 h) on one unit is 3 h; a second unit
    [5 h, 7 h) clipped at the 6 h horizon is 1 h."""
    from sim.faults.timeline import TIMELINE_DTYPE
    rows = np.zeros(3, TIMELINE_DTYPE)
    rows["start_s"], rows["end_s"] = [0.0, 3600.0, 18000.0], [7200.0, 10800.0, 25200.0]
    rows["sat"], rows["target"] = -1, [0, 0, 1]
    assert down_hours(rows, 6 * 3600.0) == pytest.approx(4.0)
    assert isinstance(Units(np.zeros(0), np.zeros(0)).size, int)
