"""PlatformStack: what every capability of an environment shares.

A customer-managed KMS key (rotation on), the access-logs bucket, the alarm topic and,
only when a capability asks for it, the VPC — so an environment with only Bedrock models
pays for no NAT gateway. Capability constructs receive these as `resources`
(`PlatformResources`) and the environment's names as `naming` (`Naming`).
"""

from __future__ import annotations

import hashlib
from typing import Any

import aws_cdk as cdk
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sns_subscriptions as subs
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from fmkit.config import EnvironmentConfig
from stacks.common.naming import Naming
from stacks.common.platform_resources import PlatformResources
from stacks.nag import acknowledge
from stacks.network import PlatformVpc

REMOVAL = {"retain": cdk.RemovalPolicy.RETAIN, "destroy": cdk.RemovalPolicy.DESTROY}


class PlatformStack(cdk.Stack):
    def __init__(self, scope: Construct, construct_id: str, *, config: EnvironmentConfig, **kwargs: Any) -> None:
        super().__init__(scope, construct_id, description=f"fmkit {config.name}: shared key, logs, alarms, network",
                         **kwargs)
        self.config = config
        self.naming = Naming.of(config)
        self.removal_policy = REMOVAL[config.platform.removal_policy]
        self.log_retention = logs.RetentionDays(_retention_name(config.platform.log_retention_days))

        self.key = kms.Key(
            self, "Key",
            alias=f"alias/{config.stack_prefix}",
            description=f"fmkit {config.project.name} {config.name}: encrypts logs, topics, queues, stores",
            enable_key_rotation=True,
            removal_policy=self.removal_policy,
        )
        # Services that write encrypted data on our behalf need the key.
        self.key.add_to_resource_policy(iam.PolicyStatement(
            sid="AllowCloudWatchLogs",
            principals=[iam.ServicePrincipal(f"logs.{self.region}.amazonaws.com")],
            actions=["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"],
            resources=["*"],  # in a key policy, "*" means this key
            conditions={"ArnLike": {"kms:EncryptionContext:aws:logs:arn":
                                    f"arn:{self.partition}:logs:{self.region}:{self.account}:*"}},
        ))
        self.key.add_to_resource_policy(iam.PolicyStatement(
            sid="AllowAlarmsToPublishToEncryptedTopic",
            principals=[iam.ServicePrincipal("cloudwatch.amazonaws.com")],
            actions=["kms:Decrypt", "kms:GenerateDataKey*"],
            resources=["*"],
        ))

        self.logs_bucket = s3.Bucket(
            self, "AccessLogs",
            # S3 server access logs and ALB access logs can only be delivered to SSE-S3 buckets.
            encryption=s3.BucketEncryption.S3_MANAGED,
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            enforce_ssl=True,
            object_ownership=s3.ObjectOwnership.BUCKET_OWNER_PREFERRED,
            versioned=False,
            lifecycle_rules=[s3.LifecycleRule(
                id="expire-access-logs",
                expiration=cdk.Duration.days(config.platform.access_log_retention_days),
                abort_incomplete_multipart_upload_after=cdk.Duration.days(1),
            )],
            removal_policy=self.removal_policy,
        )
        acknowledge(self.logs_bucket, "AwsSolutions-S1",
                    "This bucket is the server-access-log destination; logging it into itself would loop.")

        self.alarm_topic = sns.Topic(
            self, "Alarms",
            display_name=f"fmkit {config.project.name} {config.name} alarms",
            master_key=self.key,
            enforce_ssl=True,
        )
        for subscription in config.platform.alarm_subscriptions:
            self.alarm_topic.add_subscription(_subscription(self, subscription.protocol, subscription.endpoint))

        self._vpc: PlatformVpc | None = None
        self.resources = PlatformResources(
            key=self.key, logs_bucket=self.logs_bucket, log_retention=self.log_retention,
            removal_policy=self.removal_policy, alarm_topic=self.alarm_topic,
            network_on_demand=lambda: self.network,
        )
        cdk.CfnOutput(self, "KeyArn", value=self.key.key_arn, description="Platform KMS key")
        cdk.CfnOutput(self, "AlarmTopicArn", value=self.alarm_topic.topic_arn, description="Alarm SNS topic")
        cdk.CfnOutput(self, "AccessLogsBucketName", value=self.logs_bucket.bucket_name)

    @property
    def availability_zones(self) -> list[str]:
        """Zones without an account lookup (synth needs no credentials): the configured names, or
        `Fn::GetAZs` picks resolved by CloudFormation in whatever account the stack lands in."""
        vpc = self.config.platform.vpc
        if vpc.availability_zones:
            return list(vpc.availability_zones)
        return [cdk.Fn.select(index, cdk.Fn.get_azs()) for index in range(vpc.max_azs)]

    @property
    def network(self) -> PlatformVpc:
        """The environment's VPC, created on first use (capabilities that need one ask for it)."""
        if self._vpc is None:
            self._vpc = PlatformVpc(self, "Network", config=self.config.platform.vpc, zones=self.availability_zones,
                                    flow_logs_bucket=self.logs_bucket)
        return self._vpc

    @property
    def vpc(self) -> ec2.Vpc:
        return self.network.vpc


def _subscription(scope: Construct, protocol: str, endpoint: str) -> sns.ITopicSubscription:
    if protocol == "email":
        return subs.EmailSubscription(endpoint)
    if protocol == "https":
        return subs.UrlSubscription(endpoint, protocol=sns.SubscriptionProtocol.HTTPS)
    if protocol == "sqs":
        queue = sqs.Queue.from_queue_arn(scope, f"Queue{_stable_id(endpoint)}", endpoint)
        return subs.SqsSubscription(queue)
    function = lambda_.Function.from_function_arn(scope, f"Fn{_stable_id(endpoint)}", endpoint)
    return subs.LambdaSubscription(function)


def _stable_id(text: str) -> str:
    """Construct ids derived from content, so synthesis stays deterministic (no hash())."""
    return hashlib.sha256(text.encode()).hexdigest()[:8]


def _retention_name(days: int) -> str:
    names = {1: "ONE_DAY", 3: "THREE_DAYS", 5: "FIVE_DAYS", 7: "ONE_WEEK", 14: "TWO_WEEKS", 30: "ONE_MONTH",
             60: "TWO_MONTHS", 90: "THREE_MONTHS", 120: "FOUR_MONTHS", 150: "FIVE_MONTHS", 180: "SIX_MONTHS",
             365: "ONE_YEAR", 400: "THIRTEEN_MONTHS", 545: "EIGHTEEN_MONTHS", 731: "TWO_YEARS",
             1096: "THREE_YEARS", 1827: "FIVE_YEARS", 2192: "SIX_YEARS", 2557: "SEVEN_YEARS",
             2922: "EIGHT_YEARS", 3288: "NINE_YEARS", 3653: "TEN_YEARS"}
    return names[days]
