"""`provider: ec2-graviton` — llama.cpp on Graviton EC2 instances behind a load balancer."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from fmkit.config.deployment_base import DeploymentBase


class GravitonDeployment(DeploymentBase):
    provider: Literal["ec2-graviton"]
    instance_type: str = Field(description="Graviton instance type, e.g. c7g.2xlarge.")
