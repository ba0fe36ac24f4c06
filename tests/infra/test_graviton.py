"""The Graviton stack: what the issue promises about instances, scaling, exposure and alarms."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from aws_cdk.assertions import Match, Template

from fmkit.config import LoadedConfig
from tests.helpers import load_env
from tests.infra.conftest import only_provider

CERT = "arn:aws:acm:eu-west-1:111111111111:certificate/12345678-1234-1234-1234-123456789012"
SECRET = "arn:aws:secretsmanager:eu-west-1:111111111111:secret:llm-key-AbCdEf"
KEY = "arn:aws:kms:eu-west-1:111111111111:key/12345678-1234-1234-1234-123456789012"


@pytest.fixture(scope="module")
def default_graviton(default_config: LoadedConfig, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Template]:
    """The default config's Graviton stacks (dev and prod), synthesized with cdk-nag on."""
    from tests.infra.conftest import synth

    environments = [only_provider(env, "ec2-graviton") for env in default_config.environments.values()]
    templates = synth(environments, tmp_path_factory.mktemp("cdk-graviton-default"))
    return {key: t for key, t in templates.items() if key.endswith("/Graviton")}


@pytest.fixture(scope="module")
def dev(default_graviton: dict[str, Template]) -> Template:
    return default_graviton["dev/Graviton"]


@pytest.fixture(scope="module")
def prod(default_graviton: dict[str, Template]) -> Template:
    return default_graviton["prod/Graviton"]


def only(template: Template, kind: str) -> tuple[str, dict[str, Any]]:
    found = template.find_resources(kind)
    assert len(found) == 1, list(found)
    key, value = next(iter(found.items()))
    return key, dict(value)


def user_data(template: Template) -> str:
    _, lt = only(template, "AWS::EC2::LaunchTemplate")
    parts = lt["Properties"]["LaunchTemplateData"]["UserData"]["Fn::Base64"]["Fn::Join"][1]
    return "".join(p if isinstance(p, str) else "<ref>" for p in parts)


def test_launch_template_requires_imdsv2_and_has_no_ssh_key(dev: Template) -> None:
    _, lt = only(dev, "AWS::EC2::LaunchTemplate")
    data = lt["Properties"]["LaunchTemplateData"]
    assert data["MetadataOptions"] == {"HttpTokens": "required", "HttpPutResponseHopLimit": 1}
    assert "KeyName" not in data and data["InstanceType"] == "c7g.xlarge"


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


def test_group_uses_elb_health_with_grace_from_the_boot_path(dev: Template) -> None:
    tg_id, _ = only(dev, "AWS::ElasticLoadBalancingV2::TargetGroup")
    _, asg = only(dev, "AWS::AutoScaling::AutoScalingGroup")
    props = asg["Properties"]
    assert (props["HealthCheckType"], props["HealthCheckGracePeriod"]) == ("ELB", 180)
    assert props["TargetGroupARNs"] == [{"Ref": tg_id}]
    assert len(props["VPCZoneIdentifier"]) == 2, "at least two AZs"
    assert (props["MinSize"], props["MaxSize"]) == ("1", "2")


