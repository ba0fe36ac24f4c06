"""Bedrock rules: the model exists, is callable from the environment's region the way the
config asks, and settings that are account-wide or model-dependent are consistent."""

from __future__ import annotations

from collections.abc import Iterator

from fmkit.catalog import bedrock as catalog
from fmkit.config.environment import EnvironmentConfig
from fmkit.config.providers.bedrock import ROLE_ARN_RE, BedrockDeployment, CrossRegion, resolve_route
from fmkit.validate.registry import Finding, rule


def _known(model: BedrockDeployment) -> catalog.BedrockModel | None:
    return catalog.all_models().get(model.model_id)


def _regions(regions: set[str] | frozenset[str], limit: int = 8) -> str:
    ordered = sorted(regions)
    more = f" (+{len(ordered) - limit} more)" if len(ordered) > limit else ""
    return ", ".join(ordered[:limit]) + more


@rule("bedrock-model-known")
def bedrock_model_known(env: EnvironmentConfig) -> Iterator[Finding]:
    """The model id must be in the Bedrock catalog (a profile id is a common mistake)."""
    for name, model in env.deployments_of(BedrockDeployment).items():
        if _known(model) is not None:
            continue
        path = ("models", name, "model_id")
        profile_of = catalog.get_model(model.model_id)
        if profile_of is not None:
            yield Finding(path, f"'{model.model_id}' is an inference profile id, not a model id",
                          f"write model_id: {profile_of.model_id} and choose the profile with cross_region")
            continue
        why = catalog.unknown_bedrock(model.model_id)
        yield Finding(path, why.message, why.hint)


@rule("bedrock-model-in-region")
def bedrock_model_in_region(env: EnvironmentConfig) -> Iterator[Finding]:
    """The model must be callable from the environment's region, on-demand or via some profile."""
    for name, model in env.deployments_of(BedrockDeployment).items():
        known = _known(model)
        if known is None:
            continue
        regions = catalog.regions_for(known)
        if env.region not in regions:
            yield Finding(("models", name, "model_id"),
                          f"{known.name} ({model.model_id}) is not available from {env.region}",
                          f"it can be called from: {_regions(regions)}; pick another model or region")


@rule("bedrock-cross-region-profile-exists")
def bedrock_cross_region_profile_exists(env: EnvironmentConfig) -> Iterator[Finding]:
    """The chosen `cross_region` mode must exist for this model in this region."""
    for name, model in env.deployments_of(BedrockDeployment).items():
        known = _known(model)
        if known is None or env.region not in catalog.regions_for(known):
            continue  # reported by the two rules above
        if resolve_route(model.model_id, model.cross_region, env.region) is not None:
            continue
        modes: tuple[CrossRegion, ...] = ("none", "geo", "global")
        working = [mode for mode in modes
                   if resolve_route(model.model_id, mode, env.region) is not None]
        hint = f"use cross_region: {working[0]}" if working else None
        if model.cross_region == "none":
            message = (f"{known.name} is not served on-demand in {env.region} "
                       f"(on-demand in: {_regions(known.on_demand_regions) or 'no region'})")
        else:
            kind = "global" if model.cross_region == "global" else "geographic"
            message = f"{known.name} has no {kind} inference profile callable from {env.region}"
        yield Finding(("models", name, "cross_region"), message, hint)


@rule("bedrock-guardrail-text-model")
def bedrock_guardrail_text_model(env: EnvironmentConfig) -> Iterator[Finding]:
    """Guardrails filter text generation; on an embedding model they would never apply."""
    for name, model in env.deployments_of(BedrockDeployment).items():
        known = _known(model)
        if known is not None and known.kind != "text" and model.guardrail is not None:
            yield Finding(("models", name, "guardrail"),
                          f"{known.name} is an embedding model: a guardrail never applies to it",
                          "remove the guardrail, or put it on the text model that answers")


@rule("bedrock-traffic-fits-context-window")
def bedrock_traffic_fits_context_window(env: EnvironmentConfig) -> Iterator[Finding]:
    """Mean tokens per request beyond the context window mean the plan describes impossible calls."""
    for name, model in env.deployments_of(BedrockDeployment).items():
        known = _known(model)
        traffic = model.expected_traffic
        if known is None or traffic is None:
            continue
        tokens = traffic.mean_input_tokens + (traffic.mean_output_tokens if known.kind == "text" else 0)
        if tokens > known.context_window:
            yield Finding(("models", name, "expected_traffic", "mean_input_tokens"),
                          f"{tokens} tokens per request exceed {known.name}'s context window of "
                          f"{known.context_window}", "lower the token means or choose a longer-context model")


@rule("bedrock-consumer-role-in-account")
def bedrock_consumer_role_in_account(env: EnvironmentConfig) -> Iterator[Finding]:
    """A managed policy can only be attached to roles of the account it lives in."""
    for name, model in env.deployments_of(BedrockDeployment).items():
        for index, arn in enumerate(model.consumers.role_arns):
            match = ROLE_ARN_RE.match(arn)
            if match and match.group(1) != env.account:
                yield Finding(("models", name, "consumers", "role_arns", index),
                              f"role {arn} is in account {match.group(1)}, not {env.account}",
                              "use a role of this environment's account (cross-account callers assume one)")


@rule("bedrock-invocation-logging-consistent")
def bedrock_invocation_logging_consistent(env: EnvironmentConfig) -> Iterator[Finding]:
    """Invocation logging is one setting per account and region: models must not disagree."""
    first: tuple[str, object] | None = None
    for name, model in env.deployments_of(BedrockDeployment).items():
        if model.invocation_logging is None:
            continue
        if first is None:
            first = (name, model.invocation_logging)
        elif model.invocation_logging != first[1]:
            yield Finding(("models", name, "invocation_logging"),
                          f"invocation_logging differs from model '{first[0]}', but Bedrock has one "
                          f"logging configuration per account and region",
                          f"make it identical to '{first[0]}', or set it on one model only")


@rule("bedrock-model-agreement")
def bedrock_model_agreement(env: EnvironmentConfig) -> Iterator[Finding]:
    """Some providers need a one-time agreement before the first call succeeds."""
    for name, model in env.deployments_of(BedrockDeployment).items():
        known = _known(model)
        if known is not None and known.requires_agreement:
            yield Finding(("models", name, "model_id"),
                          f"{known.name} needs a one-time {known.provider} agreement in account {env.account}",
                          known.agreement_note or "submit the use-case form / accept the offer before deploying",
                          severity="warning")


@rule("bedrock-model-lifecycle")
def bedrock_model_lifecycle(env: EnvironmentConfig) -> Iterator[Finding]:
    """Legacy models warn; a model whose end-of-life date the catalog has passed no longer answers: error.

    "Passed" is judged at the catalog's retrieved date, not today, so validation stays deterministic.
    """
    as_of = catalog.catalog_retrieved()
    for name, model in env.deployments_of(BedrockDeployment).items():
        known = _known(model)
        if known is None or known.lifecycle == "active":
            continue
        path = ("models", name, "model_id")
        if known.end_of_life is not None and known.end_of_life <= as_of:
            yield Finding(path, f"{known.name} reached its end of life on Bedrock on {known.end_of_life}: "
                          "calls to it fail", "move to an active model: `fmkit models --provider bedrock`")
        else:
            when = f" (end of life {known.end_of_life})" if known.end_of_life else ""
            yield Finding(path, f"{known.name} is {known.lifecycle} on Bedrock{when}",
                          "plan a move to an active model: `fmkit models --provider bedrock`", severity="warning")
