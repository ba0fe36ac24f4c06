"""The served-artifact wiring: a Graviton deployment naming a customization resolves its pin at deploy
time, serves its own GGUF until the first promotion, and may read only that customization's candidates;
a Bedrock deployment naming one may also invoke the promoted custom model."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from aws_cdk.assertions import Template

from fmkit.validate import load_validated
from stacks.app_builder import build_app
from tests.infra.conftest import new_app
from tests.infra.customization.conftest import EXAMPLE


def user_data(template: Template) -> Any:
    lt = next(iter(template.find_resources("AWS::EC2::LaunchTemplate").values()))
    return lt["Properties"]["LaunchTemplateData"]["UserData"]


def test_the_pin_is_a_stack_parameter_resolved_from_ssm(graviton: Template) -> None:
    parameters = graviton.to_json()["Parameters"]
    assert parameters["CustomizationPinSupportQwen"] == {
        "Type": "AWS::SSM::Parameter::Value<String>",
        "Default": "/fmkit/support-llm/dev/customizations/support-qwen/pin",
        "Description": "fmkit: the promoted version of customization support-qwen (written by its workflow)"}
    assert parameters["CustomizationArtifactsBucket"]["Default"] == (
        "/fmkit/support-llm/dev/customizations/artifact-bucket")
    assert graviton.to_json()["Conditions"]["CustomizationPinSupportQwenInitial"] == {
        "Fn::Equals": [{"Ref": "CustomizationPinSupportQwen"}, "initial"]}


def test_user_data_pins_the_promoted_gguf_or_the_configured_one(graviton: Template) -> None:
    text = json.dumps(user_data(graviton))
    assert "readonly MODEL_FILE=support-qwen.gguf" in text
    split = {"Fn::Split": ["|", {"Fn::Join": ["", [{"Ref": "CustomizationPinSupportQwen"}, "|"]]}]}
    assert json.dumps({"Fn::Select": [0, split]}) in text and json.dumps({"Fn::Select": [1, split]}) in text
    assert '"Fn::If": ["CustomizationPinSupportQwenInitial"' in text
    assert "1adf0b11065d8ad2e8123ea110d1ec956dab4ab038eab665614adba04b6c3370" in text  # the initial model's pin


def test_instances_read_only_this_customizations_candidates(graviton: Template) -> None:
    policies = graviton.find_resources("AWS::IAM::Policy")
    statement = next(s for p in policies.values() for s in p["Properties"]["PolicyDocument"]["Statement"]
                     if s.get("Sid") == "ReadModelAndServer")
    candidates = {"Fn::Join": ["", ["arn:aws:s3:::", {"Ref": "CustomizationArtifactsBucket"},
                                    "/customizations/support-qwen/gguf/*"]]}
    assert candidates in statement["Resource"] and statement["Action"] == "s3:GetObject"


def test_the_serving_stack_deploys_after_the_customization_stack(tmp_path: Path) -> None:
    stages = build_app(new_app(tmp_path), list(load_validated(EXAMPLE).environments.values()))
    stage = stages["dev"]
    assert list(stage.stacks)[:2] == ["Platform", "Customization"]  # built before the serving stacks
    for serving in ("Graviton", "Bedrock"):
        assert stage.stacks["Customization"] in stage.stacks[serving].dependencies


def test_a_bedrock_deployment_also_allows_the_promoted_custom_model(templates: dict[str, Template]) -> None:
    bedrock = templates["dev/Bedrock"]
    assert bedrock.to_json()["Parameters"]["CustomizationPinSupportNova"]["Default"] == (
        "/fmkit/support-llm/dev/customizations/support-nova/pin")
    policy = next(iter(bedrock.find_resources("AWS::IAM::ManagedPolicy").values()))
    statement = next(s for s in policy["Properties"]["PolicyDocument"]["Statement"]
                     if s.get("Sid") == "InvokePromotedCustomModel")
    profile = {"Fn::GetAtt": [next(iter(bedrock.find_resources("AWS::Bedrock::ApplicationInferenceProfile"))),
                              "InferenceProfileArn"]}
    # Before the first promotion: the deployment's own profile (allowed already), so nothing is widened.
    assert statement["Resource"]["Fn::If"][:2] == ["CustomizationPinSupportNovaInitial", profile]
    assert statement["Action"] == ["bedrock:InvokeModel", "bedrock:InvokeModelWithResponseStream"]
    output = next(v for k, v in bedrock.to_json()["Outputs"].items() if "ServedModelArn" in k)
    assert output["Value"] == statement["Resource"]
