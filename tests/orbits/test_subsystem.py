"""The orbits subsystem: a TLE shell from a file shipped with odcsim loads and runs, its
satellites where python-sgp4 puts them; J2 and SGP4 shells share one fleet."""
import math

import numpy as np

from sim.config import scenario_from_dict
from sim.config.base import DATA_DIR
from sim.core.constants import SECONDS_PER_DAY
from sim.core.simulation import Simulation, run
from sim.orbits.tle import load_tle
from tests.helpers import advance_ticks

STARLINK_TLE = "data:starperf_starlink_tle_2020-06-28.txt"  # the README's shell example
TLE_SCENARIO = {
    "name": "tle", "epoch": "2020-06-28T00:00:00Z", "duration": "1h", "dt_s": 30, "seed": 1,
    "record": {"every_s": 300},
    "constellation": [
        {"name": "starlink", "tle": {"path": STARLINK_TLE, "limit": 20}},
        {"name": "walker", "walker": {"altitude_km": 550, "inclination_deg": 53, "planes": 2,
                                       "sats_per_plane": 3}},
    ],
}


def test_a_shipped_tle_shell_loads_and_runs(tmp_path):
    from sim.analysis import open_run

    result = run(scenario_from_dict(TLE_SCENARIO), tmp_path / "tle.h5")
    assert result.summary["satellites"][0] == 26
    with open_run(result.path) as recorded:
        alt_km = recorded.timeseries["alt_km"].values
        assert alt_km.shape == (13, 26)
    # StarPerf's snapshot holds satellites still raising their orbits: 350-560 km
    assert np.all((alt_km[:, :20] > 300.0) & (alt_km[:, :20] < 600.0))
    np.testing.assert_allclose(alt_km[:, 20:], 550.0, atol=25.0)  # WGS84 height of a 550 km shell


def test_tle_satellites_are_where_python_sgp4_puts_them():
    sim = Simulation(scenario_from_dict(TLE_SCENARIO))
    satrecs = load_tle(DATA_DIR / "starperf_starlink_tle_2020-06-28.txt")[:20]
    advance_ticks(sim, range(1, 41))  # 20 min
    jd = sim.clock.epoch_jd_utc
    whole, fraction = math.floor(jd), jd - math.floor(jd) + sim.clock.t_s / SECONDS_PER_DAY
    for k, sat in enumerate(satrecs):
        error, r_km, v_km_s = sat.sgp4(whole, fraction)
        assert error == 0
        np.testing.assert_allclose(sim.fleet.r_eci_m[:, k], np.array(r_km) * 1e3, atol=1e-3)
        np.testing.assert_allclose(sim.fleet.v_eci_m_s[:, k], np.array(v_km_s) * 1e3, atol=1e-6)
    assert list(sim.fleet.shell) == [0] * 20 + [1] * 6
    np.testing.assert_allclose(np.linalg.norm(sim.fleet.r_eci_m[:, 20:], axis=0), 6378137.0 + 550e3, rtol=1e-12)
