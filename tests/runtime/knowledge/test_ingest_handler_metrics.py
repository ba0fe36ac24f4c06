"""The ingest handler's metrics: what CloudWatch would read from the embedded-metric-format lines
it prints, against the outcomes of real events (moto S3/SQS/DynamoDB, real pgvector)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import psycopg
import pytest
from aws_lambda_powertools.utilities.batch.exceptions import BatchProcessingError
from ingest import handler
from ingest.handler import DeadLetterQueue

from fmkit.contracts.knowledge import KnowledgeSettings
from fmkit.contracts.metrics import (
    CHUNKS_EMBEDDED,
    CHUNKS_WRITTEN,
    DOCUMENTS_DELETED,
    DOCUMENTS_INDEXED,
    DOCUMENTS_SKIPPED,
    INGEST_ERRORS,
    KNOWLEDGE_DIMENSIONS,
    KNOWLEDGE_INGEST_SERVICE,
    KNOWLEDGE_NAMESPACE,
)
from fmkit.knowledge.embedding import HashEmbedder
from fmkit.knowledge.sources import S3ObjectSource
from fmkit.knowledge.stores import PgVectorStore
from tests.runtime.knowledge.helpers import BUCKET, Aws, FakeContext, s3_event, sql, sqs_event

pytestmark = pytest.mark.runtime

ALL_METRICS = {DOCUMENTS_INDEXED, DOCUMENTS_DELETED, DOCUMENTS_SKIPPED, CHUNKS_WRITTEN, CHUNKS_EMBEDDED,
               INGEST_ERRORS}


@pytest.fixture
def ingest(pg_uri: str, table_prefix: str, aws: Aws) -> Iterator[str]:
    settings = KnowledgeSettings.from_environment({
        "VECTOR_STORE": "pgvector", "DB_DSN": pg_uri, "DB_TABLE_PREFIX": table_prefix,
        "EMBEDDING_PROVIDER": "hash", "EMBEDDING_MODEL_ID": "local-hash-v1", "EMBEDDING_DIMENSIONS": "64",
        "CHUNK_STRATEGY": "recursive", "CHUNK_SIZE": "200", "CHUNK_OVERLAP": "20", "SOURCE_PREFIXES": "docs/",
        "DLQ_URL": aws.dlq_url, "IDEMPOTENCY_TABLE": aws.table,
    })
    store = PgVectorStore(lambda: psycopg.connect(pg_uri), dimensions=64, table_prefix=table_prefix)
    handler.configure(settings=settings, source=S3ObjectSource(aws.s3), embedder=HashEmbedder(64), store=store,
                      dlq=DeadLetterQueue(aws.dlq_url, aws.sqs), dynamodb_client=aws.dynamodb)
    yield table_prefix
    handler.reset()
    store.close()


def published(capsys: pytest.CaptureFixture[str]) -> list[dict[str, Any]]:
    """The embedded-metric-format documents printed since the last call."""
    documents = []
    for line in capsys.readouterr().out.splitlines():
        if line.startswith("{") and '"_aws"' in line:
            documents.append(json.loads(line))
    return documents


def totals(document: dict[str, Any]) -> dict[str, float]:
    """Metric name -> the Sum CloudWatch computes from this document's values."""
    [directive] = document["_aws"]["CloudWatchMetrics"]
    out = {}
    for metric in directive["Metrics"]:
        value = document[metric["Name"]]
        out[metric["Name"]] = sum(value) if isinstance(value, list) else value
    return out


def created(aws: Aws, key: str, body: bytes) -> dict[str, Any]:
    return s3_event("created", key, version_id=aws.put(key, body))


def test_one_invocation_publishes_every_outcome_under_the_contract_names(
    ingest: str, aws: Aws, pg_uri: str, context: FakeContext, capsys: pytest.CaptureFixture[str]
) -> None:
    published(capsys)
    long_text = " ".join(f"Sentence {i} about turbines and maintenance windows." for i in range(40)).encode()
    events = [created(aws, "docs/manual.txt", long_text), created(aws, "docs/short.txt", b"A short note."),
              created(aws, "private/outside.txt", b"out of scope"), "not json at all"]

    assert handler.handler(sqs_event(*events), context) == {"batchItemFailures": []}

    [document] = published(capsys)
    [directive] = document["_aws"]["CloudWatchMetrics"]
    assert directive["Namespace"] == KNOWLEDGE_NAMESPACE
    assert [sorted(d) for d in directive["Dimensions"]] == [sorted(KNOWLEDGE_DIMENSIONS)]
    assert document["FunctionName"] == context.function_name
    assert document["service"] == KNOWLEDGE_INGEST_SERVICE
    chunks = sql(pg_uri, f"SELECT count(*) FROM {ingest}_chunks")[0][0]
    assert chunks > 2  # the long document was split
    assert totals(document) == {DOCUMENTS_INDEXED: 2, DOCUMENTS_DELETED: 0, DOCUMENTS_SKIPPED: 1,
                                CHUNKS_WRITTEN: chunks, CHUNKS_EMBEDDED: chunks, INGEST_ERRORS: 1}
    assert {m["Unit"] for m in directive["Metrics"]} == {"Count"}


def test_a_quiet_invocation_still_publishes_zeros(
    ingest: str, aws: Aws, context: FakeContext, capsys: pytest.CaptureFixture[str]
) -> None:
    version = aws.put("docs/gone.txt", b"soon deleted")
    handler.handler(sqs_event(s3_event("created", "docs/gone.txt", version_id=version)), context)
    published(capsys)
    marker = aws.s3.delete_object(Bucket=BUCKET, Key="docs/gone.txt")["VersionId"]

    handler.handler(sqs_event(s3_event("deleted", "docs/gone.txt", version_id=marker)), context)

    [document] = published(capsys)
    assert set(totals(document)) == ALL_METRICS
    assert totals(document)[DOCUMENTS_DELETED] == 1
    assert totals(document)[INGEST_ERRORS] == 0


def test_records_left_for_sqs_to_retry_count_as_errors(
    ingest: str, aws: Aws, context: FakeContext, capsys: pytest.CaptureFixture[str]
) -> None:
    good = created(aws, "docs/fine.txt", b"fine text")
    aws.sqs.delete_queue(QueueUrl=aws.dlq_url)  # the malformed record cannot be dead-lettered
    published(capsys)

    response = handler.handler(sqs_event(good, "garbage"), context)

    assert len(response["batchItemFailures"]) == 1
    [document] = published(capsys)
    assert totals(document)[INGEST_ERRORS] == 1
    assert totals(document)[DOCUMENTS_INDEXED] == 1


def test_a_batch_that_fails_entirely_is_still_counted(
    ingest: str, aws: Aws, context: FakeContext, capsys: pytest.CaptureFixture[str]
) -> None:
    aws.sqs.delete_queue(QueueUrl=aws.dlq_url)
    published(capsys)

    with pytest.raises(BatchProcessingError):
        handler.handler(sqs_event("garbage", "more garbage"), context)

    [document] = published(capsys)
    assert totals(document)[INGEST_ERRORS] == 2
