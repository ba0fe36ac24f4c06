"""The Bedrock stack as the stage builds it: one access construct per enabled model (profile,
tags, discovery, outputs), the invocation logging, and only justified nag acknowledgments."""

from __future__ import annotations

import json
from pathlib import Path

import aws_cdk as cdk
import pytest
from aws_cdk.assertions import Match, Template

from stacks.bedrock.stack import BedrockStack
from stacks.platform import PlatformStack
from tests.helpers import load_env
from tests.infra.bedrock.conftest import NOVA, one, resources, synth, tags


def test_profile_copies_the_geo_system_profile_of_each_environment(dev: Template, prod: Template) -> None:
    dev.has_resource_properties("AWS::Bedrock::ApplicationInferenceProfile", {
        "InferenceProfileName": Match.string_like_regexp(r"^fmkit-demo-dev-nova-lite-[0-9a-f]{6}$"),
        "ModelSource": {"CopyFrom": "arn:aws:bedrock:eu-west-1:111111111111:inference-profile/eu." + NOVA}})
    prod.has_resource_properties("AWS::Bedrock::ApplicationInferenceProfile", {
        "InferenceProfileName": Match.string_like_regexp(r"^fmkit-demo-prod-nova-lite-[0-9a-f]{6}$"),
        "ModelSource": {"CopyFrom": "arn:aws:bedrock:us-east-1:222222222222:inference-profile/us." + NOVA}})


def test_profile_carries_mandatory_and_model_tags(dev: Template) -> None:
    profile = one(dev, "AWS::Bedrock::ApplicationInferenceProfile")
    expected = {"fmkit:project": "fmkit-demo", "fmkit:environment": "dev", "fmkit:owner": "platform-team@example.com",
                "fmkit:cost-center": "CC-1042", "fmkit:model": "nova-lite", "team": "ml-platform"}
    assert expected.items() <= tags(profile).items()
    guardrail = one(dev, "AWS::Bedrock::Guardrail")
    assert tags(guardrail)["fmkit:model"] == "nova-lite" and tags(guardrail)["fmkit:cost-center"] == "CC-1042"


def test_in_region_profile_copies_the_foundation_model(custom: Template) -> None:
    custom.has_resource_properties("AWS::Bedrock::ApplicationInferenceProfile", {
        "InferenceProfileName": Match.string_like_regexp("^demo-dev-micro-"),
        "ModelSource": {"CopyFrom": "arn:aws:bedrock:us-east-1::foundation-model/amazon.nova-micro-v1:0"}})


def test_logical_ids_of_stateful_resources_are_pinned(dev: Template) -> None:
    """Renaming these would replace them: a new profile ARN, guardrail id, or an orphaned log bucket."""
    assert list(resources(dev, "AWS::Bedrock::ApplicationInferenceProfile")) == ["novaliteInferenceProfile8D98E47B"]
    assert list(resources(dev, "AWS::Bedrock::Guardrail")) == ["novaliteGuardrail559A7442"]
    assert list(resources(dev, "AWS::S3::Bucket")) == ["InvocationLoggingBucketF12B4122"]
    assert "InvocationLoggingLogGroupEDBFE163" in resources(dev, "AWS::Logs::LogGroup")


def test_disabled_models_get_nothing(custom: Template) -> None:
    names = {r["Properties"]["InferenceProfileName"].rsplit("-", 1)[0]
             for r in resources(custom, "AWS::Bedrock::ApplicationInferenceProfile").values()}
    assert names == {"demo-dev-claude", "demo-dev-micro"}


def test_no_bedrock_stack_without_bedrock_models(tmp_path: Path, tmp_path_factory: pytest.TempPathFactory) -> None:
    env = load_env(tmp_path, {"models/micro.yaml": "provider: bedrock\nmodel_id: amazon.nova-micro-v1:0\n"
                                                   "cross_region: geo\nenabled: false\n"})
    templates = synth([env], tmp_path_factory.mktemp("cdk-none"))
    assert "dev/Bedrock" not in templates and "dev/Platform" in templates


def test_endpoint_is_published_to_ssm(dev: Template) -> None:
    parameter = one(dev, "AWS::SSM::Parameter", Name="/fmkit/fmkit-demo/dev/models/nova-lite/endpoint")
    value = json.dumps(parameter["Properties"]["Value"])
    for key in ("provider", "inference_profile_arn", "guardrail_id", "guardrail_version", "invoke_policy_arn"):
        assert f'\\"{key}\\"' in value
    assert '\\"provider\\":\\"bedrock\\"' in value


