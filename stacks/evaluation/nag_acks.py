"""cdk-nag acknowledgments of the evaluation stack, each narrowed to the exact finding.

cdk-nag names a finding by the rendered resource (`<LogicalId.Arn>/runs/*`), so the strings
are computed from the constructs rather than hard-coded logical ids.
"""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_s3 as s3
from constructs import IConstruct

from stacks.evaluation.functions import EvaluationFunctions
from stacks.evaluation.workflow import EvaluationWorkflow
from stacks.nag import acknowledge


def ref(construct: IConstruct, attribute: str | None = None) -> str:
    """`<LogicalId>` or `<LogicalId.Attr>` of an L2's default child, as cdk-nag prints it."""
    child = construct.node.default_child or construct
    stack = cdk.Stack.of(construct)
    logical_id = stack.resolve(stack.get_logical_id(child))  # type: ignore[arg-type]
    return f"<{logical_id}.{attribute}>" if attribute else f"<{logical_id}>"


def acknowledge_evaluation(*, functions: EvaluationFunctions, workflow: EvaluationWorkflow,
                           bucket: s3.IBucket, external_dataset_bucket: str | None) -> None:
    runs = f"Resource::{ref(bucket, 'Arn')}/runs/*"
    for fn in functions.all:
        acknowledge(fn.role, "AwsSolutions-IAM5",
                    "X-Ray PutTraceSegments/PutTelemetryRecords have no resource-level permissions"
                    + ("; PutMetricData is conditioned on the fmkit/Evaluation namespace"
                       if fn is functions.summarize else ""),
                    applies_to=["Resource::*"])
        acknowledge(fn.role, "AwsSolutions-IAM5",
                    "Reads and writes the objects of one run under runs/<execution>/; run ids are not known "
                    "in advance", applies_to=[runs])
    acknowledge(functions.summarize.role, "AwsSolutions-IAM5",
                "Overwrites the latest report (report.json/md/html) under reports/latest/",
                applies_to=[f"Resource::{ref(bucket, 'Arn')}/reports/latest/*"])
    machine = workflow.state_machine
    acknowledge(machine.role, "AwsSolutions-IAM5",
                "Invokes its three functions; ':*' covers their versions and aliases (CDK's LambdaInvoke grant)",
                applies_to=[f"Resource::{ref(fn.function, 'Arn')}:*" for fn in functions.all])
    acknowledge(machine.role, "AwsSolutions-IAM5",
                "The Distributed Map writes its result manifest and per-batch outputs to the evaluation "
                "bucket (ResultWriter); object names are generated per execution",
                applies_to=[f"Resource::arn:<AWS::Partition>:s3:::{ref(bucket)}/*"])
    acknowledge(machine.role, "AwsSolutions-IAM5",
                "Log delivery of the state machine's execution logs (logs:*LogDelivery*, DescribeLogGroups, "
                "DescribeResourcePolicies, PutResourcePolicy) and X-Ray tracing (PutTraceSegments, "
                "PutTelemetryRecords, GetSampling*) have no resource-level permissions", applies_to=["Resource::*"])
    if external_dataset_bucket is not None:
        acknowledge(machine.role, "AwsSolutions-IAM5",
                    "CDK's S3 ItemReader grant on the configured dataset bucket; the Map reads only the "
                    "configured dataset key (dataset_s3_uri)",
                    applies_to=[f"Resource::arn:<AWS::Partition>:s3:::{external_dataset_bucket}/*"])
    map_policy = machine.node.try_find_child("DistributedMapPolicy")
    if map_policy is not None:
        # Its only statements let the state machine start/stop/describe its own child executions,
        # whose ARNs embed the state machine name (a token nag renders as Fn::Split).
        stack = cdk.Stack.of(machine)
        logical_id = stack.resolve(stack.get_logical_id(machine.node.default_child))  # type: ignore[arg-type]
        name = '{"Fn::Select":[6,{"Fn::Split":[":",{"Ref":"' + str(logical_id) + '"}]}]}'
        executions = f"arn:{stack.partition}:states:{stack.region}:{stack.account}:execution:{name}"
        acknowledge(map_policy, "AwsSolutions-IAM5",
                    "CDK's Distributed Map policy: manages this state machine's own child executions only",
                    applies_to=[f"Resource::{executions}:*", f"Resource::{executions}/*:*"])
