"""The three alarms an LLM endpoint needs: a target down, errors, and slow answers."""

from __future__ import annotations

from typing import NamedTuple

import aws_cdk as cdk
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as cw_actions
from aws_cdk import aws_elasticloadbalancingv2 as elbv2
from aws_cdk import aws_sns as sns
from constructs import Construct

from fmkit.config.providers.graviton import Alarms


class EndpointAlarms(NamedTuple):
    unhealthy: cloudwatch.Alarm
    errors: cloudwatch.Alarm
    latency: cloudwatch.Alarm


def endpoint_alarms(scope: Construct, name: str, settings: Alarms, *, load_balancer: elbv2.ApplicationLoadBalancer,
                    target_group: elbv2.ApplicationTargetGroup, topic: sns.ITopic) -> EndpointAlarms:
    five = cdk.Duration.minutes(5)
    unhealthy = target_group.metrics.unhealthy_host_count(period=cdk.Duration.minutes(1)).create_alarm(
        scope, "UnhealthyHosts", threshold=1, evaluation_periods=3,
        comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
        alarm_description=f"{name}: a llama-server target failed /health for 3 minutes")
    errors = cloudwatch.MathExpression(
        expression="FILL(target, 0) + FILL(elb, 0)", period=five,
        using_metrics={
            "target": load_balancer.metrics.http_code_target(elbv2.HttpCodeTarget.TARGET_5XX_COUNT, period=five),
            "elb": load_balancer.metrics.http_code_elb(elbv2.HttpCodeElb.ELB_5XX_COUNT, period=five),
        }).create_alarm(
        scope, "Errors5xx", threshold=settings.errors_5xx, evaluation_periods=1,
        comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
        alarm_description=f"{name}: 5xx responses from the load balancer or llama-server")
    latency = load_balancer.metrics.target_response_time(statistic="p95", period=five).create_alarm(
        scope, "LatencyP95", threshold=settings.p95_response_seconds, evaluation_periods=3,
        comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
        alarm_description=f"{name}: p95 response time above {settings.p95_response_seconds:g}s")
    alarms = EndpointAlarms(unhealthy, errors, latency)
    for alarm in alarms:
        alarm.add_alarm_action(cw_actions.SnsAction(topic))
    return alarms