def test_target_group_checks_llama_server_health(dev: Template) -> None:
    dev.has_resource_properties("AWS::ElasticLoadBalancingV2::TargetGroup", {
        "Port": 8080, "Protocol": "HTTP", "TargetType": "instance", "HealthCheckPath": "/health",
        "Matcher": {"HttpCode": "200"},
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


def test_scaling_tracks_published_concurrency_not_cpu(dev: Template) -> None:
    dev.has_resource_properties("AWS::AutoScaling::ScalingPolicy", {
        "PolicyType": "TargetTrackingScaling",
        "TargetTrackingConfiguration": {"TargetValue": 1.5, "CustomizedMetricSpecification": {
            "Namespace": "fmkit/Graviton", "MetricName": "ConcurrentRequests", "Statistic": "Average",
            "Dimensions": Match.array_with([{"Name": "Deployment", "Value": "llama-small"}])}}})
    assert "readonly PUBLISH_CONCURRENCY=1" in user_data(dev)


def test_dev_scales_to_zero_at_night_and_prod_keeps_a_warm_pool(dev: Template, prod: Template) -> None:
    dev.has_resource_properties("AWS::AutoScaling::ScheduledAction", {
        "MinSize": 0, "MaxSize": 0, "DesiredCapacity": 0, "Recurrence": "0 20 * * *", "TimeZone": "Europe/Dublin"})
    dev.resource_count_is("AWS::AutoScaling::WarmPool", 0)
    prod.resource_count_is("AWS::AutoScaling::ScheduledAction", 0)
    prod.has_resource_properties("AWS::AutoScaling::WarmPool", {"MinSize": 1, "PoolState": "Stopped"})
    prod.has_resource_properties("AWS::EC2::LaunchTemplate", {"LaunchTemplateData": Match.object_like({
        "InstanceType": "c8g.2xlarge"})})


def test_launch_template_change_starts_an_instance_refresh(dev: Template) -> None:
    lt_id, _ = only(dev, "AWS::EC2::LaunchTemplate")
    _, refresh = only(dev, "Custom::AWS")
    update = json.dumps(refresh["Properties"]["Update"])
    assert "startInstanceRefresh" in update and '\\"MinHealthyPercentage\\":100' in update
    assert json.dumps({"Fn::GetAtt": [lt_id, "LatestVersionNumber"]}) in update
    assert "startInstanceRefresh" not in json.dumps(refresh["Properties"]["Create"])


def test_instances_wait_for_the_deploy_time_artifacts(dev: Template) -> None:
    artifacts_id, artifacts = only(dev, "Custom::FmkitGravitonArtifacts")
    variables = artifacts["Properties"]["Variables"]
    assert variables["ARM_ARCH"].startswith("armv8.4-a") and variables["HF_FILE"].endswith(".gguf")
    _, asg = only(dev, "AWS::AutoScaling::AutoScalingGroup")
    assert artifacts_id in asg["DependsOn"]
    dev.has_resource_properties("AWS::CodeBuild::Project", {"Environment": Match.object_like({
        "Type": "ARM_CONTAINER", "Image": "aws/codebuild/amazonlinux-aarch64-standard:3.0"}),
        "EncryptionKey": Match.any_value()})


def test_instance_role_reads_only_its_two_objects(dev: Template) -> None:
    statements = [s for p in dev.find_resources("AWS::IAM::Policy").values()
                  for s in p["Properties"]["PolicyDocument"]["Statement"] if s.get("Sid") == "ReadModelAndServer"]
    assert len(statements) == 1
    resources = json.dumps(statements[0]["Resource"])
    assert statements[0]["Action"] == "s3:GetObject"
    assert "llama.cpp/b10760/graviton3/llama-cpp.tar.gz" in resources
    assert "models/llama-small/bartowski/Llama-3.2-3B-Instruct-GGUF/main/Llama-3.2-3B-Instruct-Q4_0.gguf" in resources
    assert "/*" not in resources
    all_actions = json.dumps([p["Properties"]["PolicyDocument"]
                              for p in dev.find_resources("AWS::IAM::Policy").values()])
    assert '"s3:*"' not in all_actions and "secretsmanager:GetSecretValue" not in all_actions


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


def test_alarms_cover_unhealthy_hosts_5xx_and_p95(dev: Template) -> None:
    alarms = dev.find_resources("AWS::CloudWatch::Alarm")
    assert len(alarms) == 3
    assert all(a["Properties"]["AlarmActions"] for a in alarms.values())
    dev.has_resource_properties("AWS::CloudWatch::Alarm", {"MetricName": "UnHealthyHostCount"})
    dev.has_resource_properties("AWS::CloudWatch::Alarm", {"ExtendedStatistic": "p95", "Threshold": 60})
    dev.has_resource_properties("AWS::CloudWatch::Alarm", {"Metrics": Match.array_with([
        Match.object_like({"Expression": "FILL(target, 0) + FILL(elb, 0)"})])})


def test_endpoint_is_published_with_base_url_and_consumer_group(dev: Template) -> None:
    _, parameter = only(dev, "AWS::SSM::Parameter")
    assert parameter["Properties"]["Name"] == "/fmkit/fmkit-demo/dev/models/llama-small/endpoint"
    before, dns, after = parameter["Properties"]["Value"]["Fn::Join"][1]
    assert json.loads(before + "lb.example" + after) == {
        "provider": "ec2-graviton", "base_url": "http://lb.example/v1", "api_key_secret_arn": None}
    assert dns["Fn::GetAtt"][1] == "DNSName"
    outputs = dev.to_json()["Outputs"]
    base = next(v for k, v in outputs.items() if k.startswith("llamasmallBaseUrl"))
    assert base["Value"]["Fn::Join"][1][0] == "http://" and base["Value"]["Fn::Join"][1][-1] == "/v1"
    assert any(k.startswith("llamasmallConsumerSecurityGroupId") for k in outputs)


def test_stateful_logical_ids_are_pinned(dev: Template) -> None:
    assert "GravitonModelBucket" in dev.find_resources("AWS::S3::Bucket")
    assert "LogsLlamaSmall" in dev.find_resources("AWS::Logs::LogGroup")


def test_resources_are_tagged_with_the_model(dev: Template) -> None:
    dev.has_resource_properties("AWS::AutoScaling::AutoScalingGroup", {"Tags": Match.array_with([
        {"Key": "fmkit:model", "Value": "llama-small", "PropagateAtLaunch": True}])})


CUSTOM = f"""
provider: ec2-graviton
instance_type: m7g.2xlarge
model:
  s3_uri: s3://team-models/qwen/qwen2.5-7b-instruct-q4_k_m.gguf
  size_gib: 4.4
  quantization: Q4_K_M
  kms_key_arn: {KEY}
server:
  api_key_secret_arn: {SECRET}
autoscaling:
  min: 1
  max: 4
  target_requests_per_instance: 30
exposure:
  mode: public
  certificate_arn: {CERT}
  domain_name: llm.example.com
  allowed_cidrs: [203.0.113.0/24]
"""


@pytest.fixture(scope="module")
def public(tmp_path_factory: pytest.TempPathFactory) -> Template:
    from tests.infra.conftest import synth

    root = tmp_path_factory.mktemp("graviton-config")
    env = load_env(Path(root), {"models/qwen.yaml": CUSTOM})
    return synth([env], tmp_path_factory.mktemp("cdk-graviton"))["dev/Graviton"]


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


def test_public_base_url_uses_the_certificate_domain(public: Template) -> None:
    _, parameter = only(public, "AWS::SSM::Parameter")
    assert json.loads(parameter["Properties"]["Value"]) == {
        "provider": "ec2-graviton", "base_url": "https://llm.example.com/v1", "api_key_secret_arn": SECRET}


def test_request_count_scaling_and_no_concurrency_publisher(public: Template) -> None:
    public.has_resource_properties("AWS::AutoScaling::ScalingPolicy", {"TargetTrackingConfiguration": {
        "TargetValue": 30, "PredefinedMetricSpecification": Match.object_like({
            "PredefinedMetricType": "ALBRequestCountPerTarget"})}})
    assert "readonly PUBLISH_CONCURRENCY=0" in user_data(public)


def test_own_object_key_and_api_key_are_the_only_extra_grants(public: Template) -> None:
    statements = {s.get("Sid"): s for p in public.find_resources("AWS::IAM::Policy").values()
                  for s in p["Properties"]["PolicyDocument"]["Statement"]}
    assert statements["ReadApiKey"]["Resource"] == SECRET
    assert statements["DecryptOwnModel"]["Resource"] == KEY
    assert "arn:aws:s3:::team-models/qwen/qwen2.5-7b-instruct-q4_k_m.gguf" in json.dumps(
        statements["ReadModelAndServer"]["Resource"])
    public.resource_count_is("Custom::FmkitGravitonArtifacts", 1)
    _, artifacts = only(public, "Custom::FmkitGravitonArtifacts")
    assert "MODEL_KEY" not in artifacts["Properties"]["Variables"], "own S3 object: nothing to download"


def test_graviton_stack_only_exists_with_a_graviton_model(tmp_path_factory: pytest.TempPathFactory) -> None:
    from tests.infra.conftest import synth

    env = load_env(Path(tmp_path_factory.mktemp("no-graviton")), {})
    assert "dev/Graviton" not in synth([env], tmp_path_factory.mktemp("cdk-none"))
