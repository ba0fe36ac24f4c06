"""The invoke policy of each routing (geo, global, in-region), in the synthesized stacks:
exactly the resources a call through the application profile needs, with literal ARNs."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import aws_cdk as cdk
from aws_cdk.assertions import Template

from stacks.bedrock.stack import BedrockStack
from stacks.platform import PlatformStack
from tests.helpers import load_env
from tests.infra.bedrock.conftest import CLAUDE, INVOKE, NOVA, invoke_policy, one, resources

APP_PROFILE = {"Fn::GetAtt": ["novaliteInferenceProfile8D98E47B", "InferenceProfileArn"]}


def test_geo_policy_takes_the_model_in_any_region_only_through_the_profiles(dev: Template) -> None:
    """A geographic profile routes where Bedrock decides (and AWS adds regions): the model ARN takes
    any region, and bedrock:InferenceProfileArn is what limits it."""
    policy = invoke_policy(dev, "fmkit-demo-dev-nova-lite-bedrock-invoke")
    system_profile = "arn:aws:bedrock:eu-west-1:111111111111:inference-profile/eu." + NOVA
    assert policy["InvokeApplicationInferenceProfile"]["Resource"] == APP_PROFILE
    assert policy["InvokeSystemInferenceProfile"]["Resource"] == system_profile
    models = policy["InvokeFoundationModelViaProfile"]
    assert models["Resource"] == f"arn:aws:bedrock:*::foundation-model/{NOVA}"
    assert models["Condition"]["StringEquals"]["bedrock:InferenceProfileArn"] == [APP_PROFILE, system_profile]
    for sid in ("InvokeApplicationInferenceProfile", "InvokeSystemInferenceProfile", "InvokeFoundationModelViaProfile"):
        assert sorted(policy[sid]["Action"]) == INVOKE


def test_system_profile_is_allowed_only_through_the_application_profile(dev: Template, prod: Template) -> None:
    """Calling the system profile directly would bypass the tagged application profile."""
    for template, env, geo, account in ((dev, "dev", "eu", "111111111111"), (prod, "prod", "us", "222222222222")):
        system = invoke_policy(template, f"fmkit-demo-{env}-nova-lite-bedrock-invoke")["InvokeSystemInferenceProfile"]
        region = "eu-west-1" if geo == "eu" else "us-east-1"
        assert system["Resource"] == f"arn:aws:bedrock:{region}:{account}:inference-profile/{geo}.{NOVA}"
        assert system["Condition"]["StringEquals"]["bedrock:InferenceProfileArn"] == APP_PROFILE


def test_us_geo_policy_names_no_region_list(prod: Template) -> None:
    policy = invoke_policy(prod, "fmkit-demo-prod-nova-lite-bedrock-invoke")
    assert policy["InvokeFoundationModelViaProfile"]["Resource"] == f"arn:aws:bedrock:*::foundation-model/{NOVA}"
    assert "us-east-2" not in json.dumps(policy) and "us-west-2" not in json.dumps(policy)


def _guardrail_values(template: Template) -> list[dict[str, Any]]:
    (guardrail_id,) = resources(template, "AWS::Bedrock::Guardrail")
    (version_id,) = resources(template, "AWS::Bedrock::GuardrailVersion")
    version = {"Fn::GetAtt": [version_id, "Version"]}
    # arn:aws:bedrock:<region>:<account>:guardrail/<id>:<version> (the user guide's form) and <id>:<version>
    return [{"Fn::Join": ["", [{"Fn::GetAtt": [guardrail_id, "GuardrailArn"]}, ":", version]]},
            {"Fn::Join": ["", [{"Fn::GetAtt": [guardrail_id, "GuardrailId"]}, ":", version]]}]


def test_enforced_guardrail_accepts_its_arn_or_id_on_every_allow_and_denies_the_rest(dev: Template) -> None:
    policy = invoke_policy(dev, "fmkit-demo-dev-nova-lite-bedrock-invoke")
    required = _guardrail_values(dev)
    for sid in ("InvokeApplicationInferenceProfile", "InvokeSystemInferenceProfile", "InvokeFoundationModelViaProfile"):
        assert policy[sid]["Effect"] == "Allow"
        assert policy[sid]["Condition"]["StringEquals"]["bedrock:GuardrailIdentifier"] == required, sid
    deny = policy["DenyInvokeWithoutGuardrail"]
    assert deny["Effect"] == "Deny" and sorted(deny["Action"]) == INVOKE
    assert deny["Resource"] == APP_PROFILE
    # StringNotEquals with several values is true only when the caller's value matches none of them.
    assert deny["Condition"] == {"StringNotEquals": {"bedrock:GuardrailIdentifier": required}}


def test_models_without_guardrail_have_no_guardrail_condition(custom: Template) -> None:
    for name in ("demo-dev-claude-bedrock-invoke", "demo-dev-micro-bedrock-invoke"):
        policy = invoke_policy(custom, name)
        assert "DenyInvokeWithoutGuardrail" not in policy
        assert "GuardrailIdentifier" not in json.dumps(policy)


def test_guardrail_enforce_false_keeps_the_guardrail_but_not_the_condition(tmp_path: Path) -> None:
    model = ("provider: bedrock\nmodel_id: amazon.nova-micro-v1:0\ncross_region: geo\n"
             "guardrail:\n  enforce: false\n  content_filters: {hate: {input: high, output: high}}\n")
    env = load_env(tmp_path, {"models/micro.yaml": model})
    stage = cdk.Stage(cdk.App(), "dev", env=cdk.Environment(account=env.account, region=env.region))
    platform = PlatformStack(stage, "Platform", config=env)
    bedrock = BedrockStack(stage, "Bedrock", config=env, platform=platform.resources)
    template = Template.from_stack(bedrock)
    template.resource_count_is("AWS::Bedrock::GuardrailVersion", 1)
    policy = invoke_policy(template, "demo-dev-micro-bedrock-invoke")
    assert "ApplyGuardrail" in policy and "DenyInvokeWithoutGuardrail" not in policy
    assert "GuardrailIdentifier" not in json.dumps(policy)


def test_policy_applies_the_guardrail_and_decrypts_only_via_bedrock(dev: Template) -> None:
    policy = invoke_policy(dev, "fmkit-demo-dev-nova-lite-bedrock-invoke")
    assert policy["ApplyGuardrail"] == {"Sid": "ApplyGuardrail", "Effect": "Allow", "Action": "bedrock:ApplyGuardrail",
                                        "Resource": {"Fn::GetAtt": ["novaliteGuardrail559A7442", "GuardrailArn"]}}
    assert policy["DecryptGuardrailViaBedrock"]["Action"] == "kms:Decrypt"
    assert policy["DecryptGuardrailViaBedrock"]["Condition"] == {
        "StringEquals": {"kms:ViaService": "bedrock.eu-west-1.amazonaws.com"}}


def test_global_policy_allows_the_regionless_model_only_via_the_profile(custom: Template) -> None:
    policy = invoke_policy(custom, "demo-dev-claude-bedrock-invoke")
    system_profile = "arn:aws:bedrock:us-east-1:333333333333:inference-profile/global." + CLAUDE
    profile_id = next(k for k in resources(custom, "AWS::Bedrock::ApplicationInferenceProfile")
                      if k.startswith("claude"))
    app_profile = {"Fn::GetAtt": [profile_id, "InferenceProfileArn"]}
    assert set(policy) == {"InvokeApplicationInferenceProfile", "InvokeSystemInferenceProfile",
                           "InvokeFoundationModelInSourceRegion", "InvokeFoundationModelGlobally"}
    assert policy["InvokeSystemInferenceProfile"]["Resource"] == system_profile
    in_region = policy["InvokeFoundationModelInSourceRegion"]
    assert in_region["Resource"] == "arn:aws:bedrock:us-east-1::foundation-model/" + CLAUDE
    assert in_region["Condition"]["StringEquals"]["aws:RequestedRegion"] == "us-east-1"
    worldwide = policy["InvokeFoundationModelGlobally"]
    assert worldwide["Resource"] == "arn:aws:bedrock:::foundation-model/" + CLAUDE
    assert worldwide["Condition"]["StringEquals"]["aws:RequestedRegion"] == "unspecified"
    assert worldwide["Condition"]["StringEquals"]["bedrock:InferenceProfileArn"] == [app_profile, system_profile]
    assert in_region["Condition"]["StringEquals"]["bedrock:InferenceProfileArn"] == [app_profile, system_profile]


def test_in_region_policy_names_one_model_and_no_system_profile(custom: Template) -> None:
    policy = invoke_policy(custom, "demo-dev-micro-bedrock-invoke")
    assert set(policy) == {"InvokeApplicationInferenceProfile", "InvokeFoundationModelViaProfile"}
    assert policy["InvokeFoundationModelViaProfile"]["Resource"] == \
        "arn:aws:bedrock:us-east-1::foundation-model/amazon.nova-micro-v1:0"


def test_only_the_geo_foundation_model_takes_a_wildcard(dev: Template, custom: Template) -> None:
    for template in (dev, custom):
        for policy in resources(template, "AWS::IAM::ManagedPolicy").values():
            for statement in policy["Properties"]["PolicyDocument"]["Statement"]:
                targets = statement["Resource"] if isinstance(statement["Resource"], list) else [statement["Resource"]]
                wild = [t for t in targets if "*" in json.dumps(t)]
                assert wild in ([], [f"arn:aws:bedrock:*::foundation-model/{NOVA}"]), statement
                if wild:
                    assert statement["Sid"] == "InvokeFoundationModelViaProfile"
                    assert "bedrock:InferenceProfileArn" in statement["Condition"]["StringEquals"]


def test_policy_is_attached_to_the_app_role_and_existing_roles(dev: Template, custom: Template) -> None:
    role = one(dev, "AWS::IAM::Role", Description="Application role allowed to invoke nova-lite (dev)")
    principals = role["Properties"]["AssumeRolePolicyDocument"]["Statement"][0]["Principal"]["Service"]
    assert sorted(principals) == ["ecs-tasks.amazonaws.com", "lambda.amazonaws.com"]
    assert role["Properties"]["ManagedPolicyArns"] == [{"Ref": "novaliteInvokePolicyCB95A4B1"}]
    claude = one(custom, "AWS::IAM::ManagedPolicy", ManagedPolicyName="demo-dev-claude-bedrock-invoke")
    assert claude["Properties"]["Roles"] == ["support-assistant"]
    micro = one(custom, "AWS::IAM::ManagedPolicy", ManagedPolicyName="demo-dev-micro-bedrock-invoke")
    assert "Roles" not in micro["Properties"]
