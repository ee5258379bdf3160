"""RecordPlan: which steps write a time-series row and which a /daily row.

Reference: brute-force enumeration from the definitions (sim.io.record_plan's docstring) —
the rows as a set built from ranges, and the UTC midnights from Python's calendar
(datetime.date of each tick's start and end) — compared step by step with the plan's O(log W)
answers; plus the closed form of today's rows (step % every == 0 or step == n_steps).
"""
from __future__ import annotations

import bisect
import copy
import tracemalloc
from datetime import datetime, timedelta, timezone
from types import SimpleNamespace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.cli import main
from sim.config.base import ConfigError
from sim.config.loading import scenario_from_dict
from sim.io.record_plan import RecordPlan
from tests.conftest import TINY_SCENARIO

DT_S = 10.0
EPOCH = datetime(2026, 3, 20, tzinfo=timezone.utc)


def _config(every, windows=(), daily=True):
    """A record section in steps of DT_S: every (None: never), windows [(s0, s1, e)]."""
    return SimpleNamespace(every_s="never" if every is None else every * DT_S, daily=daily,
                           windows=[SimpleNamespace(start=s0 * DT_S, end=s1 * DT_S, every_s=e * DT_S)
                                    for s0, s1, e in windows])


def _brute_rows(n, every, windows) -> set[int]:
    rows = {0, n}
    covered = set()
    for s0, s1, e in windows:
        rows |= set(range(s0, min(s1, n), e))
        covered |= set(range(s0, min(s1, n)))
    if every is not None:
        rows |= set(range(0, n + 1, every)) - covered
    return rows


@st.composite
def _plans(draw):
    n = draw(st.integers(1, 600))
    every = draw(st.one_of(st.none(), st.integers(1, 80)))
    cuts = sorted(set(draw(st.lists(st.integers(0, n), max_size=8))))
    windows = []
    for s0, s1 in zip(cuts, cuts[1:]):   # consecutive cuts: windows may touch
        if s1 > s0 and draw(st.booleans()):
            windows.append((s0, s1, draw(st.integers(1, 40))))
    return n, every, draw(st.permutations(windows))


@settings(max_examples=300, deadline=None)
@given(case=_plans())
def test_record_steps_against_brute_force(case):
    n, every, windows = case
    plan = RecordPlan(_config(every, windows), DT_S, n)
    rows = _brute_rows(n, every, windows)
    assert [k for k in range(n + 1) if plan.is_record_step(k)] == sorted(rows)
    ordered = sorted(rows)
    for step in range(n + 1):
        assert plan.next_record_step(step) == ordered[bisect.bisect_left(ordered, step)]
    assert plan.n_records() == len(rows)
    assert plan.next_record_step(n + 5) == n and not plan.is_record_step(n + 1)


@pytest.mark.parametrize("every, n", [(1, 7), (6, 720), (6, 721), (7, 100), (1000, 10), (12, 12)])
def test_default_plan_is_todays_rows(every, n):
    plan = RecordPlan(_config(every), DT_S, n)
    assert [k for k in range(n + 1) if plan.is_record_step(k)] == \
        [k for k in range(n + 1) if k % every == 0 or k == n]


def _brute_day_steps(epoch, dt_s, n) -> list[int]:
    """Steps k whose tick ((k-1) dt, k dt] holds a UTC midnight, by the calendar, and n."""
    def date(t_s):
        return (epoch + timedelta(seconds=t_s)).date()
    return [k for k in range(1, n + 1) if date(k * dt_s) > date((k - 1) * dt_s) or k == n]


@settings(max_examples=200, deadline=None)
@given(offset_s=st.integers(0, 86399), dt_s=st.sampled_from([1.0, 7.0, 10.0, 60.0, 450.0, 3600.0, 86400.0, 100000.0]),
       days=st.integers(0, 12), extra=st.integers(1, 50))
def test_day_steps_against_the_calendar(offset_s, dt_s, days, extra):
    epoch = EPOCH + timedelta(seconds=offset_s)
    n = max(1, int(days * 86400 / dt_s) + extra)
    n = min(n, 20_000)   # the calendar walk is per step
    plan = RecordPlan(_config(6), dt_s, n, epoch)
    expected = _brute_day_steps(epoch, dt_s, n)
    assert list(plan.day_steps()) == expected
    assert plan.n_days() == len(expected)
    for step in {1, 2, n, *expected, *(s - 1 for s in expected), *(s + 1 for s in expected)}:
        if 1 <= step <= n:
            assert plan.next_day_step(step) == min(s for s in expected if s >= step)
            assert plan.is_day_step(step) == (step in expected)
            assert plan.next_output_step(step) == min(plan.next_day_step(step), plan.next_record_step(step))


