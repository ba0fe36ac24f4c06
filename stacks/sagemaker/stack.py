"""SageMakerStack: one `SageMakerModel` per enabled `provider: sagemaker` deployment."""

from __future__ import annotations

from typing import Any

import aws_cdk as cdk
from constructs import Construct

from fmkit.config import EnvironmentConfig
from fmkit.config.providers.sagemaker import SageMakerDeployment
from stacks.platform import PlatformStack
from stacks.sagemaker.deployment import SageMakerModel
from stacks.sagemaker.names import pascal


class SageMakerStack(cdk.Stack):
    def __init__(self, scope: Construct, construct_id: str, *, config: EnvironmentConfig,
                 platform: PlatformStack, **kwargs: Any) -> None:
        super().__init__(scope, construct_id,
                         description=f"fmkit {config.name}: SageMaker endpoints with autoscaling and alarms",
                         **kwargs)
        self.models: dict[str, SageMakerModel] = {}
        for name, deployment in sorted(config.deployments_of(SageMakerDeployment).items()):
            self.models[name] = SageMakerModel(self, pascal(name), name=name, deployment=deployment,
                                               config=config, platform=platform)
