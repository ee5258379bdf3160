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


def _python_upsets(monkeypatch):
    """Every upset tick left to the Python path: no uniforms are ever buffered, so the kernel bails."""
    from sim.radiation.upset_buffers import UpsetBuffers
    monkeypatch.setattr(UpsetBuffers, "refill", lambda self: None)


def _nonhomogeneous(cache_dir):
    """Trapped protons (the SAA), GCR with its cutoff dependence and the 2012-03-07 S3 event over an SSO
    and an equatorial orbit: an upset rate that varies by orders of magnitude along the orbits."""
    rad = {"trapped": {**COARSE, "cache_dir": cache_dir}, "spe": {"mode": "replay", "replay_csv": SPE_LIST},
           "devices": [memory(sigma_bit_cm2=3e-13, bits=1e9)]}
    shells = [{"name": "sso", "sso": {"altitude_km": 686, "ltan_h": 10.5, "count": 3}},
              {"name": "eq", "elements": [{"altitude_km": 550, "inclination_deg": 10.0, "mean_anomaly_deg": 0.0}]}]
    return shells, rad


def test_upsets_drawn_in_the_kernel_count_the_integrated_hazard(tmp_path, cache_dir, monkeypatch):
    """Hazard clocks: each satellite's upsets are the points of a unit-rate Poisson process in its
    integrated hazard H(t) = ∫ rate dt (the time-change theorem, Çinlar 1975 §4.7; simulation by
    time transformation, Lewis & Shedler 1979, Nav. Res. Logist. Q. 26, 403), so their number over a
    run is Poisson with mean Σ H (the kernel's trapezoid of rate · dt): within 4 σ = 4 √ΣH (a false
    alarm once in 16,000). The upsets are drawn in the tick kernel: Python handles only the ticks it
    leaves to it (a consistency check of the in-kernel path: almost none)."""
    import sim.radiation.subsystem as subsystem
    python_ticks = []
    handle = subsystem.Radiation._handle_upsets
    monkeypatch.setattr(subsystem.Radiation, "_handle_upsets",
                        lambda self, *a: (python_ticks.append(a[0]), handle(self, *a))[1])
    shells, rad = _nonhomogeneous(cache_dir)
    sim, result, _ = run(tmp_path, shells, rad, epoch="2012-03-07T00:00:00Z", duration="2d", dt_s=30)
    counts = sim.subsystem("radiation").counts
    n = sum(counts[k] for k in ("seu_corrected", "sdc", "sdc_detected", "sefi", "sel"))
    h = float(sim.fleet.upset_hazard.sum())
    assert h > 2000.0
    assert abs(n - h) < 4.0 * np.sqrt(h), (n, h)
    assert result.events.get("sdc", 0) == counts["sdc"]
    assert len(python_ticks) <= 0.01 * sim.n_steps


def test_upsets_drawn_in_the_kernel_are_those_of_the_python_path(tmp_path, cache_dir, monkeypatch):
    """The kernel takes the radiation stream's doubles in the order the Python path draws them, so a
    run with every upset tick left to Python gives identical datasets (a consistency check)."""
    from sim.io.compare import compare_runs
    shells, rad = _nonhomogeneous(cache_dir)
    _, kernel, _ = run(tmp_path / "kernel", shells, rad, epoch="2012-03-07T04:00:00Z", duration="12h", dt_s=30)
    _python_upsets(monkeypatch)
    _, python, _ = run(tmp_path / "python", shells, rad, epoch="2012-03-07T04:00:00Z", duration="12h", dt_s=30)
    assert not compare_runs(kernel.path, python.path)
