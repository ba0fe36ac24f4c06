"""`provider: bedrock` — a Bedrock foundation model reached through an application inference profile."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from fmkit.config.deployment_base import DeploymentBase


class BedrockDeployment(DeploymentBase):
    provider: Literal["bedrock"]
    model_id: str = Field(description="Bedrock foundation model id, e.g. amazon.nova-lite-v1:0.")
    cross_region: Literal["none", "geo", "global"] = Field(
        default="none", description="Use the geo (us./eu./apac.) or global system inference profile."
    )
