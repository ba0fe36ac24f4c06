"""USD per 1,000 requests: expected (the plan's, at configured traffic) and marginal (measured usage, throughput)."""

from __future__ import annotations

import pytest

from fmkit.contracts.evaluation import PlanCost
from fmkit.contracts.pricing import InstancePricing, TokenPricing
from fmkit.evaluate.metrics.pricing import cost_figures, cost_per_1k_requests
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


def test_cost_figures_name_the_expected_and_the_marginal_cost() -> None:
    """The issue's case: a Graviton endpoint nearly free at saturation, but $1.04 per 1k at its planned traffic."""
    plan = PlanCost(usd_per_month=63.44, requests_per_month=60_833.3, basis="fmkit plan: $63.44/month")
    # 100 requests back to back in 10 busy seconds: 10 req/s on one $0.1624/h instance.
    fast = [_record(i, start=i * 0.1, end=i * 0.1 + 0.1) for i in range(100)]
    figures = cost_figures(InstancePricing(per_hour=0.1624), plan, fast)
    assert figures.usd_per_1k_requests_expected == pytest.approx(63.44 / 60_833.3 * 1000)  # 1.0429
    assert figures.usd_per_1k_requests_expected == pytest.approx(1.0429, abs=1e-4)
    assert figures.usd_per_1k_requests_marginal == pytest.approx(0.1624 / 3600 / 10 * 1000)  # 0.00451
    assert figures.marginal_basis == "hourly" and "saturation" in figures.marginal_note
    assert figures.expected_note == "fmkit plan: $63.44/month"
    # Bedrock: the plan used the configured token means; the run measured 1,000 + 500 tokens a request.
    bedrock = cost_figures(TokenPricing(input_per_1k=0.00006, output_per_1k=0.00024),
                           PlanCost(usd_per_month=21.90, requests_per_month=152_083.3, basis="b"),
                           [_record(i, tokens=(1000, 500)) for i in range(3)])
    assert bedrock.usd_per_1k_requests_expected == pytest.approx(0.1440, abs=1e-4)  # 1,200 in + 300 out configured
    assert bedrock.usd_per_1k_requests_marginal == pytest.approx((1.0 * 0.00006 + 0.5 * 0.00024) * 1000)  # 0.18
    none = cost_figures(None, None, fast)
    assert (none.usd_per_1k_requests_expected, none.usd_per_1k_requests_marginal) == (None, None)
    assert none.marginal_note == "no price" and "no expected_traffic" in none.expected_note
