"""Application Auto Scaling for an endpoint variant or, with scale_to_zero, an inference component.

Target tracking keeps load per instance (or copy) near the target; scheduled actions
change the bounds (e.g. 0 at night in dev); with scale_to_zero a step policy on
`NoCapacityInvocationFailures` adds the first copy back when a request finds none.
"""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_applicationautoscaling as appscaling
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as cw_actions
from constructs import Construct

from fmkit.config.providers.sagemaker import Autoscaling
from stacks.sagemaker.hosting import Hosting

P = appscaling.PredefinedMetric
METRICS = {
    ("variant", "invocations_per_instance"): P.SAGEMAKER_VARIANT_INVOCATIONS_PER_INSTANCE,
    ("variant", "concurrent_requests"): P.SAGEMAKER_VARIANT_CONCURRENT_REQUESTS_PER_MODEL_HIGH_RESOLUTION,
    ("component", "invocations_per_instance"): P.SAGEMAKER_INFERENCE_COMPONENT_INVOCATIONS_PER_COPY,
    ("component", "concurrent_requests"):
        P.SAGEMAKER_INFERENCE_COMPONENT_CONCURRENT_REQUESTS_PER_COPY_HIGH_RESOLUTION,
}


class EndpointScaling(Construct):
    def __init__(self, scope: Construct, construct_id: str, *, hosting: Hosting, config: Autoscaling) -> None:
        super().__init__(scope, construct_id)
        component = hosting.component
        if component is not None and hosting.component_name is not None:
            kind = "component"
            resource_id = f"inference-component/{hosting.component_name}"
            dimension = "sagemaker:inference-component:DesiredCopyCount"
        else:
            kind = "variant"
            resource_id = f"endpoint/{hosting.endpoint_name}/variant/{hosting.variant_name}"
            dimension = "sagemaker:variant:DesiredInstanceCount"
        self.target = appscaling.ScalableTarget(
            self, "Target", service_namespace=appscaling.ServiceNamespace.SAGEMAKER,
            resource_id=resource_id, scalable_dimension=dimension,
            min_capacity=config.min, max_capacity=config.max,
        )
        self.target.node.add_dependency(component if component is not None else hosting.endpoint)
        self.target.scale_to_track_metric(
            "TargetTracking", target_value=config.target, predefined_metric=METRICS[(kind, config.metric)],
            scale_in_cooldown=cdk.Duration.seconds(config.scale_in_cooldown_s),
            scale_out_cooldown=cdk.Duration.seconds(config.scale_out_cooldown_s),
        )
        for action in config.schedule:
            self.target.scale_on_schedule(
                action.name, schedule=appscaling.Schedule.expression(f"cron({action.cron})"),
                min_capacity=action.min, max_capacity=action.max, time_zone=cdk.TimeZone.of(action.timezone),
            )
        self.wake_alarm: cloudwatch.Alarm | None = None
        can_reach_zero = config.min == 0 or any(action.min == 0 for action in config.schedule)
        if component is not None and hosting.component_name is not None and can_reach_zero:
            self._wake_from_zero(hosting.component_name)

    def _wake_from_zero(self, component_name: str) -> None:
        """A request that finds no copy raises NoCapacityInvocationFailures: add one copy."""
        step = appscaling.StepScalingAction(
            self, "WakeFromZero", scaling_target=self.target,
            adjustment_type=appscaling.AdjustmentType.CHANGE_IN_CAPACITY,
            metric_aggregation_type=appscaling.MetricAggregationType.MAXIMUM,
            cooldown=cdk.Duration.seconds(60),
        )
        step.add_adjustment(adjustment=1, lower_bound=0)
        self.wake_alarm = cloudwatch.Alarm(
            self, "NoCapacityAlarm",
            alarm_description=f"{component_name}: a request found no model copy; scale out from zero",
            metric=cloudwatch.Metric(namespace="AWS/SageMaker", metric_name="NoCapacityInvocationFailures",
                                     dimensions_map={"InferenceComponentName": component_name},
                                     statistic="Maximum", period=cdk.Duration.seconds(30)),
            threshold=1, evaluation_periods=1, datapoints_to_alarm=1,
            comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
            treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
        )
        self.wake_alarm.add_alarm_action(cw_actions.ApplicationScalingAction(step))
