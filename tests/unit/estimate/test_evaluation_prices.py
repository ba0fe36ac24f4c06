"""What a deployment costs for the evaluation: the catalog price (marginal) and `fmkit plan`'s figure
(expected), checked against hand-computed references."""

from __future__ import annotations

from pathlib import Path

import pytest

from fmkit.config import EnvironmentConfig
from fmkit.contracts.pricing import InstancePricing, TokenPricing
from fmkit.estimate.evaluation_prices import deployment_plan_cost, deployment_price
from fmkit.estimate.plan import estimate_deployment
from tests.helpers import load_env

GRAVITON = """
    provider: ec2-graviton
    instance_type: c7g.xlarge
    model:
      hf: {repo: bartowski/Llama-3.2-3B-Instruct-GGUF, file: Llama-3.2-3B-Instruct-Q4_0.gguf}
      size_gib: 1.8
      quantization: Q4_0
    autoscaling: {min: 1, max: 2}
    expected_traffic: {requests_per_day: 2000, mean_input_tokens: 800, mean_output_tokens: 200}
"""
NOVA = """
    provider: bedrock
    model_id: amazon.nova-lite-v1:0
    cross_region: geo
    expected_traffic: {requests_per_day: 5000, mean_input_tokens: 1200, mean_output_tokens: 300}
"""
QUIET = """
    provider: bedrock
    model_id: amazon.nova-lite-v1:0
    cross_region: geo
"""
DEV = """
    account: "111111111111"
    region: eu-west-1
"""


def _env(tmp_path: Path) -> EnvironmentConfig:
    return load_env(tmp_path, {"models/llama.yaml": GRAVITON, "models/nova.yaml": NOVA, "models/quiet.yaml": QUIET,
                               "environments/dev.yaml": DEV})


def test_graviton_expected_cost_is_the_plan_over_the_expected_requests(tmp_path: Path) -> None:
    env = _env(tmp_path)
    llama = env.enabled_models()["llama"]
    plan = deployment_plan_cost("llama", llama, env)
    assert plan is not None
    # By hand: one c7g.xlarge all month (min 1; 4.6 output tokens/s of demand never needs a second) at
    # $0.1624/h in eu-west-1, plus the load balancer ($0.024075/h): 730 h x 0.186475 = $136.12675.
    # Requests: 2,000 a day x 730/24 days = 60,833.3.
    assert plan.usd_per_month == pytest.approx(136.12675)
    assert plan.requests_per_month == pytest.approx(60_833.333, rel=1e-6)
    assert plan.usd_per_1k_requests == pytest.approx(2.2377, abs=1e-4)
    # The very estimator `fmkit plan` uses.
    assert plan.usd_per_month == pytest.approx(estimate_deployment("llama", llama, env).footprint.usd.expected)
    assert "730 instance-hours" in plan.basis and "load balancer" in plan.basis and "2,000/day" in plan.basis
    # The marginal price: the same instance per hour, measured throughput to come.
    assert deployment_price(llama, "eu-west-1") == InstancePricing(per_hour=0.1624, instances=1)


def test_bedrock_expected_cost_uses_the_configured_token_means(tmp_path: Path) -> None:
    env = _env(tmp_path)
    nova = env.enabled_models()["nova"]
    plan = deployment_plan_cost("nova", nova, env)
    assert plan is not None
    # By hand: 1,200 x $0.00006/1k + 300 x $0.00024/1k = $0.000144 a request: $0.144 per 1,000.
    assert plan.usd_per_1k_requests == pytest.approx(0.144)
    assert plan.usd_per_month == pytest.approx(0.000144 * 5000 * 730 / 24)
    assert "1,200 input + 300 output tokens" in plan.basis
    assert deployment_price(nova, "eu-west-1") == TokenPricing(input_per_1k=0.00006, output_per_1k=0.00024)


def test_no_expected_traffic_means_no_expected_cost(tmp_path: Path) -> None:
    env = _env(tmp_path)
    assert deployment_plan_cost("quiet", env.enabled_models()["quiet"], env) is None
