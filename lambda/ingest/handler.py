"""Ingest Lambda: S3 events (EventBridge -> SQS) -> knowledge index.

Trigger: an SQS event source mapping with `ReportBatchItemFailures`. Per record:

- the body is not an S3 "Object Created"/"Object Deleted" EventBridge event -> sent to
  `DLQ_URL` with `failure_kind=malformed-event` and the reason, reported processed;
- the logic raises a `PermanentError` (corrupt/empty/oversized document, input rejected by
  the model) -> sent to `DLQ_URL` with the reason, reported processed;
- any other exception (throttling after the retry budget, database or network trouble, a
  DLQ send failure) -> reported as a batch item failure: SQS redelivers it, and after
  `maxReceiveCount` receives redrives it to the same DLQ.

**Explicit dead-lettering.** SQS only redrives a message after `maxReceiveCount` failed
receives, and then without saying why. A message that can never succeed is sent to the
DLQ at once with the original body and the attributes `failure_kind`
(`malformed-event` | `unparseable-document` | `embedding-rejected` | `permanent`),
`failure_reason` (at most 1,000 characters), `source_message_id`, `failed_at` (ISO-8601
UTC) and, when the message could be parsed that far, `bucket` / `key` / `version_id` /
`event_kind`. Only after the DLQ accepted it is the original reported processed; if the
send fails the exception propagates and the original is retried: nothing is lost.

**The events.** The SQS message body is the EventBridge event itself (the rule target has
no input transformer). Object keys are used as delivered: unlike S3's direct
notifications, EventBridge events carry keys that are not URL-encoded.

Processing of one S3 event is idempotent through Powertools idempotency (DynamoDB
`IDEMPOTENCY_TABLE`) keyed on bucket, key, version id, sequencer and event kind, and the
stores' version check makes replays after the idempotency TTL harmless too.

**Metrics.** Every invocation publishes, with Powertools' metrics utility (the embedded metric
format: a log line CloudWatch turns into metrics, no API call), what became of its events in
`fmkit.contracts.metrics.KNOWLEDGE_NAMESPACE`, by function name: documents indexed, deleted
and skipped, chunks written and embedded, and ingest errors (dead-lettered at once or left for
SQS to retry). Each is published every invocation, zero included, so a quiet graph reads 0.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from typing import Any, Literal

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.batch.exceptions import BatchProcessingError
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.idempotency import (
    DynamoDBPersistenceLayer,
    IdempotencyConfig,
    idempotent_function,
)
from aws_lambda_powertools.utilities.parser.models import S3EventNotificationEventBridgeModel
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import ValidationError

from fmkit.contracts.knowledge import KnowledgeSettings
from fmkit.contracts.metrics import (
    CHUNKS_EMBEDDED,
    CHUNKS_WRITTEN,
    DOCUMENTS_DELETED,
    DOCUMENTS_INDEXED,
    DOCUMENTS_SKIPPED,
    INGEST_ERRORS,
    KNOWLEDGE_INGEST_SERVICE,
    KNOWLEDGE_NAMESPACE,
)
from fmkit.knowledge.build import build_ingestor
from fmkit.knowledge.embedding import Embedder
from fmkit.knowledge.errors import MalformedEvent, PermanentError
from fmkit.knowledge.ingest import Ingestor
from fmkit.knowledge.models import IngestResult, ObjectEvent, utcnow
from fmkit.knowledge.sources import ObjectSource
from fmkit.knowledge.stores import VectorStore

logger = Logger(service=os.environ.get("POWERTOOLS_SERVICE_NAME") or "knowledge-ingest")
processor = BatchProcessor(event_type=EventType.SQS)
metrics = Metrics(namespace=KNOWLEDGE_NAMESPACE, service=KNOWLEDGE_INGEST_SERVICE)

OUTCOME_METRICS: dict[str, str] = {
    "indexed": DOCUMENTS_INDEXED,
    "deleted": DOCUMENTS_DELETED,
    "skipped": DOCUMENTS_SKIPPED,
    "superseded": DOCUMENTS_SKIPPED,
    "dead-lettered": INGEST_ERRORS,
    "failed": INGEST_ERRORS,
}
"""`IngestResult.status` -> the metric that counts it."""

# --------------------------------------------------------------------------- S3 events


DETAIL_TYPES: dict[str, Literal["created", "deleted"]] = {
    "Object Created": "created",
    "Object Deleted": "deleted",
}


def _errors(exc: ValidationError, limit: int = 5) -> str:
    parts = []
    for err in exc.errors()[:limit]:
        loc = ".".join(str(p) for p in err["loc"]) or "body"
        parts.append(f"{loc}: {err['msg']}")
    more = len(exc.errors()) - limit
    return "; ".join(parts) + (f"; and {more} more" if more > 0 else "")


def parse_event(body: str) -> ObjectEvent:
    """Parse one SQS message body; raise `MalformedEvent` with a precise reason."""
    try:
        raw = json.loads(body)
    except (json.JSONDecodeError, TypeError) as exc:
        raise MalformedEvent(f"message body is not JSON: {exc}") from exc
    if not isinstance(raw, dict):
        raise MalformedEvent(f"message body is JSON {type(raw).__name__}, expected an EventBridge event object")
    try:
        event = S3EventNotificationEventBridgeModel.model_validate(raw)
    except ValidationError as exc:
        raise MalformedEvent(f"not an S3 EventBridge event: {_errors(exc)}") from exc
    if event.source != "aws.s3":
        raise MalformedEvent(f"unexpected event source {event.source!r}, expected 'aws.s3'")
    kind = DETAIL_TYPES.get(event.detail_type)
    if kind is None:
        raise MalformedEvent(f"unsupported detail-type {event.detail_type!r}")
    obj = event.detail.object
    try:
        return ObjectEvent(
            kind=kind,
            bucket=event.detail.bucket.name,
            key=obj.key,
            version_id=obj.version_id or None,
            sequencer=obj.sequencer or None,
            event_time=event.time,
            deletion_type=event.detail.deletion_type,
            size=int(obj.size) if obj.size is not None else None,
            event_id=event.id,
        )
    except ValidationError as exc:
        raise MalformedEvent(f"invalid S3 event fields: {_errors(exc)}") from exc


# --------------------------------------------------------------------------- dead-letter queue


MAX_REASON = 1000


class DeadLetterQueue:
    """Sends a permanently failing message to the DLQ at once, with why as message attributes."""

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


# --------------------------------------------------------------------------- handler


@dataclass
class Runtime:
    """What a warm execution environment keeps between invocations."""

    settings: KnowledgeSettings
    ingestor: Ingestor
    dlq: DeadLetterQueue
    idempotency: IdempotencyConfig | None
    process: Any  # (event=ObjectEvent, record=SQSRecord) -> dict, idempotent when configured


_runtime: Runtime | None = None


def configure(
    *,
    settings: KnowledgeSettings | None = None,
    source: ObjectSource | None = None,
    embedder: Embedder | None = None,
    store: VectorStore | None = None,
    dlq: DeadLetterQueue | None = None,
    dynamodb_client: Any | None = None,
) -> Runtime:
    """Build the per-execution-environment state (cold start). Tests call it with fakes."""
    global _runtime
    settings = settings or KnowledgeSettings.from_environment(os.environ)
    settings.require("DLQ_URL")
    ingestor = build_ingestor(settings, source=source, embedder=embedder, store=store, logger=logger)
    queue = dlq or DeadLetterQueue(settings.dlq_url or "")

    def process(event: ObjectEvent, record: SQSRecord) -> dict[str, Any]:
        try:
            result = ingestor.handle(event)
        except PermanentError as exc:
            dead_letter(queue, record, exc, event)
            result = IngestResult(
                status="dead-lettered",
                source_key=event.source_key,
                version_id=event.version_id,
                reason=exc.reason,
            )
        return result.model_dump()

    config: IdempotencyConfig | None = None
    if settings.idempotency_table:
        config = IdempotencyConfig(
            event_key_jmespath="[bucket, key, version_id, sequencer, kind]",
            raise_on_no_idempotency_key=True,
            expires_after_seconds=settings.idempotency_ttl_seconds,
        )
        persistence = DynamoDBPersistenceLayer(table_name=settings.idempotency_table, boto3_client=dynamodb_client)
        process = idempotent_function(data_keyword_argument="event", persistence_store=persistence, config=config)(
            process
        )
    else:
        logger.warning("IDEMPOTENCY_TABLE is not set: Powertools idempotency disabled")
    _runtime = Runtime(settings=settings, ingestor=ingestor, dlq=queue, idempotency=config, process=process)
    return _runtime


def reset() -> None:
    global _runtime
    _runtime = None


def runtime() -> Runtime:
    return _runtime or configure()


def dead_letter(queue: DeadLetterQueue, record: SQSRecord, exc: PermanentError, event: ObjectEvent | None) -> None:
    context: dict[str, str | None] = {}
    if event is not None:
        context = {
            "bucket": event.bucket,
            "key": event.key,
            "version_id": event.version_id,
            "event_kind": event.kind,
        }
    queue.send(
        record.body,
        kind=exc.kind,
        reason=exc.reason,
        source_message_id=record.message_id,
        context=context,
    )
    logger.error(
        "permanent failure: message sent to the dead-letter queue",
        extra={
            "failure_kind": exc.kind,
            "failure_reason": exc.reason,
            "message_id": record.message_id,
            **context,
        },
    )


def count(name: str, value: float = 1) -> None:
    metrics.add_metric(name=name, unit=MetricUnit.Count, value=value)


def count_outcome(result: dict[str, Any]) -> None:
    """One event's outcome: its status, and for an indexed document its chunks."""
    count(OUTCOME_METRICS.get(str(result.get("status")), INGEST_ERRORS))
    if result.get("status") == "indexed":
        count(CHUNKS_WRITTEN, int(result.get("chunks") or 0))
        count(CHUNKS_EMBEDDED, int(result.get("embedded") or 0))


