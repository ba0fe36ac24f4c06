"""CustomResourceProvider alone: the provider framework with encrypted logs, our roles, and
acknowledgments that cover exactly the framework's own findings (nag runs on synth)."""

from __future__ import annotations

import json
from pathlib import Path

import aws_cdk as cdk
import pytest
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk.assertions import Match, Template
from cdk_nag import AwsSolutionsChecks
from constructs import Construct

from stacks.common.custom_resource_provider import CustomResourceProvider
from tests.infra.conftest import new_app, synth_checked, templates_of


def synth(outdir: Path, *, waiter: bool) -> Template:
    app = new_app(outdir)
    cdk.Validations.of(app).add_plugins(AwsSolutionsChecks())
    stack = cdk.Stack(app, "Test", env=cdk.Environment(account="111111111111", region="eu-west-1"))
    key = kms.Key(stack, "Key", enable_key_rotation=True)
    role = iam.Role(stack, "HandlerRole", assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"))
    handlers = [lambda_.Function(stack, name, runtime=lambda_.Runtime.PYTHON_3_14, handler="index.handler", role=role,
                                 code=lambda_.Code.from_inline("def handler(event, context): return {}"))
                for name in (("OnEvent", "IsComplete") if waiter else ("OnEvent",))]
    provider = CustomResourceProvider(stack, "Provider", on_event=handlers[0],
                                      is_complete=handlers[1] if waiter else None, key=key,
                                      log_retention=logs.RetentionDays.TWO_WEEKS,
                                      query_interval=cdk.Duration.seconds(10) if waiter else None,
                                      total_timeout=cdk.Duration.minutes(5) if waiter else None)
    cdk.CustomResource(stack, "Resource", service_token=provider.service_token)
    return templates_of(synth_checked(app, outdir), {"Test": stack})["Test"]


@pytest.mark.parametrize("waiter", [False, True], ids=["on-event", "waiter"])
def test_framework_functions_log_encrypted_with_retention_under_our_roles(tmp_path: Path, waiter: bool) -> None:
    template = synth(tmp_path, waiter=waiter)  # raises NagViolations on any unacknowledged finding
    framework = template.find_resources("AWS::Lambda::Function", {"Properties": {
        "Handler": Match.string_like_regexp("^framework\\.")}})
    assert len(framework) == (3 if waiter else 1)
    template.has_resource_properties("AWS::Logs::LogGroup", {"RetentionInDays": 14,
                                                             "KmsKeyId": {"Fn::GetAtt": [Match.any_value(), "Arn"]}})
    for function in framework.values():
        assert "KmsKeyArn" in function["Properties"] and "LogGroup" in function["Properties"]["LoggingConfig"]
    roles = template.find_resources("AWS::IAM::Role", {"Properties": {
        "Description": Match.string_like_regexp("^CDK provider framework")}})
    assert len(roles) == (2 if waiter else 1)
    assert all("ManagedPolicyArns" not in r["Properties"] for r in roles.values())
    machines = template.find_resources("AWS::StepFunctions::StateMachine")
    assert len(machines) == (1 if waiter else 0)


def test_only_the_frameworks_own_findings_are_acknowledged(tmp_path: Path) -> None:
    synth(tmp_path, waiter=True)
    report = json.loads((tmp_path / "validation-report.json").read_text())
    acknowledged = sorted({(v["ruleName"].split("[")[0], c["constructPath"].split("/")[2])
                           for plugin in report["pluginReports"] for v in plugin["suppressedViolations"]
                           for c in v["violatingConstructs"] if "/Provider/" in c["constructPath"]})
    assert acknowledged == [("AwsSolutions-IAM5", "OnEventRole"), ("AwsSolutions-IAM5", "Provider"),
                            ("AwsSolutions-IAM5", "WaiterRole"), ("AwsSolutions-SF2", "Provider")]


def test_the_entry_function_takes_over_the_function_that_served_the_resource_before(tmp_path: Path) -> None:
    from stacks.common.custom_resource_provider import logical_id_at

    app = new_app(tmp_path)
    stack = cdk.Stack(app, "Test")
    scope = Construct(stack, "Logging")
    before = logical_id_at(scope, ("Handler", "Function", "Resource"))
    assert scope.node.try_find_child("Handler") is None  # the probe left no trace
    handler = lambda_.Function(scope, "OnEvent", runtime=lambda_.Runtime.PYTHON_3_14, handler="index.handler",
                               code=lambda_.Code.from_inline("def handler(event, context): return {}"))
    provider = CustomResourceProvider(scope, "Provider", on_event=handler, key=kms.Key(stack, "Key"),
                                      log_retention=logs.RetentionDays.ONE_WEEK,
                                      replaces_function_at=("Handler", "Function", "Resource"))
    cdk.CustomResource(scope, "Resource", service_token=provider.service_token)
    template = Template.from_stack(stack)
    assert before.startswith("LoggingHandlerFunction")
    template.has_resource_properties("AWS::CloudFormation::CustomResource",
                                     {"ServiceToken": {"Fn::GetAtt": [before, "Arn"]}})
    assert template.find_resources("AWS::Lambda::Function")[before]["Properties"]["Handler"] == "framework.onEvent"
    assert not template.find_resources("Fmkit::LogicalIdProbe")
