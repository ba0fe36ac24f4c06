"""Which model card a configured deployment serves, and which config key names the model."""

from __future__ import annotations

from dataclasses import dataclass

from fmkit.catalog.cards import (
    ModelCard,
    card_for_bedrock,
    card_for_gguf,
    card_for_hf_model,
    card_for_jumpstart,
    card_for_open_weights,
)
from fmkit.config.customization import BedrockCustomization, Customization
from fmkit.config.deployments import BedrockDeployment, Deployment, GravitonDeployment, SageMakerDeployment
from fmkit.config.findings import DocPath


@dataclass(frozen=True)
class Identified:
    """The card (None when the catalog has none) and the key path of the model id in the deployment."""

    card: ModelCard | None
    path: DocPath  # relative to the deployment, e.g. ("model_id",) or ("model", "hf", "repo")
    named: str  # the id as the config writes it


def identify(deployment: Deployment) -> Identified | None:
    """None for deployments that name no model the catalog could know (a GGUF from your own S3)."""
    if isinstance(deployment, BedrockDeployment):
        return Identified(card_for_bedrock(deployment.model_id), ("model_id",), deployment.model_id)
    if isinstance(deployment, SageMakerDeployment):
        jumpstart, container = deployment.source.jumpstart, deployment.source.container
        if jumpstart is not None:
            return Identified(card_for_jumpstart(jumpstart.model_id), ("source", "jumpstart", "model_id"),
                              jumpstart.model_id)
        if container is not None and container.hf_model_id:
            return Identified(card_for_hf_model(container.hf_model_id), ("source", "container", "hf_model_id"),
                              container.hf_model_id)
        return None
    if isinstance(deployment, GravitonDeployment):
        hf = deployment.model.hf
        if hf is not None:
            return Identified(card_for_gguf(hf.repo, hf.file), ("model", "hf", "repo"), f"{hf.repo}/{hf.file}")
    return None


def identify_customization(customization: Customization) -> Identified:
    """The card of a customization's base model (its license binds the customized model too)."""
    if isinstance(customization, BedrockCustomization):
        return Identified(card_for_bedrock(customization.base_model), ("base_model",), customization.base_model)
    base = customization.base
    if base.jumpstart_model_id is not None:
        return Identified(card_for_jumpstart(base.jumpstart_model_id), ("base", "jumpstart_model_id"),
                          base.jumpstart_model_id)
    hf_model_id = str(base.hf_model_id)
    return Identified(card_for_open_weights(hf_model_id), ("base", "hf_model_id"), hf_model_id)

