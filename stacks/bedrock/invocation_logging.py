"""Bedrock model invocation logging for one environment (one setting per account and region).

There is no CloudFormation type for the setting: a custom resource on CDK's provider
framework puts it (`lambda/bedrock_logging`).

Destinations the kit creates: an S3 bucket (platform KMS key, TLS only, lifecycle) and/or
a CloudWatch log group (platform KMS key, retention). Bedrock writes to S3 as a service
principal (bucket and key policies scoped to this account's Bedrock), and to CloudWatch
through a role that can only create/put into this log group's one stream.
"""

from __future__ import annotations

from typing import Any

import aws_cdk as cdk
from aws_cdk import aws_iam as iam
from aws_cdk import aws_logs as logs
from aws_cdk import aws_s3 as s3
from constructs import Construct

from fmkit.config.providers.bedrock import InvocationLogging
from fmkit.contracts.bedrock import LOGGING_CONFIG_PROPERTY
from stacks.common.buckets import encrypted_bucket_props
from stacks.common.custom_resource_provider import CustomResourceProvider
from stacks.common.naming import Naming
from stacks.common.platform_resources import PlatformResources
from stacks.common.python_lambda import PythonFunction
from stacks.common.stack_env import stack_account, stack_region
from stacks.nag import acknowledge

S3_PREFIX = "model-invocations"
LARGE_DATA_PREFIX = "model-invocations/large-data"
BEDROCK_STREAM = "aws/bedrock/modelinvocations"  # the one stream Bedrock writes to


