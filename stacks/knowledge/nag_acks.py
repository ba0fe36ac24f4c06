"""cdk-nag acknowledgments shared by the knowledge constructs, each narrowed to the exact finding.

cdk-nag names a finding by the rendered resource (`<LogicalId.Arn>/*`), so these helpers
compute the same strings from the constructs instead of hard-coding logical ids.
"""

from __future__ import annotations

import aws_cdk as cdk
from constructs import IConstruct

from stacks.nag import acknowledge

KMS_WILDCARDS = ["Action::kms:GenerateDataKey*", "Action::kms:ReEncrypt*"]


def ref(construct: IConstruct, attribute: str | None = None) -> str:
    """`<LogicalId>` or `<LogicalId.Attr>` of an L2's default child, as cdk-nag prints it."""
    child = construct.node.default_child or construct
    stack = cdk.Stack.of(construct)
    logical_id = stack.resolve(stack.get_logical_id(child))  # type: ignore[arg-type]
    return f"<{logical_id}.{attribute}>" if attribute else f"<{logical_id}>"


def acknowledge_function_role(role: IConstruct, *, object_resources: list[str], kms_wildcards: bool) -> None:
    """A knowledge function's role: X-Ray, KMS grant wildcards and the source-object prefixes."""
    if not object_resources and not kms_wildcards:
        acknowledge(role, "AwsSolutions-IAM5",
                    "X-Ray PutTraceSegments/PutTelemetryRecords have no resource-level permissions",
                    applies_to=["Resource::*"])
    if kms_wildcards:
        acknowledge(role, "AwsSolutions-IAM5",
                    "KMS grant on the single platform key: GenerateDataKey*/ReEncrypt* are the grant's actions",
                    applies_to=KMS_WILDCARDS)
    if object_resources:
        acknowledge(role, "AwsSolutions-IAM5",
                    "Reads any document under the configured source prefixes; keys are not known in advance",
                    applies_to=[f"Resource::{r}" for r in object_resources])
