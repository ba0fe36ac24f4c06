"""CarbonAnalytics: a Glue table over the export and an Athena workgroup with saved comparison queries.

The workgroup enforces its configuration (clients cannot send results elsewhere or unencrypted)
and caps bytes scanned per query.
"""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_athena as athena
from aws_cdk import aws_glue as glue
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3
from constructs import Construct

from stacks.common.buckets import encrypted_bucket_props
from stacks.sustainability.queries import CARBON_COLUMNS, comparison_query, monthly_query

TABLE = "carbon_emissions"


class CarbonAnalytics(Construct):
    def __init__(self, scope: Construct, construct_id: str, *, database_name: str, workgroup_name: str,
                 data_location: str, key: kms.IKey, logs_bucket: s3.IBucket, results_retention_days: int,
                 bytes_scanned_cutoff_mb: int, estimate_rows: list[tuple[str, str, float, float, float]],
                 removal_policy: cdk.RemovalPolicy) -> None:
        super().__init__(scope, construct_id)
        account = cdk.Stack.of(self).account
        self.results = s3.Bucket(
            self, "Results",
            **encrypted_bucket_props(key=key, access_logs=logs_bucket, log_prefix="s3/athena-results/"),
            object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
            lifecycle_rules=[s3.LifecycleRule(id="expire-query-results",
                                              expiration=cdk.Duration.days(results_retention_days),
                                              abort_incomplete_multipart_upload_after=cdk.Duration.days(1))],
            removal_policy=removal_policy,
        )
        self.database = glue.CfnDatabase(
            self, "Database", catalog_id=account,
            database_input=glue.CfnDatabase.DatabaseInputProperty(
                name=database_name, description="fmkit: AWS carbon emissions export"),
        )
        self.table = glue.CfnTable(
            self, "Table", catalog_id=account, database_name=database_name,
            table_input=glue.CfnTable.TableInputProperty(
                name=TABLE, table_type="EXTERNAL_TABLE",
                description="CARBON_EMISSIONS (BCM Data Exports), Parquet; emissions in metric tons CO2e",
                parameters={"classification": "parquet", "EXTERNAL": "TRUE"},
                storage_descriptor=glue.CfnTable.StorageDescriptorProperty(
                    location=data_location,
                    input_format="org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat",
                    output_format="org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat",
                    serde_info=glue.CfnTable.SerdeInfoProperty(
                        serialization_library="org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe"),
                    columns=[glue.CfnTable.ColumnProperty(name=n, type=t) for n, t in CARBON_COLUMNS],
                ),
            ),
        )
        self.table.add_resource_dependency(self.database)
        self.workgroup = athena.CfnWorkGroup(
            self, "WorkGroup", name=workgroup_name, state="ENABLED",
            description="fmkit: query AWS carbon emissions vs fmkit estimates",
            recursive_delete_option=True,
            work_group_configuration=athena.CfnWorkGroup.WorkGroupConfigurationProperty(
                enforce_work_group_configuration=True,
                publish_cloud_watch_metrics_enabled=True,
                bytes_scanned_cutoff_per_query=bytes_scanned_cutoff_mb * 1024 * 1024,
                result_configuration=athena.CfnWorkGroup.ResultConfigurationProperty(
                    output_location=f"s3://{self.results.bucket_name}/results/",
                    expected_bucket_owner=account,
                    encryption_configuration=athena.CfnWorkGroup.EncryptionConfigurationProperty(
                        encryption_option="SSE_KMS", kms_key=key.key_arn),
                ),
            ),
        )
        self.queries = {}
        for logical, name, sql in (
            ("CompareQuery", "fmkit-carbon-measured-vs-estimated", comparison_query(database_name, TABLE,
                                                                                    estimate_rows)),
            ("MonthlyQuery", "fmkit-carbon-monthly-by-region-service", monthly_query(database_name, TABLE)),
        ):
            query = athena.CfnNamedQuery(self, logical, name=name, database=database_name, query_string=sql,
                                         work_group=self.workgroup.name,
                                         description="fmkit sustainability: see docs/carbon.md")
            query.add_resource_dependency(self.workgroup)
            query.add_resource_dependency(self.table)
            self.queries[name] = query
