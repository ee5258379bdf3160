"""A non-finite value produced by a kernel stops the run naming the field, the satellite and the
time, and leaves no file. Design (sim.core.finite): a numba scan of every float FleetState
field and every recorded column at each record step, each /daily row and the end of the run
(not per tick); +inf passes only in fields that declare it a value (`infinite_ok`: devices
lost for good). The NaN is forced through a kernel input: a bus power of NaN for one satellite,
set through Payload.set_parameter (the FleetState array and the kernel's packed copy)."""
from __future__ import annotations

import h5py
import numpy as np
import pytest

from sim.config import load_scenario
from sim.core.finite import first_nonfinite_index
from sim.core.fleet import NonFiniteError
from sim.core.simulation import Simulation
from tests.robustness.common import assert_refused, cli, leftovers, write_scenario

SAT = 1


def _poison(sim: Simulation) -> None:
    payload = next(s for s in sim.subsystems if s.name == "payload")
    payload.set_parameter("bus_power_w", SAT, np.nan)


def test_nan_stops_the_run(tmp_path):
    scenario = load_scenario(write_scenario(tmp_path))
    sim = Simulation(scenario)
    _poison(sim)
    output = tmp_path / "out.h5"
    with pytest.raises(NonFiniteError) as info:
        sim.run(output)
    text = str(info.value)
    assert f"satellite {SAT}" in text and "t = 0 s" in text and "= nan" in text
    assert leftovers(output) == []


def test_nan_exits_2_from_the_cli(tmp_path, monkeypatch):
    scenario, output = write_scenario(tmp_path), tmp_path / "out.h5"
    real_init = Simulation.__init__

    def poisoned_init(self, *args, **kwargs):
        real_init(self, *args, **kwargs)
        _poison(self)

    monkeypatch.setattr(Simulation, "__init__", poisoned_init)
    code, out, err = cli(["run", scenario, "-o", output, "--quiet"])
    assert_refused(code, out, err, f"satellite {SAT}", "t = 0 s", "non-finite")
    assert leftovers(output) == []


def test_nan_after_the_start_is_found_at_the_next_record_step(tmp_path):
    """The NaN enters mid-run (a state field written between record steps): the run stops at
    the first record step after it, naming that time."""
    scenario = load_scenario(write_scenario(tmp_path))   # records every 600 s
    sim = Simulation(scenario)
    record = sim._record
    calls = []

    def record_then_poison(recorder, t_s):
        record(recorder, t_s)
        calls.append(t_s)
        if len(calls) == 1:
            sim.fleet.t_payload_k[SAT] = np.nan
    sim._record = record_then_poison
    with pytest.raises(NonFiniteError, match=f"satellite {SAT} at t = 600 s"):
        sim.run(tmp_path / "out.h5")
    assert leftovers(tmp_path / "out.h5") == []


def test_finite_run_has_no_nan(tmp_path):
    """The guard lets a normal run through, and its file holds no NaN in the time series."""
    output = tmp_path / "out.h5"
    code, _, err = cli(["run", write_scenario(tmp_path), "-o", output, "--quiet"])
    assert code == 0, err
    with h5py.File(output) as f:
        for name, dset in f["timeseries"].items():
            assert first_nonfinite_index(dset[...]) is None, name


def test_scan_finds_the_first():
    a = np.zeros((3, 4))
    a[2, 1] = np.inf
    a[2, 3] = np.nan
    assert first_nonfinite_index(a) == (2, 1)
    assert first_nonfinite_index(a, infinite_ok=True) == (2, 3)
    assert first_nonfinite_index(np.arange(4)) is None
