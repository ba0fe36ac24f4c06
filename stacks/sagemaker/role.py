"""The execution role SageMaker assumes to pull one image and one model's weights — nothing else."""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_sns as sns
from constructs import Construct

from fmkit.catalog.sagemaker_images import ContainerImage
from stacks.nag import acknowledge
from stacks.sagemaker.artifacts import ModelArtifacts

# What SageMaker needs to attach an endpoint to the VPC (SageMaker developer guide, "Give
# SageMaker AI hosted endpoints access to resources in your Amazon VPC").
VPC_INTERFACE_ACTIONS = ("ec2:CreateNetworkInterface", "ec2:CreateNetworkInterfacePermission",
                         "ec2:DeleteNetworkInterface", "ec2:DeleteNetworkInterfacePermission")
VPC_DESCRIBE_ACTIONS = ("ec2:DescribeNetworkInterfaces", "ec2:DescribeVpcs", "ec2:DescribeDhcpOptions",
                        "ec2:DescribeSubnets", "ec2:DescribeSecurityGroups")


class ExecutionRole(Construct):
    """Least privilege: the artifact prefix, the image's ECR repository, its own log group."""

    def __init__(self, scope: Construct, construct_id: str, *, image: ContainerImage, artifacts: ModelArtifacts,
                 endpoint_name: str, key: kms.IKey, vpc: bool) -> None:
        super().__init__(scope, construct_id)
        stack = cdk.Stack.of(self)
        self.role = iam.Role(self, "Role", assumed_by=iam.ServicePrincipal("sagemaker.amazonaws.com"),
                             description=f"SageMaker execution role of endpoint {endpoint_name}")
        repository_arn = (f"arn:{stack.partition}:ecr:{image.region}:{image.account}:"
                          f"repository/{image.repository}")
        self.role.add_to_policy(iam.PolicyStatement(
            sid="PullServingImage",
            actions=["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer", "ecr:BatchCheckLayerAvailability"],
            resources=[repository_arn],
        ))
        self.role.add_to_policy(iam.PolicyStatement(
            sid="EcrLogin", actions=["ecr:GetAuthorizationToken"], resources=["*"]))
        if artifacts.bucket is not None:
            self._read_artifacts(stack, artifacts)
        log_group = (f"arn:{stack.partition}:logs:{stack.region}:{stack.account}:"
                     f"log-group:/aws/sagemaker/Endpoints/{endpoint_name}")
        self.role.add_to_policy(iam.PolicyStatement(
            sid="WriteOwnLogs",
            actions=["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"],
            resources=[log_group, f"{log_group}:*"],
        ))
        self.role.add_to_policy(iam.PolicyStatement(
            sid="PublishMetrics", actions=["cloudwatch:PutMetricData"], resources=["*"],
            conditions={"StringLike": {"cloudwatch:namespace": ["/aws/sagemaker/*", "AWS/SageMaker*"]}},
        ))
        # Explicit actions instead of grant_encrypt_decrypt's wildcards (GenerateDataKey*, ReEncrypt*).
        self.role.add_to_policy(iam.PolicyStatement(
            sid="UsePlatformKey",
            actions=["kms:Encrypt", "kms:Decrypt", "kms:GenerateDataKey", "kms:DescribeKey"],
            resources=[key.key_arn],
        ))
        self.role.add_to_policy(iam.PolicyStatement(
            sid="EncryptVolumes", actions=["kms:CreateGrant"], resources=[key.key_arn],
            conditions={"Bool": {"kms:GrantIsForAWSResource": "true"}},
        ))
        unscoped = ("ecr:GetAuthorizationToken (registry login) and cloudwatch:PutMetricData (conditioned on "
                    "SageMaker's namespaces) have no resource-level permissions; image pulls are scoped to one "
                    "repository")
        if vpc:
            self._vpc_access()
            unscoped += ("; VPC attachment: " + ", ".join(VPC_DESCRIBE_ACTIONS) + " have no resource-level "
                         "permissions, and " + ", ".join(VPC_INTERFACE_ACTIONS) + " act on the network interfaces "
                         "SageMaker creates for the endpoint at deploy time (their ids are not known before)")
        acknowledge(self.role, "AwsSolutions-IAM5", unscoped, applies_to=["Resource::*"])
        acknowledge(self.role, "AwsSolutions-IAM5",
                    "log streams are created by SageMaker with generated names inside this endpoint's "
                    "own log group", applies_to=[f"Resource::{log_group}:*"])

    def allow_bucket(self, bucket: s3.IBucket, purpose: str) -> None:
        """Read/write objects of one bucket this deployment owns (data capture, async results)."""
        self.role.add_to_policy(iam.PolicyStatement(
            actions=["s3:GetObject", "s3:PutObject", "s3:AbortMultipartUpload"],
            resources=[bucket.arn_for_objects("*")]))
        self.role.add_to_policy(iam.PolicyStatement(actions=["s3:ListBucket"], resources=[bucket.bucket_arn]))
        acknowledge(self.role, "AwsSolutions-IAM5",
                    f"SageMaker writes {purpose} objects with generated keys into this deployment's own bucket",
                    applies_to=[f"Resource::<{cdk.Stack.of(bucket).resolve(_cfn(bucket).logical_id)}.Arn>/*"])

    def allow_publish(self, topics: list[sns.ITopic]) -> None:
        """SageMaker publishes async success/error notifications with the execution role."""
        self.role.add_to_policy(iam.PolicyStatement(sid="PublishAsyncNotifications", actions=["sns:Publish"],
                                                    resources=[t.topic_arn for t in topics]))

    def _read_artifacts(self, stack: cdk.Stack, artifacts: ModelArtifacts) -> None:
        bucket_arn = f"arn:{stack.partition}:s3:::{artifacts.bucket}"
        objects = f"{bucket_arn}/{artifacts.key_prefix}" + ("" if artifacts.compressed else "*")
        self.role.add_to_policy(iam.PolicyStatement(sid="ReadModelArtifacts", actions=["s3:GetObject"],
                                                    resources=[objects]))
        if not artifacts.compressed:
            self.role.add_to_policy(iam.PolicyStatement(
                sid="ListModelArtifacts", actions=["s3:ListBucket"], resources=[bucket_arn],
                conditions={"StringLike": {"s3:prefix": [f"{artifacts.key_prefix}*"]}},
            ))
            acknowledge(self.role, "AwsSolutions-IAM5",
                        "uncompressed model weights are many objects under one prefix; reads are limited "
                        "to that prefix", applies_to=[f"Resource::{objects}"])

    def _vpc_access(self) -> None:
        self.role.add_to_policy(iam.PolicyStatement(
            sid="AttachToVpc", actions=[*VPC_INTERFACE_ACTIONS, *VPC_DESCRIBE_ACTIONS], resources=["*"]))


def _cfn(bucket: s3.IBucket) -> s3.CfnBucket:
    child = bucket.node.default_child
    assert isinstance(child, s3.CfnBucket)
    return child
