"""One Graviton endpoint: launch template, group and its launch hook, load balancer, who may call it,
alarms and what it publishes."""

from __future__ import annotations

import json

from aws_cdk.assertions import Match, Template

from stacks.graviton.user_data import (
    HEALTH_INTERVAL_SECONDS,
    HEALTH_TIMEOUT_SECONDS,
    HEALTHY_THRESHOLD,
    LIFECYCLE_HOOK_NAME,
    boot_timeout_seconds,
    lifecycle_heartbeat_seconds,
)
from tests.infra.graviton.conftest import CERT, CONSUMER_SG, SECRET, only, user_data


def test_launch_template_requires_imdsv2_and_has_no_ssh_key(dev: Template) -> None:
    _, lt = only(dev, "AWS::EC2::LaunchTemplate")
    data = lt["Properties"]["LaunchTemplateData"]
    assert data["MetadataOptions"] == {"HttpTokens": "required", "HttpPutResponseHopLimit": 1}
    assert "KeyName" not in data and data["InstanceType"] == "c7g.xlarge"
    assert "HibernationOptions" not in data


def test_ami_is_the_al2023_arm64_ssm_parameter_not_an_id(dev: Template) -> None:
    _, lt = only(dev, "AWS::EC2::LaunchTemplate")
    ref = lt["Properties"]["LaunchTemplateData"]["ImageId"]["Ref"]
    parameter = dev.to_json()["Parameters"][ref]
    assert parameter["Type"] == "AWS::SSM::Parameter::Value<AWS::EC2::Image::Id>"
    assert parameter["Default"].startswith("/aws/service/ami-amazon-linux-latest/al2023-ami-")
    assert parameter["Default"].endswith("-arm64")


def test_root_volume_is_encrypted_gp3_sized_for_the_model(dev: Template) -> None:
    dev.has_resource_properties("AWS::EC2::LaunchTemplate", {"LaunchTemplateData": Match.object_like({
        "BlockDeviceMappings": [{"DeviceName": "/dev/xvda", "Ebs": {
            "Encrypted": True, "VolumeType": "gp3", "VolumeSize": 30, "Iops": 3000, "Throughput": 250,
            "DeleteOnTermination": True}}]})})


def test_launch_hook_holds_every_launch_until_the_instance_serves(dev: Template, prod: Template) -> None:
    """On the group itself (so it also holds the instances created with the group), default ABANDON,
    heartbeat above the boot script's own budget, which the script renders from the same number."""
    for template in (dev, prod):
        _, asg = only(template, "AWS::AutoScaling::AutoScalingGroup")
        assert asg["Properties"]["LifecycleHookSpecificationList"] == [{
            "LifecycleHookName": LIFECYCLE_HOOK_NAME, "LifecycleTransition": "autoscaling:EC2_INSTANCE_LAUNCHING",
            "DefaultResult": "ABANDON", "HeartbeatTimeout": lifecycle_heartbeat_seconds(1.8)}]
        template.resource_count_is("AWS::AutoScaling::LifecycleHook", 0)
    assert lifecycle_heartbeat_seconds(1.8) > boot_timeout_seconds(1.8)
    text = user_data(dev)
    assert f"readonly BOOT_TIMEOUT_SECONDS={boot_timeout_seconds(1.8)}\n" in text
    assert f"readonly LIFECYCLE_HOOK={LIFECYCLE_HOOK_NAME}\n" in text
    assert "readonly GROUP_NAME=fmkit-demo-dev-llama-small\n" in text


def test_group_is_named_uses_elb_health_and_a_grace_from_the_target_group(dev: Template) -> None:
    tg_id, _ = only(dev, "AWS::ElasticLoadBalancingV2::TargetGroup")
    _, asg = only(dev, "AWS::AutoScaling::AutoScalingGroup")
    props = asg["Properties"]
    assert props["AutoScalingGroupName"] == "fmkit-demo-dev-llama-small"
    # The hook keeps the instance out of service until /health is 200: the grace only covers the
    # target group's first healthy verdict after registration.
    first_verdict = HEALTHY_THRESHOLD * HEALTH_INTERVAL_SECONDS + HEALTH_TIMEOUT_SECONDS
    assert props["HealthCheckType"] == "ELB"
    assert first_verdict <= props["HealthCheckGracePeriod"] < first_verdict + 30
    assert props["DefaultInstanceWarmup"] == props["HealthCheckGracePeriod"]
    assert props["TargetGroupARNs"] == [{"Ref": tg_id}]
    assert len(props["VPCZoneIdentifier"]) == 2, "at least two AZs"
    assert (props["MinSize"], props["MaxSize"]) == ("1", "2")


