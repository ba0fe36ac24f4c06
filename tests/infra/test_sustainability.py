"""Sustainability stack: the carbon data export, its bucket policy, the Glue table and the Athena workgroup."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from aws_cdk.assertions import Match, Template

from stacks.sustainability.queries import CARBON_COLUMNS
from tests.helpers import load_env

NOVA = """
    provider: bedrock
    model_id: amazon.nova-lite-v1:0
    cross_region: geo
    expected_traffic: {requests_per_day: 5000, mean_input_tokens: 1200, mean_output_tokens: 300}
"""


@pytest.fixture(scope="module")
def prod(default_templates: dict[str, Template]) -> Template:
    return default_templates["prod/Sustainability"]


def test_only_enabled_environments_get_the_stack(default_templates: dict[str, Template]) -> None:
    assert "prod/Sustainability" in default_templates
    assert "dev/Sustainability" not in default_templates


def test_export_delivers_carbon_emissions_as_parquet(prod: Template) -> None:
    prod.has_resource_properties("AWS::BCMDataExports::Export", {"Export": {
        "Name": "fmkit-demo-prod-carbon-emissions",
        "DataQuery": {"QueryStatement": Match.string_like_regexp(
            r"^SELECT .*usage_period_start FROM CARBON_EMISSIONS$")},
        "DestinationConfigurations": {"S3Destination": {
            "S3Bucket": Match.any_value(), "S3Prefix": "carbon", "S3Region": "us-east-1",
            "S3OutputConfigurations": {"Format": "PARQUET", "Compression": "PARQUET", "OutputType": "CUSTOM",
                                       "Overwrite": "OVERWRITE_REPORT"}}},
        "RefreshCadence": {"Frequency": "SYNCHRONOUS"},
    }})
    export = next(iter(prod.find_resources("AWS::BCMDataExports::Export").values()))
    assert any("Policy" in dep for dep in export["DependsOn"])  # the policy exists before the export


def test_bucket_is_encrypted_private_and_expires(prod: Template) -> None:
    prod.has_resource_properties("AWS::S3::Bucket", {
        "BucketEncryption": {"ServerSideEncryptionConfiguration": [
            {"ServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]},
        "PublicAccessBlockConfiguration": {"BlockPublicAcls": True, "BlockPublicPolicy": True,
                                            "IgnorePublicAcls": True, "RestrictPublicBuckets": True},
        "VersioningConfiguration": {"Status": "Enabled"},
        "LifecycleConfiguration": {"Rules": Match.array_with([
            Match.object_like({"Id": "expire-carbon-data", "ExpirationInDays": 1827})])},
        "LoggingConfiguration": Match.object_like({"LogFilePrefix": "s3/carbon-export/"}),
    })


def test_bucket_policy_lets_only_this_accounts_exports_write(prod: Template) -> None:
    prod.has_resource_properties("AWS::S3::BucketPolicy", {"PolicyDocument": {"Statement": Match.array_with([
        Match.object_like({"Effect": "Deny", "Condition": {"Bool": {"aws:SecureTransport": "false"}}}),
        Match.object_like({
            "Sid": "EnableAWSDataExportsToWriteToS3AndCheckPolicy",
            "Effect": "Allow",
            "Principal": {"Service": ["bcm-data-exports.amazonaws.com", "billingreports.amazonaws.com"]},
            "Action": ["s3:GetBucketPolicy", "s3:PutObject"],
            "Condition": {"StringLike": {
                "aws:SourceAccount": "222222222222",
                "aws:SourceArn": ["arn:aws:cur:us-east-1:222222222222:definition/*",
                                  "arn:aws:bcm-data-exports:us-east-1:222222222222:export/*"]}},
        }),
    ])}})


def test_glue_table_reads_the_export_prefix(prod: Template) -> None:
    prod.has_resource_properties("AWS::Glue::Database", {"DatabaseInput": {"Name": "fmkit_demo_prod_carbon"}})
    prod.has_resource_properties("AWS::Glue::Table", {
        "DatabaseName": "fmkit_demo_prod_carbon",
        "TableInput": Match.object_like({
            "Name": "carbon_emissions", "TableType": "EXTERNAL_TABLE",
            "StorageDescriptor": Match.object_like({
                "Location": {"Fn::Join": ["", ["s3://", Match.any_value(),
                                               "/carbon/fmkit-demo-prod-carbon-emissions/data/"]]},
                "Columns": [{"Name": n, "Type": t} for n, t in CARBON_COLUMNS],
                "SerdeInfo": {"SerializationLibrary": "org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe"},
            })}),
    })


def test_athena_workgroup_enforces_encrypted_results(prod: Template) -> None:
    prod.has_resource_properties("AWS::Athena::WorkGroup", {
        "Name": "fmkit-demo-prod-carbon",
        "WorkGroupConfiguration": Match.object_like({
            "EnforceWorkGroupConfiguration": True,
            "BytesScannedCutoffPerQuery": 1024 * 1024 * 1024,
            "ResultConfiguration": Match.object_like({
                "EncryptionConfiguration": {"EncryptionOption": "SSE_KMS", "KmsKey": Match.any_value()},
                "ExpectedBucketOwner": "222222222222"}),
        }),
    })


def test_saved_query_compares_measured_with_estimates(prod: Template) -> None:
    queries = prod.find_resources("AWS::Athena::NamedQuery")
    by_name = {q["Properties"]["Name"]: q["Properties"] for q in queries.values()}
    compare = by_name["fmkit-carbon-measured-vs-estimated"]
    assert compare["WorkGroup"] == "fmkit-demo-prod-carbon" and compare["Database"] == "fmkit_demo_prod_carbon"
    sql = compare["QueryString"]
    assert "FULL OUTER JOIN estimated" in sql and "total_lbm_emissions_value" in sql
    assert "('us-east-1', 'AmazonBedrock'," in sql  # nova-lite's estimate, written at synth time
    assert "('us-east-1', 'AmazonSageMaker'," in sql
    assert "fmkit-carbon-monthly-by-region-service" in by_name


def test_outside_us_east_1_the_stack_still_deploys_there(tmp_path: Path, synth_environment: Any) -> None:
    env = load_env(tmp_path, {"models/nova.yaml": NOVA, "environments/dev.yaml": """
        account: "111111111111"
        region: eu-west-1
        project: {sustainability: {enabled: true, export_name: team-carbon, data_retention_days: 400}}
    """})
    templates = synth_environment(env)
    stack = templates["Sustainability"]
    stack.has_resource_properties("AWS::BCMDataExports::Export", {"Export": Match.object_like({
        "Name": "team-carbon",
        "DestinationConfigurations": {"S3Destination": Match.object_like({"S3Region": "us-east-1"})}})})
    stack.resource_count_is("AWS::KMS::Key", 1)  # its own key: the platform's lives in eu-west-1
    stack.has_resource_properties("AWS::S3::Bucket", {"LifecycleConfiguration": {"Rules": Match.array_with([
        Match.object_like({"Id": "expire-carbon-data", "ExpirationInDays": 400})])}})
