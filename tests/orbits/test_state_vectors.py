"""record.state_vectors: float64 inertial position and velocity in the result file."""
from __future__ import annotations

import h5py
import numpy as np

from sim.config import scenario_from_dict
from sim.core.simulation import Simulation, run

SCENARIO = {
    "name": "sv", "epoch": "2026-03-01T00:00:00Z", "duration": "20m", "dt_s": 10,
    "record": {"every_s": 60},
    "constellation": [{"cluster": {"count": 7, "radius_m": 200.0, "altitude_km": 650}}],
}


def test_state_vectors_are_recorded_as_float64_with_units_and_frame(tmp_path):
    """The recorded vectors are the fleet's own float64 r and v at each record time (a
    relative distance of 200 m survives to < 1 mm, which float32 at 7,000 km, ~0.5 m, cannot).
    Equal to a few units in the last place: the run's fused block driver and the tick-by-tick
    path here compile the propagator separately (fastmath), and may round differently."""
    scenario = scenario_from_dict({**SCENARIO, "record": {"every_s": 60, "state_vectors": True}})
    result = run(scenario, tmp_path / "sv.h5")
    sim = Simulation(scenario)  # the same run, for its final state
    from tests.helpers import advance_ticks
    advance_ticks(sim, range(1, 121))
    with h5py.File(result.path) as f:
        series = f["timeseries"]
        for q, unit in (("r", "m"), ("v", "m s-1")):
            for k, axis in enumerate("xyz"):
                name = f"{q}_eci_{axis}_{'m' if q == 'r' else 'm_s'}"
                dset = series[name]
                assert dset.dtype == np.float64 and dset.shape == (21, 7)
                assert dset.attrs["units"] == unit
                assert "TEME" in dset.attrs["long_name"] and "inertial" in dset.attrs["long_name"]
                final = (sim.fleet.r_eci_m if q == "r" else sim.fleet.v_eci_m_s)[k]
                np.testing.assert_allclose(dset[-1], final, rtol=1e-14, atol=0.0)   # float32: ~6e-8
        assert series["lat_deg"].dtype == np.float32


def test_state_vectors_are_off_by_default(tmp_path):
    result = run(scenario_from_dict(SCENARIO), tmp_path / "plain.h5")
    with h5py.File(result.path) as f:
        assert "r_eci_x_m" not in f["timeseries"] and "lat_deg" in f["timeseries"]