def test_target_group_checks_llama_server_health(dev: Template) -> None:
    dev.has_resource_properties("AWS::ElasticLoadBalancingV2::TargetGroup", {
        "Port": 8080, "Protocol": "HTTP", "TargetType": "instance", "HealthCheckPath": "/health",
        "Matcher": {"HttpCode": "200"}, "HealthCheckIntervalSeconds": HEALTH_INTERVAL_SECONDS,
        "HealthyThresholdCount": HEALTHY_THRESHOLD,
        "TargetGroupAttributes": Match.array_with([
            {"Key": "deregistration_delay.timeout_seconds", "Value": "180"}])})


def test_internal_alb_idle_timeout_exceeds_longest_generation_and_logs(dev: Template) -> None:
    dev.has_resource_properties("AWS::ElasticLoadBalancingV2::LoadBalancer", {
        "Scheme": "internal",
        "LoadBalancerAttributes": Match.array_with([
            {"Key": "idle_timeout.timeout_seconds", "Value": "210"},
            {"Key": "access_logs.s3.enabled", "Value": "true"},
            {"Key": "access_logs.s3.prefix", "Value": "alb/llama-small"}])})
    dev.has_resource_properties("AWS::ElasticLoadBalancingV2::Listener", {"Port": 80, "Protocol": "HTTP"})


def _alb_ingress(template: Template) -> list[dict[str, object]]:
    groups = template.find_resources("AWS::EC2::SecurityGroup")
    alb_id, alb = next((k, v) for k, v in groups.items() if "AlbSg" in k)
    inline = list(alb["Properties"].get("SecurityGroupIngress", []))
    separate = [r["Properties"] for r in template.find_resources("AWS::EC2::SecurityGroupIngress").values()
                if r["Properties"]["GroupId"] == {"Fn::GetAtt": [alb_id, "GroupId"]}]
    return inline + separate


def test_internal_load_balancer_admits_only_its_consumer_group_never_the_vpc(dev: Template) -> None:
    groups = dev.find_resources("AWS::EC2::SecurityGroup")
    consumer_id = next(k for k in groups if "ConsumerSg" in k)
    ingress = _alb_ingress(dev)
    assert len(ingress) == 1
    assert ingress[0]["SourceSecurityGroupId"] == {"Fn::GetAtt": [consumer_id, "GroupId"]}
    assert "CidrIp" not in json.dumps(ingress), "no network range, the VPC's included"


def test_internal_load_balancer_admits_the_named_consumer_groups(isolated: dict[str, Template]) -> None:
    ingress = _alb_ingress(isolated["Graviton"])
    sources = sorted(json.dumps(rule.get("SourceSecurityGroupId") or rule.get("CidrIp")) for rule in ingress)
    assert f'"{CONSUMER_SG}"' in sources and '"192.168.10.0/24"' in sources
    assert len(ingress) == 3  # the kit's consumer group, the named one, the listed network
    assert '"10.0.0.0/16"' not in sources


def test_instances_accept_only_the_alb_and_send_only_https(dev: Template) -> None:
    groups = dev.find_resources("AWS::EC2::SecurityGroup")
    alb_id = next(k for k in groups if k.startswith("llamasmallAlbSg"))
    instance_id, instance = next((k, v) for k, v in groups.items() if k.startswith("llamasmallInstanceSg"))
    assert instance["Properties"]["SecurityGroupEgress"] == [{
        "CidrIp": "0.0.0.0/0", "Description": "HTTPS to AWS APIs and dnf repos",
        "FromPort": 443, "IpProtocol": "tcp", "ToPort": 443}]
    ingress = [r["Properties"] for r in dev.find_resources("AWS::EC2::SecurityGroupIngress").values()
               if r["Properties"]["GroupId"] == {"Fn::GetAtt": [instance_id, "GroupId"]}]
    assert len(ingress) == 1 and ingress[0]["FromPort"] == 8080
    assert ingress[0]["SourceSecurityGroupId"] == {"Fn::GetAtt": [alb_id, "GroupId"]}


def test_an_isolated_vpc_gets_an_autoscaling_endpoint_for_the_hook(isolated: dict[str, Template],
                                                                   default_graviton: dict[str, Template]) -> None:
    """Instances release their launch hook through the Auto Scaling API; without egress that needs
    an interface endpoint (with egress the VPC reaches the API anyway, so none is added)."""
    isolated["Platform"].has_resource_properties("AWS::EC2::VPCEndpoint", {
        "ServiceName": "com.amazonaws.eu-west-1.autoscaling", "VpcEndpointType": "Interface",
        "PrivateDnsEnabled": True})
    services = json.dumps([e["Properties"]["ServiceName"] for e in
                           isolated["Platform"].find_resources("AWS::EC2::VPCEndpoint").values()])
    assert services.count(".autoscaling\"") == 1


