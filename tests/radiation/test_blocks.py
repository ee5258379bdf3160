"""Radiation under the block driver (sim.core.blocks): results do not depend on the block length,
the per-step tables do not depend on the range they are prepared in, and a quiet tick costs no
Python. Properties of the port, not references: consistency checks."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from sim.core.simulation import Simulation
from sim.radiation import steps
from tests.conftest import shared_data
from tests.helpers import assert_block_invariant
from tests.radiation.helpers import CELESTRAK_SW, COARSE, QUIET, SPE_LIST, memory, run

CONFIGS = Path(__file__).resolve().parents[2] / "configs"


@pytest.mark.parametrize("config, sets", [
    # 2012-03-07T05:10Z: the onset of the replayed S3 event falls inside the two hours
    ("spe_storm.yaml", ("epoch=2012-03-07T04:30:00Z",)),
    ("suncatcher_training.yaml", ()),
])
def test_blocks_of_1_and_10000_ticks_give_identical_runs(tmp_path, config, sets):
    """Two hours with blocks of 1 and of 10,000 ticks (run.block_ticks): identical datasets."""
    assert_block_invariant(CONFIGS / config, "2h", tmp_path, sets=sets)


def _rad(cache_dir):
    from sim.config import scenario_from_dict
    rad = {"trapped": {**COARSE, "cache_dir": cache_dir}, "spe": {"mode": "replay", "replay_csv": SPE_LIST},
           "geomagnetic": {"storm_suppression": "kp", "kp_csv": str(shared_data(*CELESTRAK_SW))},
           "devices": [memory()]}
    shells = [{"name": "sso", "sso": {"altitude_km": 686, "ltan_h": 10.5, "count": 3}}]
    scenario = scenario_from_dict({"name": "rad", "epoch": "2012-03-07T04:00:00Z", "duration": "6h", "dt_s": 30,
                                   "seed": 3, "constellation": shells, "radiation": rad})
    return Simulation(scenario).subsystem("radiation")


def test_step_tables_do_not_depend_on_the_range(cache_dir):
    """A step's row is the same prepared alone, at the start of a block or inside one (an SPE onset
    and Kp changes in the range)."""
    rad = _rad(cache_dir)
    tab = rad.step_tables
    tab.prepare(1, tab.rows)
    whole_f, whole_i = tab.floats.copy(), tab.ints.copy()
    assert whole_i[:, steps.SPE_EMIT].sum() >= 1 and np.ptp(whole_f[:, steps.GEOMAG + 4]) > 0
    for first in (1, 2, 137, tab.rows - 1):
        tab.invalidate()
        tab.prepare(first, first)
        assert np.array_equal(tab.floats[0], whole_f[first - 1]) and np.array_equal(tab.ints[0], whole_i[first - 1])
    tab.invalidate()
    tab.prepare(5, 9)
    tab.prepare(7, 8)   # inside the prepared range: read at an offset
    assert tab.offset == 2 and np.array_equal(tab.floats[tab.offset], whole_f[6])


def test_quiet_ticks_are_not_flagged(tmp_path, cache_dir, monkeypatch):
    """No upsets, no SPE, no dose mark, no power-down: the tick kernel never hands a tick to Python."""
    import sim.radiation.subsystem as subsystem
    calls = []
    monkeypatch.setattr(subsystem.Radiation, "_after_tick", lambda self, step, flag: calls.append((step, flag)))
    rad = {"trapped": {**COARSE, "cache_dir": cache_dir}, "spe": QUIET, "devices": [memory(sigma_bit_cm2=0.0)]}
    shells = [{"name": "sso", "sso": {"altitude_km": 686, "ltan_h": 10.5, "count": 3}}]
    sim, _, _ = run(tmp_path, shells, rad, duration="3h", dt_s=30)
    assert calls == [] and sim.fleet.dose_rad.min() > 0.0
