"""EvaluationBucket alone: the platform key, access logs into the platform's bucket, run results
expiring after the configured days, and the platform's removal policy."""

from __future__ import annotations

from pathlib import Path

from stacks.evaluation.storage import EvaluationBucket
from tests.infra.constructs import bare_stack, platform_resources, template_of


def test_bucket_takes_key_logs_retention_and_removal_from_its_props(tmp_path: Path) -> None:
    stack = bare_stack(tmp_path, nag=True)
    platform = platform_resources(stack)
    storage = EvaluationBucket(stack, "Storage", results_retention_days=45, platform=platform)
    template = template_of(stack, tmp_path)
    bucket = template.find_resources("AWS::S3::Bucket")[stack.get_logical_id(
        storage.bucket.node.default_child)]  # type: ignore[arg-type]
    props = bucket["Properties"]
    sse = props["BucketEncryption"]["ServerSideEncryptionConfiguration"][0]["ServerSideEncryptionByDefault"]
    assert sse["KMSMasterKeyID"] == stack.resolve(platform.key.key_arn)
    assert props["LoggingConfiguration"] == {"DestinationBucketName": stack.resolve(platform.logs_bucket.bucket_name),
                                             "LogFilePrefix": "s3/evaluation/"}
    rules = {r["Id"]: r for r in props["LifecycleConfiguration"]["Rules"]}
    assert rules["expire-runs"]["ExpirationInDays"] == 45 and rules["expire-runs"]["Prefix"] == "runs/"
    assert rules["expire-map-results"]["ExpirationInDays"] == 45
    assert bucket["DeletionPolicy"] == "Delete"  # the test platform's removal policy
