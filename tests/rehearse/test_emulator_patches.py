"""The patched emulator on loopback (the real server process `make rehearse` uses), one gap at a time.

Small templates, created through boto3 as the CLI creates them (CreateStack/UpdateStack), each
exercising one patch; without the patch each of these stacks fails or loses a value.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from tests.rehearse.emulator import Emulator

ACCOUNT, REGION = "111111111111", "eu-west-1"


@pytest.fixture(scope="module")
def emulator(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Emulator]:
    server = Emulator(ACCOUNT, REGION, tmp_path_factory.mktemp("emulator"))
    server.start()
    yield server
    server.stop()


def create(emulator: Emulator, name: str, resources: dict[str, Any], **extra: Any) -> dict[str, Any]:
    """Create a stack from `resources` (+ template sections in `extra`); its description afterwards."""
    cloudformation = emulator.client("cloudformation")
    cloudformation.create_stack(StackName=name, TemplateBody=json.dumps({"Resources": resources, **extra}))
    return dict(cloudformation.describe_stacks(StackName=name)["Stacks"][0])


def physical(emulator: Emulator, stack: str) -> dict[str, str]:
    summaries = emulator.client("cloudformation").list_stack_resources(StackName=stack)["StackResourceSummaries"]
    return {item["LogicalResourceId"]: item["PhysicalResourceId"] for item in summaries}


def failure_reason(emulator: Emulator, stack: str) -> str:
    events = emulator.client("cloudformation").describe_stack_events(StackName=stack)["StackEvents"]
    return " ".join(event.get("ResourceStatusReason", "") for event in events if "FAILED" in event["ResourceStatus"])


def parameter(name: str, value: Any, **properties: Any) -> dict[str, Any]:
    return {"Type": "AWS::SSM::Parameter",
            "Properties": {"Name": f"/rehearsal/{name}", "Type": "String", "Value": value, **properties}}


def test_weak_cross_stack_reference_resolves_to_the_producers_output(emulator: Emulator) -> None:
    create(emulator, "producer", {"Source": parameter("source", "v1")}, Outputs={"Name": {"Value": {"Ref": "Source"}}})
    reference = {"Fn::GetStackOutput": {"StackName": "producer", "Region": REGION, "OutputName": "Name"}}
    stack = create(emulator, "consumer", {"Copy": parameter("copy", reference, Tags={"team": "ml"})})

    assert stack["StackStatus"] == "CREATE_COMPLETE", failure_reason(emulator, "consumer")
    ssm = emulator.client("ssm")
    copy = ssm.get_parameter(Name=physical(emulator, "consumer")["Copy"])["Parameter"]
    assert copy["Value"] == physical(emulator, "producer")["Source"]
    tags = ssm.list_tags_for_resource(ResourceType="Parameter", ResourceId=copy["Name"])["TagList"]
    assert {"Key": "team", "Value": "ml"} in tags  # tags given as a map, as CloudFormation takes them


def test_placeholders_stand_in_for_listed_types_and_custom_resources(emulator: Emulator) -> None:
    stack = create(emulator, "placeholders", {
        "Guardrail": {"Type": "AWS::Bedrock::Guardrail", "Properties": {"Name": "g"}},
        "Setup": {"Type": "Custom::Setup", "Properties": {"ServiceToken": "arn:aws:lambda:eu-west-1:1:function:x"}},
        "Id": parameter("guardrail", {"Fn::GetAtt": ["Guardrail", "GuardrailId"]}),
    })

    assert stack["StackStatus"] == "CREATE_COMPLETE", failure_reason(emulator, "placeholders")
    ids = physical(emulator, "placeholders")
    assert ids["Guardrail"] and ids["Setup"]
    value = emulator.client("ssm").get_parameter(Name=ids["Id"])["Parameter"]["Value"]
    assert value == f"{ids['Guardrail']}.GuardrailId"


def test_an_unlisted_type_fails_its_stack_instead_of_being_skipped(emulator: Emulator) -> None:
    stack = create(emulator, "unknown", {"Thing": {"Type": "AWS::NotAService::Thing", "Properties": {}}})

    assert stack["StackStatus"] == "CREATE_FAILED"
    assert "AWS::NotAService::Thing" in failure_reason(emulator, "unknown")
    assert "placeholder" in failure_reason(emulator, "unknown")


def test_an_attribute_moto_does_not_implement_fails_instead_of_vanishing(emulator: Emulator) -> None:
    stack = create(emulator, "getatt", {
        "Vpc": {"Type": "AWS::EC2::VPC", "Properties": {"CidrBlock": "10.0.0.0/16"}},
        "Subnet": {"Type": "AWS::EC2::Subnet", "Properties": {"VpcId": {"Ref": "Vpc"}, "CidrBlock": "10.0.0.0/24"}},
        "Zone": parameter("zone", {"Fn::GetAtt": ["Subnet", "AvailabilityZone"]}),
    })

    assert stack["StackStatus"] == "CREATE_FAILED"
    assert "Subnet.AvailabilityZone" in failure_reason(emulator, "getatt")


def test_buckets_keep_bucket_keys_versioning_and_public_access_block(emulator: Emulator) -> None:
    stack = create(emulator, "buckets", {
        "Key": {"Type": "AWS::KMS::Key", "Properties": {
            "KeyPolicy": {"Version": "2012-10-17", "Statement": []}, "Tags": [{"Key": "team", "Value": "ml"}]}},
        "Bucket": {"Type": "AWS::S3::Bucket", "Properties": {
            "BucketEncryption": {"ServerSideEncryptionConfiguration": [{
                "ServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": {"Ref": "Key"}},
                "BucketKeyEnabled": True}]},
            "VersioningConfiguration": {"Status": "Enabled"},
            "PublicAccessBlockConfiguration": {"BlockPublicAcls": True, "BlockPublicPolicy": True,
                                               "IgnorePublicAcls": True, "RestrictPublicBuckets": True}}},
    })

    assert stack["StackStatus"] == "CREATE_COMPLETE", failure_reason(emulator, "buckets")
    s3, bucket = emulator.client("s3"), physical(emulator, "buckets")["Bucket"]
    rule = s3.get_bucket_encryption(Bucket=bucket)["ServerSideEncryptionConfiguration"]["Rules"][0]
    assert rule["BucketKeyEnabled"] is True
    assert s3.get_bucket_versioning(Bucket=bucket)["Status"] == "Enabled"
    assert s3.get_public_access_block(Bucket=bucket)["PublicAccessBlockConfiguration"]["RestrictPublicBuckets"]


def test_an_update_keeps_defaulted_ssm_parameters(emulator: Emulator) -> None:
    emulator.client("ssm").put_parameter(Name="/rehearsal/ami", Value="ami-1234", Type="String")
    parameters = {"Ami": {"Type": "AWS::SSM::Parameter::Value<String>", "Default": "/rehearsal/ami"}}
    create(emulator, "defaulted", {"Image": parameter("image", {"Ref": "Ami"})}, Parameters=parameters)
    cloudformation = emulator.client("cloudformation")

    cloudformation.update_stack(  # what the CDK CLI sends for a parameter with a default
        StackName="defaulted", Parameters=[{"ParameterKey": "Ami", "UsePreviousValue": True}],
        TemplateBody=json.dumps({"Parameters": parameters, "Resources": {
            "Image": parameter("image", {"Ref": "Ami"}), "Other": parameter("other", "x")}}))

    assert cloudformation.describe_stacks(StackName="defaulted")["Stacks"][0]["StackStatus"] == "UPDATE_COMPLETE"


def log_group(days: int, team: str) -> dict[str, Any]:
    return {"Type": "AWS::Logs::LogGroup",
            "Properties": {"RetentionInDays": days, "Tags": [{"Key": "team", "Value": team}]}}


def test_an_update_moto_cannot_apply_fails_the_stack(emulator: Emulator) -> None:
    create(emulator, "logs", {"Group": log_group(7, "ml")})
    cloudformation = emulator.client("cloudformation")

    cloudformation.update_stack(StackName="logs",
                                TemplateBody=json.dumps({"Resources": {"Group": log_group(14, "ml")}}))

    assert cloudformation.describe_stacks(StackName="logs")["Stacks"][0]["StackStatus"] == "UPDATE_ROLLBACK_FAILED"
    assert "cannot update AWS::Logs::LogGroup" in failure_reason(emulator, "logs")


def test_a_tags_only_update_of_a_type_moto_cannot_update_keeps_the_resource(emulator: Emulator) -> None:
    create(emulator, "tagged", {"Group": log_group(7, "ml"), "Name": parameter(
        "group-name", {"Ref": "Group"})}, Outputs={"Group": {"Value": {"Ref": "Group"}}})
    cloudformation = emulator.client("cloudformation")
    before = physical(emulator, "tagged")["Group"]

    cloudformation.update_stack(StackName="tagged", TemplateBody=json.dumps({"Resources": {
        "Group": log_group(7, "platform"), "Name": parameter("group-name", {"Ref": "Group"})},
        "Outputs": {"Group": {"Value": {"Ref": "Group"}}}}))

    assert cloudformation.describe_stacks(StackName="tagged")["Stacks"][0]["StackStatus"] == "UPDATE_COMPLETE"
    assert physical(emulator, "tagged")["Group"] == before
