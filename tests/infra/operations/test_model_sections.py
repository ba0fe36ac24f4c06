"""Each model section alone, from hand-built sources in a bare stack: the metrics CloudWatch
publishes for that provider and hosting mode, with exactly the dimensions they carry."""

from __future__ import annotations

from typing import Any

import pytest
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_elasticloadbalancingv2 as elbv2
from aws_cdk.assertions import Template

from stacks.operations.model_sections import bedrock_section, graviton_section, sagemaker_section
from stacks.operations.money import PlanRow
from stacks.operations.sources import BedrockSource, GravitonSource, SageMakerSource
from tests.infra.constructs import bare_stack
from tests.infra.operations.dashboard_body import expressions, plain_metrics, titled, widgets

pytestmark = pytest.mark.infra

ROW = PlanRow("m", "sagemaker", (10.0, 30.4, 50.0), (1.0, 2.0, 3.0))


def drawn(sections: list[cloudwatch.IWidget]) -> list[dict[str, Any]]:
    stack = bare_stack()
    dashboard = cloudwatch.Dashboard(stack, "Board", dashboard_name="test")
    for widget in sections:
        dashboard.add_widgets(widget)
    return widgets(Template.from_stack(stack))


def titles(all_widgets: list[dict[str, Any]]) -> list[str]:
    return [w["properties"]["title"] for w in all_widgets if "title" in w["properties"]]


def evaluate(expression: str, **values: float) -> float:
    """Metric math as CloudWatch computes it for one datapoint (FILL of a present value is the value)."""
    text = expression
    for name, value in values.items():
        text = text.replace(f"FILL({name}, 0)", repr(value)).replace(name, repr(value))
    return float(eval(text, {"__builtins__": {}}))  # only numbers and arithmetic are left


def test_bedrock_reads_the_profile_id_and_the_guardrail_version() -> None:
    source = BedrockSource(name="chat", model_id="amazon.nova-lite-v1:0", profile_id="abc123profile",
                           guardrail_arn="arn:aws:bedrock:eu-west-1:111111111111:guardrail/g1", guardrail_version="3",
                           usd_per_1k_tokens=(0.00006, 0.00024))
    board = drawn(bedrock_section(source, ROW))
    for title in ("invocations", "tokens", "latency (ms)", "throttles and errors"):
        for namespace, _, dims, _ in plain_metrics(titled(board, f"chat: {title}")):
            assert (namespace, dims) == ("AWS/Bedrock", {"ModelId": "abc123profile"})
    latency = plain_metrics(titled(board, "chat: latency (ms)"))
    assert [(m[1], m[3]["stat"]) for m in latency] == [("InvocationLatency", p) for p in ("p50", "p95", "p99")]
    errors = {m[1] for m in plain_metrics(titled(board, "chat: throttles and errors"))}
    assert errors == {"InvocationThrottles", "InvocationClientErrors", "InvocationServerErrors"}
    guard = plain_metrics(titled(board, "chat: guardrail interventions"))
    assert {(m[0], m[1]) for m in guard} == {("AWS/Bedrock/Guardrails", "InvocationsIntervened"),
                                             ("AWS/Bedrock/Guardrails", "Invocations")}
    assert all(m[2] == {"GuardrailArn": source.guardrail_arn, "GuardrailVersion": "3"} for m in guard)


def test_bedrock_cost_line_prices_tokens_and_shows_the_plan_per_day() -> None:
    source = BedrockSource(name="chat", model_id="m", profile_id="p", guardrail_arn=None, guardrail_version=None,
                           usd_per_1k_tokens=(0.00006, 0.00024))
    board = drawn(bedrock_section(source, ROW))
    assert "chat: guardrail interventions" not in titles(board)
    cost = titled(board, "chat: cost from tokens")
    [usage] = expressions(cost)
    # 2M input tokens at $0.06/M + 0.5M output tokens at $0.24/M = $0.12 + $0.12
    assert evaluate(usage["expression"], tin=2_000_000, tout=500_000) == pytest.approx(0.24)
    assert usage["period"] == 86400
    [plan] = cost["properties"]["annotations"]["horizontal"]
    assert plan["value"] == 1.0  # $30.40 a month is $1.00 a day
    assert {m[3]["stat"] for m in plain_metrics(cost)} == {"Sum"}


