"""The instances' role: read the two objects they serve and the API key, write their logs and
metric, release their group's launch lifecycle hook, talk to SSM."""

from __future__ import annotations

from dataclasses import dataclass

import aws_cdk as cdk
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_logs as logs
from constructs import Construct

from fmkit.config.providers.graviton import GravitonDeployment
from fmkit.contracts.metrics import GRAVITON_NAMESPACE
from stacks.nag import acknowledge

# What the SSM agent needs for Session Manager (instead of SSH and key pairs).
SSM_AGENT_ACTIONS = [
    "ssm:UpdateInstanceInformation", "ssmmessages:CreateControlChannel", "ssmmessages:CreateDataChannel",
    "ssmmessages:OpenControlChannel", "ssmmessages:OpenDataChannel", "ec2messages:AcknowledgeMessage",
    "ec2messages:DeleteMessage", "ec2messages:FailMessage", "ec2messages:GetEndpoint",
    "ec2messages:GetMessages", "ec2messages:SendReply",
]


@dataclass(frozen=True)
class InstanceGrants:
    """What one deployment's instances may touch.

    `object_arns`: exactly the GGUF and the llama.cpp tarball. `group_name`: the Auto Scaling
    group's (explicit) name: its ARN has a generated id, and naming the group avoids the cycle
    group -> launch template -> role -> group.
    """

    object_arns: list[str]
    group_name: str
    api_key_secret_arn: str | None
    platform_key: kms.IKey
    log_group: logs.ILogGroup


def group_arn(scope: Construct, group_name: str) -> str:
    """ARN of the group named `group_name`, any generated id (written out, as cdk-nag prints it)."""
    stack = cdk.Stack.of(scope)
    return (f"arn:{stack.partition}:autoscaling:{stack.region}:{stack.account}:autoScalingGroup:*:"
            f"autoScalingGroupName/{group_name}")


def instance_role(scope: Construct, name: str, deployment: GravitonDeployment, grants: InstanceGrants) -> iam.Role:
    role = iam.Role(scope, "InstanceRole", assumed_by=iam.ServicePrincipal("ec2.amazonaws.com"),
                    description=f"fmkit Graviton instances of {name}")
    role.add_to_policy(iam.PolicyStatement(sid="ReadModelAndServer", actions=["s3:GetObject"],
                                           resources=grants.object_arns))
    grants.platform_key.grant_decrypt(role)
    if deployment.model.kms_key_arn:
        role.add_to_policy(iam.PolicyStatement(sid="DecryptOwnModel", actions=["kms:Decrypt"],
                                               resources=[deployment.model.kms_key_arn]))
    if grants.api_key_secret_arn:
        role.add_to_policy(iam.PolicyStatement(sid="ReadApiKey", actions=["secretsmanager:GetSecretValue"],
                                               resources=[grants.api_key_secret_arn]))
    grants.log_group.grant_write(role)
    role.add_to_policy(iam.PolicyStatement(
        sid="PublishConcurrency", actions=["cloudwatch:PutMetricData"], resources=["*"],
        conditions={"StringEquals": {"cloudwatch:namespace": GRAVITON_NAMESPACE}}))
    lifecycle_group = group_arn(scope, grants.group_name)
    role.add_to_policy(iam.PolicyStatement(sid="ReleaseLaunchHook", actions=["autoscaling:CompleteLifecycleAction"],
                                           resources=[lifecycle_group]))
    role.add_to_policy(iam.PolicyStatement(sid="SessionManager", actions=SSM_AGENT_ACTIONS, resources=["*"]))
    acknowledge(role, "AwsSolutions-IAM5",
                "SSM agent and PutMetricData do not support resource-level permissions (the metric is "
                "restricted to the fmkit/Graviton namespace by condition); an Auto Scaling group ARN contains a "
                "generated id, so CompleteLifecycleAction is pinned to this group's exact name",
                applies_to=["Resource::*", f"Resource::{lifecycle_group}"])
    return role
