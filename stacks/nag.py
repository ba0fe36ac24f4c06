"""Acknowledge a cdk-nag finding on the resource that has it, with the reason (cdk-nag 3.x).

cdk-nag 3 reads acknowledgments from `Validations.of(construct)`; rule ids need the pack
prefix (`AwsSolutions::AwsSolutions-IAM5`), else they silently match nothing — this helper
adds it so call sites cannot get it wrong.
"""

from __future__ import annotations

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
    ids = [f"{PACK}::{bare}[{item}]" for item in applies_to] if applies_to else [f"{PACK}::{bare}"]
    for ack_id in ids:
        cdk.Validations.of(construct).acknowledge(cdk.Acknowledgment(id=ack_id, reason=reason))