def test_a_bedrock_model_without_a_catalog_price_has_no_cost_line() -> None:
    source = BedrockSource(name="chat", model_id="m", profile_id="p", guardrail_arn=None, guardrail_version=None,
                           usd_per_1k_tokens=None)
    assert "chat: cost from tokens" not in titles(drawn(bedrock_section(source, None)))


def sagemaker(mode: str, *, component: str | None = None, gpus: int = 0,
              price: float | None = 1.5) -> SageMakerSource:
    return SageMakerSource(name="sm", endpoint_name="demo-dev-sm", variant_name="AllTraffic", component_name=component,
                           mode=mode, gpus=gpus, usd_per_hour=price)


VARIANT = {"EndpointName": "demo-dev-sm", "VariantName": "AllTraffic"}


def test_sagemaker_inference_components_count_copies_and_instances() -> None:
    board = drawn(sagemaker_section(sagemaker("inference-component", component="demo-dev-sm-ic", gpus=1), ROW))
    for title in ("invocations", "model latency (ms)", "4xx and 5xx"):
        assert {m[2]["InferenceComponentName"] for m in plain_metrics(titled(board, f"sm: {title}"))} == {
            "demo-dev-sm-ic"}
    counts = plain_metrics(titled(board, "sm: instances and copies"))
    assert [(m[0], m[1], m[2], m[3]["stat"], m[3]["period"]) for m in counts] == [
        ("/aws/sagemaker/Endpoints", "CPUUtilization", VARIANT, "SampleCount", 60),
        ("/aws/sagemaker/InferenceComponents", "CPUUtilizationNormalized",
         {"InferenceComponentName": "demo-dev-sm-ic"}, "SampleCount", 60)]
    utilisation = {m[1] for m in plain_metrics(titled(board, "sm: utilisation (% summed over cores/GPUs)"))}
    assert utilisation == {"CPUUtilization", "MemoryUtilization", "GPUUtilization", "GPUMemoryUtilization"}
    latency = expressions(titled(board, "sm: model latency (ms)"))
    assert [e["expression"] for e in latency] == ["p50 / 1000", "p95 / 1000", "p99 / 1000"]  # microseconds


def test_sagemaker_realtime_on_cpu_reads_the_variant() -> None:
    board = drawn(sagemaker_section(sagemaker("realtime"), ROW))
    assert {tuple(m[2].items()) for m in plain_metrics(titled(board, "sm: invocations"))} == {tuple(VARIANT.items())}
    assert "sm: instances" in titles(board)
    utilisation = {m[1] for m in plain_metrics(titled(board, "sm: utilisation (% summed over cores/GPUs)"))}
    assert utilisation == {"CPUUtilization", "MemoryUtilization"}
    assert "sm: async backlog" not in titles(board)
    [cost] = expressions(titled(board, "sm: instance cost"))
    assert evaluate(cost["expression"], minutes=2 * 1440) == pytest.approx(2 * 24 * 1.5)  # two instances all day


def test_sagemaker_async_shows_its_backlog() -> None:
    board = drawn(sagemaker_section(sagemaker("async"), ROW))
    backlog = plain_metrics(titled(board, "sm: async backlog"))
    assert {(m[1], tuple(m[2].items())) for m in backlog} == {
        (name, (("EndpointName", "demo-dev-sm"),))
        for name in ("ApproximateBacklogSize", "ApproximateBacklogSizePerInstance", "HasBacklogWithoutCapacity")}


def test_sagemaker_serverless_has_cold_starts_and_no_instances() -> None:
    board = drawn(sagemaker_section(sagemaker("serverless", price=None), None))
    assert "sm: cold starts (model setup, ms)" in titles(board)
    assert not any(t.startswith(("sm: instances", "sm: utilisation", "sm: instance cost")) for t in titles(board))


