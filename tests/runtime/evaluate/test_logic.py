"""The evaluation workflow's steps (`logic`) with moto (S3, SSM, CloudWatch) and a loopback model server."""

from __future__ import annotations

import json
from typing import Any

import pytest

from fmkit.contracts.evaluation import PlanCost
from fmkit.evaluate.adapters import OpenAICompatAdapter, RetryPolicy
from fmkit.evaluate.testing import FakeOpenAIServer
from tests.runtime.evaluate._function import BUCKET, DATASET_BUCKET, ITEMS, KEY, logic, settings


def fast(server: FakeOpenAIServer, route: str) -> OpenAICompatAdapter:
    """Two quick attempts, so a 500 is retried once and then recorded."""
    return OpenAICompatAdapter(server.base_url(route), timeout_s=5,
                               retry=RetryPolicy(max_attempts=2, base_delay_s=0.01, max_delay_s=0.02))


def run_all(aws: dict[str, Any], server: FakeOpenAIServer, config: Any) -> dict[str, Any]:
    logic.prepare({"run_id": "run-1"}, config, s3=aws["s3"], ssm=aws["ssm"])
    adapters = {"echo": fast(server, "echo"), "broken": fast(server, "broken")}
    for batch in (ITEMS[:2], ITEMS[2:]):
        logic.evaluate_batch({"Items": batch, "BatchInput": {"run_id": "run-1"}}, config, s3=aws["s3"],
                             adapters=adapters)
    return dict(logic.summarize_run({"run_id": "run-1"}, config, s3=aws["s3"], cloudwatch=aws["cloudwatch"]))


def test_prepare_resolves_endpoints_from_ssm_and_writes_the_manifest(aws: dict[str, Any]) -> None:
    out = logic.prepare({"run_id": "run-1"}, settings(), s3=aws["s3"], ssm=aws["ssm"])
    assert out == {"run_id": "run-1", "items": 3, "models": ["echo", "broken"]}
    manifest = json.loads(aws["s3"].get_object(Bucket=BUCKET, Key="runs/run-1/run.json")["Body"].read())
    targets = {t["name"]: t for t in manifest["targets"]}
    assert targets["echo"]["price"]["kind"] == "tokens" and targets["broken"]["price"] is None
    assert targets["echo"]["endpoint"]["provider"] == "ec2-graviton"
    assert manifest["dataset"]["items"] == 3 and len(manifest["dataset"]["sha256"]) == 64


def test_prepare_rejects_a_bad_dataset_with_line_numbers(aws: dict[str, Any]) -> None:
    aws["s3"].put_object(Bucket=DATASET_BUCKET, Key=KEY, Body=b'{"id": "a", "prompt": "x", "reference": "y"}\n{oops\n')
    with pytest.raises(logic.DatasetInvalid, match=r"datasets/support.jsonl:2: invalid JSON"):
        logic.prepare({"run_id": "run-1"}, settings(), s3=aws["s3"], ssm=aws["ssm"])


def test_prepare_fails_when_an_endpoint_is_not_published(aws: dict[str, Any]) -> None:
    with pytest.raises(ValueError, match="no endpoint published for: ghost"):
        logic.prepare({"run_id": "run-1"}, settings(models=("echo", "ghost")), s3=aws["s3"], ssm=aws["ssm"])


def test_evaluate_batch_records_answers_and_errors_per_model(aws: dict[str, Any], server: FakeOpenAIServer) -> None:
    config = settings()
    logic.prepare({"run_id": "run-1"}, config, s3=aws["s3"], ssm=aws["ssm"])
    out = logic.evaluate_batch({"Items": ITEMS[:2], "BatchInput": {"run_id": "run-1"}}, config, s3=aws["s3"],
                               adapters={"echo": fast(server, "echo"), "broken": fast(server, "broken")})
    assert out == {"items": 2, "errors": {"echo": 0, "broken": 2}}
    keys = [o["Key"] for o in aws["s3"].list_objects_v2(Bucket=BUCKET, Prefix="runs/run-1/results/")["Contents"]]
    assert len(keys) == 2 and all(k.endswith(".jsonl") for k in keys)
    broken = next(k for k in keys if "/broken/" in k)
    lines = [json.loads(x) for x in aws["s3"].get_object(Bucket=BUCKET, Key=broken)["Body"].read().splitlines()]
    assert {r["error"]["kind"] for r in lines} == {"server_error"} and {r["attempts"] for r in lines} == {2}


def test_evaluate_batch_builds_adapters_from_the_manifest(aws: dict[str, Any], server: FakeOpenAIServer) -> None:
    config = settings(models=("echo",))
    logic.prepare({"run_id": "run-2"}, config, s3=aws["s3"], ssm=aws["ssm"])
    out = logic.evaluate_batch({"Items": ITEMS, "BatchInput": {"run_id": "run-2"}}, config, s3=aws["s3"])
    assert out == {"items": 3, "errors": {"echo": 0}}
    assert server.requests["echo"] == 3


