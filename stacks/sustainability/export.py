"""CarbonExport: AWS's monthly CARBON_EMISSIONS data delivered as Parquet to a private bucket.

BCM Data Exports only runs in us-east-1 and writes with SSE-S3 into a bucket whose policy lets the
service principals (scoped to this account's exports by aws:SourceArn/SourceAccount) put objects.
"""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_bcmdataexports as bcm
from aws_cdk import aws_iam as iam
from aws_cdk import aws_s3 as s3
from constructs import Construct

from stacks.sustainability.queries import EXPORT_QUERY

EXPORT_REGION = "us-east-1"
DATA_PREFIX = "carbon"
SERVICE_PRINCIPALS = ("bcm-data-exports.amazonaws.com", "billingreports.amazonaws.com")


class CarbonExport(Construct):
    def __init__(self, scope: Construct, construct_id: str, *, export_name: str, logs_bucket: s3.IBucket,
                 retention_days: int, removal_policy: cdk.RemovalPolicy) -> None:
        super().__init__(scope, construct_id)
        stack = cdk.Stack.of(self)
        self.bucket = s3.Bucket(
            self, "Bucket",
            # Data Exports delivers with SSE-S3; a customer key would need the service in its key policy.
            encryption=s3.BucketEncryption.S3_MANAGED,
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            enforce_ssl=True,
            versioned=True,
            object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
            server_access_logs_bucket=logs_bucket,
            server_access_logs_prefix="s3/carbon-export/",
            lifecycle_rules=[s3.LifecycleRule(
                id="expire-carbon-data",
                expiration=cdk.Duration.days(retention_days),
                noncurrent_version_expiration=cdk.Duration.days(30),
                abort_incomplete_multipart_upload_after=cdk.Duration.days(1),
            )],
            removal_policy=removal_policy,
        )
        conditions = {"StringLike": {
            "aws:SourceAccount": stack.account,
            "aws:SourceArn": [
                f"arn:{stack.partition}:cur:{EXPORT_REGION}:{stack.account}:definition/*",
                f"arn:{stack.partition}:bcm-data-exports:{EXPORT_REGION}:{stack.account}:export/*",
            ],
        }}
        principals: list[iam.IPrincipal] = [iam.ServicePrincipal(p) for p in SERVICE_PRINCIPALS]
        self.bucket.add_to_resource_policy(iam.PolicyStatement(
            sid="EnableAWSDataExportsToWriteToS3AndCheckPolicy",
            principals=principals,
            actions=["s3:PutObject", "s3:GetBucketPolicy"],
            resources=[self.bucket.bucket_arn, self.bucket.arn_for_objects("*")],
            conditions=conditions,
        ))
        self.export_name = export_name
        self.export = bcm.CfnExport(
            self, "Export",
            export=bcm.CfnExport.ExportProperty(
                name=export_name,
                description="fmkit: AWS-measured monthly carbon emissions (CARBON_EMISSIONS table)",
                data_query=bcm.CfnExport.DataQueryProperty(query_statement=EXPORT_QUERY),
                destination_configurations=bcm.CfnExport.DestinationConfigurationsProperty(
                    s3_destination=bcm.CfnExport.S3DestinationProperty(
                        s3_bucket=self.bucket.bucket_name,
                        s3_prefix=DATA_PREFIX,
                        s3_region=EXPORT_REGION,
                        s3_output_configurations=bcm.CfnExport.S3OutputConfigurationsProperty(
                            compression="PARQUET", format="PARQUET", output_type="CUSTOM",
                            overwrite="OVERWRITE_REPORT",
                        ),
                    ),
                ),
                refresh_cadence=bcm.CfnExport.RefreshCadenceProperty(frequency="SYNCHRONOUS"),
            ),
        )
        # The service checks the bucket policy when the export is created.
        if self.bucket.policy is not None:
            self.export.node.add_dependency(self.bucket.policy)

    @property
    def data_location(self) -> str:
        """S3 prefix the export writes its Parquet files under (<prefix>/<export name>/data/)."""
        return f"s3://{self.bucket.bucket_name}/{DATA_PREFIX}/{self.export_name}/data/"
