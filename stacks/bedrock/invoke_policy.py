"""The statements a consumer needs to call one model through its application inference profile.

Bedrock authorises a call against the application profile and against the foundation model
in whichever region serves the request. Foundation-model access is conditioned on
`bedrock:InferenceProfileArn`, so the model cannot be called directly, bypassing the tagged
profile (and its cost allocation). A geographic profile routes to destination regions that
Bedrock chooses and AWS extends over time, so its foundation-model ARN takes any region
(`arn:…:bedrock:*::foundation-model/<model>`) — a list written today would deny requests
routed to a region added tomorrow — and the profile condition is what scopes it.

The system (cross-region) profile the application profile copies is allowed only with
`bedrock:InferenceProfileArn` = this application profile: if Bedrock authorises the copied
profile during a call through the application profile, that call passes; a consumer who
calls the system profile directly (untagged, outside the kit's cost allocation) is refused.
Converse/ConverseStream are authorised by InvokeModel/InvokeModelWithResponseStream:
there is no separate `bedrock:Converse` IAM action.

With an enforced guardrail every Allow also requires `bedrock:GuardrailIdentifier` to be
that guardrail's published version, in either form a caller may pass: the ARN
(`arn:…:guardrail/<id>:<version>`, the form the Bedrock user guide's "Enforce the use of
specific guardrails" examples use, and the one the kit's own callers send) or the id
(`<id>:<version>`). An explicit Deny on the application profile refuses calls without it
even when some other policy of the caller would allow them. The Deny names only this
deployment's profile, so a role that also holds another deployment's policy for the same
foundation model keeps that deployment's own rules.
"""

from __future__ import annotations

from collections.abc import Sequence

from aws_cdk import aws_iam as iam

from fmkit.config.providers.bedrock import BedrockRoute

INVOKE_ACTIONS = ["bedrock:InvokeModel", "bedrock:InvokeModelWithResponseStream"]
ANY_REGION = "*"


def system_profile_arn(route: BedrockRoute, partition: str, account: str) -> str:
    return f"arn:{partition}:bedrock:{route.source_region}:{account}:inference-profile/{route.system_profile_id}"


def foundation_model_arn(model_id: str, region: str, partition: str) -> str:
    """Foundation-model ARNs carry no account; global profiles use one with no region either."""
    return f"arn:{partition}:bedrock:{region}::foundation-model/{model_id}"


def copy_from_arn(route: BedrockRoute, partition: str, account: str) -> str:
    """What the application inference profile copies: the system profile, else the in-region model."""
    if route.system_profile_id:
        return system_profile_arn(route, partition, account)
    return foundation_model_arn(route.model_id, route.source_region, partition)


def guardrail_condition_values(guardrail_arn: str, guardrail_id: str, version: str) -> list[str]:
    """The `bedrock:GuardrailIdentifier` values of one published guardrail version: the caller
    passed the guardrail's ARN or its id."""
    return [f"{guardrail_arn}:{version}", f"{guardrail_id}:{version}"]


def invoke_statements(route: BedrockRoute, app_profile_arn: str, *, partition: str, account: str,
                      required_guardrail: Sequence[str] = ()) -> list[iam.PolicyStatement]:
    """Allow exactly the calls `route` needs; with `required_guardrail` (see
    `guardrail_condition_values`) only calls that apply that guardrail version."""
    guarded = {"bedrock:GuardrailIdentifier": list(required_guardrail)} if required_guardrail else {}

    def allow(sid: str, resources: list[str], equals: dict[str, object] | None = None) -> iam.PolicyStatement:
        conditions = {**(equals or {}), **guarded}
        return iam.PolicyStatement(sid=sid, actions=INVOKE_ACTIONS, resources=resources,
                                   conditions={"StringEquals": conditions} if conditions else None)

    statements = [allow("InvokeApplicationInferenceProfile", [app_profile_arn])]
    via_profiles = [app_profile_arn]
    if route.system_profile_id:
        profile_arn = system_profile_arn(route, partition, account)
        via_profiles.append(profile_arn)
        statements.append(allow("InvokeSystemInferenceProfile", [profile_arn],
                                {"bedrock:InferenceProfileArn": app_profile_arn}))
    if route.is_global:
        # Global profiles: the model in the source region, plus the region-less model ARN that
        # Bedrock evaluates (with aws:RequestedRegion "unspecified") when it routes worldwide.
        statements.append(allow(
            "InvokeFoundationModelInSourceRegion",
            [foundation_model_arn(route.model_id, route.source_region, partition)],
            {"aws:RequestedRegion": route.source_region, "bedrock:InferenceProfileArn": via_profiles}))
        statements.append(allow(
            "InvokeFoundationModelGlobally", [foundation_model_arn(route.model_id, "", partition)],
            {"aws:RequestedRegion": "unspecified", "bedrock:InferenceProfileArn": via_profiles}))
    else:
        region = ANY_REGION if route.system_profile_id else route.source_region
        statements.append(allow(
            "InvokeFoundationModelViaProfile", [foundation_model_arn(route.model_id, region, partition)],
            {"bedrock:InferenceProfileArn": via_profiles}))
    if required_guardrail:
        # A missing key makes StringNotEquals true: unguarded calls are refused too.
        statements.append(iam.PolicyStatement(
            sid="DenyInvokeWithoutGuardrail", effect=iam.Effect.DENY, actions=INVOKE_ACTIONS,
            resources=[app_profile_arn],
            conditions={"StringNotEquals": {"bedrock:GuardrailIdentifier": list(required_guardrail)}}))
    return statements
