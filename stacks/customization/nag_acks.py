"""cdk-nag acknowledgments of a customization's functions and state machine, each narrowed to its finding.

What remains after scoping is of three kinds, each named exactly: per-run objects under this
customization's own prefixes (run ids are execution names, not known at deploy), ids Bedrock or
SageMaker generate (custom models, deployments, throughput, customization jobs) within this
account and region, and actions with no resource-level permissions (X-Ray, log delivery).
"""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_s3 as s3
from constructs import IConstruct

from fmkit.customize.runs import customization_root
from stacks.common.stack_env import stack_account, stack_region
from stacks.customization.functions import CustomizationFunctions
from stacks.customization.workflow import CustomizationWorkflow
from stacks.nag import acknowledge


def ref(construct: IConstruct, attribute: str | None = None) -> str:
    """`<LogicalId>` or `<LogicalId.Attr>` of an L2's default child, as cdk-nag prints it."""
    child = construct.node.default_child or construct
    logical_id = cdk.Stack.of(construct).resolve(child.logical_id)  # type: ignore[attr-defined] # respects overrides
    return f"<{logical_id}.{attribute}>" if attribute else f"<{logical_id}>"


def bedrock_ids(scope: IConstruct, *kinds: str) -> list[str]:
    stack = cdk.Stack.of(scope)
    prefix = f"arn:{stack.partition}:bedrock:{stack_region(scope)}:{stack_account(scope)}"
    return [f"Resource::{prefix}:{kind}/*" for kind in kinds]


def acknowledge_functions(functions: CustomizationFunctions, bucket: s3.IBucket) -> None:
    name = functions.settings.customization
    runs = f"Resource::{ref(bucket, 'Arn')}/{customization_root(name)}/runs/*"
    registry = f"Resource::{ref(bucket, 'Arn')}/registry/{name}/*"
    for fn in functions.all:
        acknowledge(fn.role, "AwsSolutions-IAM5",
                    "X-Ray PutTraceSegments/PutTelemetryRecords (active tracing) have no resource-level permissions",
                    applies_to=["Resource::*"])
    for run_fn in (functions.validate, functions.register, functions.decide, functions.answer):
        if run_fn is not None:
            acknowledge(run_fn.role, "AwsSolutions-IAM5",
                        "Reads and writes the objects of one run under this customization's runs/<execution>/; "
                        "run ids are execution names, not known at deploy", applies_to=[runs])
    for registry_fn in (functions.register, functions.serve):
        if registry_fn is not None:
            acknowledge(registry_fn.role, "AwsSolutions-IAM5",
                        "Records each resource the workflow creates under this customization's registry/ prefix "
                        "(one object per run), which the stack's custom resource reads to remove them",
                        applies_to=[registry])
    if functions.settings.kind != "bedrock":
        return
    generated = ("Bedrock generates the ids of customization jobs, custom models, custom model deployments and "
                 "provisioned throughput: scoped to this account and region and to the actions of this step")
    acknowledge(functions.register.role, "AwsSolutions-IAM5", generated,
                applies_to=bedrock_ids(functions, "model-customization-job"))
    for bedrock_fn, kinds in ((functions.serve, ("custom-model", "custom-model-deployment", "provisioned-model")),
                              (functions.answer, ("custom-model-deployment", "provisioned-model")),
                              (functions.publish, ("custom-model-deployment", "provisioned-model"))):
        if bedrock_fn is not None:
            acknowledge(bedrock_fn.role, "AwsSolutions-IAM5", generated, applies_to=bedrock_ids(bedrock_fn, *kinds))


def acknowledge_workflow(workflow: CustomizationWorkflow, functions: CustomizationFunctions, *,
                         kind: str) -> None:
    role = workflow.state_machine.role
    acknowledge(role, "AwsSolutions-IAM5",
                "Invokes its step functions; ':*' covers their versions and aliases (CDK's LambdaInvoke grant)",
                applies_to=[f"Resource::{ref(fn.function, 'Arn')}:*" for fn in functions.all])
    acknowledge(role, "AwsSolutions-IAM5",
                "Log delivery of the state machine's execution logs (logs:*LogDelivery*, DescribeLogGroups, "
                "DescribeResourcePolicies, PutResourcePolicy) and X-Ray tracing (PutTraceSegments, "
                "PutTelemetryRecords, GetSampling*) have no resource-level permissions", applies_to=["Resource::*"])
    if kind == "bedrock":
        acknowledge(role, "AwsSolutions-IAM5",
                    "createModelCustomizationJob.sync creates, polls and stops a customization job and tags the "
                    "custom model it makes; Bedrock generates both ids (this account and region only)",
                    applies_to=bedrock_ids(role, "model-customization-job", "custom-model"))
        return
    stack = cdk.Stack.of(role)
    jobs = (f"arn:{stack.partition}:sagemaker:{stack_region(role)}:{stack_account(role)}:"
            f"training-job/{workflow.name}-*")
    acknowledge(role, "AwsSolutions-IAM5",
                "createTrainingJob.sync creates, describes, stops and tags this customization's training jobs, "
                "named <customization>-<execution>", applies_to=[f"Resource::{jobs}"])
