"""The radiation environment set up for a run (sim.radiation.environment): the GCR flux through
the solar cycle and from F10.7, the map grid the plots share, the replayed SPE list on the
scenario clock."""
from __future__ import annotations

import numpy as np
import pytest
from conftest import shared_data

from sim.config import scenario_from_dict
from sim.core.constants import SECONDS_PER_HOUR
from sim.core.simulation import Simulation
from tests.radiation.helpers import CELESTRAK_SW, SPE_LIST

ONE_SSO = [{"sso": {"altitude_km": 650, "count": 1}}]


def _radiation(epoch, **section):
    scenario = scenario_from_dict({"name": "env", "epoch": epoch, "duration": "6h", "dt_s": 60,
                                   "constellation": ONE_SSO,
                                   "radiation": {"trapped": {"enabled": False}, "spe": {"mode": "off"}, **section}})
    return Simulation(scenario).subsystem("radiation")


def test_gcr_flux_follows_the_modulation():
    """The subsystem's free-space GCR flux: Φ_min at the cycle-25 minimum, Φ_max at mid-cycle, and
    with modulation 'f107' between them as the 81-day F10.7 says (2012-03: ≈ 108 sfu)."""
    assert _radiation("2019-12-01T00:00:00Z").gcr_free_cm2_s(0.0) == pytest.approx(4.0, rel=1e-6)
    assert _radiation("2025-06-01T00:00:00Z").gcr_free_cm2_s(0.0) == pytest.approx(2.0, rel=1e-3)
    csv = str(shared_data(*CELESTRAK_SW))
    m = (108.0 - 70.0) / 110.0
    rad = _radiation("2012-03-07T00:00:00Z", cosmic_rays={"modulation": "f107", "f107_csv": csv})
    assert rad.gcr_free_cm2_s(0.0) == pytest.approx(4.0 - 2.0 * m, abs=0.05)


def test_replay_shift_moves_the_historical_events_to_the_epoch():
    """replay_shift 2012-03-07T00:00Z with the epoch 2030-01-01: the 2012-03-07 event (begin 05:10Z,
    NOAA SWPC list shipped as data:) starts 5 h 10 min into the run, as it does replayed at its date."""
    at_date = _radiation("2012-03-07T00:00:00Z", spe={"mode": "replay", "replay_csv": SPE_LIST})
    shifted = _radiation("2030-01-01T00:00:00Z", spe={"mode": "replay", "replay_csv": SPE_LIST,
                                                      "replay_shift": "2012-03-07T00:00:00Z"})
    onsets = [ev.onset_s for ev in at_date.spe_events]
    assert onsets and onsets == [ev.onset_s for ev in shifted.spe_events]
    assert min(o for o in onsets if o >= 0.0) == pytest.approx(5 * SECONDS_PER_HOUR + 600.0)


def test_map_grid_covers_the_orbits():
    """The trapped map's altitudes span every perigee and apogee with the margin, in whole steps."""
    from sim.radiation.config import TrappedProtons
    from sim.radiation.environment import ALT_MARGIN_KM, trapped_grid
    a_m = np.array([6378137.0 + 500e3, 6378137.0 + 1200e3])
    e = np.array([0.0, 0.02])
    lat, lon, alt = trapped_grid(TrappedProtons(alt_step_km=50.0), a_m, e)
    assert lat[0] == -90.0 and lat[-1] == 90.0 and lon[0] == -180.0 and lon[-1] == 180.0
    assert alt[0] <= 500.0 - ALT_MARGIN_KM and alt[-1] >= (a_m[1] * 1.02 - 6378137.0) / 1e3 + ALT_MARGIN_KM
    assert np.allclose(np.diff(alt), 50.0) and np.allclose(alt % 50.0, 0.0)