def test_a_midnight_epoch_ends_its_days_on_whole_days():
    plan = RecordPlan(_config(6), 10.0, 3 * 8640 + 5, "2026-03-20T00:00:00Z")
    assert list(plan.day_steps()) == [8640, 2 * 8640, 3 * 8640, 3 * 8640 + 5]
    assert RecordPlan(_config(6, daily=False), 10.0, 100).n_days() == 0


def test_five_years_at_one_second_allocate_nothing_per_step():
    """5 years of 1 s ticks (1.6e8 steps), a base cadence of 1 h and 100 windows of 1 h at 1 s:
    the plan's memory is O(windows) and its counts are closed forms."""
    n = 5 * 365 * 86400
    windows = [(d * 86400 * 18, d * 86400 * 18 + 3600, 1) for d in range(100)]
    config = SimpleNamespace(every_s=3600.0, daily=True, windows=[
        SimpleNamespace(start=float(s0), end=float(s1), every_s=1.0) for s0, s1, _ in windows])
    tracemalloc.start()
    plan = RecordPlan(config, 1.0, n, "2026-03-20T06:00:00Z")
    rows, days = plan.n_records(), plan.n_days()
    probes = [plan.next_record_step(k) for k in range(1, n, n // 1000)]
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert peak < 512 * 1024, f"{peak} bytes"
    assert rows == (n // 3600 + 1) - 100 + 100 * 3600
    assert days == 5 * 365 + 1          # the epoch's partial day ends at the first midnight; then the last
    assert all(p >= k for p, k in zip(probes, range(1, n, n // 1000)))


# ---- the scenario keys ------------------------------------------------------------------------

def _scenario(record):
    data = copy.deepcopy(TINY_SCENARIO)
    data["record"] = record
    return scenario_from_dict(data, source="bad.yaml")


def test_windows_take_durations_and_iso_times():
    scenario = _scenario({"every_s": "never", "daily": False, "windows": [
        {"start": 0, "end": "30m", "every_s": "1m"},
        {"start": "2026-03-20T01:00:00Z", "end": "2026-03-20T01:30:00+00:00", "every_s": 300}]})
    assert [(w.start, w.end, w.every_s) for w in scenario.record.windows] == [(0.0, 1800.0, 60.0),
                                                                           (3600.0, 5400.0, 300.0)]
    plan = RecordPlan.for_scenario(scenario)
    assert plan.base_every is None and plan.n_records() == 30 + 6 + 1   # + the last step (2 h)
    again = scenario_from_dict(__import__("yaml").safe_load(scenario.resolved_yaml()))
    assert again.record == scenario.record


BAD = [
    ({"every_s": 0}, "record.every_s", "never"),
    ({"every_s": 10}, "record.every_s (10.0) is shorter than dt_s", None),
    ({"windows": [{"start": "1h", "end": "3h", "every_s": 60}]}, "record.windows.0.end", "after the end"),
    ({"windows": [{"start": "2026-03-19T23:00:00Z", "end": "1h", "every_s": 60}]}, "record.windows.0.start",
     "before the epoch"),
    ({"windows": [{"start": "1h", "end": "1h", "every_s": 60}]}, "record.windows.0", "holds no tick"),
    ({"windows": [{"start": "1h", "end": "1h10s", "every_s": 60}]}, "record.windows.0.end", "neither a duration"),
    ({"windows": [{"start": "10m", "end": "20m", "every_s": 5}]}, "record.windows.0.every_s", "shorter than dt_s"),
    ({"windows": [{"start": "10m", "end": "20m"}]}, "record.windows.0.every_s", "required"),
    ({"windows": [{"start": "10m", "end": "40m", "every_s": 60}, {"start": "30m", "end": "50m", "every_s": 60}]},
     "record.windows.1 overlaps record.windows.0", None),
    ({"windows": [{"start": "10m", "end": "20m", "every_s": 60, "step": 1}]}, "record.windows.0.step", "unknown key"),
    ({"daily": "sometimes"}, "record.daily", None),
]


@pytest.mark.parametrize("record, field, words", BAD)
def test_bad_record_settings_name_the_field(record, field, words):
    with pytest.raises(ConfigError) as info:
        _scenario(record)
    message = str(info.value)
    assert message.startswith("bad.yaml: ") and field in message
    assert words is None or words in message


def test_touching_windows_are_fine():
    scenario = _scenario({"windows": [{"start": "10m", "end": "20m", "every_s": 60},
                                      {"start": "20m", "end": "30m", "every_s": 30}]})
    assert len(scenario.record.windows) == 2


def test_validate_exits_2_naming_the_window(tmp_path, capsys):
    import yaml
    data = copy.deepcopy(TINY_SCENARIO)
    data["record"] = {"windows": [{"start": "1h", "end": "5h", "every_s": 60}]}
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(data))
    assert main(["validate", str(path)]) == 2
    err = capsys.readouterr().err
    assert str(path) in err and "record.windows.0.end" in err and "Traceback" not in err
