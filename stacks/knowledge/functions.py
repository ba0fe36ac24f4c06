"""The knowledge functions: one helper so ingest, bulk, query and the index job share placement and settings."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import aws_cdk as cdk
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_logs as logs
from constructs import Construct

from fmkit.config import EnvironmentConfig
from fmkit.config.knowledge import BedrockEmbedding, KnowledgeBaseConfig
from stacks.common.python_lambda import PythonFunction
from stacks.knowledge.nag_acks import acknowledge_function_role
from stacks.knowledge.runtime_env import embedding_endpoint_name, runtime_settings
from stacks.knowledge.store import VectorStore
from stacks.network import PlatformVpc

PACKAGES = ("fmkit.knowledge", "fmkit.contracts")
"""Repo packages bundled into every knowledge function (the runtime and its settings contract)."""


class KnowledgeFunctionFactory:
    """Builds PythonFunctions wired to one store, with embedding permissions where needed.

    `settings` are the `KnowledgeSettings` fields every function shares (by field name);
    each function adds its own and gets the rendered environment.
    """

    def __init__(self, *, kb: KnowledgeBaseConfig, config: EnvironmentConfig, store: VectorStore, key: kms.IKey,
                 log_retention: logs.RetentionDays, settings: Mapping[str, Any]) -> None:
        self.kb = kb
        self.config = config
        self.store = store
        self.key = key
        self.log_retention = log_retention
        self.settings = settings

    def function(self, scope: Construct, construct_id: str, *, entry: str, handler: str, service: str,
                 settings: Mapping[str, Any] | None = None, **props: Any) -> PythonFunction:
        placement = self.store.function_props()
        environment = runtime_settings(self.settings, settings or {}).to_environment()
        fn = PythonFunction(
            scope, construct_id, entry=entry, handler=handler, packages=PACKAGES, key=self.key,
            log_retention=self.log_retention,
            environment={**environment, "POWERTOOLS_SERVICE_NAME": service},
            **placement, **props,
        )
        if placement:
            self.store.connect(fn.function)
        acknowledge_function_role(fn.role, object_resources=[], kms_wildcards=False)
        return fn

    def grant_embedding(self, grantee: iam.IGrantable) -> None:
        """InvokeModel on exactly the configured foundation model, or InvokeEndpoint on the endpoint."""
        embedding = self.kb.embedding
        stack = cdk.Stack.of(self.store)
        if isinstance(embedding, BedrockEmbedding):
            statement = iam.PolicyStatement(
                actions=["bedrock:InvokeModel"],
                resources=[f"arn:{stack.partition}:bedrock:{stack.region}::foundation-model/{embedding.model_id}"])
        else:
            endpoint = embedding_endpoint_name(self.config, embedding).lower()  # endpoint ARNs are lowercase
            statement = iam.PolicyStatement(
                actions=["sagemaker:InvokeEndpoint"],
                resources=[f"arn:{stack.partition}:sagemaker:{stack.region}:{stack.account}:endpoint/{endpoint}"])
        grantee.grant_principal.add_to_principal_policy(statement)


def ensure_sqs_endpoint(scope: Construct, network: PlatformVpc, egress: str) -> None:
    """Without NAT, VPC functions reach SQS (the DLQ) only through an endpoint: one per stack."""
    stack = cdk.Stack.of(scope)
    if egress != "none" or stack.node.try_find_child("SqsEndpoint") is not None:
        return
    ec2.InterfaceVpcEndpoint(
        stack, "SqsEndpoint", vpc=network.vpc, service=ec2.InterfaceVpcEndpointAwsService.SQS,
        private_dns_enabled=True, subnets=network.private_subnets,
        open=False,  # the platform's endpoint security group already allows HTTPS from the VPC
        security_groups=[network.endpoint_security_group] if network.endpoint_security_group else None,
    )


def vpc_placement(vpc: ec2.IVpc, subnets: ec2.SubnetSelection,
                  security_group: ec2.ISecurityGroup) -> dict[str, Any]:
    return {"vpc": vpc, "vpc_subnets": subnets, "security_groups": [security_group]}
