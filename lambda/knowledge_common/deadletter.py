"""Explicit dead-lettering of permanently failing messages.

SQS only redrives a message to its DLQ after ``maxReceiveCount`` failed receives, and
then without saying why. A message that can never succeed (malformed body, corrupt or
oversized document) is instead sent to the DLQ at once by the ingest handler, with the
original body and these message attributes:

``failure_kind``        ``malformed-event`` | ``unparseable-document`` | ``embedding-rejected``
                        | ``permanent``
``failure_reason``      Human-readable reason (at most 1,000 characters).
``source_message_id``   The SQS message id of the original message.
``failed_at``           ISO-8601 UTC timestamp.
``bucket`` / ``key`` / ``version_id``  When the message could be parsed that far.

Only after the DLQ accepted the message is the original reported as processed; if the
send fails the exception propagates and the original is retried: nothing is lost.
"""

from __future__ import annotations

from typing import Any

from .models import utcnow

MAX_REASON = 1000


class DeadLetterQueue:
    def __init__(self, queue_url: str, client: Any | None = None) -> None:
        if client is None:
            import boto3

            client = boto3.client("sqs")
        self.client: Any = client
        self.queue_url = queue_url

    def send(
        self,
        body: str,
        *,
        kind: str,
        reason: str,
        source_message_id: str,
        context: dict[str, str | None] | None = None,
    ) -> str:
        attributes: dict[str, dict[str, str]] = {
            "failure_kind": {"DataType": "String", "StringValue": kind},
            "failure_reason": {"DataType": "String", "StringValue": (reason or "unknown")[:MAX_REASON]},
            "source_message_id": {"DataType": "String", "StringValue": source_message_id or "unknown"},
            "failed_at": {"DataType": "String", "StringValue": utcnow().isoformat()},
        }
        for name, value in (context or {}).items():
            if value:
                attributes[name] = {"DataType": "String", "StringValue": str(value)[:MAX_REASON]}
        response = self.client.send_message(
            QueueUrl=self.queue_url, MessageBody=body or "<empty body>", MessageAttributes=attributes
        )
        return str(response.get("MessageId", ""))
