"""The landing bucket documents are dropped into: created here, or an existing one by ARN."""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_events as events
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3
from constructs import Construct

from fmkit.config.knowledge import SourcesConfig
from stacks.common.buckets import encrypted_bucket_props
from stacks.knowledge.nag_acks import ref


class SourceBucket(Construct):
    """KMS-encrypted, versioned (so deletes and overwrites are ordered), EventBridge-enabled."""

    def __init__(self, scope: Construct, construct_id: str, *, config: SourcesConfig, key: kms.IKey,
                 logs_bucket: s3.IBucket, removal_policy: cdk.RemovalPolicy) -> None:
        super().__init__(scope, construct_id)
        self.config = config
        self.created = config.bucket_arn is None
        self.key: kms.IKey | None = key if self.created else None
        if config.bucket_arn is None:
            self.bucket: s3.IBucket = s3.Bucket(
                self, "Bucket",
                **encrypted_bucket_props(key=key, access_logs=logs_bucket, log_prefix="knowledge-sources/"),
                versioned=True,
                lifecycle_rules=[s3.LifecycleRule(
                    id="expire-old-versions",
                    noncurrent_version_expiration=cdk.Duration.days(30),
                    abort_incomplete_multipart_upload_after=cdk.Duration.days(1),
                )],
                removal_policy=removal_policy,
            )
            # Native EventBridge notifications (the L2 flag would add a custom-resource Lambda).
            cfn_bucket = self.bucket.node.default_child
            assert isinstance(cfn_bucket, s3.CfnBucket)
            cfn_bucket.add_property_override(
                "NotificationConfiguration.EventBridgeConfiguration.EventBridgeEnabled", True)
        else:
            # An existing bucket must have "Send notifications to Amazon EventBridge" turned on.
            self.bucket = s3.Bucket.from_bucket_arn(self, "Bucket", config.bucket_arn)

    def object_event_pattern(self) -> events.EventPattern:
        """S3 "Object Created"/"Object Deleted" events of this bucket, narrowed to the prefixes."""
        detail: dict[str, object] = {"bucket": {"name": [self.bucket.bucket_name]}}
        if self.config.prefixes:
            detail["object"] = {"key": [{"prefix": p} for p in self.config.prefixes]}
        return events.EventPattern(source=["aws.s3"], detail_type=["Object Created", "Object Deleted"],
                                   detail=detail)

    def object_arns(self) -> list[str]:
        return [self.bucket.arn_for_objects(f"{p}*") for p in (self.config.prefixes or [""])]

    def nag_object_resources(self) -> list[str]:
        """The object ARNs of `grant_read` as cdk-nag renders them (for acknowledgments)."""
        base = ref(self.bucket, "Arn") if self.created else self.config.bucket_arn
        return [f"{base}/{p}*" for p in (self.config.prefixes or [""])]

    def grant_read(self, grantee: iam.IGrantable) -> iam.Grant:
        """GetObject (+ versions) under the configured prefixes and ListBucket for bulk runs."""
        grant = iam.Grant.add_to_principal(grantee=grantee, actions=["s3:GetObject", "s3:GetObjectVersion"],
                                           resource_arns=self.object_arns())
        # Unconditioned ListBucket: S3 answers 404 (not 403) for a missing key only with it, and
        # the runtime relies on that for out-of-order deletes; it lists names, never content.
        grantee.grant_principal.add_to_principal_policy(iam.PolicyStatement(
            actions=["s3:ListBucket"], resources=[self.bucket.bucket_arn]))
        if self.key is not None:
            self.key.grant_decrypt(grantee)
        return grant
