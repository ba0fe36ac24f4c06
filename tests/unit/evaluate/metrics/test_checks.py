"""Checks: JSON and regex pass rates, limited to tagged items, built from the contract's grammar."""

from __future__ import annotations

import pytest

from fmkit.contracts.evaluation import check_name
from fmkit.evaluate.metrics.checks import JsonValidCheck, RegexCheck, parse_check
from fmkit.evaluate.metrics.quality import RougeMetric, quality_metrics


def test_mean_metrics_and_checks() -> None:
    hyps = ['{"ok": true}', '```json\n{"ok": 1}\n```', "Order #1234 shipped."]
    refs = ["x", "y", "z"]
    assert JsonValidCheck().score(hyps, refs) == pytest.approx(1 / 3)
    assert JsonValidCheck(allow_code_fence=True).score(hyps, refs) == pytest.approx(2 / 3)
    order = RegexCheck(pattern=r"#\d{4}\b", name="order_number")
    assert order.score(hyps, refs) == pytest.approx(1 / 3)
    assert list(order.item_scores(hyps, refs)) == [0.0, 0.0, 1.0]
    assert RougeMetric("rouge1").score(["a b", "c"], ["a b", "d"]) == pytest.approx(0.5)


def test_check_parsing_and_unique_names() -> None:
    assert isinstance(parse_check("json"), JsonValidCheck)
    assert parse_check("json-fenced") == JsonValidCheck(allow_code_fence=True)
    check = parse_check("regex:ticket=TCK-\\d+")
    assert isinstance(check, RegexCheck) and check.name == "ticket" and check.pattern == "TCK-\\d+"
    scoped = parse_check("json@triage, forms")
    assert scoped == JsonValidCheck(tags=("triage", "forms"))
    assert scoped.applies_to(["billing", "forms"]) and not scoped.applies_to(["billing"])
    assert parse_check("regex:ref@orders=ORD-\\d+") == RegexCheck(pattern="ORD-\\d+", name="ref", tags=("orders",))
    assert parse_check("json").applies_to([])
    with pytest.raises(ValueError, match="invalid regex"):
        parse_check("regex=(")
    with pytest.raises(ValueError, match="unknown check"):
        parse_check("yaml")
    with pytest.raises(ValueError, match="unique"):
        quality_metrics([RegexCheck(pattern="a", name="bleu")])
    names = [m.name for m in quality_metrics([JsonValidCheck()])]
    assert names == ["bleu", "chrf", "rouge1", "rouge2", "rougeL", "exact_match", "json_valid"]


def test_a_check_reports_under_the_name_the_config_expects() -> None:
    """`fmkit validate` accepts `min_scores` by `check_name`; the library must score under that name."""
    specs = ["json@triage", "json-fenced", "regex:order_id@a,b=ORD-\\d+", "regex=x", "json@triage, forms"]
    assert [parse_check(s).name for s in specs] == [check_name(s) for s in specs]
    assert [m.name for m in quality_metrics([parse_check(specs[0])])][-1] == "json_valid"
