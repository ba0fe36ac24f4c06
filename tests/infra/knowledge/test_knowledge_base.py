"""The knowledge base as a whole: stateful logical ids pinned, production data retained."""

from __future__ import annotations

from aws_cdk.assertions import Template

from tests.infra.knowledge.synth import one


def test_stateful_logical_ids_are_pinned_s3_vectors(s3v: Template) -> None:
    """Renaming a stateful resource would replace it: documents, vectors and idempotency state."""
    assert list(s3v.find_resources("AWS::S3Vectors::VectorBucket")) == ["DocsStoreVectorBucketFCC21B39"]
    assert list(s3v.find_resources("AWS::S3Vectors::Index")) == ["DocsStoreIndex5221245D"]
    assert list(s3v.find_resources("AWS::DynamoDB::Table")) == ["DocsPipelineIdempotencyTable09421514"]
    assert "DocsSourceBucketC84C23EA" in s3v.find_resources("AWS::S3::Bucket")


def test_prod_knowledge_stack_retains_its_data(s3v_prod: Template) -> None:
    prod = s3v_prod
    for cfn_type in ("AWS::S3Vectors::VectorBucket", "AWS::S3Vectors::Index", "AWS::DynamoDB::Table"):
        assert one(prod, cfn_type)[1]["DeletionPolicy"] == "Retain", cfn_type
