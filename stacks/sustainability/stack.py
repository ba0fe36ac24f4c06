"""SustainabilityStack: once per account (opt-in), AWS's measured carbon data and a way to query it.

Data Exports is a us-east-1 service, so this stack always deploys there; when the environment lives
elsewhere it brings its own key and access-log bucket (cross-region references are not possible).
"""

from __future__ import annotations

from typing import Any

import aws_cdk as cdk
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3
from constructs import Construct

from fmkit.config import EnvironmentConfig
from fmkit.estimate import estimate_environment
from stacks.common.platform_resources import PlatformResources
from stacks.nag import acknowledge
from stacks.sustainability.athena import CarbonAnalytics
from stacks.sustainability.export import EXPORT_REGION, CarbonExport
from stacks.sustainability.queries import estimate_rows


class SustainabilityStack(cdk.Stack):
    def __init__(self, scope: Construct, construct_id: str, *, config: EnvironmentConfig,
                 platform: PlatformResources, **kwargs: Any) -> None:
        kwargs.setdefault("env", cdk.Environment(account=config.account, region=EXPORT_REGION))
        super().__init__(scope, construct_id, description=f"fmkit {config.name}: carbon data export + Athena",
                         **kwargs)
        settings = config.project.sustainability
        prefix = config.stack_prefix
        key, logs = self._key_and_logs(config, platform)

        export = CarbonExport(
            self, "CarbonExport", export_name=settings.export_name or f"{prefix}-carbon-emissions",
            logs_bucket=logs, retention_days=settings.data_retention_days,
            removal_policy=platform.removal_policy,
        )
        estimate = estimate_environment(config, with_recommendations=False)
        stores = {f"kb:{n}": str(getattr(kb, "vector_store", "")) for n, kb in config.project.knowledge_bases.items()}
        analytics = CarbonAnalytics(
            self, "Analytics", database_name=f"{prefix}-carbon".replace("-", "_"),
            workgroup_name=f"{prefix}-carbon", data_location=export.data_location, key=key, logs_bucket=logs,
            results_retention_days=settings.query_results_retention_days,
            bytes_scanned_cutoff_mb=settings.bytes_scanned_cutoff_mb,
            estimate_rows=estimate_rows(estimate, stores), removal_policy=platform.removal_policy,
        )
        cdk.CfnOutput(self, "CarbonBucketName", value=export.bucket.bucket_name)
        cdk.CfnOutput(self, "AthenaWorkGroup", value=analytics.workgroup.name)
        cdk.CfnOutput(self, "CompareQueryId",
                      value=analytics.queries["fmkit-carbon-measured-vs-estimated"].attr_named_query_id)

    def _key_and_logs(self, config: EnvironmentConfig, platform: PlatformResources) -> tuple[kms.IKey, s3.IBucket]:
        """The platform's key and log bucket when co-located; otherwise this stack's own."""
        if config.region == EXPORT_REGION:
            return platform.key, platform.logs_bucket
        key = kms.Key(self, "Key", enable_key_rotation=True, removal_policy=platform.removal_policy,
                      description=f"fmkit {config.project.name} {config.name}: carbon query results")
        logs = s3.Bucket(
            self, "AccessLogs", encryption=s3.BucketEncryption.S3_MANAGED,
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL, enforce_ssl=True,
            object_ownership=s3.ObjectOwnership.BUCKET_OWNER_PREFERRED,
            lifecycle_rules=[s3.LifecycleRule(id="expire-access-logs", expiration=cdk.Duration.days(
                config.platform.access_log_retention_days))],
            removal_policy=platform.removal_policy,
        )
        acknowledge(logs, "AwsSolutions-S1",
                    "This bucket is the server-access-log destination; logging it into itself would loop.")
        return key, logs