def test_endpoint_without_guardrail_publishes_null(custom: Template) -> None:
    """Every documented key is present: a model without a guardrail says so with null."""
    parameter = one(custom, "AWS::SSM::Parameter", Name="/fmkit/demo/dev/models/micro/endpoint")
    body = "".join(p for p in parameter["Properties"]["Value"]["Fn::Join"][1] if isinstance(p, str))
    assert '"inference_profile_arn":"' in body
    assert '"guardrail_id":null' in body and '"guardrail_version":null' in body


def test_stack_outputs_profile_and_guardrail(dev: Template) -> None:
    outputs = dev.to_json()["Outputs"]
    by_prefix = {k.rstrip("0123456789ABCDEF") for k in outputs}
    assert {"novaliteInferenceProfileArn", "novaliteGuardrailId", "novaliteGuardrailVersion",
            "novaliteInvokePolicyArn", "novaliteAppRoleArn"} <= by_prefix


def test_only_justified_acknowledgments(custom: Template, custom_outdir: Path) -> None:
    """Without a geographic route the Bedrock stack acknowledges two findings: on the handler role,
    for wildcard-only actions, and on the provider framework's role, for the function versions
    CDK's grantInvoke adds (the geographic route's own finding: test_model_access)."""
    report = json.loads((custom_outdir / "validation-report.json").read_text())
    acknowledged = sorted((v["ruleName"], c["constructPath"], v["reason"])
                          for plugin in report["pluginReports"] for v in plugin["suppressedViolations"]
                          for c in v["violatingConstructs"] if "/Bedrock/" in c["constructPath"])
    assert [(rule, path) for rule, path, _ in acknowledged] == [
        ("AwsSolutions-IAM5[Resource::*]", "dev/Bedrock/InvocationLogging/OnEvent/Role/DefaultPolicy/Resource"),
        ("AwsSolutions-IAM5[Resource::<InvocationLoggingOnEventFunctionDED10DB6.Arn>:*]",
         "dev/Bedrock/InvocationLogging/Provider/OnEventRole/DefaultPolicy/Resource")]
    assert "without resource-level permissions" in acknowledged[0][2]
    assert "grantInvoke" in acknowledged[1][2]


def test_stage_adds_the_bedrock_stack_only_when_a_bedrock_model_is_enabled(tmp_path: Path) -> None:
    from stacks.stage import EnvironmentStage

    model = "provider: bedrock\nmodel_id: amazon.nova-micro-v1:0\ncross_region: geo\n"
    on = load_env(tmp_path / "on", {"models/micro.yaml": model})
    off = load_env(tmp_path / "off", {"models/micro.yaml": model + "enabled: false\n"})
    app = cdk.App(context={"aws:cdk:bundling-stacks": []})
    with_bedrock = EnvironmentStage(app, "on", config=on)
    without = EnvironmentStage(app, "off", config=off)
    assert isinstance(with_bedrock.stacks["Bedrock"], BedrockStack)
    assert with_bedrock.stacks["Bedrock"].stack_name == "demo-dev-bedrock"
    assert "Bedrock" not in without.stacks


def test_grant_invoke_attaches_the_policy_to_a_kit_role(tmp_path: Path) -> None:
    env = load_env(tmp_path, {"models/micro.yaml": "provider: bedrock\nmodel_id: amazon.nova-micro-v1:0\n"
                                                   "cross_region: geo\n"})
    app = cdk.App()
    stage = cdk.Stage(app, "dev", env=cdk.Environment(account=env.account, region=env.region))
    platform = PlatformStack(stage, "Platform", config=env)
    bedrock = BedrockStack(stage, "Bedrock", config=env, platform=platform.resources)
    consumer = cdk.Stack(stage, "Consumer")
    role = cdk.aws_iam.Role(consumer, "FunctionRole", assumed_by=cdk.aws_iam.ServicePrincipal("lambda.amazonaws.com"))
    bedrock.grant_invoke("micro", role)
    arns = json.dumps(Template.from_stack(consumer).find_resources("AWS::IAM::Role"))
    assert "microInvokePolicy" in arns
    with pytest.raises(TypeError):
        bedrock.grant_invoke("micro", cdk.aws_iam.ServicePrincipal("lambda.amazonaws.com"))
