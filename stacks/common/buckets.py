"""The kit's defaults for every bucket that holds data: one definition, so none can drift."""

from __future__ import annotations

from typing import Any

from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3


def encrypted_bucket_props(*, key: kms.IKey, access_logs: s3.IBucket, log_prefix: str) -> dict[str, Any]:
    """`s3.Bucket` props: the platform KMS key (with S3 bucket keys, fewer KMS calls), no public
    access, TLS-only requests, and server access logs into the platform's logs bucket."""
    return {
        "encryption": s3.BucketEncryption.KMS,
        "encryption_key": key,
        "bucket_key_enabled": True,
        "block_public_access": s3.BlockPublicAccess.BLOCK_ALL,
        "enforce_ssl": True,
        "server_access_logs_bucket": access_logs,
        "server_access_logs_prefix": log_prefix,
    }
