"""The CI gate: minimums and maximums per model, exit codes, lower confidence bounds, typos refused."""

from __future__ import annotations

import pytest

from fmkit.evaluate.report.gate import check_thresholds, parse_threshold
from fmkit.evaluate.summary import EvaluationSummary
from tests.unit.evaluate import _runs as runs


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
    dataset = runs.dataset()
    result = runs.result(dataset, {"exact": runs.answers(dataset)["exact"]}, {})
    assert check_thresholds(result, {"rougeL": 0.99, "exact_match": 1.0}).exit_code == 0
