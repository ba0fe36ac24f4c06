"""Operational alarms of one endpoint, sent to the platform alarm topic.

ModelLatency is reported in microseconds; throttled requests surface as 4xx errors
(ThrottlingException), so the 4xx alarm is the throttling signal.
"""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as cw_actions
from aws_cdk import aws_sns as sns
from constructs import Construct

from fmkit.config.providers.sagemaker import Alarms
from stacks.sagemaker.hosting import Hosting

GTE = cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD


class EndpointAlarms(Construct):
    def __init__(self, scope: Construct, construct_id: str, *, hosting: Hosting, config: Alarms,
                 topic: sns.ITopic) -> None:
        super().__init__(scope, construct_id)
        if hosting.component_name is not None:
            dimensions = {"InferenceComponentName": hosting.component_name}
        else:
            dimensions = {"EndpointName": hosting.endpoint_name, "VariantName": hosting.variant_name}
        name = hosting.endpoint_name
        five_minutes = cdk.Duration.minutes(5)

        def metric(metric_name: str, statistic: str) -> cloudwatch.Metric:
            return cloudwatch.Metric(namespace="AWS/SageMaker", metric_name=metric_name,
                                     dimensions_map=dimensions, statistic=statistic, period=five_minutes)

        self.alarms = [
            cloudwatch.Alarm(self, "LatencyP95", metric=metric("ModelLatency", "p95"),
                             threshold=config.latency_p95_ms * 1000, evaluation_periods=3, datapoints_to_alarm=2,
                             comparison_operator=GTE, treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
                             alarm_description=f"{name}: p95 model latency >= {config.latency_p95_ms} ms"),
            cloudwatch.Alarm(self, "Errors5xx", metric=metric("Invocation5XXErrors", "Sum"),
                             threshold=config.errors_5xx, evaluation_periods=1, comparison_operator=GTE,
                             treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
                             alarm_description=f"{name}: >= {config.errors_5xx} 5xx errors in 5 minutes"),
            cloudwatch.Alarm(self, "Throttling", metric=metric("Invocation4XXErrors", "Sum"),
                             threshold=config.throttles_4xx, evaluation_periods=1, comparison_operator=GTE,
                             treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
                             alarm_description=f"{name}: >= {config.throttles_4xx} 4xx/throttled requests "
                                               "in 5 minutes"),
        ]
        for alarm in self.alarms:
            alarm.add_alarm_action(cw_actions.SnsAction(topic))
