"""Invocation logging in the default and custom configs: destinations, who may write them, the
handler's permissions and the custom resource on the provider framework."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import aws_cdk as cdk
from aws_cdk.assertions import Match, Template

from fmkit.config.providers.bedrock import InvocationLogging
from stacks.bedrock.invocation_logging import InvocationLoggingDestination
from stacks.common.platform_resources import PlatformResources
from tests.infra.bedrock.conftest import resources
from tests.infra.constructs import NAMING, bare_stack, platform_resources, statements_by_sid, template_of


def logging_config(template: Template) -> str:
    resource = next(iter(resources(template, "Custom::BedrockInvocationLogging").values()))
    return json.dumps(resource["Properties"]["LoggingConfig"])


def test_one_logging_configuration_per_environment(dev: Template, custom: Template) -> None:
    dev.resource_count_is("Custom::BedrockInvocationLogging", 1)
    custom.resource_count_is("Custom::BedrockInvocationLogging", 1)


def test_logging_configuration_points_at_both_destinations(dev: Template) -> None:
    config = logging_config(dev)
    for fragment in ('\\"textDataDeliveryEnabled\\":true', '\\"imageDataDeliveryEnabled\\":false',
                     '\\"s3Config\\":{\\"bucketName\\":', '\\"cloudWatchConfig\\":{\\"logGroupName\\":',
                     '\\"largeDataDeliveryS3Config\\"', "InvocationLoggingDeliveryRole7BF940C7"):
        assert fragment in config


def test_s3_only_logging_has_no_role_and_no_log_group(custom: Template) -> None:
    config = logging_config(custom)
    assert "cloudWatchConfig" not in config and '\\"textDataDeliveryEnabled\\":false' in config
    assert not [r for r in resources(custom, "AWS::IAM::Role").values()
                if "bedrock.amazonaws.com" in json.dumps(r["Properties"]["AssumeRolePolicyDocument"])]
    handler_policy = json.dumps(resources(custom, "AWS::IAM::Policy"))
    assert "iam:PassRole" not in handler_policy


def test_logging_bucket_is_kms_encrypted_tls_only_with_lifecycle(dev: Template, custom: Template) -> None:
    dev.has_resource_properties("AWS::S3::Bucket", {
        "BucketEncryption": {"ServerSideEncryptionConfiguration": [Match.object_like({
            "BucketKeyEnabled": True,
            "ServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": Match.any_value()}})]},
        "LoggingConfiguration": {"DestinationBucketName": Match.any_value(),
                                 "LogFilePrefix": "bedrock-invocation-logs/"},
        "LifecycleConfiguration": {"Rules": [Match.object_like({
            "ExpirationInDays": 365, "Status": "Enabled",
            "Transitions": [{"StorageClass": "STANDARD_IA", "TransitionInDays": 30}]})]},
    })
    custom.has_resource_properties("AWS::S3::Bucket", {"LifecycleConfiguration": {"Rules": [
        Match.object_like({"ExpirationInDays": 90, "Transitions": Match.absent()})]}})
    dev.has_resource_properties("AWS::S3::BucketPolicy", {"PolicyDocument": {"Statement": Match.array_with([
        Match.object_like({"Effect": "Deny", "Condition": {"Bool": {"aws:SecureTransport": "false"}}})])}})


def test_only_this_accounts_bedrock_may_write_logs(dev: Template, default_bedrock: dict[str, Template]) -> None:
    source = {"StringEquals": {"aws:SourceAccount": "111111111111"},
              "ArnLike": {"aws:SourceArn": "arn:aws:bedrock:eu-west-1:111111111111:*"}}
    dev.has_resource_properties("AWS::S3::BucketPolicy", {"PolicyDocument": {"Statement": Match.array_with([
        Match.object_like({"Sid": "BedrockWritesInvocationLogs", "Action": "s3:PutObject",
                           "Principal": {"Service": "bedrock.amazonaws.com"}, "Condition": source})])}})
    default_bedrock["dev/Platform"].has_resource_properties("AWS::KMS::Key", {"KeyPolicy": {
        "Statement": Match.array_with([Match.object_like({
            "Sid": "AllowBedrockInvocationLoggingToS3", "Action": "kms:GenerateDataKey",
            "Principal": {"Service": "bedrock.amazonaws.com"}, "Condition": source})])}})
    dev.has_resource_properties("AWS::IAM::Role", {"AssumeRolePolicyDocument": {"Statement": [
        Match.object_like({"Principal": {"Service": "bedrock.amazonaws.com"}, "Condition": source})]}})


def test_delivery_role_writes_only_bedrocks_stream(dev: Template) -> None:
    dev.has_resource_properties("AWS::IAM::Policy", {"PolicyDocument": {"Statement": [{
        "Effect": "Allow", "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
        "Resource": {"Fn::Join": ["", ["arn:aws:logs:eu-west-1:111111111111:log-group:",
                                       {"Ref": "InvocationLoggingLogGroupEDBFE163"},
                                       ":log-stream:aws/bedrock/modelinvocations"]]}}]}})
    dev.has_resource_properties("AWS::Logs::LogGroup", {
        "LogGroupName": "/fmkit/fmkit-demo/dev/bedrock/model-invocations", "RetentionInDays": 14,
        "KmsKeyId": Match.any_value()})


def test_handler_may_configure_logging_and_pass_only_the_delivery_role(dev: Template) -> None:
    handler = [p for p in resources(dev, "AWS::IAM::Policy").values()
               if "ConfigureInvocationLogging" in json.dumps(p)]
    assert len(handler) == 1
    by_sid = statements_by_sid(handler[0])
    assert by_sid["ConfigureInvocationLogging"]["Action"] == [
        "bedrock:DeleteModelInvocationLoggingConfiguration", "bedrock:GetModelInvocationLoggingConfiguration",
        "bedrock:PutModelInvocationLoggingConfiguration"]
    assert by_sid["PassDeliveryRoleToBedrock"] == {
        "Sid": "PassDeliveryRoleToBedrock", "Effect": "Allow", "Action": "iam:PassRole",
        "Resource": {"Fn::GetAtt": ["InvocationLoggingDeliveryRole7BF940C7", "Arn"]},
        "Condition": {"StringEquals": {"iam:PassedToService": "bedrock.amazonaws.com"}}}


def test_handler_is_arm64_python_with_encrypted_logs(dev: Template) -> None:
    dev.has_resource_properties("AWS::Lambda::Function", {
        "Handler": "handler.handler", "Architectures": ["arm64"], "Runtime": Match.string_like_regexp("^python3"),
        "KmsKeyArn": Match.any_value(), "TracingConfig": {"Mode": "Active"}})


def test_custom_resource_keeps_its_service_token_through_the_provider_framework(dev: Template) -> None:
    """CloudFormation refuses to change a custom resource's ServiceToken: the provider framework's
    entry function took over the logical id (and ARN) of the function that served it before."""
    resource = next(iter(resources(dev, "Custom::BedrockInvocationLogging").values()))
    assert resource["Properties"]["ServiceToken"] == {"Fn::GetAtt": ["InvocationLoggingHandlerFunctionB641437E", "Arn"]}
    entry = resources(dev, "AWS::Lambda::Function")["InvocationLoggingHandlerFunctionB641437E"]["Properties"]
    assert entry["Handler"] == "framework.onEvent"


def test_custom_resource_waits_for_its_destinations(dev: Template) -> None:
    resource = next(iter(resources(dev, "Custom::BedrockInvocationLogging").values()))
    assert sorted(resource["DependsOn"]) == ["InvocationLoggingBucketPolicyB5B55033",
                                             "InvocationLoggingDeliveryRoleDefaultPolicy02040DAF"]


# --- the construct alone ------------------------------------------------------------------

def _alone(tmp_path: Path, logging: dict[str, Any]) -> tuple[Template, PlatformResources]:
    stack = bare_stack(tmp_path, nag=True)
    platform = platform_resources(stack)
    InvocationLoggingDestination(stack, "Logging", settings=InvocationLogging.model_validate(logging),
                                 naming=NAMING, platform=platform)
    return template_of(stack, tmp_path), platform


def test_alone_the_log_group_is_named_by_the_naming_and_keeps_its_own_retention(tmp_path: Path) -> None:
    template, _ = _alone(tmp_path, {"cloudwatch": {"retention_days": 90}})
    (group,) = [g["Properties"] for g in template.find_resources("AWS::Logs::LogGroup").values()
                if g["Properties"].get("LogGroupName", "").endswith("model-invocations")]
    assert group["LogGroupName"] == "/fmkit/demo/dev/bedrock/model-invocations"
    assert group["RetentionInDays"] == 90  # the platform's is 14: config wins
    template.resource_count_is("AWS::S3::Bucket", 1)  # only the platform's access-log bucket


def test_alone_the_log_group_takes_the_platform_retention_by_default(tmp_path: Path) -> None:
    template, platform = _alone(tmp_path, {"cloudwatch": {}, "s3": {}})
    groups = [g["Properties"] for g in template.find_resources("AWS::Logs::LogGroup").values()
              if g["Properties"].get("LogGroupName", "").endswith("model-invocations")]
    assert [g["RetentionInDays"] for g in groups] == [14]
    buckets = template.find_resources("AWS::S3::Bucket")
    logging = [b["Properties"] for b in buckets.values() if "LoggingConfiguration" in b["Properties"]]
    bucket_name = cdk.Stack.of(platform.logs_bucket).resolve(platform.logs_bucket.bucket_name)
    assert logging[0]["LoggingConfiguration"]["DestinationBucketName"] == bucket_name
