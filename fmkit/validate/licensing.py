"""License rule: a deployment's model license must allow the project's `usage`.

`not_allowed` (e.g. CC-BY-NC, a research or non-production license) is an error unless the project
is `usage: research`; `restricted` (a user-count clause, an acceptable-use policy) is a warning
until the deployment records `license_ack` with the reason it is fine; a license the catalog does
not know is a warning too, with the way to record it. The finding sits on the line that names
the model, and names the license and where to read it.
"""

from __future__ import annotations

from collections.abc import Iterator

from fmkit.catalog.bedrock import get_model
from fmkit.catalog.cards import ModelCard
from fmkit.catalog.jumpstart import get_jumpstart_model
from fmkit.config.deployments import BedrockDeployment, Deployment, SageMakerDeployment
from fmkit.config.environment import EnvironmentConfig
from fmkit.selection.identify import identify, identify_customization
from fmkit.validate.registry import Finding, rule

NON_COMMERCIAL_HINT = ("choose a model whose license allows it (`fmkit models --commercial`), or set "
                       "project.usage: research if this project is non-commercial research only")


def _license(card: ModelCard) -> str:
    return f"{card.license or 'an unnamed license'}" + (f" ({card.license_url})" if card.license_url else "")


@rule("model-license-allows-usage")
def model_license_allows_usage(env: EnvironmentConfig) -> Iterator[Finding]:
    usage = env.project.usage
    for name, deployment in sorted(env.enabled_models().items()):
        known = identify(deployment)
        if known is None:
            continue
        path = ("models", name, *known.path)
        card = known.card
        if card is None:
            if _provider_knows(deployment):  # an unknown id is reported by the provider's own rule
                yield from _unknown(f"models/{name}.yaml", deployment.license_ack, known.named, path)
            continue
        yield from _judge(card, usage, deployment.license_ack, path, f"models/{name}.yaml")


@rule("customization-license-allows-usage")
def customization_license_allows_usage(env: EnvironmentConfig) -> Iterator[Finding]:
    """A customized model inherits its base model's license: the same check as a deployment's."""
    usage = env.project.usage
    for name, customization in sorted(env.project.customizations.items()):
        if not customization.runs_in(env.name):
            continue
        known = identify_customization(customization)
        path = ("project", "customizations", name, *known.path)
        where = f"project.yaml (customizations.{name})"
        if known.card is None:
            if customization.kind == "sagemaker-peft":  # unknown Bedrock ids: customization-base-customizable
                yield from _unknown(where, customization.license_ack, known.named, path)
            continue
        yield from _judge(known.card, usage, customization.license_ack, path, where)


def _judge(card: ModelCard, usage: str, license_ack: str | None, path: tuple[str | int, ...],
           where: str) -> Iterator[Finding]:
    if card.commercial_use == "not_allowed" and usage != "research":
        yield Finding(path, f"{card.name} is under {_license(card)}, which does not allow {usage} use "
                      f"(project.usage: {usage})", NON_COMMERCIAL_HINT)
    elif card.commercial_use == "restricted" and usage != "research" and license_ack is None:
        yield Finding(path, f"{card.name} is under {_license(card)}, which restricts use: "
                      f"{card.commercial_condition or 'read its conditions'}",
                      f"once the conditions are checked, record why in {where}: license_ack: \"…\"",
                      "warning")
    elif card.commercial_use is None and license_ack is None:
        yield Finding(path, f"fmkit's catalog does not know whether {card.name}'s license allows {usage} use",
                      f"check {_license(card)}, then record why it is fine in license_ack: \"…\"", "warning")


def _provider_knows(deployment: Deployment) -> bool:
    if isinstance(deployment, BedrockDeployment):
        return get_model(deployment.model_id) is not None
    if isinstance(deployment, SageMakerDeployment) and deployment.source.jumpstart is not None:
        return get_jumpstart_model(deployment.source.jumpstart.model_id) is not None
    return True


def _unknown(where: str, license_ack: str | None, named: str, path: tuple[str | int, ...]) -> Iterator[Finding]:
    if license_ack is not None:
        return
    yield Finding(path, f"fmkit's catalog has no license for '{named}'",
                  f"check the model's license, then record why it is fine in {where}: license_ack: \"…\" "
                  "(or add the model to model_configs/catalog/ so every project gets its license checked)",
                  "warning")
