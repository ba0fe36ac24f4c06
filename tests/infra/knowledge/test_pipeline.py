"""S3 events → EventBridge → SQS (DLQ, redrive, alarms) → the ingest function, idempotent."""

from __future__ import annotations

from aws_cdk.assertions import Match, Template


def test_s3_events_reach_the_queue_filtered_by_prefix(s3v: Template) -> None:
    s3v.has_resource_properties("AWS::Events::Rule", {
        "EventPattern": {"source": ["aws.s3"], "detail-type": ["Object Created", "Object Deleted"],
                         "detail": {"bucket": {"name": [{"Ref": "DocsSourceBucketC84C23EA"}]},
                                    "object": {"key": [{"prefix": "docs/"}]}}},
        "Targets": [Match.object_like({"Arn": {"Fn::GetAtt": [Match.string_like_regexp("PipelineQueue"), "Arn"]},
                                       "DeadLetterConfig": Match.any_value()})],
    })


def test_queue_has_dlq_redrive_and_kms(s3v: Template) -> None:
    s3v.has_resource_properties("AWS::SQS::Queue", {
        "RedrivePolicy": {"deadLetterTargetArn": {"Fn::GetAtt": [Match.string_like_regexp("DeadLetterQueue"), "Arn"]},
                          "maxReceiveCount": 5},
        "KmsMasterKeyId": Match.any_value(), "VisibilityTimeout": 1800,
    })
    assert all("KmsMasterKeyId" in q["Properties"] for q in s3v.find_resources("AWS::SQS::Queue").values())


def test_alarms_on_dlq_depth_and_oldest_message_age(s3v: Template) -> None:
    s3v.has_resource_properties("AWS::CloudWatch::Alarm", {
        "MetricName": "ApproximateNumberOfMessagesVisible", "Threshold": 0,
        "ComparisonOperator": "GreaterThanThreshold", "AlarmActions": [Match.any_value()]})
    s3v.has_resource_properties("AWS::CloudWatch::Alarm", {
        "MetricName": "ApproximateAgeOfOldestMessage", "Threshold": 900, "AlarmActions": [Match.any_value()]})


def test_ingest_reports_batch_item_failures_with_bounded_concurrency(s3v: Template) -> None:
    s3v.has_resource_properties("AWS::Lambda::EventSourceMapping", {
        "FunctionResponseTypes": ["ReportBatchItemFailures"], "BatchSize": 10,
        "ScalingConfig": {"MaximumConcurrency": 5}})


def test_idempotency_table_is_kms_encrypted_with_pitr_and_ttl(s3v: Template) -> None:
    s3v.has_resource_properties("AWS::DynamoDB::Table", {
        "KeySchema": [{"AttributeName": "id", "KeyType": "HASH"}],
        "SSESpecification": {"SSEEnabled": True, "SSEType": "KMS", "KMSMasterKeyId": Match.any_value()},
        "PointInTimeRecoverySpecification": {"PointInTimeRecoveryEnabled": True},
        "TimeToLiveSpecification": {"AttributeName": "expiration", "Enabled": True},
    })
