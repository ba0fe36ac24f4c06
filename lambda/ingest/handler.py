"""Ingest Lambda: SQS (S3 events from EventBridge) -> knowledge index.

Trigger: SQS event source mapping with ``ReportBatchItemFailures``. Per record:

* body is not an S3 "Object Created"/"Object Deleted" EventBridge event -> sent to
  ``DLQ_URL`` with ``failure_kind=malformed-event`` and the reason, reported processed;
* the logic raises a :class:`PermanentError` (corrupt/empty/oversized document, input
  rejected by the model) -> sent to ``DLQ_URL`` with the reason, reported processed;
* any other exception (throttling after the retry budget, database or network trouble,
  a DLQ send failure) -> reported as a batch item failure: SQS redelivers it, and after
  ``maxReceiveCount`` receives redrives it to the same DLQ.

Processing of one S3 event is idempotent through Powertools idempotency (DynamoDB
``IDEMPOTENCY_TABLE``) keyed on bucket, key, version id, sequencer and event kind, and
the stores' version check makes replays after the idempotency TTL harmless too.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.idempotency import (
    DynamoDBPersistenceLayer,
    IdempotencyConfig,
    idempotent_function,
)
from aws_lambda_powertools.utilities.typing import LambdaContext
from knowledge_common.deadletter import DeadLetterQueue
from knowledge_common.embedding import Embedder
from knowledge_common.errors import MalformedEvent, PermanentError
from knowledge_common.events import ObjectEvent, parse_event
from knowledge_common.ingest import Ingestor, ObjectSource, build_ingestor
from knowledge_common.models import IngestResult
from knowledge_common.settings import Settings
from knowledge_common.stores import VectorStore

logger = Logger(service=os.environ.get("POWERTOOLS_SERVICE_NAME") or "knowledge-ingest")
processor = BatchProcessor(event_type=EventType.SQS)


@dataclass
class Runtime:
    settings: Settings
    ingestor: Ingestor
    dlq: DeadLetterQueue
    idempotency: IdempotencyConfig | None
    process: Any  # (event=ObjectEvent, record=SQSRecord) -> dict, idempotent when configured


_runtime: Runtime | None = None


def configure(
    *,
    settings: Settings | None = None,
    source: ObjectSource | None = None,
    embedder: Embedder | None = None,
    store: VectorStore | None = None,
    dlq: DeadLetterQueue | None = None,
    dynamodb_client: Any | None = None,
) -> Runtime:
    """Build the per-execution-environment state (cold start). Tests call it with fakes."""
    global _runtime
    settings = settings or Settings.from_env()
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


def record_handler(record: SQSRecord) -> dict[str, Any]:
    rt = runtime()
    try:
        event = parse_event(record.body)
    except MalformedEvent as exc:
        dead_letter(rt.dlq, record, exc, None)
        return {"status": "dead-lettered", "reason": exc.reason}
    result: dict[str, Any] = rt.process(event=event, record=record)
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


@logger.inject_lambda_context(clear_state=True)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    rt = runtime()
    if rt.idempotency is not None:
        rt.idempotency.register_lambda_context(context)
    return dict(
        process_partial_response(event=event, record_handler=record_handler, processor=processor, context=context)
    )
