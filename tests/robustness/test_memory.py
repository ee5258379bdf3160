"""A run's memory is flat in its duration: peak RSS (resource.getrusage in a subprocess per
duration) of 1 month and 3 months of the same tiny scenario (2 satellites, dt 60 s, recorded
daily) within 10 %. The 1-month against 12-month check of issue 12 costs more CI time than it
is worth on every commit: benchmarks/bench_memory.py runs it."""
from tests.robustness.memory import peak_rss_kb


def test_rss_flat_1_vs_3_months(tmp_path):
    one, three = peak_rss_kb(tmp_path, "30d"), peak_rss_kb(tmp_path, "90d")
    print(f"peak RSS: 30 d {one / 1024:.1f} MiB, 90 d {three / 1024:.1f} MiB, ratio {three / one:.3f}")
    assert abs(three / one - 1.0) <= 0.10
