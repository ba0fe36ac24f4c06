from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from fmkit.contracts.pricing import InstancePricing, TokenPricing
from fmkit.evaluate.dataset import Dataset
from fmkit.evaluate.metrics import JsonValidCheck
from fmkit.evaluate.records import ErrorInfo, GenerationParams, ItemRecord
from fmkit.evaluate.report import (
    check_thresholds,
    parse_threshold,
    render_html,
    render_markdown,
    write_reports,
)
from fmkit.evaluate.runner import EvaluationResult
from fmkit.evaluate.summary import EvaluationSummary, summarize
from fmkit.evaluate.targets import OpenAICompatEndpoint, Target
from tests.unit.evaluate._helpers import make_dataset

N = 24


def _dataset() -> Dataset:
    return make_dataset(
        [
            {
                "id": f"i{i}",
                "prompt": f"Question {i} about {'billing' if i % 2 else 'shipping'}?",
                "reference": f"The answer to question {i} is that parcels ship within {i + 1} days from Lyon.",
                "tags": ["billing" if i % 2 else "shipping"],
            }
            for i in range(N)
        ]
    )


def _result(
    dataset: Dataset, answers: dict[str, list[tuple[str | None, float]]], prices: dict[str, Any]
) -> EvaluationResult:
    """Records from (answer or None for a failure, latency) per item, one request per second."""
    records: dict[str, dict[str, ItemRecord]] = {}
    for model, rows in answers.items():
        by_id = {}
        for index, (item, (answer, latency)) in enumerate(zip(dataset.items, rows, strict=True)):
            by_id[item.id] = ItemRecord(
                item_id=item.id,
                model=model,
                fingerprint="f",
                output=answer,
                error=None if answer is not None else ErrorInfo(kind="server_error", message="HTTP 500", status=500),
                ttft_s=latency / 4 if answer is not None else None,
                latency_s=latency if answer is not None else None,
                input_tokens=200 if answer is not None else None,
                output_tokens=40 if answer is not None else None,
                started_at=float(index),
                finished_at=float(index) + 1.0,
            )
        records[model] = by_id
    targets = tuple(
        Target(name=m, endpoint=OpenAICompatEndpoint(base_url=f"http://127.0.0.1:1/{m}/v1"), price=prices.get(m))
        for m in answers
    )
    return EvaluationResult(dataset=dataset, targets=targets, params=GenerationParams(), records=records)


def _answers(dataset: Dataset) -> dict[str, list[tuple[str | None, float]]]:
    refs = [item.reference for item in dataset.items]
    return {
        # exact: the reference; fast
        "exact": [(r, 0.5 + 0.01 * i) for i, r in enumerate(refs)],
        # twin: the reference with one word changed on a few items -> not significantly different
        # (latency jitters ±20 ms around exact's: no systematic difference)
        "twin": [
            ((r.replace("Lyon", "Paris") if i % 8 == 0 else r), 0.5 + 0.01 * i + (0.02 if i % 2 else -0.02))
            for i, r in enumerate(refs)
        ],
        # weak: drops most of the answer, slow
        "weak": [(" ".join(r.split()[:4]), 2.0 + 0.05 * i) for i, r in enumerate(refs)],
        # down: every request failed
        "down": [(None, 0.0) for _ in refs],
    }


PRICES = {
    "exact": TokenPricing(input_per_1k=0.003, output_per_1k=0.015),
    "twin": TokenPricing(input_per_1k=0.0005, output_per_1k=0.0015),
    "weak": InstancePricing(per_hour=3.6),
}


@pytest.fixture(scope="module")
def summary() -> EvaluationSummary:
    dataset = _dataset()
    return summarize(_result(dataset, _answers(dataset), PRICES), n_resamples=400)


