"""/daily and record windows: the Recorder's day rows (exact round trip, chunking, fixed
buffers, bad rows) and runs with windows and day ends.

References: the rows a run writes are compared with the times listed by hand from the
definitions (a base cadence of 1 h, a window of 2-minute ticks); the last /daily row with the
FleetState accumulators left by the run (the same float64 arrays). Consistency check: the
/daily dose equals the time series' dose (float32) at every day end, where both are recorded.
"""
from __future__ import annotations

import copy

import h5py
import numpy as np
import pytest

from sim.analysis.results import open_run
from sim.config import scenario_from_dict
from sim.core.simulation import Simulation
from sim.io import hdf5
from sim.io.daily import MAX_CHUNK_DAYS, default_chunk_days
from sim.io.record_plan import RecordPlan, daily_fields
from sim.io.recorder import Recorder
from sim.io.schema import DailyField
from tests.conftest import PROJECT_DIR, TINY_SCENARIO
from tests.helpers import assert_block_invariant
from tests.io.run_files import EPOCH, FIELDS, N, root_attrs
from tests.radiation.helpers import COARSE, QUIET

DAILY = {"energy_j": DailyField("J", "energy so far"), "badput_s": DailyField("s", "by cause", rows=3)}
H = 3600.0


def _recorder(path, chunk_rows=16, **kw) -> Recorder:
    return Recorder(path, root_attrs=root_attrs(), satellites={"shell": np.zeros(N, np.int32)}, fields=FIELDS,
                    n_satellites=N, epoch_iso=EPOCH, chunk_rows=chunk_rows, **kw)


def _day(i):
    return {"energy_j": np.arange(N) * 1.5 + i, "badput_s": np.arange(3 * N).reshape(3, N) * 0.25 + i}


def test_daily_round_trip_in_chunks(tmp_path):
    path = tmp_path / "run.h5"
    assert _recorder(tmp_path / "x.h5", daily_fields=DAILY, expected_days=40)._daily.chunk_days == \
        min(default_chunk_days(N, 3), 40)
    rec = _recorder(path, daily_fields=DAILY, chunk_days=7)     # 23 rows = 3 whole chunks + 2
    days = 23
    for i in range(days):
        rec.append_daily((i + 1) * 86400.0, _day(i))
    assert rec.daily_rows == days
    rec.close()
    t_s, values = hdf5.read_daily(path)
    np.testing.assert_array_equal(t_s, np.arange(1, days + 1) * 86400.0)
    assert values["energy_j"].shape == (days, N) and values["badput_s"].shape == (days, 3, N)
    for i in range(days):
        np.testing.assert_array_equal(values["energy_j"][i], _day(i)["energy_j"])
        np.testing.assert_array_equal(values["badput_s"][i], _day(i)["badput_s"])
    assert hdf5.read_daily_units(path) == {"energy_j": "J", "badput_s": "s"}
    with h5py.File(path, "r") as f:
        dset = f["daily/energy_j"]
        assert dset.dtype == np.float64 and dset.attrs["long_name"] == "energy so far"
        assert f["daily/time"].attrs["units"] == f["timeseries/time"].attrs["units"]
        assert dset.chunks == (7, N) and f["daily/badput_s"].chunks == (7, 3, N)
    text = hdf5.describe(path)
    assert f"daily: D = {days} day ends" in text and "badput_s [s] x3" in text


def test_buffers_do_not_grow_with_rows_or_days(tmp_path):
    """Memory flat in duration: the bytes the Recorder holds are fixed at construction."""
    rec = _recorder(tmp_path / "run.h5", daily_fields=DAILY)
    held = rec.buffer_nbytes
    assert held == rec._daily.buffer_nbytes + _recorder(tmp_path / "b.h5").buffer_nbytes
    row = {name: np.ones(N) for name in FIELDS}
    for i in range(1000):                       # 62 chunks of 16 rows
        rec.append_row(i * 60.0, row)
        if i % 10 == 9:
            rec.append_daily(i * 60.0, _day(i))   # 100 days: a chunk of MAX_CHUNK_DAYS and more
        assert rec.buffer_nbytes == held
    assert rec.rows == 1000 and rec.daily_rows == 100 and rec._daily.chunk_days == MAX_CHUNK_DAYS
    rec.close()
    with h5py.File(tmp_path / "run.h5", "r") as f:
        assert f["daily/energy_j"].shape == (100, N) and f["daily/energy_j"].chunks == (MAX_CHUNK_DAYS, N)


def test_chunk_days_fit_big_fleets():
    assert default_chunk_days(1_000_000, 12) == 1 and default_chunk_days(81, 12, expected_days=3) == 3
    assert default_chunk_days(81) == MAX_CHUNK_DAYS


