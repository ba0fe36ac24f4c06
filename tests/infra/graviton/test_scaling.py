"""How a Graviton group scales and rolls: the tracked signal, schedules, the warm pool's size and
state, and instance refresh owned by CloudFormation (no SDK call on the side)."""

from __future__ import annotations

import json

from aws_cdk.assertions import Match, Template

from tests.infra.graviton.conftest import only, user_data


def test_scaling_tracks_published_concurrency_not_cpu(dev: Template) -> None:
    dev.has_resource_properties("AWS::AutoScaling::ScalingPolicy", {
        "PolicyType": "TargetTrackingScaling",
        "TargetTrackingConfiguration": {"TargetValue": 1.5, "CustomizedMetricSpecification": {
            "Namespace": "fmkit/Graviton", "MetricName": "ConcurrentRequests", "Statistic": "Average",
            "Dimensions": Match.array_with([{"Name": "Deployment", "Value": "llama-small"}])}}})
    assert "readonly PUBLISH_CONCURRENCY=1" in user_data(dev)


def test_request_count_scaling_and_no_concurrency_publisher(public: Template) -> None:
    public.has_resource_properties("AWS::AutoScaling::ScalingPolicy", {"TargetTrackingConfiguration": {
        "TargetValue": 30, "PredefinedMetricSpecification": Match.object_like({
            "PredefinedMetricType": "ALBRequestCountPerTarget"})}})
    assert "readonly PUBLISH_CONCURRENCY=0" in user_data(public)


def test_dev_scales_to_zero_at_night_and_has_no_warm_pool(dev: Template) -> None:
    dev.has_resource_properties("AWS::AutoScaling::ScheduledAction", {
        "MinSize": 0, "MaxSize": 0, "DesiredCapacity": 0, "Recurrence": "0 20 * * *", "TimeZone": "Europe/Dublin"})
    dev.resource_count_is("AWS::AutoScaling::WarmPool", 0)


def test_warm_pool_holds_min_plus_pool_not_max_minus_desired(prod: Template) -> None:
    """prod: min 2, max 6, pool 1 -> at most 3 prepared instances (without the cap: 4 idle in the pool)."""
    prod.resource_count_is("AWS::AutoScaling::ScheduledAction", 0)
    prod.has_resource_properties("AWS::AutoScaling::WarmPool", {
        "MinSize": 1, "PoolState": "Stopped", "MaxGroupPreparedCapacity": 3,
        "InstanceReusePolicy": {"ReuseOnScaleIn": True}})
    prod.has_resource_properties("AWS::EC2::LaunchTemplate", {"LaunchTemplateData": Match.object_like({
        "InstanceType": "c8g.2xlarge"})})


def test_a_running_warm_pool_is_sized_the_same_way(isolated: dict[str, Template]) -> None:
    isolated["Graviton"].has_resource_properties("AWS::AutoScaling::WarmPool", {
        "MinSize": 2, "PoolState": "Running", "MaxGroupPreparedCapacity": 3})


def test_launch_template_change_is_rolled_out_by_cloudformation(dev: Template, prod: Template) -> None:
    """AutoScalingInstanceRefresh: the update waits for the refresh, fails (and rolls back) when it
    fails or the unhealthy-hosts / 5xx alarm fires; warm-pool instances are refreshed too."""
    for template in (dev, prod):
        lt_id, _ = only(template, "AWS::EC2::LaunchTemplate")
        _, asg = only(template, "AWS::AutoScaling::AutoScalingGroup")
        alarms = template.find_resources("AWS::CloudWatch::Alarm")
        unhealthy = next(k for k in alarms if "UnhealthyHosts" in k)
        errors = next(k for k in alarms if "Errors5xx" in k)
        assert asg["UpdatePolicy"]["AutoScalingInstanceRefresh"] == {
            "Strategy": "Rolling",
            "Preferences": {"MinHealthyPercentage": 100, "MaxHealthyPercentage": 200,
                            "InstanceWarmup": asg["Properties"]["HealthCheckGracePeriod"], "SkipMatching": True,
                            "AlarmSpecification": {"Alarms": [{"Ref": unhealthy}, {"Ref": errors}]}}}
        assert asg["Properties"]["LaunchTemplate"]["Version"] == {"Fn::GetAtt": [lt_id, "LatestVersionNumber"]}


def test_no_fire_and_forget_refresh_call_remains(dev: Template, prod: Template) -> None:
    for template in (dev, prod):
        template.resource_count_is("Custom::AWS", 0)
        assert "StartInstanceRefresh" not in json.dumps(template.to_json())
        functions = template.find_resources("AWS::Lambda::Function")
        assert not [k for k in functions if k.startswith("AWS679f53fac002430cb0da5b7982bd2287")]
        assert not [k for k in template.find_resources("AWS::Logs::LogGroup") if k.startswith("AWS679f53fac")]
