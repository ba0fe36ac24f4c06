"""The artifact bucket: training output, candidates (GGUFs with their sha256), runs' reports, the registry.

Versioned, so a promotion can pin the S3 version of its candidate; a candidate is never
overwritten (its key has the run in it), so pinned versions stay current. Old versions of
overwritten objects (the cached llama.cpp build, reports) expire after 30 days, checkpoints
after 14 (`checkpoints/<customization>/<run>/`: a finished job no longer needs them).
"""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_s3 as s3
from constructs import Construct

from fmkit.customize.runs import CHECKPOINTS
from stacks.common.buckets import encrypted_bucket_props
from stacks.common.platform_resources import PlatformResources

CHECKPOINT_DAYS = 14
NONCURRENT_DAYS = 30


class ArtifactBucket(Construct):
    def __init__(self, scope: Construct, construct_id: str, *, platform: PlatformResources) -> None:
        super().__init__(scope, construct_id)
        self.bucket = s3.Bucket(
            self, "Bucket",
            **encrypted_bucket_props(key=platform.key, access_logs=platform.logs_bucket,
                                     log_prefix="s3/customization/"),
            object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED, versioned=True,
            lifecycle_rules=[
                s3.LifecycleRule(id="old-versions", noncurrent_version_expiration=cdk.Duration.days(NONCURRENT_DAYS),
                                 abort_incomplete_multipart_upload_after=cdk.Duration.days(1)),
                s3.LifecycleRule(id="expire-checkpoints", prefix=f"{CHECKPOINTS}/",
                                 expiration=cdk.Duration.days(CHECKPOINT_DAYS)),
            ],
            removal_policy=platform.removal_policy,
        )
        # Stateful: pin the logical id so refactoring the construct tree never replaces it.
        self.bucket.node.default_child.override_logical_id("CustomizationArtifacts")  # type: ignore[union-attr]