def test_bad_daily_rows_are_refused(tmp_path):
    rec = _recorder(tmp_path / "run.h5", daily_fields=DAILY)
    rec.append_daily(10.0, _day(0))
    with pytest.raises(ValueError, match="must increase"):
        rec.append_daily(10.0, _day(1))
    with pytest.raises(ValueError, match="no value for field 'badput_s'"):
        rec.append_daily(20.0, {"energy_j": np.zeros(N)})
    with pytest.raises(ValueError, match=r"shape \(5,\), expected \(3, 5\)"):
        rec.append_daily(20.0, {"energy_j": np.zeros(N), "badput_s": np.zeros(N)})
    rec.abort()
    plain = _recorder(tmp_path / "plain.h5")
    with pytest.raises(ValueError, match="no /daily"):
        plain.append_daily(10.0, _day(0))
    plain.close()
    assert not hdf5.has_daily(tmp_path / "plain.h5")
    assert hdf5.read_daily(tmp_path / "plain.h5")[1] == {}
    assert "daily: none" in hdf5.describe(tmp_path / "plain.h5")


# ---- runs --------------------------------------------------------------------------------------

RUN = {"name": "rad", "epoch": "2026-03-20T06:00:00Z", "duration": "50h", "dt_s": 120, "seed": 3,
       "record": {"every_s": "1h", "windows": [{"start": "20h", "end": "21h", "every_s": 120}]},
       "constellation": TINY_SCENARIO["constellation"], "radiation": {"trapped": COARSE, "spe": QUIET}}


@pytest.fixture(scope="module")
def windowed_run(tmp_path_factory):
    sim = Simulation(scenario_from_dict(RUN))
    path = sim.run(tmp_path_factory.mktemp("daily") / "run.h5").path
    return sim, path


def test_a_run_with_a_window_writes_exactly_the_planned_rows(windowed_run):
    sim, path = windowed_run
    hourly = [h * H for h in range(51) if h != 20]               # 0 .. 50 h; 20 h is the window's
    window = [20 * H + 120.0 * i for i in range(30)]             # 20 h, 20 h 2 min, ... 20 h 58 min
    expected = sorted(hourly + window)
    with h5py.File(path, "r") as f:
        np.testing.assert_array_equal(f["timeseries/time"][...], expected)
        assert f.attrs["record_every_s"] == H
    assert RecordPlan.for_scenario(sim.scenario).n_records() == len(expected) == 80


def test_daily_rows_hold_the_accumulators_at_each_day_end(windowed_run):
    sim, path = windowed_run
    t_s, values = hdf5.read_daily(path)
    np.testing.assert_array_equal(t_s, [18 * H, 42 * H, 50 * H])   # midnights after a 06:00 epoch, and the end
    assert set(values) == set(daily_fields(sim.fleet)) >= {"dose_rad", "gpu_badput_s", "energy_generated_j"}
    for name, rows in values.items():                            # the last row: what the run left
        np.testing.assert_array_equal(rows[-1], getattr(sim.fleet, name).astype(np.float64))
        assert (np.diff(rows, axis=0) >= 0).all() or name == "min_soc", name
    with h5py.File(path, "r") as f:                              # consistency: the time series at day ends
        series_t = f["timeseries/time"][...]
        dose = f["timeseries/dose_rad"][...]
        assert f["daily/dose_rad"].attrs["units"] == f["timeseries/dose_rad"].attrs["units"]
    for i, t in enumerate(t_s):
        row = int(np.flatnonzero(series_t == t)[0])
        np.testing.assert_array_equal(values["dose_rad"][i].astype(np.float32), dose[row])
    assert values["dose_rad"][0].min() > 0


def test_open_run_and_info_show_daily(windowed_run):
    _, path = windowed_run
    with open_run(path) as run:
        daily = run.daily
        assert daily["dose_rad"].dims == ("time", "satellite")
        assert daily["gpu_badput_s"].dims == ("time", "gpu_badput_s_row", "satellite")
        assert str(daily["time"].values[0]).startswith("2026-03-21T00:00")
    assert "daily: D = 3 day ends" in hdf5.describe(path)


def test_never_records_only_the_windows_and_daily_false_writes_none(tmp_path):
    data = copy.deepcopy(TINY_SCENARIO)
    data["record"] = {"every_s": "never", "daily": False, "windows": [{"start": "30m", "end": "40m", "every_s": 60}]}
    path = Simulation(scenario_from_dict(data)).run(tmp_path / "never.h5").path
    with h5py.File(path, "r") as f:
        np.testing.assert_array_equal(f["timeseries/time"][...], [0.0, *range(1800, 2400, 60), 7200.0])
        assert "daily" not in f and f.attrs["record_every_s"] == 0.0
    with open_run(path) as run:
        assert run.daily is None


def test_windows_and_day_ends_do_not_depend_on_the_block_length(tmp_path):
    """Consistency check (the block driver's property, with the plan's output steps ending
    blocks): quickstart over 1.5 days from a 06:00 epoch, 6-hourly rows, a window of 1-minute
    rows and /daily, identical for blocks of 1 and of 10,000 ticks."""
    assert_block_invariant(PROJECT_DIR / "configs" / "quickstart.yaml", "36h", tmp_path, sets=(
        "epoch=2026-03-20T06:00:00Z", "dt_s=60", "record.every_s=6h",
        "record.windows=[{start: 20h, end: 21h, every_s: 60}]"))
    with h5py.File(tmp_path / "blocks_1.h5", "r") as f:
        # rows at 0, 6, ..., 36 h and 20 h .. 20 h 59 min; day ends at 18 h and 36 h
        assert f["daily/time"].shape == (2,) and f["timeseries/time"].shape == (7 + 60,)
