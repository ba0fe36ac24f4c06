"""The verdicts that misled: cheapest on the marginal cost, fastest on the last attempt only."""

from __future__ import annotations

import pytest

from fmkit.contracts.evaluation import PlanCost
from fmkit.contracts.pricing import InstancePricing, TokenPricing
from fmkit.evaluate.report.formatting import winner_value
from fmkit.evaluate.report.html import render_html
from fmkit.evaluate.summary import summarize
from tests.unit.evaluate import _runs as runs


def test_cheapest_is_the_cheapest_at_expected_traffic_not_at_saturation() -> None:
    """A Graviton instance divided by its saturation throughput looks ~100x cheaper than Bedrock; at the
    configured traffic it costs 7x more, and that is the verdict."""
    dataset = runs.dataset()
    answers = runs.answers(dataset)
    prices = {"exact": TokenPricing(input_per_1k=0.00006, output_per_1k=0.00024),  # Bedrock, Nova Lite
              "weak": InstancePricing(per_hour=0.1624)}  # a c7g.xlarge
    plans = {"exact": PlanCost(usd_per_month=21.90, requests_per_month=152_083.3, basis="bedrock plan"),
             "weak": PlanCost(usd_per_month=63.44, requests_per_month=60_833.3, basis="graviton plan")}
    quick = [(answer, 0.05) for answer, _ in answers["weak"]]  # 20 req/s: a saturated small instance
    summary = summarize(runs.result(dataset, {"exact": answers["exact"], "weak": quick}, prices, plans),
                        n_resamples=100)
    exact, weak = summary.model("exact").cost, summary.model("weak").cost
    assert weak.usd_per_1k_requests_marginal is not None and exact.usd_per_1k_requests_marginal is not None
    assert weak.usd_per_1k_requests_marginal < exact.usd_per_1k_requests_marginal  # what the old card ranked on
    assert summary.winner("cheapest").model == "exact"
    assert summary.winner("cheapest").value == pytest.approx(0.1440, abs=1e-4)
    assert summary.winner("best_value").model == "exact"
    assert winner_value(summary, summary.winner("cheapest")) == "$0.1440 / 1k requests expected"


def test_fastest_counts_retries_and_the_card_flags_them() -> None:
    """`exact` answers in 0.5 s on its final attempt but every request needed three (2 s of back-off)."""
    dataset = runs.dataset()
    answers = runs.answers(dataset)
    slower = [(answer, latency + 0.3) for answer, latency in answers["exact"]]  # `twin`: 0.3 s slower, no retries
    summary = summarize(runs.result(dataset, {"exact": answers["exact"], "twin": slower}, {}, attempts={"exact": 3}),
                        n_resamples=200)
    exact, twin = summary.model("exact"), summary.model("twin")
    assert exact.latency_p95_s.value is not None and twin.latency_p95_s.value is not None
    assert exact.latency_p95_s.value < twin.latency_p95_s.value  # on the last attempt alone, exact looks faster
    assert exact.latency_with_retries_p95_s.value == pytest.approx(exact.latency_p95_s.value + 2.0)
    assert summary.winner("fastest").model == "twin"
    assert exact.retry_rate == 1.0 and exact.flags == ["100% of requests needed a retry (24/24)"]
    assert twin.retry_rate == 0.0 and twin.flags == []
    best = summary.winner("best_quality")
    assert best.model == "exact" and best.flags == exact.flags  # the winner's card carries its flag
    assert "⚠ 100% of requests needed a retry (24/24)" in render_html(summary)


def test_a_retry_rate_of_5_percent_is_not_flagged() -> None:
    dataset = runs.dataset()
    answers = runs.answers(dataset)
    result = runs.result(dataset, {"exact": answers["exact"]}, {})
    records = result.records["exact"]
    records["i0"] = records["i0"].model_copy(update={"attempts": 2})  # 1 of 24 = 4%
    assert summarize(result, n_resamples=50).model("exact").flags == []
    for item in ("i1", "i2"):  # 3 of 24 = 12.5%
        records[item] = records[item].model_copy(update={"attempts": 2})
    assert summarize(result, n_resamples=50).model("exact").flags == ["12% of requests needed a retry (3/24)"]
