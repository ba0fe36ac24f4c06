"""The instances' role: read the two objects they serve, write their logs and metric, talk to SSM."""

from __future__ import annotations

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


def instance_role(scope: Construct, name: str, deployment: GravitonDeployment, *, object_arns: list[str],
                  platform_key: kms.IKey, log_group: logs.ILogGroup) -> iam.Role:
    """`object_arns`: exactly the GGUF and the llama.cpp tarball, nothing else in any bucket."""
    role = iam.Role(scope, "InstanceRole", assumed_by=iam.ServicePrincipal("ec2.amazonaws.com"),
                    description=f"fmkit Graviton instances of {name}")
    role.add_to_policy(iam.PolicyStatement(sid="ReadModelAndServer", actions=["s3:GetObject"], resources=object_arns))
    platform_key.grant_decrypt(role)
    if deployment.model.kms_key_arn:
        role.add_to_policy(iam.PolicyStatement(sid="DecryptOwnModel", actions=["kms:Decrypt"],
                                               resources=[deployment.model.kms_key_arn]))
    if deployment.server.api_key_secret_arn:
        role.add_to_policy(iam.PolicyStatement(sid="ReadApiKey", actions=["secretsmanager:GetSecretValue"],
                                               resources=[deployment.server.api_key_secret_arn]))
    log_group.grant_write(role)
    role.add_to_policy(iam.PolicyStatement(
        sid="PublishConcurrency", actions=["cloudwatch:PutMetricData"], resources=["*"],
        conditions={"StringEquals": {"cloudwatch:namespace": GRAVITON_NAMESPACE}}))
    role.add_to_policy(iam.PolicyStatement(sid="SessionManager", actions=SSM_AGENT_ACTIONS, resources=["*"]))
    acknowledge(role, "AwsSolutions-IAM5",
                "SSM agent and PutMetricData do not support resource-level permissions (the metric is "
                "restricted to the fmkit/Graviton namespace by condition); KMS grants use the platform key only",
                applies_to=["Resource::*", "Action::kms:GenerateDataKey*", "Action::kms:ReEncrypt*"])
    return role
