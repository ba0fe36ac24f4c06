"""OpenSearch Serverless VECTORSEARCH collection, reachable only through a VPC endpoint.

Encryption (platform key), network (VPC endpoint only) and data-access policies are
created with the collection; the data-access policy lists exactly the roles that use it.
Standby replicas double the minimum OCUs, so they follow config (off in dev by default).
"""

from __future__ import annotations

from typing import Any

import aws_cdk as cdk
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_iam as iam
from aws_cdk import aws_opensearchserverless as aoss
from constructs import Construct

from stacks.knowledge.functions import ensure_sqs_endpoint, vpc_placement
from stacks.knowledge.store import VectorStore, physical_name
from stacks.platform import PlatformStack

INDEX = "chunks"
WRITE = ["aoss:CreateIndex", "aoss:DescribeIndex", "aoss:UpdateIndex", "aoss:ReadDocument", "aoss:WriteDocument"]
READ = ["aoss:DescribeIndex", "aoss:ReadDocument"]


class OpenSearchServerlessStore(VectorStore):
    needs_schema_job = True

    def __init__(self, scope: Construct, construct_id: str, *, name_parts: tuple[str, ...], standby_replicas: bool,
                 platform: PlatformStack) -> None:
        super().__init__(scope, construct_id)
        self.name = physical_name(*name_parts, max_length=32)
        network = platform.network
        ensure_sqs_endpoint(self, network, platform.config.platform.vpc.egress)
        self.vpc = network.vpc
        self.subnets = network.private_subnets
        self.functions_sg = ec2.SecurityGroup(self, "FunctionsSecurityGroup", vpc=self.vpc, allow_all_outbound=True,
                                              description="Knowledge functions: reach the collection and AWS APIs")
        endpoint_sg = ec2.SecurityGroup(self, "EndpointSecurityGroup", vpc=self.vpc, allow_all_outbound=False,
                                        description="OpenSearch Serverless endpoint: HTTPS from knowledge functions")
        endpoint_sg.add_ingress_rule(self.functions_sg, ec2.Port.tcp(443), "knowledge functions")
        self.endpoint = aoss.CfnVpcEndpoint(
            self, "VpcEndpoint", name=self.name, vpc_id=self.vpc.vpc_id,
            subnet_ids=self.vpc.select_subnets(**_selection(self.subnets)).subnet_ids,
            security_group_ids=[endpoint_sg.security_group_id],
        )
        collection_rule = {"ResourceType": "collection", "Resource": [f"collection/{self.name}"]}
        stack = cdk.Stack.of(self)
        encryption = aoss.CfnSecurityPolicy(
            self, "EncryptionPolicy", name=self.name, type="encryption",
            policy=stack.to_json_string({"Rules": [collection_rule], "AWSOwnedKey": False,
                                         "KmsARN": platform.key.key_arn}),
        )
        network_policy = aoss.CfnSecurityPolicy(
            self, "NetworkPolicy", name=self.name, type="network",
            policy=stack.to_json_string([{"Rules": [collection_rule], "AllowFromPublic": False,
                                          "SourceVPCEs": [self.endpoint.attr_id]}]),
        )
        self.collection = aoss.CfnCollection(
            self, "Collection", name=self.name, type="VECTORSEARCH",
            standby_replicas="ENABLED" if standby_replicas else "DISABLED",
            description="fmkit knowledge base vectors",
        )
        self.collection.node.add_dependency(encryption)
        self.collection.node.add_dependency(network_policy)
        self.collection.apply_removal_policy(platform.removal_policy)
        self._readers: list[str] = []
        self._writers: list[str] = []
        self.access_policy: aoss.CfnAccessPolicy | None = None
        self.settings = {"opensearch_endpoint": self.collection.attr_collection_endpoint,
                         "opensearch_index": INDEX}

    def finalize(self) -> list[Construct]:
        """Write the data-access policy once every function has been granted; the schema job waits for it."""
        self.access_policy = aoss.CfnAccessPolicy(self, "AccessPolicy", name=self.name, type="data",
                                                  policy=self._access_policy())
        return [self.access_policy, self.collection]

    def _access_policy(self) -> str:
        stack = cdk.Stack.of(self)
        statements: list[dict[str, Any]] = []
        index = {"ResourceType": "index", "Resource": [f"index/{self.name}/*"]}
        collection = {"ResourceType": "collection", "Resource": [f"collection/{self.name}"],
                      "Permission": ["aoss:DescribeCollectionItems"]}
        if self._writers:
            statements.append({"Description": "knowledge writers", "Principal": self._writers,
                               "Rules": [{**index, "Permission": WRITE}, collection]})
        if self._readers:
            statements.append({"Description": "knowledge readers", "Principal": self._readers,
                               "Rules": [{**index, "Permission": READ}, collection]})
        return stack.to_json_string(statements)

    def _api_access(self, grantee: iam.IGrantable) -> None:
        grantee.grant_principal.add_to_principal_policy(iam.PolicyStatement(
            actions=["aoss:APIAccessAll"], resources=[self.collection.attr_arn]))

    def grant_read_write(self, grantee: iam.IGrantable) -> None:
        self._api_access(grantee)
        self._writers.append(_role_arn(grantee))

    def grant_read(self, grantee: iam.IGrantable) -> None:
        self._api_access(grantee)
        self._readers.append(_role_arn(grantee))

    def function_props(self) -> dict[str, Any]:
        return vpc_placement(self.vpc, self.subnets, self.functions_sg)


def _role_arn(grantee: iam.IGrantable) -> str:
    role_arn = getattr(grantee.grant_principal, "role_arn", None)
    if not isinstance(role_arn, str):
        raise TypeError("OpenSearch data-access policies need a role principal")
    return role_arn


def _selection(selection: ec2.SubnetSelection) -> dict[str, Any]:
    return {"subnet_type": selection.subnet_type}

