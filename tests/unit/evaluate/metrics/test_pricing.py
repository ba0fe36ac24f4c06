"""USD per 1,000 requests from token prices (mean usage) and hourly prices (measured throughput)."""

from __future__ import annotations

import pytest

from fmkit.contracts.pricing import InstancePricing, TokenPricing
from fmkit.evaluate.metrics.pricing import cost_per_1k_requests
from tests.unit.evaluate._helpers import item_record as _record


def test_cost_per_1k_requests_from_tokens_and_hourly_prices() -> None:
    records = [_record(i, tokens=(1000, 500)) for i in range(3)] + [_record(3, ok=False)]
    tokens = cost_per_1k_requests(TokenPricing(input_per_1k=0.003, output_per_1k=0.015), records)
    assert tokens is not None and tokens.basis == "tokens"
    assert tokens.per_1k_requests == pytest.approx((0.003 + 0.5 * 0.015) * 1000)
    # 10 successful requests back to back over 10 busy seconds: 1 req/s; $3.60/h = $0.001/s.
    sequential = [_record(i, start=i, end=i + 1) for i in range(10)]
    hourly = cost_per_1k_requests(InstancePricing(per_hour=3.6, instances=2), sequential)
    assert hourly is not None and hourly.basis == "hourly"
    assert hourly.per_1k_requests == pytest.approx(2 * 0.001 * 1000)
    no_usage = [_record(0, tokens=(None, None))]
    assert cost_per_1k_requests(TokenPricing(input_per_1k=1, output_per_1k=1), no_usage) is None