def test_scores_errors_and_costs(summary: EvaluationSummary) -> None:
    exact, weak, down = summary.model("exact"), summary.model("weak"), summary.model("down")
    assert exact.quality["rougeL"].value == pytest.approx(1.0)
    assert exact.quality["bleu"].value == pytest.approx(100.0)
    assert exact.quality["exact_match"].value == pytest.approx(1.0)
    assert exact.error_rate == 0.0
    # Failed requests count as empty answers, and are reported as errors.
    assert (down.n_errors, down.error_rate, down.quality["rougeL"].value) == (N, 1.0, 0.0)
    assert down.errors_by_kind == {"server_error": N}
    assert down.latency_p95_s.value is None and down.cost_per_1k_requests is None
    est = weak.quality["rougeL"]
    assert est.value is not None and est.low is not None and est.high is not None
    assert est.low <= est.value <= est.high < 1.0
    # Token cost: 200 in + 40 out per request.
    assert exact.cost_per_1k_requests == pytest.approx((0.2 * 0.003 + 0.04 * 0.015) * 1000)
    # Hourly: 24 requests back to back over 24 busy seconds = 1 req/s at $0.001/s.
    assert weak.throughput_rps == pytest.approx(1.0)
    assert weak.cost_per_1k_requests == pytest.approx(1.0)
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
    assert summary.winner("cheapest").model == "twin"
    assert summary.winner("best_value").model == "twin"
    by_pair = {(c.model_a, c.model_b): c for c in summary.comparisons}
    assert not by_pair[("exact", "twin")].significant
    assert by_pair[("exact", "weak")].significant and by_pair[("exact", "weak")].low > 0
    assert by_pair[("weak", "down")].significant


def test_tags_and_weakest_items(summary: EvaluationSummary) -> None:
    rows = {row.tag: row for row in summary.tags}
    assert set(rows) == {"shipping", "billing"} and rows["billing"].n == N // 2
    assert rows["billing"].by_model["exact"]["rougeL"] == pytest.approx(1.0)
    assert rows["shipping"].by_model["down"]["error_rate"] == 1.0
    weakest_twin = summary.weakest_items["twin"]
    assert [ex.item_id for ex in weakest_twin] == ["i0", "i8", "i16"]  # the edited answers
    assert summary.weakest_items["down"][0].error == "server_error: HTTP 500"


def test_summary_is_deterministic(summary: EvaluationSummary) -> None:
    dataset = _dataset()
    again = summarize(_result(dataset, _answers(dataset), PRICES), n_resamples=400)
    first, second = summary.to_dict(), again.to_dict()
    first.pop("generated_at")
    second.pop("generated_at")
    assert first == second


def test_report_files_json_markdown_and_self_contained_html(summary: EvaluationSummary, tmp_path: Path) -> None:
    paths = write_reports(summary, tmp_path)
    data = json.loads(paths.json.read_text())
    assert data["schema"] == "fmkit.evaluate.report/v1"
    assert [m["model"] for m in data["models"]] == ["exact", "twin", "weak", "down"]
    assert {w["category"] for w in data["winners"]} == {"best_quality", "fastest", "cheapest", "best_value"}
    assert "NaN" not in paths.json.read_text()

    markdown = paths.markdown.read_text()
    assert "| Model | OK / n | Errors | BLEU | chrF | ROUGE-1 | ROUGE-2 | ROUGE-L |" in markdown
    assert "**Best quality:** `exact`" in markdown and "not significantly different from twin" in markdown
    assert "| `down` | 0 / 24 | 100.0% |" in markdown

    page = paths.html.read_text()
    assert page.startswith("<!DOCTYPE html>")
    assert page.count("<svg") == 2  # quality vs cost, quality vs latency
    # Self-contained: nothing to fetch.
    assert not re.search(r"""(?:src|href)\s*=\s*["']?\s*(?:https?:)?//""", page, re.IGNORECASE)
    assert not re.search(r"<script|<link|<img|<iframe|@import|url\((?!#)", page, re.IGNORECASE)  # url(#clip) is local
    assert "not significantly different" in page


def test_html_escapes_model_output(tmp_path: Path) -> None:
    dataset = _dataset()
    answers = _answers(dataset)
    hostile = "<script>alert(1)</script><img src=https://evil.example/x.png>"
    answers["weak"] = [(hostile, 1.0) for _ in dataset.items]
    page = render_html(summarize(_result(dataset, answers, PRICES), n_resamples=50))
    assert "<script>alert" not in page and "&lt;script&gt;alert(1)" in page
    assert "<img" not in page and "&lt;img src=https://evil.example/x.png&gt;" in page


def test_single_model_without_prices(tmp_path: Path) -> None:
    dataset = _dataset()
    only = {"exact": _answers(dataset)["exact"]}
    summary = summarize(_result(dataset, only, {}), n_resamples=50)
    assert summary.comparisons == []
    assert summary.winner("cheapest").model is None and summary.winner("cheapest").note == "no prices given"
    page = render_html(summary)
    assert page.count("<svg") == 1 and "no cost plot" in page
    assert "cheapest" not in render_markdown(summary).lower() or "no prices given" in render_markdown(summary)


