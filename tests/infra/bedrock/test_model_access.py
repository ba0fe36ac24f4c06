"""BedrockModelAccess alone in a bare stack: the profile it copies and the invoke policy for each
geography (literal ARNs per region), the guardrail condition in both forms, grants, discovery."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk.assertions import Template

from fmkit.config.providers.bedrock import BedrockDeployment
from stacks.bedrock.model_access import BedrockModelAccess, profile_name
from stacks.common.stack_env import EnvironmentAgnosticStack
from tests.infra.constructs import ACCOUNT, NAMING, acknowledged, bare_stack, statements_by_sid, template_of

NOVA = "amazon.nova-lite-v1:0"
GUARDRAIL = {"content_filters": {"hate": {"input": "high", "output": "high"}}}


def deployment(**fields: Any) -> BedrockDeployment:
    return BedrockDeployment.model_validate({"provider": "bedrock", "model_id": NOVA, "cross_region": "geo", **fields})


def build(stack: cdk.Stack, **fields: Any) -> BedrockModelAccess:
    return BedrockModelAccess(stack, "chat", name="chat", deployment=deployment(**fields), naming=NAMING,
                              key=kms.Key(stack, "Key", enable_key_rotation=True))


def invoke_policy(template: Template) -> dict[str, dict[str, Any]]:
    (policy,) = template.find_resources("AWS::IAM::ManagedPolicy").values()
    return statements_by_sid(policy)


@pytest.mark.parametrize(("region", "geo"), [("eu-west-1", "eu"), ("us-east-1", "us"), ("ap-northeast-1", "apac")])
def test_geo_route_copies_the_system_profile_and_takes_the_model_in_any_region(region: str, geo: str) -> None:
    stack = bare_stack(region=region)
    access = build(stack)
    template = Template.from_stack(stack)
    system = f"arn:aws:bedrock:{region}:{ACCOUNT}:inference-profile/{geo}.{NOVA}"
    template.has_resource_properties("AWS::Bedrock::ApplicationInferenceProfile",
                                     {"ModelSource": {"CopyFrom": system}})
    policy = invoke_policy(template)
    app = stack.resolve(access.profile_arn)
    assert policy["InvokeApplicationInferenceProfile"]["Resource"] == app
    assert "Condition" not in policy["InvokeApplicationInferenceProfile"]
    assert policy["InvokeSystemInferenceProfile"] == {
        "Sid": "InvokeSystemInferenceProfile", "Effect": "Allow",
        "Action": ["bedrock:InvokeModel", "bedrock:InvokeModelWithResponseStream"], "Resource": system,
        "Condition": {"StringEquals": {"bedrock:InferenceProfileArn": app}}}
    models = policy["InvokeFoundationModelViaProfile"]
    assert models["Resource"] == f"arn:aws:bedrock:*::foundation-model/{NOVA}"
    assert models["Condition"] == {"StringEquals": {"bedrock:InferenceProfileArn": [app, system]}}


def test_the_region_wildcard_is_the_one_acknowledged_finding(tmp_path: Path) -> None:
    stack = bare_stack(tmp_path, nag=True)
    build(stack)
    template_of(stack, tmp_path)  # raises NagViolations on anything unacknowledged
    ((rule, path, reason),) = acknowledged(tmp_path)
    assert rule == f"AwsSolutions-IAM5[Resource::arn:aws:bedrock:*::foundation-model/{NOVA}]"
    assert path == "Test/chat/InvokePolicy/Resource"
    assert "bedrock:InferenceProfileArn" in reason and "destination regions" in reason


def test_in_region_route_names_the_one_model_and_no_profile(tmp_path: Path) -> None:
    stack = bare_stack(tmp_path, region="us-east-1", nag=True)
    build(stack, model_id="amazon.nova-micro-v1:0", cross_region="none")
    policy = invoke_policy(template_of(stack, tmp_path))
    assert set(policy) == {"InvokeApplicationInferenceProfile", "InvokeFoundationModelViaProfile"}
    assert policy["InvokeFoundationModelViaProfile"]["Resource"] == \
        "arn:aws:bedrock:us-east-1::foundation-model/amazon.nova-micro-v1:0"
    assert acknowledged(tmp_path) == []


def test_an_enforced_guardrail_is_accepted_by_arn_or_by_id() -> None:
    stack = bare_stack()
    access = build(stack, guardrail=GUARDRAIL)
    assert access.guardrail is not None
    version = stack.resolve(access.guardrail.version_number)
    by_arn = {"Fn::Join": ["", [stack.resolve(access.guardrail.guardrail_arn), ":", version]]}
    by_id = {"Fn::Join": ["", [stack.resolve(access.guardrail.guardrail_id), ":", version]]}
    assert by_arn["Fn::Join"][1][0] == {"Fn::GetAtt": ["chatGuardrailD876AAF2", "GuardrailArn"]}
    policy = invoke_policy(Template.from_stack(stack))
    allows = [s for s in policy.values() if s["Effect"] == "Allow" and s["Action"] != "kms:Decrypt"
              and s["Sid"] != "ApplyGuardrail"]
    assert len(allows) == 3
    for statement in allows:
        assert statement["Condition"]["StringEquals"]["bedrock:GuardrailIdentifier"] == [by_arn, by_id]
    assert policy["DenyInvokeWithoutGuardrail"]["Condition"] == {
        "StringNotEquals": {"bedrock:GuardrailIdentifier": [by_arn, by_id]}}


def test_grant_invoke_attaches_the_policy_and_needs_no_security_group() -> None:
    stack = bare_stack()
    access = build(stack)
    role = iam.Role(stack, "Caller", assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"))
    access.grant_invoke(role)
    assert access.consumer_security_groups == ()
    caller = Template.from_stack(stack).find_resources("AWS::IAM::Role")[stack.get_logical_id(
        role.node.default_child)]  # type: ignore[arg-type]
    assert caller["Properties"]["ManagedPolicyArns"] == [stack.resolve(access.policy.managed_policy_arn)]
    with pytest.raises(TypeError):
        access.grant_invoke(iam.ServicePrincipal("lambda.amazonaws.com"))


def test_endpoint_is_published_under_the_naming() -> None:
    stack = bare_stack()
    build(stack)
    Template.from_stack(stack).has_resource_properties(
        "AWS::SSM::Parameter", {"Name": "/fmkit/demo/dev/models/chat/endpoint",
                                "Description": "fmkit endpoint of model deployment chat (dev)"})


def test_a_stack_without_region_is_refused() -> None:
    with pytest.raises(EnvironmentAgnosticStack, match="explicit region"):
        build(cdk.Stack(cdk.App(), "Agnostic"))


def test_profile_name_changes_with_its_source_so_replacement_cannot_collide() -> None:
    geo = profile_name("fmkit-demo-dev", "chat", "arn:aws:bedrock:eu-west-1:1:inference-profile/eu.m")
    same = profile_name("fmkit-demo-dev", "chat", "arn:aws:bedrock:eu-west-1:1:inference-profile/eu.m")
    direct = profile_name("fmkit-demo-dev", "chat", "arn:aws:bedrock:eu-west-1::foundation-model/m")
    assert geo == same != direct and geo.startswith("fmkit-demo-dev-chat-")
    long = profile_name("p" * 40, "d" * 40, "arn")
    assert len(long) <= 64 and re.fullmatch(r"([0-9a-zA-Z][ _-]?)+", long)
