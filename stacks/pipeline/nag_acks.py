"""cdk-nag findings on what CDK Pipelines generates, acknowledged on the resource with the reason.

CDK Pipelines writes its roles' policies itself (grants on its artifact bucket and key, CodeBuild
log groups and report groups, the bootstrap roles it assumes); their wildcards are the ones
below, each scoped to the pipeline's own resources or guarded by a condition. Reasons name
actions without their service prefix, so a reason shared by several roles never claims an action
one of them lacks (tests/infra/test_acknowledgments.py's rule, applied to the pipeline too).
"""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_codebuild as codebuild
from aws_cdk import aws_iam as iam
from aws_cdk import pipelines
from constructs import IConstruct

from stacks.nag import acknowledge

ARTIFACT_WILDCARDS = ["Action::s3:GetObject*", "Action::s3:GetBucket*", "Action::s3:List*",
                      "Action::s3:DeleteObject*", "Action::s3:Abort*", "Action::kms:GenerateDataKey*",
                      "Action::kms:ReEncrypt*"]
ARTIFACT_REASON = ("CDK Pipelines' grant on its own artifact bucket and key: GetObject*, GetBucket*, List*, "
                   "DeleteObject*, Abort* (S3) and GenerateDataKey*, ReEncrypt* (KMS) read and write the artifacts "
                   "each execution hands from action to action, under keys CodePipeline generates")
BUILD_REASON = ("CodeBuild writes this project's log streams and test reports under names it generates per build, "
                "inside the project's own log group and report-group prefix")
SHARED_BUILD_REASON = ("the asset-publishing role is shared by one CodeBuild project per asset, created after it: "
                       "log streams and reports of those projects (/aws/codebuild/ log groups, report groups)")
BUCKET_REASON = ("pipeline artifact bucket: only the pipeline's roles and the target accounts' CDK deploy roles use "
                 "it, through the pipeline's customer managed key, and CloudTrail records every use of that key; "
                 "access logs would only repeat the pipeline's own traffic")


def _codebuild_items(stack: cdk.Stack) -> list[str]:
    """Log-stream and report-group wildcards of every CodeBuild project in the stack."""
    items = []
    for project in stack.node.find_all():
        if isinstance(project, codebuild.CfnProject):
            name = project.ref
            items += [f"Resource::arn:{stack.partition}:logs:{stack.region}:{stack.account}:log-group:/aws/codebuild/"
                      f"{name}:*",
                      f"Resource::arn:{stack.partition}:codebuild:{stack.region}:{stack.account}:report-group/"
                      f"{name}-*"]
    return items


def _policies(scope: IConstruct) -> list[iam.CfnPolicy]:
    return [node for node in scope.node.find_all() if isinstance(node, iam.CfnPolicy)]


def acknowledge_pipeline(stack: cdk.Stack, pipeline: pipelines.CodePipeline) -> None:
    """After `build_pipeline()`: every role of the pipeline, its artifact buckets (one per region)."""
    underlying = pipeline.pipeline
    bucket = underlying.artifact_bucket
    build_items = _codebuild_items(stack)
    for policy in _policies(pipeline):
        acknowledge(policy, "AwsSolutions-IAM5", ARTIFACT_REASON,
                    applies_to=[*ARTIFACT_WILDCARDS, f"Resource::{bucket.bucket_arn}/*"])
        acknowledge(policy, "AwsSolutions-IAM5", BUILD_REASON, applies_to=build_items)
    acknowledge(bucket, "AwsSolutions-S1", BUCKET_REASON)

    acknowledge(underlying.role, "AwsSolutions-IAM5",
                "KMS Decrypt, DescribeKey, Encrypt, GenerateDataKey*, ReEncrypt* on the replication keys of the "
                "other regions' artifact buckets, which the cross-region support stacks create and CDK refers to "
                "by alias, so their ARNs are unknown here", applies_to=["Resource::*"])
    for region, support in underlying.cross_region_support.items():
        acknowledge(underlying.role, "AwsSolutions-IAM5",
                    f"artifacts replicated to {region} for the stages deployed there: objects of the pipeline's "
                    "replication bucket in that region, under keys CodePipeline generates",
                    applies_to=[f"Resource::arn:{stack.partition}:s3:::{support.replication_bucket.bucket_name}/*"])
        acknowledge(support.replication_bucket, "AwsSolutions-S1", BUCKET_REASON)

    mutation = pipeline.self_mutation_project.role
    if mutation is not None:
        acknowledge(mutation, "AwsSolutions-IAM5",
                    "self-mutation runs cdk deploy of the pipeline stack: it assumes only roles tagged as CDK "
                    "bootstrap roles (deploy, file-publishing, image-publishing; condition on the role tag), "
                    "whose names depend on the bootstrap qualifier",
                    applies_to=[f"Resource::arn:*:iam::{stack.account}:role/*"])
        acknowledge(mutation, "AwsSolutions-IAM5",
                    "cdk deploy reads the state of any stack (DescribeStacks) and lists the bootstrap bucket "
                    "(ListBucket), whose name it learns at run time", applies_to=["Resource::*"])
    assets = pipeline.node.try_find_child("Assets")
    file_role = assets.node.try_find_child("FileRole") if assets is not None else None
    if file_role is not None:
        acknowledge(file_role, "AwsSolutions-IAM5",
                    "the pipeline action starts and follows the asset builds (BatchGetBuilds, StartBuild, StopBuild) "
                    "of projects created after this shared role", applies_to=["Resource::*"])
        acknowledge(file_role, "AwsSolutions-IAM5", SHARED_BUILD_REASON, applies_to=[
            f"Resource::arn:{stack.partition}:logs:{stack.region}:{stack.account}:log-group:/aws/codebuild/*",
            f"Resource::arn:{stack.partition}:codebuild:{stack.region}:{stack.account}:report-group/*"])
