"""The landing bucket: created encrypted and versioned with EventBridge events, or referenced."""

from __future__ import annotations

from aws_cdk.assertions import Match, Template

from tests.infra.knowledge.synth import policy_statements


def test_landing_bucket_is_encrypted_versioned_and_sends_events(s3v: Template) -> None:
    s3v.has_resource_properties("AWS::S3::Bucket", {
        "BucketEncryption": {"ServerSideEncryptionConfiguration": [Match.object_like(
            {"ServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": Match.any_value()}})]},
        "VersioningConfiguration": {"Status": "Enabled"},
        "NotificationConfiguration": {"EventBridgeConfiguration": {"EventBridgeEnabled": True}},
        "LoggingConfiguration": Match.object_like({"LogFilePrefix": "knowledge-sources/"}),
    })



def test_existing_bucket_is_referenced_not_created(existing_bucket: Template) -> None:
    assert "DocsSourceBucketC84C23EA" not in existing_bucket.find_resources("AWS::S3::Bucket")
    existing_bucket.has_resource_properties("AWS::Events::Rule", {"EventPattern": Match.object_like({
        "detail": {"bucket": {"name": ["corp-docs"]}, "object": {"key": [{"prefix": "kb/"}]}}})})
    objects = [s for s in policy_statements(existing_bucket) if s["Action"] == ["s3:GetObject", "s3:GetObjectVersion"]]
    assert objects and all(s["Resource"] == "arn:aws:s3:::corp-docs/kb/*" for s in objects)
