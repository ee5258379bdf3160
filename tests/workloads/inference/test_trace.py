"""Traces in the Azure LLM inference trace format: reading, replay, size classes."""
import numpy as np
import pytest

from sim.workloads.inference.arrivals import TraceArrivals
from sim.workloads.inference.trace import TraceFileError, read_trace, size_classes, write_trace

AZURE_HEAD = """TIMESTAMP,ContextTokens,GeneratedTokens
2023-11-16 18:15:46.6805900,374,44
2023-11-16 18:15:50.9951690,396,109
2023-11-16 18:15:51.2224670,879,55
2023-11-16 18:15:51.3910170,91,16
"""  # the first rows of AzureLLMInferenceTrace_conv.csv as its notebook prints them


def test_reads_the_azure_format(tmp_path):
    path = tmp_path / "conv.csv"
    path.write_text(AZURE_HEAD)
    tr = read_trace(path)
    assert tr.n == 4
    assert tr.t_s == pytest.approx([0.0, 4.314579, 4.541877, 4.710427], abs=1e-6)
    assert list(tr.context) == [374, 396, 879, 91] and list(tr.generated) == [44, 109, 55, 16]
    assert tr.period_s == pytest.approx(4.710427 * 4 / 3, rel=1e-9)


def test_numeric_timestamps_unsorted_and_spaces(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text(" TIMESTAMP , ContextTokens , GeneratedTokens\n10.0, 5, 6\n4.0, 1, 2\n\n7.5, 3, 4\n")
    tr = read_trace(path)
    assert list(tr.t_s) == [0.0, 3.5, 6.0] and list(tr.context) == [1, 3, 5]


def test_write_then_read_round_trips(tmp_path):
    t = np.array([0.0, 0.25, 1.0, 7.125])
    tr = read_trace(write_trace(tmp_path / "w.csv", t, [1, 2, 3, 4], [5, 6, 7, 8]))
    assert tr.t_s == pytest.approx(t, abs=1e-6)


def test_same_timestamps_are_refused(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("TIMESTAMP,ContextTokens,GeneratedTokens\n1,1,1\n1,2,2\n")
    with pytest.raises(TraceFileError, match="same timestamp"):
        read_trace(path)


def test_replay_counts_every_request_once_per_period(tmp_path):
    rng = np.random.default_rng(0)
    t = np.sort(rng.uniform(0, 100.0, 500))
    tr = read_trace(write_trace(tmp_path / "r.csv", t, np.ones(500, int), np.ones(500, int)))
    arr = TraceArrivals(tr, time_scale=2.0, n_stations=3)
    period = tr.period_s / 2.0
    ticks = np.arange(0.0, 3 * period, 10.0)
    total = sum(arr.counts_in(t0, 10.0) for t0 in ticks)
    span = ticks[-1] + 10.0
    # three periods and a bit: every station sees each request 3 times, plus the requests of the rest
    assert np.all(total >= 3 * 500) and np.all(total <= 3 * 500 + 500 * (span - 3 * period) / period + 2)
    assert arr.counts_in(0.0, period).tolist() == [500, 500, 500]


def test_size_classes_keep_the_mean_tokens_and_shares():
    rng = np.random.default_rng(1)
    ctx = rng.lognormal(6.5, 1.0, 20000)
    gen = rng.lognormal(4.5, 0.8, 20000)
    p, c, g = size_classes(ctx, gen, 6)
    assert p.sum() == pytest.approx(1.0, rel=1e-12) and p.size <= 36
    assert p @ c == pytest.approx(ctx.mean(), rel=1e-9) and p @ g == pytest.approx(gen.mean(), rel=1e-9)
    # the classes resolve the marginals: the 6 context sextiles each hold 1/6 of the requests
    assert np.all(np.abs(np.bincount(np.digitize(c, np.quantile(ctx, [1/6, 2/6, 3/6, 4/6, 5/6])), weights=p)
                         - 1 / 6) < 1e-3)
