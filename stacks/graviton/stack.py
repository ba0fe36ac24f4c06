"""GravitonStack: the environment's model bucket and build job, and one endpoint per deployment."""

from __future__ import annotations

from typing import Any

import aws_cdk as cdk
from constructs import Construct

from fmkit.catalog.instances import get_instance
from fmkit.config import EnvironmentConfig
from fmkit.config.providers.graviton import GravitonDeployment
from stacks.common.discovery import publish_endpoint
from stacks.common.naming import Naming
from stacks.graviton.endpoint import GravitonEndpoint
from stacks.graviton.model_store import ModelStore
from stacks.platform import PlatformStack
from stacks.tagging import tag_deployment


class GravitonStack(cdk.Stack):
    def __init__(self, scope: Construct, construct_id: str, *, config: EnvironmentConfig,
                 platform: PlatformStack, **kwargs: Any) -> None:
        super().__init__(scope, construct_id,
                         description=f"fmkit {config.name}: llama.cpp on Graviton behind load balancers",
                         **kwargs)
        self.store = ModelStore(self, "GravitonModels", platform=platform)
        self.endpoints: dict[str, GravitonEndpoint] = {}
        for name, deployment in sorted(config.deployments_of(GravitonDeployment).items()):
            spec = get_instance(deployment.instance_type)
            if spec is None:  # `fmkit validate` rejects this first (rule graviton-instance-is-graviton)
                raise ValueError(f"{name}: unknown instance type {deployment.instance_type}")
            endpoint = GravitonEndpoint(self, name, name=name, deployment=deployment, spec=spec,
                                        config=config, platform=platform, store=self.store)
            payload = {"provider": "ec2-graviton", "base_url": endpoint.base_url,
                       "api_key_secret_arn": endpoint.api_key_secret_arn}
            publish_endpoint(endpoint, Naming.of(config), name, payload)
            cdk.CfnOutput(endpoint, "BaseUrl", value=endpoint.base_url,
                          description=f"OpenAI-compatible base URL of {name}")
            cdk.CfnOutput(endpoint, "ConsumerSecurityGroupId",
                          value=endpoint.consumer_security_group.security_group_id,
                          description=f"Security group clients of {name} must use")
            if endpoint.api_key_secret_arn:
                cdk.CfnOutput(endpoint, "ApiKeySecretArn", value=endpoint.api_key_secret_arn,
                              description=f"Secret whose api_key field clients of {name} send as Bearer token")
            tag_deployment(endpoint, name, deployment, config)
            self.endpoints[name] = endpoint
