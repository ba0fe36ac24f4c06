"""Latency percentiles, busy-time throughput, tokens per second and error rate."""

from __future__ import annotations

import pytest

from fmkit.evaluate.metrics.operational import (
    busy_seconds,
    error_rate,
    latency_stats,
    output_tokens_per_second,
    percentile,
    throughput_rps,
)
from tests.unit.evaluate._helpers import item_record as _record


def test_latency_percentiles_match_numpy_linear_interpolation() -> None:
    values = [float(v) for v in range(1, 11)]
    stats = latency_stats([*values, None])
    assert stats is not None
    assert (stats.n, stats.p50, stats.p95, stats.mean) == (10, 5.5, pytest.approx(9.55), 5.5)
    assert percentile([], 50) is None
    assert latency_stats([None]) is None


def test_busy_time_throughput_and_error_rate() -> None:
    assert busy_seconds([(0, 2), (1, 3), (10, 11), (10.5, 10.7)]) == pytest.approx(4.0)
    records = [_record(i, start=i * 0.5, end=i * 0.5 + 1) for i in range(4)]  # busy 0..2.5
    records.append(_record(9, ok=False, start=100, end=101.5))  # a failure still occupied the endpoint
    assert throughput_rps(records) == pytest.approx(4 / 4.0)
    assert error_rate(records) == pytest.approx(1 / 5)
    assert error_rate([]) is None
    assert output_tokens_per_second([_record(0, latency=2.0), _record(1, latency=0.5)]) == pytest.approx(62.5)
