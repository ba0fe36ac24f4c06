"""Aurora PostgreSQL Serverless v2 + pgvector, in the platform VPC's private subnets.

Min capacity 0 lets the cluster pause when idle (Aurora PostgreSQL 16.3+; this pins 17.7); credentials are a
KMS-encrypted Secrets Manager secret rotated by AWS's single-user rotation function.
"""

from __future__ import annotations

from typing import Any

import aws_cdk as cdk
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_iam as iam
from aws_cdk import aws_logs as logs
from aws_cdk import aws_rds as rds
from constructs import Construct

from fmkit.config.knowledge import AuroraConfig
from stacks.knowledge.functions import ensure_sqs_endpoint, vpc_placement
from stacks.knowledge.store import VectorStore, physical_name
from stacks.nag import acknowledge
from stacks.platform import PlatformStack

DATABASE = "knowledge"
ENGINE = rds.AuroraPostgresEngineVersion.VER_17_7


class AuroraPgVectorStore(VectorStore):
    needs_schema_job = True

    def __init__(self, scope: Construct, construct_id: str, *, name_parts: tuple[str, ...],
                 settings: AuroraConfig, platform: PlatformStack) -> None:
        super().__init__(scope, construct_id)
        self.key = platform.key
        network = platform.network
        ensure_sqs_endpoint(self, network, platform.config.platform.vpc.egress)
        self.vpc = network.vpc
        self.subnets = network.private_subnets
        self.functions_sg = ec2.SecurityGroup(
            self, "FunctionsSecurityGroup", vpc=self.vpc, allow_all_outbound=True,
            description="Knowledge functions: reach Aurora, Bedrock and AWS APIs",
        )
        self.db_sg = ec2.SecurityGroup(self, "DatabaseSecurityGroup", vpc=self.vpc, allow_all_outbound=False,
                                       description="Aurora pgvector: PostgreSQL from the knowledge functions only")
        retain = platform.removal_policy == cdk.RemovalPolicy.RETAIN
        paused = settings.min_capacity == 0
        identifier = physical_name(*name_parts, max_length=63)
        # Created before the cluster (not via cloudwatch_logs_retention, which adds a custom
        # resource) so the exported PostgreSQL log is encrypted and expires.
        self.log_group = logs.LogGroup(
            self, "PostgresLogs", log_group_name=f"/aws/rds/cluster/{identifier}/postgresql",
            retention=platform.log_retention, encryption_key=platform.key, removal_policy=platform.removal_policy)
        self.cluster = rds.DatabaseCluster(
            self, "Cluster",
            cluster_identifier=identifier,
            engine=rds.DatabaseClusterEngine.aurora_postgres(version=ENGINE),
            writer=rds.ClusterInstance.serverless_v2("Writer", auto_minor_version_upgrade=True),
            serverless_v2_min_capacity=settings.min_capacity,
            serverless_v2_max_capacity=settings.max_capacity,
            serverless_v2_auto_pause_duration=(cdk.Duration.minutes(settings.auto_pause_minutes) if paused
                                               else None),
            vpc=self.vpc, vpc_subnets=self.subnets, security_groups=[self.db_sg],
            credentials=rds.Credentials.from_generated_secret("fmkit", encryption_key=platform.key),
            default_database_name=DATABASE,
            storage_encrypted=True, storage_encryption_key=platform.key,
            iam_authentication=True,
            deletion_protection=retain,
            backup=rds.BackupProps(retention=cdk.Duration.days(14 if retain else 1)),
            cloudwatch_logs_exports=["postgresql"],
            removal_policy=platform.removal_policy,
        )
        self.cluster.node.add_dependency(self.log_group)
        assert self.cluster.secret is not None  # from_generated_secret always attaches one
        self.secret = self.cluster.secret
        self.rotation = self.cluster.add_rotation_single_user(
            automatically_after=cdk.Duration.days(30), vpc_subnets=self.subnets)
        self.cluster.connections.allow_default_port_from(self.functions_sg, "knowledge functions")
        self.settings = {"db_secret_arn": self.secret.secret_arn, "db_cluster_arn": self.cluster.cluster_arn,
                         "db_name": DATABASE}
        self._acknowledge(retain)

    def function_props(self) -> dict[str, Any]:
        return vpc_placement(self.vpc, self.subnets, self.functions_sg)

    def connect(self, connectable: ec2.IConnectable) -> None:
        """The shared functions security group already reaches the cluster."""

    def grant_read_write(self, grantee: iam.IGrantable) -> None:
        # Not secret.grant_read(): it would add the role to the platform key's policy, a
        # reference from the Platform stack back to this one (a cycle).
        grantee.grant_principal.add_to_principal_policy(iam.PolicyStatement(
            actions=["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"],
            resources=[self.secret.secret_arn]))
        grantee.grant_principal.add_to_principal_policy(iam.PolicyStatement(
            actions=["rds:DescribeDBClusters"], resources=[self.cluster.cluster_arn]))
        self.key.grant_decrypt(grantee)

    def grant_read(self, grantee: iam.IGrantable) -> None:
        self.grant_read_write(grantee)  # database roles, not IAM, separate readers from writers

    def _acknowledge(self, retain: bool) -> None:
        acknowledge(self.cluster, "AwsSolutions-RDS11",
                    "Only the knowledge functions' security group may connect; a non-default port adds nothing")
        if not retain:
            acknowledge(self.cluster, "AwsSolutions-RDS10",
                        "Environments with removal_policy destroy are disposable; retain turns protection on")