def record_handler(record: SQSRecord) -> dict[str, Any]:
    rt = runtime()
    try:
        event = parse_event(record.body)
    except MalformedEvent as exc:
        dead_letter(rt.dlq, record, exc, None)
        count(INGEST_ERRORS)
        return {"status": "dead-lettered", "reason": exc.reason}
    result: dict[str, Any] = rt.process(event=event, record=record)
    count_outcome(result)
    logger.info(
        "s3 event processed",
        extra={
            "event_kind": event.kind,
            "message_id": record.message_id,
            "sequencer": event.sequencer,
            **result,
        },
    )
    return result


@metrics.log_metrics
@logger.inject_lambda_context(clear_state=True)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    rt = runtime()
    if rt.idempotency is not None:
        rt.idempotency.register_lambda_context(context)
    metrics.add_dimension(name="FunctionName", value=context.function_name)
    for name in sorted(set(OUTCOME_METRICS.values()) | {CHUNKS_WRITTEN, CHUNKS_EMBEDDED}):
        count(name, 0)  # every metric every invocation: a quiet graph reads 0, not "no data"
    try:
        response = process_partial_response(
            event=event, record_handler=record_handler, processor=processor, context=context)
    except BatchProcessingError:
        count(INGEST_ERRORS, len(event.get("Records") or []))  # every record failed: SQS retries them all
        raise
    count(INGEST_ERRORS, len(response.get("batchItemFailures") or []))  # SQS retries these
    return dict(response)
