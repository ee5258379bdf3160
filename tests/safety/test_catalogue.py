"""Catalogue screening against a brute-force sgp4 sweep of the same catalogue."""
import numpy as np
import pytest

THRESHOLD_M = 45_000.0
DURATION_S = 1800.0
FLEET = 60

SCENARIO = f"""
name: catalogue_screen
epoch: 2020-06-28T00:00:00Z
duration: {DURATION_S:.0f}s
dt_s: 10
seed: 1
record: {{every_s: 600s}}
constellation:
  - name: starlink
    tle: {{path: "data:starperf_starlink_tle_2020-06-28.txt", limit: {FLEET}}}
safety:
  formation: null
  uncertainty: {{samples: 100}}
  catalogue: {{path: "data:starperf_starlink_tle_2020-06-28.txt", threshold_m: {THRESHOLD_M}, screen_every_s: 60s}}
"""


@pytest.fixture(scope="module")
def screened(tmp_path_factory):
    from sim.config.loading import load_scenario
    from sim.core.simulation import run
    path = tmp_path_factory.mktemp("catalogue") / "scenario.yaml"
    path.write_text(SCENARIO)
    result = run(load_scenario(path), path.with_suffix(".h5"))
    import h5py
    with h5py.File(result.path) as f:
        return f["safety/catalogue_pairs"][:], f["safety/conjunctions"][:], dict(f["summary"].attrs)


def brute_force():
    """Every (fleet satellite, catalogue object) pair's minimum distance over the run: sgp4 at a
    1 s step for every object, then each sampled minimum within reach of the threshold refined
    at a 1 ms step over ±1 s (sgp4 of the two objects)."""
    from sgp4.api import SatrecArray

    from sim.config.base import resolve_data_path
    from sim.orbits.tle import load_tle
    sats = load_tle(resolve_data_path("data:starperf_starlink_tle_2020-06-28.txt", "."))
    jd0 = 2459028.5   # 2020-06-28T00:00:00 UTC
    t = np.arange(0.0, DURATION_S + 0.5, 1.0)
    _, r_km, _ = SatrecArray(sats).sgp4(np.full(t.size, jd0), t / 86400.0)
    norad = np.array([s.satnum for s in sats])
    out = {}
    for i in range(FLEET):
        d = np.linalg.norm(r_km - r_km[i][None], axis=2) * 1e3
        k = np.nanargmin(d, axis=1)
        reach = THRESHOLD_M + 16_000.0 * 0.5 + 1_000.0
        for j in np.flatnonzero(d[np.arange(len(sats)), k] < reach):
            if norad[j] == norad[i]:
                continue
            tf = np.clip(np.arange(t[k[j]] - 1.0, t[k[j]] + 1.0005, 0.001), 0.0, DURATION_S)
            _, ri, _ = sats[i].sgp4_array(np.full(tf.size, jd0), tf / 86400.0)
            _, rj, _ = sats[j].sgp4_array(np.full(tf.size, jd0), tf / 86400.0)
            dmin = float(np.linalg.norm(ri - rj, axis=1).min() * 1e3)
            if dmin < THRESHOLD_M:
                out[(i, int(norad[j]))] = dmin
    return out


def test_screening_finds_every_pair_of_a_brute_force_sgp4_sweep(screened):
    """The pairs closer than the threshold in the run (/safety/catalogue_pairs, the k-d tree
    screen and the kernel's Hermite refinement) are exactly those of a brute-force sgp4 sweep of
    the same catalogue (issue 12 validation: every pair closer than the threshold in a brute-force
    sgp4 sweep appears, and no extra one), with the same minimum distance."""
    pairs, conj, summary = screened
    reference = brute_force()
    assert len(reference) >= 3
    found = {(int(r["sat"]), int(r["object2_norad"])): float(r["min_separation_m"]) for r in pairs}
    assert set(found) == set(reference)
    for key, d in reference.items():
        assert found[key] == pytest.approx(d, abs=1.0), key
    # conjunctions are the pairs' closest approaches inside the run, each below the threshold
    assert conj.size and (conj["miss_distance_m"] < THRESHOLD_M).all()
    assert {(int(r["object1_sat"]), int(r["object2_norad"])) for r in conj} <= set(reference)
    assert summary["safety.conjunctions"] == conj.size