def test_checks_are_scored_when_configured() -> None:
    dataset = _dataset()
    answers: dict[str, list[tuple[str | None, float]]] = {
        "json": [('{"ok": true}' if i < 6 else "nope", 1.0) for i in range(N)]
    }
    summary = summarize(_result(dataset, answers, {}), checks=[JsonValidCheck()], n_resamples=50)
    assert summary.model("json").quality["json_valid"].value == pytest.approx(6 / N)
    # Scoped to a tag, the check only counts the items that must answer in JSON.
    scoped = summarize(_result(dataset, answers, {}), checks=[JsonValidCheck(tags=("shipping",))], n_resamples=50)
    # Items i0, i2, i4 are tagged shipping and valid JSON; 12 items are tagged shipping.
    assert scoped.model("json").quality["json_valid"].value == pytest.approx(3 / 12)
    rows = {row.tag: row.by_model["json"]["json_valid"] for row in scoped.tags}
    assert rows["shipping"] == pytest.approx(3 / 12) and rows["billing"] is None
    with pytest.raises(ValueError, match="unknown primary metric"):
        summarize(_result(dataset, answers, {}), primary_metric="meteor")


def test_thresholds_pass_and_fail_with_exit_codes(summary: EvaluationSummary) -> None:
    passing = check_thresholds(summary, {"rougeL": 0.9, "bleu": 80}, models=["exact", "twin"])
    assert passing.passed and passing.exit_code == 0 and passing.checked == 4
    failing = check_thresholds(summary, {"rougeL": 0.9})
    assert failing.exit_code == 1
    assert {f.model for f in failing.failures} == {"weak", "down"}
    assert any(line.startswith("weak: rougeL 0.") and "< min 0.9" in line for line in failing.lines())
    latency = check_thresholds(summary, {}, maximums={"latency_p95_s": 1.0, "error_rate": 0.05})
    assert {(f.model, f.metric) for f in latency.failures} == {
        ("weak", "latency_p95_s"),
        ("down", "latency_p95_s"),  # not measured counts as a failure
        ("down", "error_rate"),
    }
    assert "was not measured" in str(next(f for f in latency.failures if f.value is None))


def test_threshold_on_lower_confidence_bound(summary: EvaluationSummary) -> None:
    twin = summary.model("twin").quality["rougeL"]
    assert twin.value is not None and twin.low is not None and twin.low < twin.value
    threshold = (twin.low + twin.value) / 2  # between the CI's lower bound and the point estimate
    assert check_thresholds(summary, {"rougeL": threshold}, models=["twin"]).passed
    assert not check_thresholds(summary, {"rougeL": threshold}, models=["twin"], use_lower_bound=True).passed


def test_threshold_input_validation(summary: EvaluationSummary) -> None:
    with pytest.raises(ValueError, match="unknown metric 'rogueL'"):
        check_thresholds(summary, {"rogueL": 0.3})
    assert parse_threshold("rougeL=0.3") == ("rougeL", 0.3)
    assert parse_threshold(" bleu = 20 ") == ("bleu", 20.0)
    for bad in ("rougeL", "=0.3", "rougeL=high"):
        with pytest.raises(ValueError, match="METRIC=NUMBER"):
            parse_threshold(bad)


def test_thresholds_accept_a_result_directly() -> None:
    dataset = _dataset()
    result = _result(dataset, {"exact": _answers(dataset)["exact"]}, {})
    assert check_thresholds(result, {"rougeL": 0.99, "exact_match": 1.0}).exit_code == 0


def test_partial_runs_and_checks_that_apply_to_no_item(tmp_path: Path) -> None:
    dataset = _dataset()
    answers = _answers(dataset)
    result = _result(dataset, {"exact": answers["exact"], "weak": answers["weak"]}, {})
    for item_id in ("i0", "i1", "i2"):  # an interrupted run: three items never ran for "weak"
        del result.records["weak"][item_id]
    summary = summarize(result, checks=[JsonValidCheck(tags=("nothing",))], primary_metric="json_valid", n_resamples=50)
    weak = summary.model("weak")
    assert (weak.n_items, weak.n_missing, weak.n_errors) == (N - 3, 3, 0)
    assert weak.quality["json_valid"].value is None  # no item is tagged for the check
    assert summary.comparisons == []
    assert summary.winner("best_quality").model is None
    paths = write_reports(summary, tmp_path)  # no NaN sneaks into the JSON (allow_nan=False)
    assert json.loads(paths.json.read_text())["models"][1]["n_missing"] == 3
    assert "3 not run" in paths.html.read_text()