def test_alarms_cover_unhealthy_hosts_5xx_and_p95(dev: Template) -> None:
    alarms = dev.find_resources("AWS::CloudWatch::Alarm")
    assert len(alarms) == 3
    assert all(a["Properties"]["AlarmActions"] for a in alarms.values())
    dev.has_resource_properties("AWS::CloudWatch::Alarm", {"MetricName": "UnHealthyHostCount"})
    dev.has_resource_properties("AWS::CloudWatch::Alarm", {"ExtendedStatistic": "p95", "Threshold": 60})
    dev.has_resource_properties("AWS::CloudWatch::Alarm", {"Metrics": Match.array_with([
        Match.object_like({"Expression": "FILL(target, 0) + FILL(elb, 0)"})])})


def _shown(part: object) -> str:
    if isinstance(part, str):
        return part
    assert isinstance(part, dict)
    if "Ref" in part:
        return f"<{part['Ref']}>"
    return f"<{'.'.join(part['Fn::GetAtt'])}>"


def test_endpoint_is_published_with_base_url_key_and_consumer_group(dev: Template) -> None:
    _, parameter = only(dev, "AWS::SSM::Parameter")
    assert parameter["Properties"]["Name"] == "/fmkit/fmkit-demo/dev/models/llama-small/endpoint"
    parts = parameter["Properties"]["Value"]["Fn::Join"][1]
    payload = json.loads("".join(_shown(part) for part in parts))
    assert payload == {"provider": "ec2-graviton", "base_url": "http://<llamasmallLoadBalancer089D5AFA.DNSName>/v1",
                       "api_key_secret_arn": "<ApiKeyLlamaSmall>"}
    outputs = dev.to_json()["Outputs"]
    base = next(v for k, v in outputs.items() if k.startswith("llamasmallBaseUrl"))
    assert base["Value"]["Fn::Join"][1][0] == "http://" and base["Value"]["Fn::Join"][1][-1] == "/v1"
    assert any(k.startswith("llamasmallConsumerSecurityGroupId") for k in outputs)
    key_output = next(v for k, v in outputs.items() if k.startswith("llamasmallApiKeySecretArn"))
    assert key_output["Value"] == {"Ref": "ApiKeyLlamaSmall"}


def test_stateful_logical_ids_are_pinned(dev: Template) -> None:
    assert "GravitonModelBucket" in dev.find_resources("AWS::S3::Bucket")
    assert "LogsLlamaSmall" in dev.find_resources("AWS::Logs::LogGroup")
    assert "ApiKeyLlamaSmall" in dev.find_resources("AWS::SecretsManager::Secret")


def test_resources_are_tagged_with_the_model(dev: Template) -> None:
    dev.has_resource_properties("AWS::AutoScaling::AutoScalingGroup", {"Tags": Match.array_with([
        {"Key": "fmkit:model", "Value": "llama-small", "PropagateAtLaunch": True}])})


def test_public_https_with_allow_list_only(public: Template) -> None:
    public.has_resource_properties("AWS::ElasticLoadBalancingV2::LoadBalancer", {"Scheme": "internet-facing"})
    public.has_resource_properties("AWS::ElasticLoadBalancingV2::Listener", {
        "Port": 443, "Protocol": "HTTPS", "Certificates": [{"CertificateArn": CERT}],
        "SslPolicy": Match.any_value()})
    public.has_resource_properties("AWS::EC2::SecurityGroup", {"SecurityGroupIngress": Match.array_with([
        Match.object_like({"CidrIp": "203.0.113.0/24", "FromPort": 443, "ToPort": 443})])})
    ingress = json.dumps([g["Properties"].get("SecurityGroupIngress", [])
                          for g in public.find_resources("AWS::EC2::SecurityGroup").values()])
    assert "0.0.0.0/0" not in ingress


def test_public_base_url_uses_the_certificate_domain_and_your_own_key(public: Template) -> None:
    _, parameter = only(public, "AWS::SSM::Parameter")
    assert json.loads(parameter["Properties"]["Value"]) == {
        "provider": "ec2-graviton", "base_url": "https://llm.example.com/v1", "api_key_secret_arn": SECRET}
    public.resource_count_is("AWS::SecretsManager::Secret", 0)
    assert f"readonly API_KEY_SECRET_ARN={SECRET}\n" in user_data(public)


def test_key_turned_off_publishes_none_and_renders_no_key_file(isolated: dict[str, Template]) -> None:
    graviton = isolated["Graviton"]
    graviton.resource_count_is("AWS::SecretsManager::Secret", 0)
    _, parameter = only(graviton, "AWS::SSM::Parameter")
    assert '"api_key_secret_arn":null' in json.dumps(parameter["Properties"]["Value"]).replace("\\", "")
    text = user_data(graviton)
    assert "--api-key-file" not in text.split("readonly LLAMA_ARGS=", 1)[1].split("\n", 1)[0]
