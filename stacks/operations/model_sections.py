"""One dashboard section per model deployment: Bedrock, SageMaker, Graviton.

Each returns the section's widgets in reading order (a header, then graphs a quarter wide);
the dashboard wraps them into rows. Metric names and dimensions are the ones each service
publishes (Bedrock: ModelId = the application inference profile's id; guardrails: GuardrailArn +
GuardrailVersion; SageMaker: EndpointName + VariantName, or InferenceComponentName; the
Graviton group: the kit's own concurrency metric from `fmkit.contracts.metrics`).
"""

from __future__ import annotations

from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_elasticloadbalancingv2 as elbv2

from fmkit.contracts.metrics import CONCURRENT_REQUESTS, GRAVITON_NAMESPACE
from stacks.operations.money import PlanRow, daily_cost_graph, decimal
from stacks.operations.sources import BedrockSource, GravitonSource, SageMakerSource
from stacks.operations.widgets import ONE_DAY, ONE_MINUTE, PERCENTILES, alarm_status, graph, header, metric, percentiles

BEDROCK, GUARDRAILS = "AWS/Bedrock", "AWS/Bedrock/Guardrails"
SAGEMAKER, ENDPOINTS, COMPONENTS = "AWS/SageMaker", "/aws/sagemaker/Endpoints", "/aws/sagemaker/InferenceComponents"
AUTOSCALING, ELB = "AWS/AutoScaling", "AWS/ApplicationELB"

Widgets = list[cloudwatch.IWidget]


def _alarms(name: str, alarms: list[cloudwatch.IAlarm]) -> Widgets:
    return [alarm_status(f"{name}: alarms", alarms)] if alarms else []


def bedrock_section(source: BedrockSource, plan: PlanRow | None) -> Widgets:
    name, dims = source.name, {"ModelId": source.profile_id}
    widgets: Widgets = [
        header(f"### {name} — Bedrock `{source.model_id}` (its application inference profile)"),
        graph(f"{name}: invocations", [metric(BEDROCK, "Invocations", dims)]),
        graph(f"{name}: tokens", [metric(BEDROCK, "InputTokenCount", dims, label="input"),
                                  metric(BEDROCK, "OutputTokenCount", dims, label="output")]),
        graph(f"{name}: latency (ms)", percentiles(BEDROCK, "InvocationLatency", dims), left_label="ms"),
        graph(f"{name}: throttles and errors", [
            metric(BEDROCK, "InvocationThrottles", dims, label="throttled"),
            metric(BEDROCK, "InvocationClientErrors", dims, label="client errors"),
            metric(BEDROCK, "InvocationServerErrors", dims, label="server errors")]),
    ]
    if source.guardrail_arn and source.guardrail_version:
        guard = {"GuardrailArn": source.guardrail_arn, "GuardrailVersion": source.guardrail_version}
        widgets.append(graph(f"{name}: guardrail interventions", [
            metric(GUARDRAILS, "InvocationsIntervened", guard, label="intervened"),
            metric(GUARDRAILS, "Invocations", guard, label="evaluated")]))
    if source.usd_per_1k_tokens is not None:
        per_million = [decimal(price * 1000) for price in source.usd_per_1k_tokens]
        widgets.append(daily_cost_graph(
            f"{name}: cost from tokens",
            f"(FILL(tin, 0) * {per_million[0]} + FILL(tout, 0) * {per_million[1]}) / 1000000",
            {"tin": metric(BEDROCK, "InputTokenCount", dims, period=ONE_DAY),
             "tout": metric(BEDROCK, "OutputTokenCount", dims, period=ONE_DAY)}, plan, "tokens × catalog price"))
    return widgets + _alarms(name, list(source.alarms))


def _ms(namespace: str, name: str, dims: dict[str, str]) -> list[cloudwatch.IMetric]:
    """A latency published in microseconds, as p50/p95/p99 in milliseconds."""
    return [cloudwatch.MathExpression(expression=f"{p} / 1000", label=p,
                                      using_metrics={p: metric(namespace, name, dims, p)}) for p in PERCENTILES]


def _sagemaker_capacity(source: SageMakerSource, name: str, variant: dict[str, str]) -> Widgets:
    """Instances (and copies): CloudWatch has no count metric, but every instance (copy) reports its
    utilisation once a minute, so the per-minute sample count is the count."""
    if source.mode == "serverless":
        return [graph(f"{name}: cold starts (model setup, ms)", _ms(SAGEMAKER, "ModelSetupTime", variant))]
    counts = [metric(ENDPOINTS, "CPUUtilization", variant, "SampleCount", period=ONE_MINUTE, label="instances")]
    if source.component_name is not None:
        counts.append(metric(COMPONENTS, "CPUUtilizationNormalized", {"InferenceComponentName": source.component_name},
                             "SampleCount", period=ONE_MINUTE, label="copies"))
    utilisation = [metric(ENDPOINTS, "CPUUtilization", variant, "Average", label="CPU %"),
                   metric(ENDPOINTS, "MemoryUtilization", variant, "Average", label="memory %")]
    if source.gpus:
        utilisation += [metric(ENDPOINTS, "GPUUtilization", variant, "Average", label="GPU %"),
                        metric(ENDPOINTS, "GPUMemoryUtilization", variant, "Average", label="GPU memory %")]
    return [graph(f"{name}: instances and copies" if source.component_name else f"{name}: instances", counts),
            graph(f"{name}: utilisation (% summed over cores/GPUs)", utilisation, left_label="%")]


