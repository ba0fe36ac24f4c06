"""Scores with CIs, errors, costs, winners, tags and weakest answers from known results."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from fmkit.evaluate.metrics.checks import JsonValidCheck
from fmkit.evaluate.report.files import write_reports
from fmkit.evaluate.summary import EvaluationSummary, summarize
from tests.unit.evaluate import _runs as runs


def test_scores_errors_and_costs(summary: EvaluationSummary) -> None:
    exact, weak, down = summary.model("exact"), summary.model("weak"), summary.model("down")
    assert exact.quality["rougeL"].value == pytest.approx(1.0)
    assert exact.quality["bleu"].value == pytest.approx(100.0)
    assert exact.quality["exact_match"].value == pytest.approx(1.0)
    assert exact.error_rate == 0.0
    # Failed requests count as empty answers, and are reported as errors.
    assert (down.n_errors, down.error_rate, down.quality["rougeL"].value) == (runs.N, 1.0, 0.0)
    assert down.errors_by_kind == {"server_error": runs.N}
    assert down.latency_p95_s.value is None and down.cost.usd_per_1k_requests_marginal is None
    est = weak.quality["rougeL"]
    assert est.value is not None and est.low is not None and est.high is not None
    assert est.low <= est.value <= est.high < 1.0
    # Marginal token cost: 200 in + 40 out per request.
    assert exact.cost.usd_per_1k_requests_marginal == pytest.approx((0.2 * 0.003 + 0.04 * 0.015) * 1000)
    assert exact.cost.marginal_basis == "tokens" and weak.cost.marginal_basis == "hourly"
    # Marginal hourly: request i runs from i to i + 2 + 0.05 i, so the last ends at 23 + 2 + 1.15 = 26.15 s:
    # 24 requests over 26.15 busy seconds at $3.60/h = $0.001/s.
    assert weak.throughput_rps == pytest.approx(24 / 26.15)
    assert weak.cost.usd_per_1k_requests_marginal == pytest.approx(0.001 * 26.15 / 24 * 1000)
    # Expected: the plan's monthly cost over the expected requests ($2,000 / 100,000 requests).
    assert weak.cost.usd_per_1k_requests_expected == pytest.approx(20.0)
    assert weak.cost.expected_note == "plan: weak" and down.cost.usd_per_1k_requests_expected is None
    assert exact.ttft_p50_s is not None and exact.ttft_p50_s < exact.latency_p50_s  # type: ignore[operator]
    assert exact.output_tokens_per_s is not None and exact.output_tokens_per_s > weak.output_tokens_per_s  # type: ignore[operator]


def test_winners_with_significance_notes(summary: EvaluationSummary) -> None:
    best = summary.winner("best_quality")
    assert best.model == "exact"
    assert best.tied_with == ["twin"]
    assert "not significantly different from twin" in best.note
    fastest = summary.winner("fastest")
    assert fastest.model in {"exact", "twin"}
    assert {fastest.model, *fastest.tied_with} == {"exact", "twin"}  # ±20 ms jitter: not a real difference
    assert summary.winner("cheapest").model == "twin"  # $0.50 expected
    assert summary.winner("cheapest").value == pytest.approx(0.5)
    assert summary.winner("best_value").model == "twin"
    assert "not ranked (no expected cost): down" in summary.winner("cheapest").note
    by_pair = {(c.model_a, c.model_b): c for c in summary.comparisons}
    assert not by_pair[("exact", "twin")].significant
    assert by_pair[("exact", "weak")].significant and by_pair[("exact", "weak")].low > 0
    assert by_pair[("weak", "down")].significant


def test_tags_and_weakest_items(summary: EvaluationSummary) -> None:
    rows = {row.tag: row for row in summary.tags}
    assert set(rows) == {"shipping", "billing"} and rows["billing"].n == runs.N // 2
    assert rows["billing"].by_model["exact"]["rougeL"] == pytest.approx(1.0)
    assert rows["shipping"].by_model["down"]["error_rate"] == 1.0
    weakest_twin = summary.weakest_items["twin"]
    assert [ex.item_id for ex in weakest_twin] == ["i0", "i8", "i16"]  # the edited answers
    assert summary.weakest_items["down"][0].error == "server_error: HTTP 500"


def test_summary_is_deterministic(summary: EvaluationSummary) -> None:
    dataset = runs.dataset()
    again = summarize(runs.result(dataset, runs.answers(dataset), runs.PRICES, runs.PLANS), n_resamples=400)
    first, second = summary.to_dict(), again.to_dict()
    first.pop("generated_at")
    second.pop("generated_at")
    assert first == second


def test_checks_are_scored_when_configured() -> None:
    dataset = runs.dataset()
    answers: runs.Answers = {
        "json": [('{"ok": true}' if i < 6 else "nope", 1.0) for i in range(runs.N)]
    }
    summary = summarize(runs.result(dataset, answers, {}), checks=[JsonValidCheck()], n_resamples=50)
    assert summary.model("json").quality["json_valid"].value == pytest.approx(6 / runs.N)
    # Scoped to a tag, the check only counts the items that must answer in JSON.
    scoped = summarize(runs.result(dataset, answers, {}), checks=[JsonValidCheck(tags=("shipping",))], n_resamples=50)
    # Items i0, i2, i4 are tagged shipping and valid JSON; 12 items are tagged shipping.
    assert scoped.model("json").quality["json_valid"].value == pytest.approx(3 / 12)
    rows = {row.tag: row.by_model["json"]["json_valid"] for row in scoped.tags}
    assert rows["shipping"] == pytest.approx(3 / 12) and rows["billing"] is None
    with pytest.raises(ValueError, match="unknown primary metric"):
        summarize(runs.result(dataset, answers, {}), primary_metric="meteor")


def test_partial_runs_and_checks_that_apply_to_no_item(tmp_path: Path) -> None:
    dataset = runs.dataset()
    answers = runs.answers(dataset)
    result = runs.result(dataset, {"exact": answers["exact"], "weak": answers["weak"]}, {})
    for item_id in ("i0", "i1", "i2"):  # an interrupted run: three items never ran for "weak"
        del result.records["weak"][item_id]
    summary = summarize(result, checks=[JsonValidCheck(tags=("nothing",))], primary_metric="json_valid", n_resamples=50)
    weak = summary.model("weak")
    assert (weak.n_items, weak.n_missing, weak.n_errors) == (runs.N - 3, 3, 0)
    assert weak.quality["json_valid"].value is None  # no item is tagged for the check
    assert summary.comparisons == []
    assert summary.winner("best_quality").model is None
    paths = write_reports(summary, tmp_path)  # no NaN sneaks into the JSON (allow_nan=False)
    assert json.loads(paths.json.read_text())["models"]["weak"]["n_missing"] == 3
    assert "3 not run" in paths.html.read_text()
