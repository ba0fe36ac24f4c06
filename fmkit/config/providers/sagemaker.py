"""`provider: sagemaker` — an open model on a SageMaker endpoint."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from fmkit.config.deployment_base import DeploymentBase


class SageMakerDeployment(DeploymentBase):
    provider: Literal["sagemaker"]
    instance_type: str = Field(description="SageMaker hosting instance type, e.g. ml.g5.xlarge.")
