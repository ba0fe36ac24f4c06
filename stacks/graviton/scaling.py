"""How a Graviton group scales and rolls: target tracking, warm pool, schedules, the launch
lifecycle hook, and instance refresh as CloudFormation's update policy."""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_autoscaling as autoscaling
from aws_cdk import aws_cloudwatch as cloudwatch

from fmkit.config.providers.graviton import Autoscaling
from fmkit.contracts.metrics import CONCURRENT_REQUESTS, GRAVITON_NAMESPACE
from stacks.common.names import pascal

# `hibernated` is refused by `fmkit validate` (rule graviton-warm-pool-not-hibernated).
POOL_STATES = {"stopped": autoscaling.PoolState.STOPPED, "running": autoscaling.PoolState.RUNNING}
LAUNCHING = "autoscaling:EC2_INSTANCE_LAUNCHING"


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
        if scaling.warm_pool.state not in POOL_STATES:
            raise ValueError(f"warm pool state {scaling.warm_pool.state!r} is not supported (fmkit validate says why)")
        # Without MaxGroupPreparedCapacity the pool would hold max - desired idle instances.
        group.add_warm_pool(min_size=scaling.warm_pool.min_size,
                            max_group_prepared_capacity=scaling.warm_pool_prepared_capacity,
                            pool_state=POOL_STATES[scaling.warm_pool.state], reuse_on_scale_in=True)
    for schedule in scaling.schedules:
        group.scale_on_schedule(
            f"Schedule{pascal(schedule.name)}", schedule=autoscaling.Schedule.expression(schedule.cron),
            time_zone=schedule.time_zone, min_capacity=schedule.min, max_capacity=schedule.max,
            desired_capacity=schedule.desired)


def launch_hook(group: autoscaling.AutoScalingGroup, name: str, heartbeat_seconds: int) -> None:
    """Hold every launch (into service or into the warm pool) until the instance says it serves.

    Declared on the group itself (LifecycleHookSpecificationList), not as a separate resource, so
    it also holds the instances the group launches when it is created. The instance completes it
    with CONTINUE once /health answers 200, or ABANDON; silence means ABANDON.
    """
    cfn = group.node.default_child
    assert isinstance(cfn, autoscaling.CfnAutoScalingGroup)
    cfn.lifecycle_hook_specification_list = [autoscaling.CfnAutoScalingGroup.LifecycleHookSpecificationProperty(
        lifecycle_hook_name=name, lifecycle_transition=LAUNCHING, heartbeat_timeout=heartbeat_seconds,
        default_result="ABANDON")]


def instance_refresh(warmup_seconds: int, alarms: list[cloudwatch.IAlarm]) -> autoscaling.UpdatePolicy:
    """CloudFormation's AutoScalingInstanceRefresh policy: a new launch-template version (AMI, model,
    flags, llama.cpp) replaces instances, warm-pool ones included, capacity first; the stack update
    waits for it, fails when it fails or one of `alarms` fires, and rolls back to the previous
    version. CloudFormation, not a second caller, owns the refresh, so deploys cannot collide."""
    return autoscaling.UpdatePolicy.instance_refresh(
        strategy=autoscaling.InstanceRefreshStrategy.ROLLING,
        min_healthy_percentage=100, max_healthy_percentage=200,
        instance_warmup=cdk.Duration.seconds(warmup_seconds), skip_matching=True, alarms=alarms)
