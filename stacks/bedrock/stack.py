"""BedrockStack: one per environment, composing an access construct per Bedrock model and
the environment's single invocation-logging configuration."""

from __future__ import annotations

from typing import Any

import aws_cdk as cdk
from aws_cdk import aws_iam as iam
from constructs import Construct

from fmkit.config import EnvironmentConfig
from fmkit.config.providers.bedrock import BedrockDeployment, InvocationLogging
from stacks.bedrock.invocation_logging import InvocationLoggingDestination
from stacks.bedrock.model_access import BedrockModelAccess
from stacks.common.naming import Naming
from stacks.common.platform_resources import PlatformResources
from stacks.customization.served import served_custom_model
from stacks.tagging import tag_deployment


def invocation_logging_settings(config: EnvironmentConfig) -> InvocationLogging | None:
    """The environment's logging settings (the config rule guarantees models agree)."""
    for model in config.deployments_of(BedrockDeployment).values():
        if model.invocation_logging is not None:
            return model.invocation_logging if model.invocation_logging.enabled else None
    return None


class BedrockStack(cdk.Stack):
    def __init__(self, scope: Construct, construct_id: str, *, config: EnvironmentConfig,
                 platform: PlatformResources, **kwargs: Any) -> None:
        super().__init__(scope, construct_id,
                         description=f"fmkit {config.name}: Bedrock inference profiles, guardrails, logging",
                         **kwargs)
        naming = Naming.of(config)
        self.models: dict[str, BedrockModelAccess] = {}
        for name, deployment in sorted(config.deployments_of(BedrockDeployment).items()):
            access = BedrockModelAccess(self, name, name=name, deployment=deployment, naming=naming,
                                        key=platform.key)
            if deployment.custom_model is not None:  # also the promoted custom model, once there is one
                served_custom_model(access, config, deployment, policy=access.policy, profile_arn=access.profile_arn)
            tag_deployment(access, name, deployment, config)
            self.models[name] = access

        self.invocation_logging: InvocationLoggingDestination | None = None
        settings = invocation_logging_settings(config)
        if settings is not None:
            self.invocation_logging = InvocationLoggingDestination(
                self, "InvocationLogging", settings=settings, naming=naming, platform=platform)

    def grant_invoke(self, deployment: str, grantee: iam.IGrantable) -> None:
        """For other capability stacks: let `grantee` (a Lambda function, a role) call `deployment`."""
        self.models[deployment].grant_invoke(grantee)
