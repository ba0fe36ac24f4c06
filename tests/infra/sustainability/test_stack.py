"""SustainabilityStack from PlatformResources: co-located with the platform it reuses its key and
logs bucket; elsewhere it deploys to us-east-1 with its own (no cross-region references)."""

from __future__ import annotations

from pathlib import Path

import aws_cdk as cdk
from aws_cdk.assertions import Template

from stacks.platform import PlatformStack
from stacks.sustainability.stack import SustainabilityStack
from tests.helpers import load_env

PROJECT = {"project.yaml": "name: demo\nowner: team@example.com\ncost_center: CC-1\nsustainability:\n"
                           "  enabled: true\n"}


def build(tmp_path: Path, region: str) -> tuple[PlatformStack, SustainabilityStack]:
    env = load_env(tmp_path, {**PROJECT, "environments/dev.yaml": f'account: "111111111111"\nregion: {region}\n'})
    stage = cdk.Stage(cdk.App(), "dev", env=cdk.Environment(account=env.account, region=env.region))
    platform = PlatformStack(stage, "Platform", config=env)
    return platform, SustainabilityStack(stage, "Sustainability", config=env, platform=platform.resources)


def test_in_us_east_1_the_platform_key_and_logs_are_reused(tmp_path: Path) -> None:
    platform, stack = build(tmp_path, "us-east-1")
    template = Template.from_stack(stack)
    template.resource_count_is("AWS::KMS::Key", 0)
    assert stack.region == "us-east-1" and platform.region == "us-east-1"


def test_elsewhere_the_stack_brings_its_own_key_and_logs_in_us_east_1(tmp_path: Path) -> None:
    _, stack = build(tmp_path, "eu-west-1")
    template = Template.from_stack(stack)
    assert stack.region == "us-east-1"
    assert list(template.find_resources("AWS::KMS::Key")) == ["Key961B73FD"]
    assert "AccessLogs8B620ECA" in template.find_resources("AWS::S3::Bucket")
