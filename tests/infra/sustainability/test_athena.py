"""CarbonAnalytics alone: a Glue table over the export, a workgroup that enforces encrypted
results with the given key and caps bytes scanned, and the saved queries."""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3
from aws_cdk.assertions import Template

from stacks.sustainability.athena import CarbonAnalytics
from tests.infra.constructs import bare_stack


def test_workgroup_enforces_encrypted_results_and_caps_scans() -> None:
    stack = bare_stack(region="us-east-1")
    key = kms.Key(stack, "Key", enable_key_rotation=True)
    analytics = CarbonAnalytics(
        stack, "Analytics", database_name="demo_dev_carbon", workgroup_name="demo-dev-carbon",
        data_location="s3://export/carbon/x/data/", key=key, logs_bucket=s3.Bucket(stack, "Logs"),
        results_retention_days=30, bytes_scanned_cutoff_mb=100,
        estimate_rows=[("us-east-1", "AmazonBedrock", 1.0, 2.0, 3.0)], removal_policy=cdk.RemovalPolicy.DESTROY)
    template = Template.from_stack(stack)
    (workgroup,) = template.find_resources("AWS::Athena::WorkGroup").values()
    config = workgroup["Properties"]["WorkGroupConfiguration"]
    assert config["EnforceWorkGroupConfiguration"] is True
    assert config["BytesScannedCutoffPerQuery"] == 100 * 1024 * 1024
    assert config["ResultConfiguration"]["EncryptionConfiguration"] == {
        "EncryptionOption": "SSE_KMS", "KmsKey": stack.resolve(key.key_arn)}
    (table,) = template.find_resources("AWS::Glue::Table").values()
    assert table["Properties"]["TableInput"]["StorageDescriptor"]["Location"] == "s3://export/carbon/x/data/"
    assert sorted(analytics.queries) == ["fmkit-carbon-measured-vs-estimated", "fmkit-carbon-monthly-by-region-service"]
    compare = analytics.queries["fmkit-carbon-measured-vs-estimated"]
    assert "('us-east-1', 'AmazonBedrock', 1.000, 2.000, 3.000)" in compare.query_string
