"""Request traces in the Azure LLM inference trace format, and request size classes.

The Azure LLM inference traces (Patel et al., "Splitwise", ISCA 2024; github.com/Azure/
AzurePublicDataset, AzureLLMInferenceDataset2023.md) are CSV files with the header
`TIMESTAMP,ContextTokens,GeneratedTokens`, one row per request; TIMESTAMP is a date-time
(`2023-11-16 18:15:46.6805900`) or, here also accepted, a number of seconds.

A trace gives each station its arrival times (replayed periodically, see `TraceArrivals` in
sim.workloads.inference.arrivals) and the job its empirical request sizes, grouped into classes
of context × generated tokens quantiles (`size_classes`).
"""
from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

import numpy as np

COLUMNS = ("TIMESTAMP", "ContextTokens", "GeneratedTokens")


class TraceFileError(ValueError):
    """A trace file that does not parse as the Azure LLM inference trace format."""


@dataclass
class Trace:
    t_s: np.ndarray          # arrival times from the first request [s], ascending
    context: np.ndarray      # tokens
    generated: np.ndarray    # tokens

    @property
    def n(self) -> int:
        return self.t_s.size

    @property
    def period_s(self) -> float:
        """Length of one replay: the span plus one mean gap, so looping keeps the mean rate."""
        return float(self.t_s[-1] - self.t_s[0]) * self.n / (self.n - 1)


def _timestamp(text: str) -> int | float:
    """Seconds (a number) or nanoseconds since 1970 (an int, from a date-time)."""
    try:
        return float(text)
    except ValueError:
        pass
    return int(np.datetime64(text.strip().replace(" ", "T"), "ns").astype(np.int64))  # ValueError: neither


def read_trace(path: str | Path) -> Trace:
    """The trace in `path`. FileNotFoundError when missing; TraceFileError naming the line and
    what is wrong when the header lacks a column, a field does not parse, a token count is
    negative, or it holds fewer than two requests or spans no time."""
    path = Path(path)
    with path.open(newline="", encoding="utf-8") as fh:
        rows = csv.reader(fh)
        try:
            header = [h.strip() for h in next(rows)]
        except StopIteration:
            raise TraceFileError("the file is empty") from None
        except (csv.Error, UnicodeDecodeError) as exc:
            raise TraceFileError(f"not CSV text ({exc})") from None
        missing = [c for c in COLUMNS if c.lower() not in [h.lower() for h in header]]
        if missing:
            raise TraceFileError(f"header {','.join(header)!r} lacks {', '.join(missing)} (expected "
                                 f"{','.join(COLUMNS)})")
        col = [[h.lower() for h in header].index(c.lower()) for c in COLUMNS]
        t, ctx, gen = [], [], []
        try:
            for line, row in enumerate(rows, start=2):
                if not row or all(not f.strip() for f in row):
                    continue
                try:
                    t.append(_timestamp(row[col[0]]))
                    ctx.append(int(row[col[1]]))
                    gen.append(int(row[col[2]]))
                except (ValueError, IndexError) as exc:
                    raise TraceFileError(f"line {line}: {','.join(row)!r} does not parse ({exc})") from None
                if ctx[-1] < 0 or gen[-1] < 0:
                    raise TraceFileError(f"line {line}: negative token count")
        except (csv.Error, UnicodeDecodeError) as exc:
            raise TraceFileError(f"not CSV text ({exc})") from None
    if len(t) < 2:
        raise TraceFileError(f"{len(t)} request(s); a trace needs at least two")
    kinds = {type(x) for x in t}
    if len(kinds) > 1:
        raise TraceFileError("TIMESTAMP mixes date-times and numbers")
    raw = np.asarray(t)
    order = np.argsort(raw, kind="stable")
    rel = raw[order] - raw[order[0]]  # int64 ns stay exact until here
    t_s = rel * 1e-9 if kinds == {int} else rel.astype(float)
    if not t_s[-1] > 0.0:
        raise TraceFileError("all requests have the same timestamp")
    return Trace(t_s, np.asarray(ctx, np.int64)[order], np.asarray(gen, np.int64)[order])


def write_trace(path: str | Path, t_s, context, generated, start: str = "2023-11-16T18:00:00") -> Path:
    """Write a trace in the Azure format (date-time stamps from `start`); for tests and examples."""
    base = np.datetime64(start, "ns")
    stamps = base + (np.asarray(t_s, float) * 1e9).astype("timedelta64[ns]")
    path = Path(path)
    with path.open("w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(COLUMNS)
        for s, c, g in zip(stamps, context, generated):
            w.writerow([str(s).replace("T", " ")[:27], int(c), int(g)])
    return path


def size_classes(context: np.ndarray, generated: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(probability, mean context tokens, mean generated tokens) of the non-empty classes of a
    k × k grid of context and generated quantiles: each class keeps its requests' share and
    mean sizes, so the mean tokens (and mean service time) are those of the trace."""
    def quantile_bin(x):
        edges = np.quantile(x, np.linspace(0.0, 1.0, k + 1)[1:-1])
        return np.searchsorted(edges, x, side="right")
    cls = quantile_bin(context) * k + quantile_bin(generated)
    count = np.bincount(cls, minlength=k * k).astype(float)
    keep = count > 0
    ctx = np.bincount(cls, weights=context, minlength=k * k)[keep] / count[keep]
    gen = np.bincount(cls, weights=generated, minlength=k * k)[keep] / count[keep]
    return count[keep] / count.sum(), ctx, gen
