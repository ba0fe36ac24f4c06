"""Private buckets for data capture and async results: platform key, TLS only, access-logged."""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3
from constructs import Construct

from stacks.common.buckets import encrypted_bucket_props


def private_bucket(scope: Construct, construct_id: str, *, key: kms.IKey, logs_bucket: s3.IBucket,
                   removal_policy: cdk.RemovalPolicy, logical_id: str, log_prefix: str) -> s3.Bucket:
    """A KMS-encrypted bucket whose logical id is pinned (it holds data: renames must not replace it)."""
    bucket = s3.Bucket(
        scope, construct_id,
        **encrypted_bucket_props(key=key, access_logs=logs_bucket, log_prefix=log_prefix),
        object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
        removal_policy=removal_policy,
        auto_delete_objects=False,
        lifecycle_rules=[s3.LifecycleRule(abort_incomplete_multipart_upload_after=cdk.Duration.days(1))],
    )
    cfn = bucket.node.default_child
    assert isinstance(cfn, s3.CfnBucket)
    cfn.override_logical_id(logical_id)
    return bucket
