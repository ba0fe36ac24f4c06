"""The Platform stack: the promises the README makes about key, logs bucket, topic and VPC."""

from __future__ import annotations

from pathlib import Path

import pytest
from aws_cdk.assertions import Match, Template

from tests.helpers import load_env


@pytest.fixture(scope="module")
def dev(default_templates: dict[str, Template]) -> Template:
    return default_templates["dev/Platform"]


def test_platform_key_rotates_and_is_customer_managed(dev: Template) -> None:
    dev.has_resource_properties("AWS::KMS::Key", {"EnableKeyRotation": True})
    dev.has_resource_properties("AWS::KMS::Alias", {"AliasName": "alias/fmkit-demo-dev"})


def test_platform_key_logical_id_is_pinned(dev: Template) -> None:
    """Renaming a stateful resource would replace it (and orphan everything it encrypts)."""
    keys = dev.find_resources("AWS::KMS::Key")
    assert list(keys) == ["Key961B73FD"]


def test_access_logs_bucket_is_private_tls_only_and_expires(dev: Template) -> None:
    dev.has_resource_properties("AWS::S3::Bucket", {
        "BucketEncryption": {"ServerSideEncryptionConfiguration": [
            {"ServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]},
        "PublicAccessBlockConfiguration": {"BlockPublicAcls": True, "BlockPublicPolicy": True,
                                            "IgnorePublicAcls": True, "RestrictPublicBuckets": True},
        "LifecycleConfiguration": {"Rules": Match.array_with([
            Match.object_like({"ExpirationInDays": 90, "Status": "Enabled"})])},
    })
    dev.has_resource_properties("AWS::S3::BucketPolicy", {"PolicyDocument": {"Statement": Match.array_with([
        Match.object_like({"Effect": "Deny", "Condition": {"Bool": {"aws:SecureTransport": "false"}}})])}})


def test_alarm_topic_is_encrypted_and_subscribed_from_config(dev: Template) -> None:
    dev.has_resource_properties("AWS::SNS::Topic", {"KmsMasterKeyId": Match.any_value()})
    dev.has_resource_properties("AWS::SNS::Subscription", {
        "Protocol": "email", "Endpoint": "ml-dev-alerts@example.com"})


def test_removal_policy_follows_config(default_templates: dict[str, Template]) -> None:
    dev_key = default_templates["dev/Platform"].find_resources("AWS::KMS::Key")
    prod_key = default_templates["prod/Platform"].find_resources("AWS::KMS::Key")
    assert next(iter(dev_key.values()))["DeletionPolicy"] == "Delete"
    assert next(iter(prod_key.values()))["DeletionPolicy"] == "Retain"


def test_environment_account_and_region_come_from_config(default_config) -> None:
    assert default_config.environment("dev").region == "eu-west-1"
    assert default_config.environment("prod").account == "222222222222"


def test_vpc_is_only_created_when_a_capability_asks(tmp_path: Path, synth_environment) -> None:
    templates = synth_environment(load_env(tmp_path, {}))
    templates["Platform"].resource_count_is("AWS::EC2::VPC", 0)
    templates["Platform"].resource_count_is("AWS::EC2::NatGateway", 0)


def test_vpc_spans_two_zones_without_an_account_lookup(default_templates: dict[str, Template]) -> None:
    """Fn::GetAZs picks: no AZ lookup at synth (no credentials needed), nothing hard-coded."""
    template = default_templates["prod/Platform"]
    zones = [s["Properties"]["AvailabilityZone"] for s in template.find_resources("AWS::EC2::Subnet").values()]
    assert {"Fn::Select": [0, {"Fn::GetAZs": ""}]} in zones
    assert {"Fn::Select": [1, {"Fn::GetAZs": ""}]} in zones


def test_pinned_zones_are_used_verbatim(tmp_path: Path) -> None:
    import aws_cdk as cdk

    from stacks.platform import PlatformStack

    env = load_env(tmp_path, {"environments/dev.yaml": """
        account: "111111111111"
        region: eu-west-1
        platform: {vpc: {availability_zones: [eu-west-1b, eu-west-1c]}}
    """})
    stack = PlatformStack(cdk.App(), "P", config=env)
    _ = stack.vpc
    zones = {s["Properties"]["AvailabilityZone"]
             for s in Template.from_stack(stack).find_resources("AWS::EC2::Subnet").values()}
    assert zones == {"eu-west-1b", "eu-west-1c"}


def test_vpc_egress_none_uses_endpoints_and_no_nat(tmp_path: Path, synth_environment) -> None:
    import aws_cdk as cdk

    from stacks.platform import PlatformStack

    env = load_env(tmp_path, {"environments/dev.yaml": """
        account: "111111111111"
        region: eu-west-1
        platform: {vpc: {egress: none}}
    """})
    app = cdk.App()
    stack = PlatformStack(app, "P", config=env)
    _ = stack.vpc
    template = Template.from_stack(stack)
    template.resource_count_is("AWS::EC2::NatGateway", 0)
    template.has_resource_properties("AWS::EC2::VPCEndpoint", {"VpcEndpointType": "Interface",
                                                               "PrivateDnsEnabled": True})
    template.has_resource_properties("AWS::EC2::FlowLog", {"LogDestinationType": "s3"})
    subnets = template.find_resources("AWS::EC2::Subnet")
    assert len(subnets) == 2  # isolated subnets only, across two AZs


def test_platform_hands_capabilities_its_resources_and_names(tmp_path: Path) -> None:
    """What capability constructs receive: the platform's own key, bucket, topic and retention, a
    VPC that exists only once one of them asks, and the environment's names."""
    import aws_cdk as cdk

    from stacks.common.naming import Naming
    from stacks.platform import PlatformStack

    stack = PlatformStack(cdk.App(), "P", config=load_env(tmp_path, {}))
    resources = stack.resources
    assert (resources.key, resources.logs_bucket, resources.alarm_topic) == (
        stack.key, stack.logs_bucket, stack.alarm_topic)
    assert resources.log_retention == stack.log_retention and resources.removal_policy == cdk.RemovalPolicy.RETAIN
    assert stack.naming == Naming(project="demo", environment="dev", prefix="demo-dev")
    Template.from_stack(stack).resource_count_is("AWS::EC2::VPC", 0)
    assert resources.vpc is stack.vpc