def sagemaker_section(source: SageMakerSource, plan: PlanRow | None) -> Widgets:
    name = source.name
    variant = {"EndpointName": source.endpoint_name, "VariantName": source.variant_name}
    calls = {"InferenceComponentName": source.component_name} if source.component_name else variant
    widgets: Widgets = [
        header(f"### {name} — SageMaker `{source.endpoint_name}` ({source.mode})"),
        graph(f"{name}: invocations", [metric(SAGEMAKER, "Invocations", calls)]),
        graph(f"{name}: model latency (ms)", _ms(SAGEMAKER, "ModelLatency", calls), left_label="ms"),
        graph(f"{name}: 4xx and 5xx", [metric(SAGEMAKER, "Invocation4XXErrors", calls, label="4xx"),
                                       metric(SAGEMAKER, "Invocation5XXErrors", calls, label="5xx")]),
        *_sagemaker_capacity(source, name, variant),
    ]
    if source.mode == "async":
        endpoint = {"EndpointName": source.endpoint_name}
        widgets.append(graph(f"{name}: async backlog", [
            metric(SAGEMAKER, "ApproximateBacklogSize", endpoint, "Average", label="queued requests"),
            metric(SAGEMAKER, "ApproximateBacklogSizePerInstance", endpoint, "Average", label="per instance")],
            right=[metric(SAGEMAKER, "HasBacklogWithoutCapacity", endpoint, "Maximum", label="backlog, no capacity")]))
    if source.usd_per_hour is not None:
        widgets.append(daily_cost_graph(
            f"{name}: instance cost", f"FILL(minutes, 0) / 60 * {decimal(source.usd_per_hour)}",
            {"minutes": metric(ENDPOINTS, "CPUUtilization", variant, "SampleCount", period=ONE_DAY)},
            plan, "instance-minutes × catalog price"))
    return widgets + _alarms(name, list(source.alarms))


def graviton_section(source: GravitonSource, plan: PlanRow | None) -> Widgets:
    name, alb, group = source.name, source.load_balancer.metrics, {"AutoScalingGroupName": source.group_name}
    # The target group's own metric helpers derive the load balancer from the listener ARN with
    # Fn::Split, which cannot take a weak reference: name both dimensions by their attributes.
    targets = {"LoadBalancer": source.load_balancer.load_balancer_full_name,
               "TargetGroup": source.target_group.target_group_full_name}
    target = cloudwatch.HorizontalAnnotation(value=source.scaling_target, label="scaling target",
                                             color=cloudwatch.Color.GREY)
    if source.concurrency_dimensions is not None:
        scaling = graph(f"{name}: concurrent requests per instance (scaling signal)", [metric(
            GRAVITON_NAMESPACE, CONCURRENT_REQUESTS, source.concurrency_dimensions, "Average", period=ONE_MINUTE)],
            annotations=[target])
    else:
        scaling = graph(f"{name}: requests per instance (scaling signal)",
                        [metric(ELB, "RequestCountPerTarget", targets, period=ONE_MINUTE)], annotations=[target])
    capacity = [metric(AUTOSCALING, "GroupInServiceInstances", group, "Average", period=ONE_MINUTE, label="in service"),
                metric(AUTOSCALING, "GroupDesiredCapacity", group, "Average", period=ONE_MINUTE, label="desired")]
    if source.warm_pool:
        capacity += [metric(AUTOSCALING, "WarmPoolWarmedCapacity", group, "Average", period=ONE_MINUTE,
                            label="warm pool (ready)"),
                     metric(AUTOSCALING, "WarmPoolTotalCapacity", group, "Average", period=ONE_MINUTE,
                            label="warm pool (total)")]
    widgets: Widgets = [
        header(f"### {name} — llama.cpp on Graviton (`{source.group_name}`)"),
        graph(f"{name}: load balancer requests", [alb.request_count(label="requests")], right=[
            alb.http_code_target(elbv2.HttpCodeTarget.TARGET_5XX_COUNT, label="target 5xx")]),
        graph(f"{name}: target response time (s)",
              [alb.target_response_time(statistic=p, label=p) for p in PERCENTILES], left_label="s"),
        graph(f"{name}: healthy hosts", [metric(ELB, "HealthyHostCount", targets, "Average", label="healthy"),
                                         metric(ELB, "UnHealthyHostCount", targets, "Average", label="unhealthy")]),
        scaling,
        graph(f"{name}: instances and warm pool" if source.warm_pool else f"{name}: instances", capacity),
    ]
    if source.usd_per_hour is not None:
        widgets.append(daily_cost_graph(
            f"{name}: instance cost", f"FILL(instances, 0) * 24 * {decimal(source.usd_per_hour)}",
            {"instances": metric(AUTOSCALING, "GroupInServiceInstances", group, "Average", period=ONE_DAY)},
            plan, "instances in service × catalog price"))
    return widgets + _alarms(name, list(source.alarms))
