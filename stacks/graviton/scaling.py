"""How a Graviton group scales and rolls: target tracking, warm pool, schedules, instance refresh."""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_autoscaling as autoscaling
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_iam as iam
from aws_cdk import custom_resources as cr
from constructs import Construct

from fmkit.config.providers.graviton import Autoscaling
from fmkit.contracts.metrics import CONCURRENT_REQUESTS, GRAVITON_NAMESPACE
from stacks.common.names import pascal
from stacks.nag import acknowledge

# Construct id of the singleton Lambda behind every AwsCustomResource in a stack (aws-cdk-lib).
SDK_CALL_FUNCTION_ID = "AWS679f53fac002430cb0da5b7982bd2287"
POOL_STATES = {"stopped": autoscaling.PoolState.STOPPED, "running": autoscaling.PoolState.RUNNING,
               "hibernated": autoscaling.PoolState.HIBERNATED}


def configure_scaling(group: autoscaling.AutoScalingGroup, scaling: Autoscaling,
                      dimensions: dict[str, str]) -> None:
    """Track requests or concurrency, never CPU: generation pins every core at any load."""
    if scaling.requests_target is not None:
        group.scale_on_request_count("RequestsPerInstance", target_requests_per_minute=scaling.requests_target)
    else:
        group.scale_to_track_metric(
            "ConcurrencyPerInstance",
            metric=cloudwatch.Metric(namespace=GRAVITON_NAMESPACE, metric_name=CONCURRENT_REQUESTS,
                                     statistic="Average", period=cdk.Duration.minutes(1), dimensions_map=dimensions),
            target_value=float(scaling.target_concurrent_requests or 1))
    if scaling.warm_pool is not None:
        group.add_warm_pool(min_size=scaling.warm_pool.min_size,
                            pool_state=POOL_STATES[scaling.warm_pool.state], reuse_on_scale_in=True)
    for schedule in scaling.schedules:
        group.scale_on_schedule(
            f"Schedule{pascal(schedule.name)}", schedule=autoscaling.Schedule.expression(schedule.cron),
            time_zone=schedule.time_zone, min_capacity=schedule.min, max_capacity=schedule.max,
            desired_capacity=schedule.desired)


def instance_refresh(scope: Construct, group: autoscaling.AutoScalingGroup, template: ec2.LaunchTemplate,
                     warmup_seconds: int) -> cr.AwsCustomResource:
    """Replace instances when the launch template changes (new AMI, model, flags), capacity first.

    The template version is part of the call, so a new version changes the resource's properties
    and CloudFormation runs on_update; on create the instances are new and nothing is replaced.
    """
    version = template.latest_version_number
    group_name = group.auto_scaling_group_name
    refresh = cr.AwsSdkCall(
        service="AutoScaling", action="startInstanceRefresh",
        parameters={"AutoScalingGroupName": group_name, "Strategy": "Rolling",
                    "Preferences": {"MinHealthyPercentage": 100, "MaxHealthyPercentage": 200,
                                    "InstanceWarmup": warmup_seconds, "SkipMatching": True}},
        physical_resource_id=cr.PhysicalResourceId.of(f"refresh-{version}"),
    )
    look = cr.AwsSdkCall(
        service="AutoScaling", action="describeInstanceRefreshes",
        parameters={"AutoScalingGroupName": group_name, "MaxRecords": 1},
        physical_resource_id=cr.PhysicalResourceId.of(f"refresh-{version}"),
    )
    stack = cdk.Stack.of(scope)
    resource = cr.AwsCustomResource(
        scope, "InstanceRefresh", on_create=look, on_update=refresh, install_latest_aws_sdk=False,
        policy=cr.AwsCustomResourcePolicy.from_statements([
            iam.PolicyStatement(actions=["autoscaling:StartInstanceRefresh"], resources=[stack.format_arn(
                service="autoscaling", resource="autoScalingGroup",
                resource_name=f"*:autoScalingGroupName/{group_name}", arn_format=cdk.ArnFormat.COLON_RESOURCE_NAME)]),
            iam.PolicyStatement(actions=["autoscaling:DescribeInstanceRefreshes"], resources=["*"]),
        ]),
    )
    group_id = stack.resolve(group.node.default_child.logical_id)  # type: ignore[union-attr]
    acknowledge(resource, "AwsSolutions-IAM5",
                "An Auto Scaling group ARN contains a generated id, so StartInstanceRefresh is pinned to this "
                "group's name; DescribeInstanceRefreshes has no resource-level permissions",
                applies_to=["Resource::*",
                            f"Resource::arn:{stack.partition}:autoscaling:{stack.region}:{stack.account}:"
                            f"autoScalingGroup:*:autoScalingGroupName/<{group_id}>"])
    singleton = stack.node.try_find_child(SDK_CALL_FUNCTION_ID)
    if singleton is not None:
        acknowledge(singleton, "AwsSolutions-IAM4",
                    "CDK's AwsCustomResource function uses AWSLambdaBasicExecutionRole for its own logs",
                    applies_to=["Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/"
                                "AWSLambdaBasicExecutionRole"])
    return resource


