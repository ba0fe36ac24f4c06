"""S3 events → EventBridge → SQS (DLQ, redrive, alarms) → ingest Lambda, idempotent via DynamoDB."""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as cw_actions
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda_event_sources as sources
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from fmkit.config.knowledge import IngestConfig
from stacks.knowledge.functions import KnowledgeFunctionFactory
from stacks.knowledge.nag_acks import acknowledge_function_role
from stacks.knowledge.source import SourceBucket
from stacks.nag import acknowledge

INGEST_TIMEOUT_MINUTES = 5
INGEST_TIMEOUT = cdk.Duration.minutes(INGEST_TIMEOUT_MINUTES)
MAX_RECEIVES = 5
OLDEST_MESSAGE_ALARM_SECONDS = 900


class IngestPipeline(Construct):
    def __init__(self, scope: Construct, construct_id: str, *, source: SourceBucket,
                 functions: KnowledgeFunctionFactory, config: IngestConfig, key: kms.IKey, alarm_topic: sns.ITopic,
                 removal_policy: cdk.RemovalPolicy) -> None:
        super().__init__(scope, construct_id)
        self.dlq = sqs.Queue(
            self, "DeadLetterQueue",
            encryption=sqs.QueueEncryption.KMS, encryption_master_key=key, enforce_ssl=True,
            retention_period=cdk.Duration.days(14),
        )
        self.queue = sqs.Queue(
            self, "Queue",
            encryption=sqs.QueueEncryption.KMS, encryption_master_key=key, enforce_ssl=True,
            # Six times the function timeout, as Lambda recommends for SQS sources.
            visibility_timeout=cdk.Duration.minutes(INGEST_TIMEOUT_MINUTES * 6),
            retention_period=cdk.Duration.days(4),
            dead_letter_queue=sqs.DeadLetterQueue(queue=self.dlq, max_receive_count=MAX_RECEIVES),
        )
        # Table, not TableV2: the MandatoryTags aspect expects `.tags` (TableV2 is ITaggableV2).
        self.table = dynamodb.Table(
            self, "IdempotencyTable",
            partition_key=dynamodb.Attribute(name="id", type=dynamodb.AttributeType.STRING),
            time_to_live_attribute="expiration",
            billing_mode=dynamodb.BillingMode.PAY_PER_REQUEST,
            encryption=dynamodb.TableEncryption.CUSTOMER_MANAGED, encryption_key=key,
            point_in_time_recovery_specification=dynamodb.PointInTimeRecoverySpecification(
                point_in_time_recovery_enabled=True),
            removal_policy=removal_policy,
        )
        self.rule = events.Rule(
            self, "ObjectEvents",
            description="S3 object created/deleted in the knowledge landing bucket",
            event_pattern=source.object_event_pattern(),
            targets=[targets.SqsQueue(self.queue, dead_letter_queue=self.dlq)],
        )
        # (The SqsQueue target also lets events.amazonaws.com use the platform key, for this account only.)

        self.ingest = functions.function(
            self, "Ingest", entry="ingest", handler="handler.handler", service="knowledge-ingest",
            settings={"dlq_url": self.dlq.queue_url, "idempotency_table": self.table.table_name},
            timeout=INGEST_TIMEOUT, memory_size=2048,
            description="fmkit knowledge: parse, chunk, embed and upsert changed S3 objects",
        )
        fn = self.ingest.function
        fn.add_event_source(sources.SqsEventSource(
            self.queue, batch_size=config.batch_size, report_batch_item_failures=True,
            max_concurrency=config.max_concurrency, max_batching_window=cdk.Duration.seconds(5),
        ))
        self.dlq.grant_send_messages(fn)
        self.table.grant_read_write_data(fn)
        source.grant_read(fn)
        functions.store.grant_read_write(fn)
        functions.grant_embedding(fn)
        acknowledge_function_role(self.ingest.role, object_resources=source.nag_object_resources(),
                                  kms_wildcards=True)
        self._alarms(alarm_topic)

    def _alarms(self, topic: sns.ITopic) -> None:
        action = cw_actions.SnsAction(topic)
        dlq_depth = self.dlq.metric_approximate_number_of_messages_visible(
            period=cdk.Duration.minutes(5), statistic="Maximum").create_alarm(
            self, "DeadLetterDepthAlarm", threshold=0, evaluation_periods=1,
            comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
            treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
            alarm_description="Documents failed ingestion: see the DLQ messages' failure reason",
        )
        oldest = self.queue.metric_approximate_age_of_oldest_message(
            period=cdk.Duration.minutes(5), statistic="Maximum").create_alarm(
            self, "OldestMessageAgeAlarm", threshold=OLDEST_MESSAGE_ALARM_SECONDS, evaluation_periods=3,
            comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
            treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
            alarm_description="Ingestion is falling behind (embedding throttled or the function failing)",
        )
        for alarm in (dlq_depth, oldest):
            alarm.add_alarm_action(action)
        acknowledge(self.dlq, "AwsSolutions-SQS3", "This queue is itself the dead-letter queue of the ingest queue.")