def graviton(*, concurrency: bool, warm_pool: bool) -> GravitonSource:
    stack = bare_stack()
    vpc = ec2.Vpc(stack, "Vpc", max_azs=2, nat_gateways=0)
    alb = elbv2.ApplicationLoadBalancer(stack, "Alb", vpc=vpc)
    group = elbv2.ApplicationTargetGroup(stack, "Group", vpc=vpc, port=8080)
    alb.add_listener("Http", port=80, default_target_groups=[group])
    dims = {"Project": "demo", "Environment": "dev", "Deployment": "llama"} if concurrency else None
    return GravitonSource(name="llama", load_balancer=alb, target_group=group, group_name="demo-dev-llama",
                          concurrency_dimensions=dims, scaling_target=2.0 if concurrency else 20.0,
                          warm_pool=warm_pool, usd_per_hour=0.1)


def graviton_board(source: GravitonSource) -> list[dict[str, Any]]:
    stack = source.load_balancer.stack
    dashboard = cloudwatch.Dashboard(stack, "Board", dashboard_name="test")
    for widget in graviton_section(source, ROW):
        dashboard.add_widgets(widget)
    return widgets(Template.from_stack(stack))


def test_graviton_draws_the_concurrency_signal_it_scales_on_and_the_warm_pool() -> None:
    board = graviton_board(graviton(concurrency=True, warm_pool=True))
    signal = titled(board, "llama: concurrent requests per instance (scaling signal)")
    [(namespace, name, dims, _)] = plain_metrics(signal)
    assert (namespace, name, dims) == ("fmkit/Graviton", "ConcurrentRequests",
                                       {"Project": "demo", "Environment": "dev", "Deployment": "llama"})
    assert signal["properties"]["annotations"]["horizontal"][0]["value"] == 2.0
    capacity = plain_metrics(titled(board, "llama: instances and warm pool"))
    assert {m[1] for m in capacity} == {"GroupInServiceInstances", "GroupDesiredCapacity", "WarmPoolWarmedCapacity",
                                        "WarmPoolTotalCapacity"}
    assert {m[2]["AutoScalingGroupName"] for m in capacity} == {"demo-dev-llama"}
    hosts = plain_metrics(titled(board, "llama: healthy hosts"))
    assert {m[1] for m in hosts} == {"HealthyHostCount", "UnHealthyHostCount"}
    assert all(set(m[2]) == {"LoadBalancer", "TargetGroup"} and "TargetGroupFullName" in m[2]["TargetGroup"]
               and "LoadBalancerFullName" in m[2]["LoadBalancer"] for m in hosts)
    response = plain_metrics(titled(board, "llama: target response time (s)"))
    assert [m[3]["stat"] for m in response] == ["p50", "p95", "p99"]
    [cost] = expressions(titled(board, "llama: instance cost"))
    assert evaluate(cost["expression"], instances=3) == pytest.approx(3 * 24 * 0.1)


def test_graviton_tracking_requests_draws_requests_per_target_without_a_warm_pool() -> None:
    board = graviton_board(graviton(concurrency=False, warm_pool=False))
    [(_, name, _, _)] = plain_metrics(titled(board, "llama: requests per instance (scaling signal)"))
    assert name == "RequestCountPerTarget"
    assert {m[1] for m in plain_metrics(titled(board, "llama: instances"))} == {"GroupInServiceInstances",
                                                                               "GroupDesiredCapacity"}


def test_a_section_lists_its_alarms() -> None:
    stack = bare_stack()
    alarm = cloudwatch.Alarm(stack, "Alarm", metric=cloudwatch.Metric(namespace="n", metric_name="m"),
                             threshold=1, evaluation_periods=1)
    source = BedrockSource(name="chat", model_id="m", profile_id="p", guardrail_arn=None, guardrail_version=None,
                           usd_per_1k_tokens=None, alarms=[alarm])
    dashboard = cloudwatch.Dashboard(stack, "Board", dashboard_name="test")
    for widget in bedrock_section(source, None):
        dashboard.add_widgets(widget)
    [arn] = titled(widgets(Template.from_stack(stack)), "chat: alarms")["properties"]["alarms"]
    assert "Alarm" in arn
