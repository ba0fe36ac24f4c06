"""The service roles the jobs run as: SageMaker training, Bedrock customization.

Each reads exactly its customization's data objects and writes only under its output prefixes
of the artifact bucket, with the platform key. Bedrock's trust policy names the account and
the customization-job ARNs (the confused-deputy conditions the Bedrock guide gives).
"""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_s3_assets as assets
from constructs import Construct

from fmkit.catalog.sagemaker_images import ContainerImage
from fmkit.config.customization import BedrockCustomization, SageMakerPeftCustomization
from fmkit.customize.runs import CHECKPOINTS
from stacks.common.stack_env import stack_account, stack_region
from stacks.customization.access import data_object_arn, read_data, read_write, use_key
from stacks.nag import acknowledge

TRAINING_LOGS = "/aws/sagemaker/TrainingJobs"


def training_role(scope: Construct, construct_id: str, *, name: str, custom: SageMakerPeftCustomization,
                  bucket: s3.IBucket, key: kms.IKey, image: ContainerImage, source: assets.Asset,
                  base_model_uri: str | None) -> iam.Role:
    """What the training container may touch: the data, the base model (JumpStart), its outputs."""
    role = iam.Role(scope, construct_id, assumed_by=iam.ServicePrincipal("sagemaker.amazonaws.com"),
                    description=f"fmkit customization {name}: the SageMaker training job")
    stack = cdk.Stack.of(scope)
    region, account, partition = stack_region(scope), stack_account(scope), stack.partition
    data = [u for u in (custom.data.train, custom.data.validation) if u]
    base = [base_model_uri.rstrip("/") + "/"] if base_model_uri else []
    for statement in [*read_data(scope, [*data, *base], listing=True),
                      *read_write(bucket, name, write=["training/*"]),
                      iam.PolicyStatement(actions=["s3:GetObject", "s3:PutObject"],
                                          resources=[bucket.arn_for_objects(f"{CHECKPOINTS}/{name}/*")]),
                      iam.PolicyStatement(actions=["s3:ListBucket"], resources=[bucket.bucket_arn],
                                          conditions={"StringLike": {"s3:prefix": [f"{CHECKPOINTS}/{name}/*"]}}),
                      use_key(key)]:
        role.add_to_policy(statement)
    source.grant_read(role)
    role.add_to_policy(iam.PolicyStatement(
        actions=["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer", "ecr:BatchCheckLayerAvailability"],
        resources=[f"arn:{partition}:ecr:{image.region}:{image.account}:repository/{image.repository}"]))
    role.add_to_policy(iam.PolicyStatement(actions=["ecr:GetAuthorizationToken"], resources=["*"]))
    logs = f"arn:{partition}:logs:{region}:{account}:log-group:{TRAINING_LOGS}"
    role.add_to_policy(iam.PolicyStatement(actions=["logs:CreateLogGroup", "logs:DescribeLogStreams"],
                                           resources=[f"{logs}:*"]))
    role.add_to_policy(iam.PolicyStatement(actions=["logs:CreateLogStream", "logs:PutLogEvents"],
                                           resources=[f"{logs}:log-stream:*"]))
    role.add_to_policy(iam.PolicyStatement(actions=["cloudwatch:PutMetricData"], resources=["*"],
                                           conditions={"StringEquals": {"cloudwatch:namespace": TRAINING_LOGS}}))
    acknowledge(role, "AwsSolutions-IAM5",
                "ecr:GetAuthorizationToken and cloudwatch:PutMetricData (limited to the training namespace) have no "
                "resource-level permissions; the training job's log streams and checkpoint, output and data objects "
                "are named per run under this customization's prefixes (the data keys are read as S3 prefixes, as "
                "a SageMaker channel reads them); the training code is a CDK asset (its key is its content hash; "
                "Asset.grant_read adds s3:GetBucket*/GetObject*/List* on the bootstrap assets bucket)",
                applies_to=["Resource::*", f"Resource::{logs}:*", f"Resource::{logs}:log-stream:*",
                            *_wildcards(bucket, name, ["training/*"]),
                            f"Resource::<{_bucket_id(bucket)}.Arn>/{CHECKPOINTS}/{name}/*",
                            *(f"Resource::{data_object_arn(role, u, prefix=True)}" for u in sorted({*data, *base})),
                            f"Resource::arn:{partition}:s3:::{_asset_bucket(source)}/*",
                            "Action::s3:GetBucket*", "Action::s3:GetObject*", "Action::s3:List*"])
    return role


def bedrock_role(scope: Construct, construct_id: str, *, name: str, custom: BedrockCustomization,
                 bucket: s3.IBucket, key: kms.IKey) -> iam.Role:
    """Bedrock reads the data and writes the job's output; only for this account's customization jobs."""
    region, account = stack_region(scope), stack_account(scope)
    partition = cdk.Stack.of(scope).partition
    role = iam.Role(scope, construct_id, description=f"fmkit customization {name}: the Bedrock customization job",
                    assumed_by=iam.ServicePrincipal("bedrock.amazonaws.com", conditions={
                        "StringEquals": {"aws:SourceAccount": account},
                        "ArnLike": {"aws:SourceArn":
                                    f"arn:{partition}:bedrock:{region}:{account}:model-customization-job/*"}}))
    data = [u for u in (custom.data.train, custom.data.validation) if u]
    for statement in [*read_data(scope, data, listing=True),
                      *read_write(bucket, name, read=["bedrock/*"], write=["bedrock/*"], list_prefixes=["bedrock/*"]),
                      iam.PolicyStatement(actions=["kms:Decrypt", "kms:GenerateDataKey", "kms:DescribeKey",
                                                   "kms:CreateGrant"], resources=[key.key_arn])]:
        role.add_to_policy(statement)
    acknowledge(role, "AwsSolutions-IAM5",
                "Bedrock writes the job's metrics under this customization's bedrock/ prefix with names it chooses "
                "per job; the data objects are read as S3 prefixes of the configured keys",
                applies_to=[*_wildcards(bucket, name, ["bedrock/*"]),
                            *(f"Resource::{data_object_arn(role, u, prefix=True)}" for u in sorted(data))])
    return role


def _asset_bucket(source: assets.Asset) -> str:
    return str(cdk.Stack.of(source).resolve(source.s3_bucket_name))


def _bucket_id(bucket: s3.IBucket) -> str:
    return str(cdk.Stack.of(bucket).resolve(bucket.node.default_child.logical_id))  # type: ignore[union-attr]


def _wildcards(bucket: s3.IBucket, name: str, parts: list[str]) -> list[str]:
    return [f"Resource::<{_bucket_id(bucket)}.Arn>/customizations/{name}/{part}" for part in parts]
