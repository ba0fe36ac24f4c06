"""The evaluation contract: metric names, the check grammar and the functions' settings."""

from __future__ import annotations

import json

import pytest
from pydantic import ValidationError

from fmkit.contracts.evaluation import (
    CHECK_RE,
    MODEL_SCORED_METRICS,
    QUALITY_METRICS,
    CheckSpec,
    EvaluationSettings,
    PlanCost,
    check_name,
    parse_check_spec,
)
from fmkit.contracts.pricing import InstancePricing, TokenPricing


def test_quality_metric_names() -> None:
    assert QUALITY_METRICS == ("bleu", "chrf", "rouge1", "rouge2", "rougeL", "exact_match")
    assert MODEL_SCORED_METRICS == ("judge", "semantic_similarity")


def test_plan_cost_per_1k_requests() -> None:
    plan = PlanCost(usd_per_month=63.44, requests_per_month=60_833.3, basis="b")
    assert plan.usd_per_1k_requests == pytest.approx(1.04285, abs=1e-5)
    with pytest.raises(ValidationError):
        PlanCost(usd_per_month=1.0, requests_per_month=0, basis="b")


@pytest.mark.parametrize(("spec", "parsed"), [
    ("json", CheckSpec("json", "json_valid", ())),
    ("json-fenced@triage", CheckSpec("json-fenced", "json_valid", ("triage",))),
    ("json@triage, forms", CheckSpec("json", "json_valid", ("triage", "forms"))),
    ("regex=x", CheckSpec("regex", "regex", (), "x")),
    ("regex:order_id@a,b=ORD-\\d+=", CheckSpec("regex", "order_id", ("a", "b"), "ORD-\\d+=")),
])
def test_check_grammar(spec: str, parsed: CheckSpec) -> None:
    assert CHECK_RE.match(spec)
    assert parse_check_spec(spec) == parsed
    assert check_name(spec) == parsed.name


@pytest.mark.parametrize("spec", ["yaml", "json=x", "json@", "regex", "regex=", "regex:bad-name=x", "regex:@a=x",
                                  "JSON"])
def test_not_a_check(spec: str) -> None:
    assert not CHECK_RE.match(spec)
    with pytest.raises(ValueError, match=r"unknown check .*json\[@TAGS\]"):
        parse_check_spec(spec)


def _settings() -> EvaluationSettings:
    return EvaluationSettings(
        bucket="eval-bucket", dataset_bucket="data-bucket", dataset_key="datasets/support.jsonl", project="demo",
        environment="dev", models=("nova", "qwen"),
        prices={"nova": TokenPricing(input_per_1k=0.00006, output_per_1k=0.00024),
                "qwen": InstancePricing(per_hour=1.515, instances=2)},
        max_tokens=256, timeout_s=120, checks=("json@triage",), n_resamples=500, min_scores={"rougeL": 0.3},
        plan_costs={"nova": PlanCost(usd_per_month=21.9, requests_per_month=152_083.3, basis="fmkit plan")},
        judges=("qwen",),
    )


def test_settings_render_the_environment_the_stack_has_always_written() -> None:
    env = _settings().to_environment()
    assert list(env) == ["EVAL_BUCKET", "DATASET_BUCKET", "DATASET_KEY", "FMKIT_PROJECT", "FMKIT_ENVIRONMENT",
                         "EVAL_MODELS", "EVAL_PRICES", "EVAL_MAX_TOKENS", "EVAL_TIMEOUT_S", "EVAL_PRIMARY_METRIC",
                         "EVAL_CHECKS", "EVAL_RESAMPLES", "EVAL_MIN_SCORES", "EVAL_PLAN_COSTS", "EVAL_JUDGES"]
    # No embedder: the variable is left out, and parses back as None.
    assert env["EVAL_MODELS"] == '["nova", "qwen"]'
    assert env["EVAL_TIMEOUT_S"] == "120" and env["EVAL_MAX_TOKENS"] == "256"  # no "120.0"
    assert env["EVAL_PRICES"] == json.dumps({
        "nova": {"input_per_1k": 0.00006, "kind": "tokens", "output_per_1k": 0.00024},
        "qwen": {"instances": 2, "kind": "hourly", "per_hour": 1.515}}, sort_keys=True)
    assert env["EVAL_MIN_SCORES"] == '{"rougeL": 0.3}' and env["EVAL_CHECKS"] == '["json@triage"]'
    assert env["EVAL_PLAN_COSTS"] == json.dumps({"nova": {"basis": "fmkit plan", "requests_per_month": 152083.3,
                                                          "usd_per_month": 21.9}}, sort_keys=True)
    assert env["EVAL_JUDGES"] == '["qwen"]'
    assert EvaluationSettings(**{**_settings().model_dump(), "embedder": "bge"}).to_environment()[
        "EVAL_EMBEDDER"] == "bge"
    assert EvaluationSettings(**{**_settings().model_dump(), "timeout_s": 2.5}).to_environment()[
        "EVAL_TIMEOUT_S"] == "2.5"


def test_settings_round_trip_through_the_environment() -> None:
    settings = _settings()
    env = {**settings.to_environment(), "AWS_REGION": "eu-west-1", "POWERTOOLS_SERVICE_NAME": "evaluate"}
    parsed = EvaluationSettings.from_environment(env)
    assert parsed == settings
    assert isinstance(parsed.prices["qwen"], InstancePricing) and parsed.timeout_s == 120.0
    assert parsed.plan_costs["nova"].usd_per_1k_requests == pytest.approx(0.144, abs=1e-4)
    assert parsed.judges == ("qwen",) and parsed.embedder is None


def test_optional_settings_have_defaults_and_required_ones_are_named() -> None:
    env = {"EVAL_BUCKET": "b", "DATASET_BUCKET": "d", "DATASET_KEY": "k.jsonl", "FMKIT_PROJECT": "p",
           "FMKIT_ENVIRONMENT": "dev", "EVAL_MODELS": '["m"]'}
    parsed = EvaluationSettings.from_environment(env)
    defaults = (parsed.max_tokens, parsed.timeout_s, parsed.primary_metric, parsed.n_resamples)
    assert defaults == (512, 120, "rougeL", 1000)
    assert parsed.prices == {} and parsed.checks == () and parsed.min_scores == {}
    assert parsed.plan_costs == {} and parsed.judges == () and parsed.embedder is None
    with pytest.raises(ValidationError, match="EVAL_MODELS"):
        EvaluationSettings.from_environment({k: v for k, v in env.items() if k != "EVAL_MODELS"})
    with pytest.raises(ValidationError, match="EVAL_PRICES"):
        EvaluationSettings.from_environment({**env, "EVAL_PRICES": '{"m": {"kind": "monthly"}}'})
