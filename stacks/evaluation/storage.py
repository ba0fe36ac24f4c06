"""The evaluation bucket: datasets in, per-item results and reports out."""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_s3 as s3
from constructs import Construct

from stacks.common.buckets import encrypted_bucket_props
from stacks.common.platform_resources import PlatformResources


class EvaluationBucket(Construct):
    """KMS-encrypted (platform key), TLS-only, access-logged; run results expire after
    `results_retention_days`, datasets do not."""

    def __init__(self, scope: Construct, construct_id: str, *, results_retention_days: int,
                 platform: PlatformResources) -> None:
        super().__init__(scope, construct_id)
        retention = cdk.Duration.days(results_retention_days)
        self.bucket = s3.Bucket(
            self, "Bucket",
            **encrypted_bucket_props(key=platform.key, access_logs=platform.logs_bucket, log_prefix="s3/evaluation/"),
            object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED, versioned=True,
            lifecycle_rules=[
                s3.LifecycleRule(id="expire-runs", prefix="runs/", expiration=retention,
                                 noncurrent_version_expiration=cdk.Duration.days(1)),
                s3.LifecycleRule(id="expire-map-results", prefix="map-results/", expiration=retention,
                                 noncurrent_version_expiration=cdk.Duration.days(1)),
                s3.LifecycleRule(id="old-versions", noncurrent_version_expiration=cdk.Duration.days(30),
                                 abort_incomplete_multipart_upload_after=cdk.Duration.days(1)),
            ],
            removal_policy=platform.removal_policy,
        )
