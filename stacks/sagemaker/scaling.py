"""Application Auto Scaling for an endpoint variant or, with scale_to_zero, an inference component.

Target tracking keeps load per instance (or copy) near the target; scheduled actions
change the bounds (e.g. 0 at night in dev). Target tracking cannot scale out from zero, so
a step policy adds the first capacity back: on `NoCapacityInvocationFailures` (a request
found no inference-component copy) or, for async endpoints, on `HasBacklogWithoutCapacity`
(requests queue while the endpoint has no instance). Async endpoints track
`ApproximateBacklogSizePerInstance`, the queue length per instance (SageMaker developer
guide, "Autoscale an asynchronous endpoint").
"""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_applicationautoscaling as appscaling
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as cw_actions
from constructs import Construct

from fmkit.config.providers.sagemaker import Autoscaling, SageMakerDeployment
from fmkit.config.schedules import application_autoscaling_cron
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
        deployment: SageMakerDeployment = hosting.deployment
        metric_name = deployment.scaling_metric
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
        scale_in = cdk.Duration.seconds(config.scale_in_cooldown_s)
        scale_out = cdk.Duration.seconds(config.scale_out_cooldown_s)
        if metric_name == "backlog_per_instance":  # async only (sagemaker-hosting-mode)
            self.target.scale_to_track_metric(
                "TargetTracking", target_value=config.target, custom_metric=cloudwatch.Metric(
                    namespace="AWS/SageMaker", metric_name="ApproximateBacklogSizePerInstance",
                    dimensions_map={"EndpointName": hosting.endpoint_name}, statistic="Average"),
                scale_in_cooldown=scale_in, scale_out_cooldown=scale_out)
        else:
            self.target.scale_to_track_metric(
                "TargetTracking", target_value=config.target, predefined_metric=METRICS[(kind, metric_name)],
                scale_in_cooldown=scale_in, scale_out_cooldown=scale_out)
        for action in config.schedules:  # five-field cron in config, six-field for Application Auto Scaling
            self.target.scale_on_schedule(
                action.name, schedule=appscaling.Schedule.expression(application_autoscaling_cron(action.cron)),
                min_capacity=action.min, max_capacity=action.max, time_zone=cdk.TimeZone.of(action.time_zone),
            )
        self.wake_alarm: cloudwatch.Alarm | None = None
        if deployment.scales_to_zero and component is not None and hosting.component_name is not None:
            self._wake_from_zero(
                "NoCapacityAlarm", f"{hosting.component_name}: a request found no model copy; scale out from zero",
                # A standard-resolution (1-minute) metric: a shorter period would see no data.
                # Sum: any request that found no copy in the minute wakes the component.
                cloudwatch.Metric(namespace="AWS/SageMaker", metric_name="NoCapacityInvocationFailures",
                                  dimensions_map={"InferenceComponentName": hosting.component_name},
                                  statistic="Sum", period=cdk.Duration.minutes(1)),
                evaluation_periods=1)
        elif deployment.scales_to_zero and deployment.async_ is not None:
            self._wake_from_zero(
                "BacklogWithoutCapacityAlarm",
                f"{hosting.endpoint_name}: async requests queue with no instance; scale out from zero",
                cloudwatch.Metric(namespace="AWS/SageMaker", metric_name="HasBacklogWithoutCapacity",
                                  dimensions_map={"EndpointName": hosting.endpoint_name},
                                  statistic="Average", period=cdk.Duration.minutes(1)),
                evaluation_periods=2)

    def _wake_from_zero(self, alarm_id: str, description: str, metric: cloudwatch.Metric, *,
                        evaluation_periods: int) -> None:
        """Target tracking never leaves zero: when the signal says work is waiting, add one unit."""
        step = appscaling.StepScalingAction(
            self, "WakeFromZero", scaling_target=self.target,
            adjustment_type=appscaling.AdjustmentType.CHANGE_IN_CAPACITY,
            metric_aggregation_type=appscaling.MetricAggregationType.MAXIMUM,
            cooldown=cdk.Duration.seconds(60),
        )
        step.add_adjustment(adjustment=1, lower_bound=0)
        self.wake_alarm = cloudwatch.Alarm(
            self, alarm_id, alarm_description=description, metric=metric,
            threshold=1, evaluation_periods=evaluation_periods, datapoints_to_alarm=evaluation_periods,
            comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
            treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
        )
        self.wake_alarm.add_alarm_action(cw_actions.ApplicationScalingAction(step))
