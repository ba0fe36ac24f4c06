"""Acknowledge a cdk-nag finding on the resource that has it, with the reason (cdk-nag 3.x).

cdk-nag 3 reads acknowledgments from `Validations.of(construct)`; rule ids need the pack
prefix (`AwsSolutions::AwsSolutions-IAM5`), else they silently match nothing — this helper
adds it so call sites cannot get it wrong.
"""

from __future__ import annotations

from typing import Any

import aws_cdk as cdk
from constructs import IConstruct

PACK = "AwsSolutions"


def acknowledge(construct: IConstruct, rule_id: str, reason: str, *, applies_to: list[str] | None = None) -> None:
    """Acknowledge `rule_id` (e.g. "AwsSolutions-IAM5") on `construct` and its children.

    `applies_to` narrows a finding to specific items, e.g. ["Action::s3:List*"] for IAM5.
    """
    if len(reason) < 20:
        raise ValueError(f"acknowledging {rule_id} needs a specific reason, got {reason!r}")
    bare = rule_id.split("::", 1)[-1]
    items = [_render(construct, item) for item in applies_to or []]
    ids = [f"{PACK}::{bare}[{item}]" for item in items] if items else [f"{PACK}::{bare}"]
    for ack_id in ids:
        cdk.Validations.of(construct).acknowledge(cdk.Acknowledgment(id=ack_id, reason=reason))


def _render(construct: IConstruct, item: str) -> str:
    """Render tokens the way cdk-nag prints them in finding ids (`<AWS::Partition>`, `<Bucket.Arn>`)."""
    if not cdk.Token.is_unresolved(item):
        return item
    return _flatten(cdk.Stack.of(construct).resolve(item))


def _flatten(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, dict) and "Fn::Join" in value:
        separator, parts = value["Fn::Join"]
        return str(separator).join(_flatten(part) for part in parts)
    if isinstance(value, dict) and "Ref" in value:
        return f"<{value['Ref']}>"
    if isinstance(value, dict) and "Fn::GetAtt" in value:
        return f"<{'.'.join(value['Fn::GetAtt'])}>"
    raise ValueError(f"cannot render {value!r} as a cdk-nag finding id")
