"""Operational metrics: latency percentiles, throughput and error rate of the requests."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from fmkit.evaluate.records import ItemRecord


def percentile(values: Iterable[float], q: float) -> float | None:
    """Linear-interpolated percentile (numpy default); None for no data."""
    data = np.asarray(list(values), dtype=np.float64)
    if data.size == 0:
        return None
    return float(np.percentile(data, q))


@dataclass(frozen=True)
class LatencyStats:
    n: int
    p50: float
    p95: float
    mean: float


def latency_stats(values: Iterable[float | None]) -> LatencyStats | None:
    data = [v for v in values if v is not None]
    if not data:
        return None
    arr = np.asarray(data, dtype=np.float64)
    return LatencyStats(
        n=len(data),
        p50=float(np.percentile(arr, 50)),
        p95=float(np.percentile(arr, 95)),
        mean=float(arr.mean()),
    )


def busy_seconds(intervals: Iterable[tuple[float, float]]) -> float:
    """Length of the union of [start, end] intervals.

    Throughput is requests per *busy* second so that gaps between resumed runs (or a second
    model's run) do not dilute it.
    """
    total = 0.0
    current_start: float | None = None
    current_end = 0.0
    for start, end in sorted(intervals):
        if current_start is None or start > current_end:
            if current_start is not None:
                total += current_end - current_start
            current_start, current_end = start, end
        else:
            current_end = max(current_end, end)
    if current_start is not None:
        total += current_end - current_start
    return total


def throughput_rps(records: Iterable[ItemRecord]) -> float | None:
    """Successful requests per busy second at the concurrency the run used."""
    all_records = list(records)
    ok = sum(1 for r in all_records if r.ok)
    busy = busy_seconds((r.started_at, r.finished_at) for r in all_records)
    if ok == 0 or busy <= 0:
        return None
    return ok / busy


def output_tokens_per_second(records: Iterable[ItemRecord]) -> float | None:
    """Median per-request output tokens / end-to-end latency (what one user experiences)."""
    rates = [
        r.output_tokens / r.latency_s
        for r in records
        if r.ok and r.output_tokens is not None and r.latency_s is not None and r.latency_s > 0
    ]
    return float(np.median(rates)) if rates else None


def error_rate(records: Sequence[ItemRecord]) -> float | None:
    if not records:
        return None
    return sum(1 for r in records if not r.ok) / len(records)
