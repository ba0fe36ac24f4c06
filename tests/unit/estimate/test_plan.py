"""Whole-environment plans from config files: totals, budgets, knowledge bases, platform, recommendations."""

from __future__ import annotations

from pathlib import Path

import pytest

from fmkit.estimate import estimate_environment
from tests.helpers import load_env

QWEN = """
    provider: sagemaker
    source: {jumpstart: {model_id: huggingface-llm-qwen2-5-7b-instruct}}
    instance_type: ml.g5.2xlarge
    autoscaling: {min: 1, max: 2}
    expected_traffic: {requests_per_day: 2000, mean_input_tokens: 800, mean_output_tokens: 400}
"""
NOVA = """
    provider: bedrock
    model_id: amazon.nova-lite-v1:0
    cross_region: geo
    expected_traffic: {requests_per_day: 5000, mean_input_tokens: 1200, mean_output_tokens: 300}
"""


def test_totals_are_the_sum_of_items_and_budget_is_checked(tmp_path: Path) -> None:
    env = load_env(tmp_path, {"models/nova.yaml": NOVA, "models/qwen.yaml": QWEN, "environments/dev.yaml": """
        account: "111111111111"
        region: us-east-1
        project: {budget: {monthly_usd: 100}, carbon: {monthly_kg_co2e: 1000}}
    """})
    est = estimate_environment(env)
    assert [i.name for i in est.items] == ["nova", "qwen", "platform"]
    assert est.footprint.usd.expected == pytest.approx(sum(i.footprint.usd.expected for i in est.items))
    # qwen: one ml.g5.2xlarge all month ($1.515/h) — 7.9 tok/s demand is far below one instance
    assert est.items[1].footprint.usd.expected == pytest.approx(730 * 1.515)
    assert [(b.metric, b.exceeded) for b in est.over_budget] == [("usd", True)]
    assert {b.metric for b in est.budgets} == {"usd", "kg_co2e"}


def test_self_hosted_environment_pays_for_nat_gateways(tmp_path: Path) -> None:
    env = load_env(tmp_path, {"models/qwen.yaml": QWEN, "environments/dev.yaml": """
        account: "111111111111"
        region: us-east-1
        platform: {vpc: {nat_gateways: 2}}
    """})
    platform = estimate_environment(env).items[-1]
    assert platform.name == "platform"
    assert platform.footprint.usd.expected == pytest.approx(1 + 2 * 730 * 0.045)


def test_knowledge_base_vector_store_floor(tmp_path: Path) -> None:
    env = load_env(tmp_path, {"models/nova.yaml": NOVA, "project.yaml": """
        name: demo
        owner: team@example.com
        cost_center: CC-1
        knowledge_bases:
          docs: {vector_store: opensearch-serverless, opensearch: {standby_replicas: false}}
    """})
    kb = next(i for i in estimate_environment(env).items if i.name == "kb:docs")
    # 1 OCU floor in eu-west-1 ($0.24 x 1.07) + one query Lambda per generation request
    floor = 730 * 0.24 * 1.07
    queries = 5000 * 730 / 24
    lambda_usd = queries * (2e-7 + 0.5 * 0.5 * 1.33334e-5)
    assert kb.footprint.usd.expected == pytest.approx(floor + lambda_usd)


def test_region_recommendation_keeps_the_geography(tmp_path: Path) -> None:
    env = load_env(tmp_path, {"models/nova.yaml": NOVA, "environments/dev.yaml": """
        account: "111111111111"
        region: us-east-1
    """})
    recs = [r for r in estimate_environment(env).recommendations if r.kind == "region"]
    assert len(recs) == 1 and recs[0].proposed.startswith("us-") and recs[0].kg_co2e_delta < 0


def test_json_round_trip_has_ranges(tmp_path: Path) -> None:
    env = load_env(tmp_path, {"models/nova.yaml": NOVA})
    doc = estimate_environment(env).as_dict()
    usd = doc["total"]["usd_month"]
    assert usd["low"] <= usd["expected"] <= usd["high"]
    assert doc["items"][0]["kind"] == "bedrock"
