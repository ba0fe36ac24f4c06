"""Model access: Bedrock entitlement and agreements, JumpStart artifacts where the endpoint reads them."""

from __future__ import annotations

from collections.abc import Iterator

from fmkit.catalog.bedrock import get_model
from fmkit.catalog.jumpstart import get_jumpstart_model
from fmkit.config import EnvironmentConfig
from fmkit.config.providers.bedrock import BedrockDeployment
from fmkit.config.providers.sagemaker import SageMakerDeployment
from fmkit.preflight.aws import Clients, Denied, Unreachable, call
from fmkit.preflight.report import CheckResult, Status

CONSOLE_ACCESS = "https://console.aws.amazon.com/bedrock/home#/modelaccess"


def check_bedrock_access(env: EnvironmentConfig, clients: Clients) -> Iterator[CheckResult]:
    """GetFoundationModelAvailability per model in the environment's region (the calls' source region)."""
    seen: set[str] = set()
    for name, deployment in sorted(env.deployments_of(BedrockDeployment).items()):
        model = get_model(deployment.model_id)
        model_id = model.model_id if model is not None else deployment.model_id
        if model_id in seen:
            continue
        seen.add(model_id)
        target = f"{name} ({model_id}) in {env.region}"
        try:
            answer = call(clients.get("bedrock", env.region).get_foundation_model_availability, modelId=model_id)
        except (Denied, Unreachable) as exc:
            yield CheckResult("bedrock-model-access", target, Status.UNKNOWN, str(exc),
                              "allow bedrock:GetFoundationModelAvailability")
            continue
        yield _access_result(target, answer)


def _access_result(target: str, answer: dict[str, object]) -> CheckResult:
    agreement = answer.get("agreementAvailability") or {}
    agreement_status = agreement.get("status") if isinstance(agreement, dict) else None
    problems = []
    if answer.get("regionAvailability") == "NOT_AVAILABLE":
        problems.append("not offered in this region")
    if answer.get("entitlementAvailability") == "NOT_AVAILABLE":
        problems.append("no entitlement (a Marketplace subscription is missing)")
    if answer.get("authorizationStatus") == "NOT_AUTHORIZED":
        problems.append("not authorized (model access not granted or denied by policy)")
    if agreement_status in ("NOT_AVAILABLE", "ERROR"):
        message = agreement.get("errorMessage") if isinstance(agreement, dict) else None
        problems.append(f"agreement {agreement_status}{f': {message}' if message else ''}")
    if problems:
        return CheckResult("bedrock-model-access", target, Status.BLOCKED, "; ".join(problems),
                           f"request access (and accept the EULA or use-case form) at {CONSOLE_ACCESS}")
    if agreement_status == "PENDING":
        return CheckResult("bedrock-model-access", target, Status.WARNING, "agreement pending",
                           "wait for the agreement to complete before the first call")
    return CheckResult("bedrock-model-access", target, Status.OK, "available, authorized, entitled")


def check_jumpstart_artifacts(env: EnvironmentConfig, clients: Clients) -> Iterator[CheckResult]:
    """The pre-packed artifact prefix the endpoint will read must exist in the region's JumpStart bucket."""
    for name, deployment in sorted(env.deployments_of(SageMakerDeployment).items()):
        source = deployment.source.jumpstart
        if source is None:
            continue
        model = get_jumpstart_model(source.model_id)
        if model is None:
            continue
        bucket, prefix = model.artifact_bucket.format(region=env.region), model.artifact_prefix
        target = f"{name} ({source.model_id}): s3://{bucket}/{prefix}"
        try:
            listing = call(clients.get("s3", env.region).list_objects_v2, Bucket=bucket, Prefix=prefix, MaxKeys=1)
        except (Denied, Unreachable) as exc:
            yield CheckResult("jumpstart-artifacts", target, Status.UNKNOWN, str(exc),
                              "gated models' buckets cannot be listed; deploy and watch the endpoint's events")
            continue
        except Exception as exc:
            if "NoSuchBucket" not in str(exc):
                raise
            listing = {"KeyCount": 0}
        if listing.get("KeyCount", 0) > 0:
            yield CheckResult("jumpstart-artifacts", target, Status.OK, "artifact prefix exists")
        else:
            yield CheckResult("jumpstart-artifacts", target, Status.BLOCKED, "no object under the artifact prefix",
                              "the catalog's prefix is stale: run scripts/refresh_jumpstart_catalog.py")
