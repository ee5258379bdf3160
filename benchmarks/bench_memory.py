"""Issue 12 §4: a one-year run's memory is flat in duration. Peak RSS (resource.getrusage in a
fresh interpreter per duration) of the tiny scenario of tests/robustness/memory.py (2
satellites, dt 60 s, recorded daily) at 1 month and at 12 months; the ratio is printed and
must be within 10 %. The wall time of each run is printed, not asserted.

    .venv/bin/python -m pytest benchmarks/bench_memory.py -s -o python_files='bench_*.py'
"""
import time

from tests.robustness.memory import peak_rss_kb


def test_rss_flat_1_vs_12_months(tmp_path):
    results = {}
    for until in ("30d", "365d"):
        start = time.perf_counter()
        results[until] = peak_rss_kb(tmp_path, until)
        print(f"{until}: peak RSS {results[until] / 1024:.1f} MiB, {time.perf_counter() - start:.1f} s")
    ratio = results["365d"] / results["30d"]
    print(f"peak RSS 12 months / 1 month = {ratio:.3f}")
    assert abs(ratio - 1.0) <= 0.10
