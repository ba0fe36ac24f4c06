"""moto's S3, SSM, SNS and EventBridge for the customization workflow's steps (Bedrock is stubbed:
moto has no custom model deployments)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws

from tests.runtime.customize._function import BUCKET, DATA, PIN, REGION

CODES = {f"k{i}": f"code{i}" for i in range(12)}


def training_lines() -> str:
    return "".join(json.dumps({"id": f"t{k}", "prompt": f"What is the code of {k}?", "reference": v}) + "\n"
                   for k, v in CODES.items())


def holdout_lines() -> str:
    return "".join(json.dumps({"id": f"h{k}", "prompt": f"Tell me the code for {k}.", "reference": v,
                               "split": "holdout"}) + "\n" for k, v in CODES.items())


@pytest.fixture
def aws() -> Iterator[dict[str, Any]]:
    with mock_aws():
        s3 = boto3.client("s3", region_name=REGION)
        for bucket in (BUCKET, DATA):
            s3.create_bucket(Bucket=bucket)
        s3.put_object(Bucket=DATA, Key="train.jsonl", Body=training_lines().encode())
        s3.put_object(Bucket=DATA, Key="holdout.jsonl", Body=holdout_lines().encode())
        ssm = boto3.client("ssm", region_name=REGION)
        ssm.put_parameter(Name=PIN, Value="initial", Type="String")
        sns = boto3.client("sns", region_name=REGION)
        topic = sns.create_topic(Name="alarms")["TopicArn"]
        sqs = boto3.client("sqs", region_name=REGION)
        queue = sqs.create_queue(QueueName="alarm-inbox")["QueueUrl"]
        queue_arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=queue_arn)
        yield {"s3": s3, "ssm": ssm, "sns": sns, "sqs": sqs, "queue": queue, "topic": topic,
               "events": boto3.client("events", region_name=REGION)}


def notifications(aws: dict[str, Any]) -> list[dict[str, Any]]:
    """What the alarm topic received (through its SQS subscriber)."""
    messages = aws["sqs"].receive_message(QueueUrl=aws["queue"], MaxNumberOfMessages=10).get("Messages", [])
    return [json.loads(m["Body"]) for m in messages]
