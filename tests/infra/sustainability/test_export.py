"""CarbonExport alone: the CARBON_EMISSIONS export into a private SSE-S3 bucket that only this
account's Data Exports may write, expiring and removed per its props."""

from __future__ import annotations

from pathlib import Path

import aws_cdk as cdk
from aws_cdk import aws_s3 as s3

from stacks.sustainability.export import CarbonExport
from tests.infra.constructs import bare_stack, template_of


def test_export_writes_parquet_into_its_own_bucket(tmp_path: Path) -> None:
    stack = bare_stack(tmp_path, region="us-east-1", nag=True)
    logs = s3.Bucket(stack, "AccessLogs", enforce_ssl=True, encryption=s3.BucketEncryption.S3_MANAGED)
    cdk.Validations.of(logs).acknowledge(cdk.Acknowledgment(id="AwsSolutions::AwsSolutions-S1",
                                                            reason="the test's access-log destination"))
    export = CarbonExport(stack, "Carbon", export_name="demo-dev-carbon", logs_bucket=logs, retention_days=400,
                          removal_policy=cdk.RemovalPolicy.RETAIN)
    template = template_of(stack, tmp_path)
    (definition,) = template.find_resources("AWS::BCMDataExports::Export").values()
    destination = definition["Properties"]["Export"]["DestinationConfigurations"]["S3Destination"]
    assert destination["S3Region"] == "us-east-1" and destination["S3Prefix"] == "carbon"
    assert destination["S3OutputConfigurations"]["Format"] == "PARQUET"
    bucket = template.find_resources("AWS::S3::Bucket")[stack.get_logical_id(
        export.bucket.node.default_child)]  # type: ignore[arg-type]
    assert bucket["DeletionPolicy"] == "Retain"
    rules = bucket["Properties"]["LifecycleConfiguration"]["Rules"]
    assert rules[0]["ExpirationInDays"] == 400
    assert export.data_location.endswith("/carbon/demo-dev-carbon/data/")
