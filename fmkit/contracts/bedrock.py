"""What the Bedrock stack, its invocation-logging function and the kit's Bedrock callers agree on.

The invocation-logging custom resource's handler has only the common function settings
(`BedrockLoggingSettings`); the logging configuration itself travels as the resource
property `LOGGING_CONFIG_PROPERTY` (JSON of Bedrock's `loggingConfig`).

The invoke policy of a deployment with an enforced guardrail accepts the guardrail in
`bedrock:GuardrailIdentifier` as `<guardrail ARN>:<version>` or `<id>:<version>`. The kit's
own callers send the ARN — the form the Bedrock user guide's examples use — which they build
from the guardrail id published in discovery and the deployment's application inference
profile ARN (same account and region).
"""

from __future__ import annotations

from fmkit.contracts.functions import FunctionSettings

LOGGING_CONFIG_PROPERTY = "LoggingConfig"
ARN_PARTS = 6  # arn:partition:service:region:account:resource


def guardrail_arn(guardrail: str, *, sibling_arn: str) -> str:
    """The ARN of `guardrail` (an id or already an ARN), in the partition, region and account of
    `sibling_arn` (a Bedrock ARN such as the application inference profile's).

    When `sibling_arn` is not an account-scoped Bedrock ARN (a plain model id), the id is
    returned as it is: the policy accepts that form too.
    """
    if guardrail.startswith("arn:"):
        return guardrail
    parts = sibling_arn.split(":", ARN_PARTS - 1)
    if len(parts) < ARN_PARTS or parts[0] != "arn" or parts[2] != "bedrock" or not parts[3] or not parts[4]:
        return guardrail
    return ":".join([*parts[:5], f"guardrail/{guardrail}"])


class BedrockLoggingSettings(FunctionSettings):
    """Environment of `lambda/bedrock_logging` (custom resource on CDK's provider framework)."""