class InvocationLoggingDestination(Construct):
    """Destinations + the custom resource that points Bedrock at them."""

    def __init__(self, scope: Construct, construct_id: str, *, settings: InvocationLogging, naming: Naming,
                 platform: PlatformResources) -> None:
        super().__init__(scope, construct_id)
        stack = cdk.Stack.of(self)
        region, account, partition = stack_region(self), stack_account(self), stack.partition
        key, access_logs = platform.key, platform.logs_bucket
        removal_policy, log_retention = platform.removal_policy, platform.log_retention
        bedrock_source = {
            "StringEquals": {"aws:SourceAccount": account},
            "ArnLike": {"aws:SourceArn": f"arn:{partition}:bedrock:{region}:{account}:*"},
        }
        logging_config: dict[str, Any] = {
            "textDataDeliveryEnabled": settings.include_text,
            "imageDataDeliveryEnabled": settings.include_images,
            "embeddingDataDeliveryEnabled": settings.include_embeddings,
            "videoDataDeliveryEnabled": settings.include_video,
        }

        self.bucket: s3.Bucket | None = None
        if settings.s3 is not None:
            transitions = []
            if settings.s3.infrequent_access_after_days is not None:
                transitions.append(s3.Transition(storage_class=s3.StorageClass.INFREQUENT_ACCESS,
                                                 transition_after=cdk.Duration.days(
                                                     settings.s3.infrequent_access_after_days)))
            self.bucket = s3.Bucket(
                self, "Bucket",
                **encrypted_bucket_props(key=key, access_logs=access_logs, log_prefix="bedrock-invocation-logs/"),
                object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
                lifecycle_rules=[s3.LifecycleRule(
                    id="expire-invocation-logs", expiration=cdk.Duration.days(settings.s3.expire_after_days),
                    transitions=transitions or None,
                    abort_incomplete_multipart_upload_after=cdk.Duration.days(1),
                )],
                removal_policy=removal_policy,
            )
            self.bucket.add_to_resource_policy(iam.PolicyStatement(
                sid="BedrockWritesInvocationLogs",
                principals=[iam.ServicePrincipal("bedrock.amazonaws.com")],
                actions=["s3:PutObject"],
                resources=[self.bucket.arn_for_objects(f"{S3_PREFIX}/*")],
                conditions=bedrock_source,
            ))
            # SSE-KMS: Bedrock needs a data key from the platform key to write each object.
            key.add_to_resource_policy(iam.PolicyStatement(
                sid="AllowBedrockInvocationLoggingToS3",
                principals=[iam.ServicePrincipal("bedrock.amazonaws.com")],
                actions=["kms:GenerateDataKey"],
                resources=["*"],  # in a key policy, "*" means this key
                conditions=bedrock_source,
            ))
            logging_config["s3Config"] = {"bucketName": self.bucket.bucket_name, "keyPrefix": S3_PREFIX}

        self.log_group: logs.LogGroup | None = None
        self.role: iam.Role | None = None
        if settings.cloudwatch is not None:
            self.log_group = logs.LogGroup(
                self, "LogGroup",
                log_group_name=f"/fmkit/{naming.project}/{naming.environment}/bedrock/model-invocations",
                encryption_key=key, retention=log_retention, removal_policy=removal_policy,
            )
            if settings.cloudwatch.retention_days is not None:  # config may differ from the platform default
                log_group_l1 = self.log_group.node.default_child
                assert isinstance(log_group_l1, logs.CfnLogGroup)
                log_group_l1.retention_in_days = settings.cloudwatch.retention_days
            self.role = iam.Role(
                self, "DeliveryRole",
                assumed_by=iam.ServicePrincipal("bedrock.amazonaws.com", conditions=bedrock_source),
                description="Bedrock writes model invocation logs to CloudWatch Logs with this role",
            )
            self.role.add_to_policy(iam.PolicyStatement(
                actions=["logs:CreateLogStream", "logs:PutLogEvents"],
                resources=[f"arn:{partition}:logs:{region}:{account}:log-group:"
                           f"{self.log_group.log_group_name}:log-stream:{BEDROCK_STREAM}"],
            ))
            cloudwatch: dict[str, Any] = {"logGroupName": self.log_group.log_group_name,
                                          "roleArn": self.role.role_arn}
            if self.bucket is not None:
                # Bodies over 100 KB and binary data go to S3 rather than being dropped.
                cloudwatch["largeDataDeliveryS3Config"] = {"bucketName": self.bucket.bucket_name,
                                                           "keyPrefix": LARGE_DATA_PREFIX}
            logging_config["cloudWatchConfig"] = cloudwatch

        self.logging_config = logging_config
        self.function = PythonFunction(
            self, "OnEvent", entry="bedrock_logging", key=key,
            log_retention=log_retention,
            timeout=cdk.Duration.seconds(60), memory_size=256,
            description="Custom resource: Bedrock model invocation logging configuration",
        )
        self._grant_handler(account, region, partition)
        # Before the provider framework, the function at Handler/Function answered CloudFormation
        # itself: the framework's entry function takes its place (and ARN, the ServiceToken).
        self.provider = CustomResourceProvider(self, "Provider", on_event=self.function.function, key=key,
                                               log_retention=log_retention,
                                               replaces_function_at=("Handler", "Function", "Resource"))
        self.resource = cdk.CustomResource(
            self, "Configuration",
            service_token=self.provider.service_token,
            resource_type="Custom::BedrockInvocationLogging",
            properties={LOGGING_CONFIG_PROPERTY: stack.to_json_string(logging_config)},
        )
        # Bedrock validates its access when the configuration is put: the policies (which the
        # configuration does not reference, unlike the bucket and role) must exist first.
        if self.bucket is not None and self.bucket.policy is not None:
            self.resource.node.add_dependency(self.bucket.policy)
        if self.role is not None:
            self.resource.node.add_dependency(self.role.node.find_child("DefaultPolicy"))

    def _grant_handler(self, account: str, region: str, partition: str) -> None:
        role = self.function.role
        statement = iam.PolicyStatement(
            sid="ConfigureInvocationLogging",
            actions=["bedrock:PutModelInvocationLoggingConfiguration",
                     "bedrock:GetModelInvocationLoggingConfiguration",
                     "bedrock:DeleteModelInvocationLoggingConfiguration"],
            resources=["*"],
        )
        role.add_to_policy(statement)
        if self.role is not None:
            role.add_to_policy(iam.PolicyStatement(
                sid="PassDeliveryRoleToBedrock", actions=["iam:PassRole"], resources=[self.role.role_arn],
                conditions={"StringEquals": {"iam:PassedToService": "bedrock.amazonaws.com"}},
            ))
        acknowledge(role, "AwsSolutions-IAM5",
                    "Only for actions without resource-level permissions (Service Authorization Reference): "
                    "Bedrock's *ModelInvocationLoggingConfiguration (an account/region setting, no ARN) and "
                    "X-Ray PutTraceSegments/PutTelemetryRecords (active tracing).",
                    applies_to=["Resource::*"])
