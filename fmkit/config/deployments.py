"""The model-deployment union: `provider` selects the provider module's fields."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from fmkit.config.deployment_base import DeploymentBase, ExpectedTraffic
from fmkit.config.providers.bedrock import BedrockDeployment
from fmkit.config.providers.graviton import GravitonDeployment
from fmkit.config.providers.sagemaker import SageMakerDeployment

Deployment = Annotated[
    BedrockDeployment | SageMakerDeployment | GravitonDeployment,
    Field(discriminator="provider"),
]
PROVIDERS = ("bedrock", "sagemaker", "ec2-graviton")

__all__ = [
    "PROVIDERS",
    "BedrockDeployment",
    "Deployment",
    "DeploymentBase",
    "ExpectedTraffic",
    "GravitonDeployment",
    "SageMakerDeployment",
]
