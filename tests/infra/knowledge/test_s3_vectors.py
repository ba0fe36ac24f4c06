"""S3 Vectors: bucket and index as native types, the platform key opened to background indexing."""

from __future__ import annotations

import json

from aws_cdk.assertions import Match, Template


def test_s3_vectors_index_follows_the_embedding_model(s3v: Template) -> None:
    s3v.has_resource_properties("AWS::S3Vectors::Index", {
        "DataType": "float32", "Dimension": 1024, "DistanceMetric": "cosine", "IndexName": "chunks",
        "VectorBucketName": "fmkit-demo-dev-docs",
        "MetadataConfiguration": {"NonFilterableMetadataKeys": ["text", "section"]},
    })
    s3v.has_resource_properties("AWS::S3Vectors::VectorBucket", {
        "EncryptionConfiguration": {"SseType": "aws:kms", "KmsKeyArn": Match.any_value()}})


def test_platform_key_lets_s3_vectors_index_and_eventbridge_deliver(s3v_pair: tuple[Template, Template]) -> None:
    """Background indexing of an SSE-KMS vector bucket and EventBridge → encrypted SQS need the key."""
    _, platform = s3v_pair
    statements = json.dumps(next(iter(platform.find_resources("AWS::KMS::Key").values()))["Properties"])
    assert '"Sid": "AllowS3VectorsIndexing"' in statements
    assert '"Service": "indexing.s3vectors.amazonaws.com"' in statements
    assert '"Service": "events.amazonaws.com"' in statements