def test_summarize_writes_reports_publishes_metrics_and_checks_thresholds(aws: dict[str, Any],
                                                                          server: FakeOpenAIServer) -> None:
    out = run_all(aws, server, settings())
    assert out["report"] == f"s3://{BUCKET}/runs/run-1/report.html"
    assert out["winners"]["best_quality"] == "echo"
    assert out["thresholds_passed"] is False
    assert out["threshold_failures"] == ["broken: exact_match 0 < min 0.5"]
    for prefix in ("runs/run-1/", "reports/latest/"):
        for name in ("report.json", "report.md", "report.html"):
            aws["s3"].head_object(Bucket=BUCKET, Key=prefix + name)
    report = json.loads(aws["s3"].get_object(Bucket=BUCKET, Key="reports/latest/report.json")["Body"].read())
    echo = report["models"]["echo"]
    assert echo["n_ok"] == 3 and echo["quality"]["exact_match"]["value"] == pytest.approx(2 / 3)
    assert echo["quality"]["says"]["value"] == 1.0  # the configured regex check, on 'greet' items only
    assert echo["cost"]["usd_per_1k_requests_marginal"] is not None
    assert echo["cost"]["usd_per_1k_requests_expected"] is None  # no plan cost in these settings
    metrics = aws["cloudwatch"].list_metrics(Namespace="fmkit/Evaluation")["Metrics"]
    dims = {tuple(sorted((d["Name"], d["Value"]) for d in m["Dimensions"])) for m in metrics}
    assert (("Environment", "dev"), ("Metric", "rougeL"), ("Model", "echo")) in dims
    assert (("Environment", "dev"), ("Metric", "error_rate"), ("Model", "broken")) in dims
    assert out["metrics_published"] == len(metrics)


def test_summarize_ignores_answers_to_prompts_that_changed(aws: dict[str, Any], server: FakeOpenAIServer) -> None:
    config = settings(models=("echo",), min_scores={})
    logic.prepare({"run_id": "run-1"}, config, s3=aws["s3"], ssm=aws["ssm"])
    logic.evaluate_batch({"Items": ITEMS, "BatchInput": {"run_id": "run-1"}}, config, s3=aws["s3"],
                         adapters={"echo": fast(server, "echo")})
    changed = [*ITEMS[:2], {**ITEMS[2], "prompt": "Count to three"}]
    aws["s3"].put_object(Bucket=DATASET_BUCKET, Key=KEY, Body="".join(json.dumps(i) + "\n" for i in changed).encode())
    out = logic.summarize_run({"run_id": "run-1"}, config, s3=aws["s3"], cloudwatch=aws["cloudwatch"])
    report = json.loads(aws["s3"].get_object(Bucket=BUCKET, Key="runs/run-1/report.json")["Body"].read())
    assert report["models"]["echo"]["n_missing"] == 1 and out["thresholds_passed"] is None


def test_run_id_is_validated() -> None:
    with pytest.raises(ValueError, match="invalid run_id"):
        logic.evaluate_batch({"Items": [], "BatchInput": {"run_id": "../escape"}}, settings(), s3=None)


def test_a_judged_and_embedded_run_with_the_plan_costs_the_stack_passed(aws: dict[str, Any],
                                                                        server: FakeOpenAIServer) -> None:
    plan = PlanCost(usd_per_month=63.44, requests_per_month=60_833.3, basis="fmkit plan: $63.44/month")
    config = settings(models=("echo",), min_scores={}, plan_costs={"echo": plan}, judges=("judge",), embedder="emb",
                      primary_metric="judge")
    logic.prepare({"run_id": "run-5"}, config, s3=aws["s3"], ssm=aws["ssm"])
    manifest = json.loads(aws["s3"].get_object(Bucket=BUCKET, Key="runs/run-5/run.json")["Body"].read())
    assert [t["name"] for t in manifest["judges"]] == ["judge"] and manifest["embedder"]["name"] == "emb"
    assert manifest["targets"][0]["plan_cost"]["usd_per_month"] == 63.44
    for batch in (ITEMS[:2], ITEMS[2:]):
        logic.evaluate_batch({"Items": batch, "BatchInput": {"run_id": "run-5"}}, config, s3=aws["s3"])
    assert server.requests["judge"] == 3  # each answer judged in its batch
    verdicts = aws["s3"].list_objects_v2(Bucket=BUCKET, Prefix="runs/run-5/judge/judge/echo/")["Contents"]
    assert len(verdicts) == 2
    out = logic.summarize_run({"run_id": "run-5"}, config, s3=aws["s3"], cloudwatch=aws["cloudwatch"])
    assert out["answered"] == 3
    report = json.loads(aws["s3"].get_object(Bucket=BUCKET, Key="runs/run-5/report.json")["Body"].read())
    echo = report["models"]["echo"]
    assert echo["cost"]["usd_per_1k_requests_expected"] == pytest.approx(1.04285, abs=1e-5)
    assert echo["quality"]["judge"]["value"] is not None and echo["quality"]["semantic_similarity"]["value"] > 0
    assert report["judge"]["judges"] == ["judge"] and report["primary_metric"] == "judge"
    metrics = aws["cloudwatch"].list_metrics(Namespace="fmkit/Evaluation")["Metrics"]
    published = {d["Value"] for m in metrics for d in m["Dimensions"] if d["Name"] == "Metric"}
    assert {"judge", "semantic_similarity", "usd_per_1k_requests_expected", "usd_per_1k_requests_marginal",
            "latency_with_retries_p95_s"} <= published
