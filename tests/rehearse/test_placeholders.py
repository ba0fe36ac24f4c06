"""The placeholder list is pinned, and every resource type of the dev templates is covered by it or by moto.

A type that appears in the templates and that moto cannot create fails here (and the rehearsal's
stack with it) until someone decides how the rehearsal treats it: a patch, or a listed placeholder
with its reason.
"""

from __future__ import annotations

import json
from pathlib import Path

import aws_cdk as cdk
import pytest
from moto.cloudformation.parsing import get_model_map

from fmkit.validate import load_validated
from stacks.app_builder import build_app
from tests.rehearse.placeholders import CUSTOM_RESOURCES, PLACEHOLDERS, Placeholder, placeholder_entry

pytestmark = pytest.mark.infra

ROOT = Path(__file__).resolve().parents[2]

PINNED = {
    "AWS::ApplicationAutoScaling::ScalableTarget",
    "AWS::ApplicationAutoScaling::ScalingPolicy",
    "AWS::AutoScaling::ScalingPolicy",
    "AWS::Bedrock::ApplicationInferenceProfile",
    "AWS::Bedrock::Guardrail",
    "AWS::Bedrock::GuardrailVersion",
    "AWS::CDK::Metadata",
    "AWS::CloudWatch::Alarm",
    "AWS::CodeBuild::Project",
    "AWS::EC2::SecurityGroupEgress",
    "AWS::Lambda::Url",
    "AWS::S3::BucketPolicy",
    "AWS::S3Vectors::Index",
    "AWS::S3Vectors::VectorBucket",
    "AWS::SNS::Subscription",
    "AWS::SNS::TopicPolicy",
    "AWS::SQS::QueuePolicy",
    "AWS::SageMaker::InferenceComponent",
    "AWS::SecretsManager::Secret",
    CUSTOM_RESOURCES,
}


def moto_types() -> set[str]:
    return set(get_model_map()) - {Placeholder.cloudformation_type()}


@pytest.fixture(scope="module")
def dev_resource_types(tmp_path_factory: pytest.TempPathFactory) -> set[str]:
    """Resource types of the default config's dev stacks, synthesized as the CLI does (with CDK metadata)."""
    outdir = tmp_path_factory.mktemp("rehearse-dev")
    context = {**json.loads((ROOT / "cdk.json").read_text())["context"],
               "aws:cdk:bundling-stacks": [], "aws:cdk:version-reporting": True}
    app = cdk.App(outdir=str(outdir), context=context)
    build_app(app, [load_validated(ROOT / "model_configs").environment("dev")])
    assembly = app.synth()
    return {resource["Type"] for stack in assembly.stacks_recursively
            for resource in stack.template.get("Resources", {}).values()}


def test_the_placeholder_list_is_pinned() -> None:
    assert set(PLACEHOLDERS) == PINNED
    assert all(reason.strip() for reason in PLACEHOLDERS.values())


def test_no_placeholder_shadows_a_type_moto_creates() -> None:
    assert set(PLACEHOLDERS) & moto_types() == set()


def test_every_dev_resource_type_is_created_by_moto_or_a_listed_placeholder(dev_resource_types: set[str]) -> None:
    unknown = {kind for kind in dev_resource_types if placeholder_entry(kind) is None} - moto_types()
    assert unknown == set(), ("resource types moto cannot create: patch the emulator or list them in "
                              "tests/rehearse/placeholders.py with the reason")


def test_every_placeholder_is_used_by_the_dev_templates(dev_resource_types: set[str]) -> None:
    used = {placeholder_entry(kind) for kind in dev_resource_types}
    assert set(PLACEHOLDERS) - used == set(), "stale placeholders: remove them from tests/rehearse/placeholders.py"
