"""SageMakerStack: one `SageMakerModel` per enabled `provider: sagemaker` deployment, tagged."""

from __future__ import annotations

from typing import Any

import aws_cdk as cdk
from constructs import Construct

from fmkit.config import EnvironmentConfig
from fmkit.config.providers.sagemaker import SageMakerDeployment
from stacks.common.naming import Naming
from stacks.common.platform_resources import PlatformResources
from stacks.sagemaker.deployment import SageMakerModel
from stacks.sagemaker.names import pascal
from stacks.tagging import MandatoryTags, mandatory_tags, tag_deployment


class SageMakerStack(cdk.Stack):
    def __init__(self, scope: Construct, construct_id: str, *, config: EnvironmentConfig,
                 platform: PlatformResources, **kwargs: Any) -> None:
        super().__init__(scope, construct_id,
                         description=f"fmkit {config.name}: SageMaker endpoints with autoscaling and alarms",
                         **kwargs)
        naming = Naming.of(config)
        self.models: dict[str, SageMakerModel] = {}
        for name, deployment in sorted(config.deployments_of(SageMakerDeployment).items()):
            model = SageMakerModel(self, pascal(name), name=name, deployment=deployment, naming=naming,
                                   platform=platform)
            tag_deployment(model, name, deployment, config)
            # The MandatoryTags aspect sees only ITaggable; newer L1s (CfnInferenceComponent) are
            # ITaggableV2, which Tags.of() covers — same keys, values and priority.
            for key, value in mandatory_tags(config).items():
                cdk.Tags.of(model).add(key, value, priority=MandatoryTags.PRIORITY)
            self.models[name] = model
