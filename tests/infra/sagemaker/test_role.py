"""ExecutionRole alone: least privilege, and acknowledgments whose reasons name exactly the
actions the role has (the VPC actions only when the endpoint is attached to a VPC)."""

from __future__ import annotations

from pathlib import Path

import pytest
from aws_cdk import aws_kms as kms

from fmkit.catalog.sagemaker_images import ContainerImage
from stacks.sagemaker.artifacts import ModelArtifacts
from stacks.sagemaker.role import VPC_DESCRIBE_ACTIONS, VPC_INTERFACE_ACTIONS, ExecutionRole
from tests.infra.constructs import acknowledged, bare_stack, statements_by_sid, template_of

IMAGE = ContainerImage(uri="763104351884.dkr.ecr.eu-west-1.amazonaws.com/tgi:2.4.0", account="763104351884",
                       region="eu-west-1", repository="tgi", tag="2.4.0")
HUB = ModelArtifacts(s3_uri=None, compressed=False, accept_eula=False, environment={})


@pytest.mark.parametrize("vpc", [False, True], ids=["no-vpc", "vpc"])
def test_the_wildcard_acknowledgment_names_the_actions_the_role_has(tmp_path: Path, vpc: bool) -> None:
    stack = bare_stack(tmp_path, nag=True)
    ExecutionRole(stack, "Execution", image=IMAGE, artifacts=HUB, endpoint_name="demo-dev-chat",
                  key=kms.Key(stack, "Key", enable_key_rotation=True), vpc=vpc)
    template = template_of(stack, tmp_path)
    (policy,) = template.find_resources("AWS::IAM::Policy").values()
    statements = statements_by_sid(policy)
    assert ("AttachToVpc" in statements) is vpc
    (reason,) = [r for rule, _, r in acknowledged(tmp_path) if rule == "AwsSolutions-IAM5[Resource::*]"]
    for action in ("ecr:GetAuthorizationToken", "cloudwatch:PutMetricData"):
        assert action in reason
    for action in (*VPC_INTERFACE_ACTIONS, *VPC_DESCRIBE_ACTIONS):
        assert (action in reason) is vpc, action
    assert ("ec2:" in reason) is vpc
    if vpc:
        assert sorted(statements["AttachToVpc"]["Action"]) == sorted((*VPC_INTERFACE_ACTIONS, *VPC_DESCRIBE_ACTIONS))
