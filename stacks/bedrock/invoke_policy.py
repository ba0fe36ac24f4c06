"""The statements a consumer needs to call one model through its application inference profile.

Bedrock authorises a call against every resource it touches: the application profile,
the system (cross-region) profile it copies, and the foundation model in whichever
destination region serves the request — so each of those ARNs is listed, and nothing
else. Foundation-model access is conditioned on `bedrock:InferenceProfileArn`, so the
model cannot be called directly, bypassing the tagged profile (and its cost allocation).
Converse/ConverseStream are authorised by InvokeModel/InvokeModelWithResponseStream:
there is no separate `bedrock:Converse` IAM action.
"""

from __future__ import annotations

from aws_cdk import aws_iam as iam

from fmkit.config.providers.bedrock import BedrockRoute

INVOKE_ACTIONS = ["bedrock:InvokeModel", "bedrock:InvokeModelWithResponseStream"]


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


def invoke_statements(route: BedrockRoute, app_profile_arn: str, *, partition: str,
                      account: str) -> list[iam.PolicyStatement]:
    statements = [iam.PolicyStatement(sid="InvokeApplicationInferenceProfile", actions=INVOKE_ACTIONS,
                                       resources=[app_profile_arn])]
    via_profiles = [app_profile_arn]
    if route.system_profile_id:
        profile_arn = system_profile_arn(route, partition, account)
        via_profiles.append(profile_arn)
        statements.append(iam.PolicyStatement(sid="InvokeSystemInferenceProfile", actions=INVOKE_ACTIONS,
                                              resources=[profile_arn]))
    if route.is_global:
        # Global profiles: the model in the source region, plus the region-less model ARN that
        # Bedrock evaluates (with aws:RequestedRegion "unspecified") when it routes worldwide.
        statements.append(iam.PolicyStatement(
            sid="InvokeFoundationModelInSourceRegion", actions=INVOKE_ACTIONS,
            resources=[foundation_model_arn(route.model_id, route.source_region, partition)],
            conditions={"StringEquals": {"aws:RequestedRegion": route.source_region,
                                         "bedrock:InferenceProfileArn": via_profiles}},
        ))
        statements.append(iam.PolicyStatement(
            sid="InvokeFoundationModelGlobally", actions=INVOKE_ACTIONS,
            resources=[foundation_model_arn(route.model_id, "", partition)],
            conditions={"StringEquals": {"aws:RequestedRegion": "unspecified",
                                         "bedrock:InferenceProfileArn": via_profiles}},
        ))
    else:
        statements.append(iam.PolicyStatement(
            sid="InvokeFoundationModelViaProfile", actions=INVOKE_ACTIONS,
            resources=[foundation_model_arn(route.model_id, region, partition)
                       for region in route.destination_regions],
            conditions={"StringEquals": {"bedrock:InferenceProfileArn": via_profiles}},
        ))
    return statements
