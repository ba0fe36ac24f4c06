"""End-to-end and fault tests: S3 (moto) -> SQS-shaped events -> ingest handler -> pgvector."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import psycopg
import pytest
from aws_lambda_powertools.utilities.batch.exceptions import BatchProcessingError
from ingest import handler
from ingest.handler import DeadLetterQueue
from query import handler as query_handler

from fmkit.contracts.knowledge import KnowledgeSettings, SettingsError
from fmkit.knowledge.embedding import BedrockEmbedder, HashEmbedder
from fmkit.knowledge.retries import aws_client_config
from fmkit.knowledge.sources import S3ObjectSource
from fmkit.knowledge.stores import PgVectorStore
from tests.runtime.knowledge.helpers import (
    BUCKET,
    Aws,
    FakeContext,
    lorem,
    make_docx,
    make_pdf,
    next_sequencer,
    s3_event,
    sql,
    sqs_event,
)
from tests.runtime.knowledge.loopback import aws_error, ok, scripted_aws

pytestmark = pytest.mark.runtime


def make_settings(pg_uri: str, prefix: str, aws: Aws, **overrides: str) -> KnowledgeSettings:
    env = {
        "VECTOR_STORE": "pgvector",
        "DB_DSN": pg_uri,
        "DB_TABLE_PREFIX": prefix,
        "EMBEDDING_PROVIDER": "hash",
        "EMBEDDING_MODEL_ID": "local-hash-v1",
        "EMBEDDING_DIMENSIONS": "64",
        "CHUNK_STRATEGY": "recursive",
        "CHUNK_SIZE": "400",
        "CHUNK_OVERLAP": "60",
        "DLQ_URL": aws.dlq_url,
        "IDEMPOTENCY_TABLE": aws.table,
    }
    env.update(overrides)
    return KnowledgeSettings.from_environment(env)


@pytest.fixture
def pipeline(pg_uri: str, table_prefix: str, aws: Aws) -> Iterator[dict[str, Any]]:
    settings = make_settings(pg_uri, table_prefix, aws)
    store = PgVectorStore(lambda: psycopg.connect(pg_uri), dimensions=64, table_prefix=table_prefix)
    embedder = HashEmbedder(64)
    handler.configure(
        settings=settings,
        source=S3ObjectSource(aws.s3),
        embedder=embedder,
        store=store,
        dlq=DeadLetterQueue(aws.dlq_url, aws.sqs),
        dynamodb_client=aws.dynamodb,
    )
    yield {"settings": settings, "store": store, "embedder": embedder, "prefix": table_prefix}
    handler.reset()
    store.close()


def chunks_of(pg_uri: str, prefix: str, key: str) -> list[tuple[Any, ...]]:
    return sql(
        pg_uri,
        f"SELECT chunk_index, version_id, content_hash, text, vector_dims(embedding) FROM {prefix}_chunks "
        "WHERE source_key = %s ORDER BY chunk_index",
        (f"s3://{BUCKET}/{key}",),
    )


def run(event: dict[str, Any], context: FakeContext) -> dict[str, Any]:
    return handler.handler(event, context)


def created(aws: Aws, key: str, body: bytes) -> tuple[str, dict[str, Any]]:
    version = aws.put(key, body)
    return version, s3_event("created", key, version_id=version)


# --------------------------------------------------------------------------- happy path


def test_documents_in_s3_are_indexed_and_the_query_returns_the_right_chunk(
    pipeline: dict[str, Any], aws: Aws, pg_uri: str, context: FakeContext
) -> None:
    prefix = pipeline["prefix"]
    docs = {
        "handbook/vacation.md": (
            "# Vacation policy\n\n## Allowance\n\nEvery employee receives twenty eight days of paid vacation "
            "per calendar year, carried over up to five days.\n\n## Requests\n\n" + lorem(1, 80)
        ).encode(),
        "handbook/security.html": (
            "<html><head><title>Security</title></head><body><h1>Security</h1>"
            f"<p>Laptops must use full disk encryption and a screen lock after five minutes.</p><p>{lorem(2, 60)}</p>"
            "</body></html>"
        ).encode(),
        "reports/q3.pdf": make_pdf(["Quarterly revenue grew by eleven percent in the third quarter.", lorem(3, 50)]),
        "guides/onboarding.docx": make_docx(
            "Onboarding", [("First day", "Collect your badge at the reception desk on the ground floor.")]
        ),
        "data/owners.csv": b"service,owner\nbilling,team-ledger\nsearch,team-index\n",
        "notes/readme.txt": ("Plain text notes about the coffee machine descaling schedule. " + lorem(4, 30)).encode(),
    }
    events = [created(aws, key, body)[1] for key, body in docs.items()]
    response = run(sqs_event(*events), context)

    assert response == {"batchItemFailures": []}
    assert aws.dlq_messages() == []
    for key in docs:
        rows = chunks_of(pg_uri, prefix, key)
        assert rows, key
        assert [r[0] for r in rows] == list(range(len(rows)))
        assert all(r[4] == 64 for r in rows)
        assert all(len(r[2]) == 64 for r in rows)  # sha256 hex content hash
    version = aws.s3.list_object_versions(Bucket=BUCKET, Prefix="reports/q3.pdf")["Versions"][0]["VersionId"]
    assert {r[1] for r in chunks_of(pg_uri, prefix, "reports/q3.pdf")} == {version}

    query_handler.configure(settings=pipeline["settings"], embedder=pipeline["embedder"], store=pipeline["store"])
    try:
        answer = query_handler.handler(
            {"question": "how many days of paid vacation per calendar year", "k": 3}, context
        )
        top = answer["results"][0]
        assert top["key"] == "handbook/vacation.md"
        assert "twenty eight days" in top["text"]
        assert top["section"] == "" and top["doc_type"] == "md"
        assert answer["results"][0]["score"] >= answer["results"][-1]["score"]

        pdf = query_handler.handler({"question": "quarterly revenue grew third quarter", "k": 1}, context)
        assert pdf["results"][0]["key"] == "reports/q3.pdf"
        badge = query_handler.handler(
            {"question": "where do I collect my badge", "k": 2, "filters": {"doc_types": ["docx"]}}, context
        )
        assert [r["key"] for r in badge["results"]] == ["guides/onboarding.docx"]
    finally:
        query_handler.reset()


def test_keys_outside_prefix_or_suffix_are_skipped_not_dead_lettered(
    pg_uri: str, table_prefix: str, aws: Aws, context: FakeContext
) -> None:
    settings = make_settings(pg_uri, table_prefix, aws, SOURCE_PREFIXES="docs/")
    handler.configure(
        settings=settings,
        source=S3ObjectSource(aws.s3),
        dlq=DeadLetterQueue(aws.dlq_url, aws.sqs),
        dynamodb_client=aws.dynamodb,
    )
    try:
        _, image = created(aws, "docs/logo.png", b"\x89PNG....")
        _, outside = created(aws, "private/notes.txt", b"secret notes")
        assert run(sqs_event(image, outside), context) == {"batchItemFailures": []}
        assert aws.dlq_messages() == []
        assert sql(pg_uri, f"SELECT count(*) FROM {table_prefix}_chunks")[0][0] == 0
    finally:
        handler.reset()


# --------------------------------------------------------------------------- faults


def _dlq_attributes(message: dict[str, Any]) -> dict[str, str]:
    return {name: value["StringValue"] for name, value in message["MessageAttributes"].items()}


def test_corrupt_pdf_goes_to_the_dlq_with_the_reason(
    pipeline: dict[str, Any], aws: Aws, pg_uri: str, context: FakeContext
) -> None:
    good = make_pdf(["A perfectly fine page of text about turbines."])
    version, event = created(aws, "reports/broken.pdf", good[: len(good) // 2])
    body = json.dumps(event)

    assert run(sqs_event(body), context) == {"batchItemFailures": []}

    [message] = aws.dlq_messages()
    attributes = _dlq_attributes(message)
    assert message["Body"] == body
    assert attributes["failure_kind"] == "unparseable-document"
    assert attributes["failure_reason"].startswith("corrupt pdf")
    assert attributes["key"] == "reports/broken.pdf"
    assert attributes["version_id"] == version
    assert chunks_of(pg_uri, pipeline["prefix"], "reports/broken.pdf") == []


def test_empty_file_goes_to_the_dlq(pipeline: dict[str, Any], aws: Aws, context: FakeContext) -> None:
    _, event = created(aws, "notes/empty.md", b"  \n\n ")
    assert run(sqs_event(event), context) == {"batchItemFailures": []}
    [message] = aws.dlq_messages()
    assert _dlq_attributes(message)["failure_reason"].startswith("empty document")


def test_50_mb_file_is_rejected_before_download_with_a_clear_reason(
    pipeline: dict[str, Any], aws: Aws, context: FakeContext
) -> None:
    big = b"a" * (50 * 1024 * 1024)
    _, event = created(aws, "dumps/huge.txt", big)
    reads: list[int | None] = []

    class CountingS3:
        def __init__(self, client: Any) -> None:
            self.client = client

        def get_object(self, **kwargs: Any) -> dict[str, Any]:
            response = dict(self.client.get_object(**kwargs))
            body = response["Body"]

            class Body:
                def read(self, amount: int | None = None) -> bytes:
                    reads.append(amount)
                    return bytes(body.read(amount))

                def close(self) -> None:
                    body.close()

            response["Body"] = Body()
            return response

        def head_object(self, **kwargs: Any) -> Any:
            return self.client.head_object(**kwargs)

    handler.runtime().ingestor.source = S3ObjectSource(CountingS3(aws.s3))
    assert run(sqs_event(event), context) == {"batchItemFailures": []}
    [message] = aws.dlq_messages()
    reason = _dlq_attributes(message)["failure_reason"]
    assert reason.startswith("object too large: 52428800 bytes > MAX_OBJECT_BYTES=20971520")
    assert reads == []  # the body was never read


def test_malformed_sqs_bodies_go_to_the_dlq(pipeline: dict[str, Any], aws: Aws, context: FakeContext) -> None:
    not_json = "this is not json {"
    wrong_type = s3_event("created", "a.txt", version_id="v1")
    wrong_type["detail-type"] = "Object Restore Completed"
    missing_bucket = s3_event("created", "a.txt", version_id="v1")
    del missing_bucket["detail"]["bucket"]

    response = run(sqs_event(not_json, wrong_type, missing_bucket), context)

    assert response == {"batchItemFailures": []}
    messages = aws.dlq_messages()
    reasons = sorted(_dlq_attributes(m)["failure_reason"] for m in messages)
    assert {_dlq_attributes(m)["failure_kind"] for m in messages} == {"malformed-event"}
    assert len(reasons) == 3
    assert any(r.startswith("message body is not JSON") for r in reasons)
    assert any("unsupported detail-type 'Object Restore Completed'" in r for r in reasons)
    assert any("detail.bucket" in r for r in reasons)
    assert not_json in {m["Body"] for m in messages}


def test_failed_dlq_send_is_reported_as_a_batch_failure_not_lost(
    pipeline: dict[str, Any], aws: Aws, context: FakeContext
) -> None:
    _, good = created(aws, "ok/fine.txt", b"fine text")
    aws.sqs.delete_queue(QueueUrl=aws.dlq_url)
    event = sqs_event(good, "garbage")
    response = run(event, context)
    assert response == {"batchItemFailures": [{"itemIdentifier": event["Records"][1]["messageId"]}]}


def test_embedding_throttled_then_recovering(pg_uri: str, table_prefix: str, aws: Aws, context: FakeContext,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    """botocore's standard retry mode rides out throttling; past the budget the record is a
    batch item failure (transient), never dead-lettered, and its redelivery succeeds."""
    from botocore.retries.standard import ExponentialBackoff

    monkeypatch.setattr(ExponentialBackoff, "delay_amount", lambda self, context: 0.0)
    settings = make_settings(pg_uri, table_prefix, aws, EMBEDDING_PROVIDER="bedrock",
                             EMBEDDING_MODEL_ID="cohere.embed-english-v3", EMBEDDING_DIMENSIONS="1024",
                             CHUNK_SIZE="2000", EMBEDDING_MAX_ATTEMPTS="4")
    cohere = ok({"embeddings": {"float": [[0.5] * 1024]}, "texts": []})
    throttled = aws_error("ThrottlingException", 429)
    store = PgVectorStore(lambda: psycopg.connect(pg_uri), dimensions=1024, table_prefix=table_prefix)
    with scripted_aws(throttled, throttled, cohere) as bedrock:
        client = bedrock.client("bedrock-runtime", aws_client_config(settings.embedding_max_attempts))
        embedder = BedrockEmbedder(model_id="cohere.embed-english-v3", dimensions=1024, client=client,
                                   max_attempts=settings.embedding_max_attempts)
        handler.configure(settings=settings, source=S3ObjectSource(aws.s3), embedder=embedder, store=store,
                          dlq=DeadLetterQueue(aws.dlq_url, aws.sqs), dynamodb_client=aws.dynamodb)
        try:
            _, event = created(aws, "notes/short.txt", b"A short note that fits in one chunk.")
            assert run(sqs_event(event), context) == {"batchItemFailures": []}
            assert len(bedrock.requests) == 3 and bedrock.replies == []
            assert len(chunks_of(pg_uri, table_prefix, "notes/short.txt")) == 1
            assert aws.dlq_messages() == []

            # Throttled beyond the budget: transient -> batch item failure, nothing dead-lettered.
            bedrock.replies.extend([throttled] * 4)
            _, second = created(aws, "notes/other.txt", b"Another short note.")
            failing = sqs_event(second)
            with pytest.raises(BatchProcessingError, match="All records failed"):
                # A batch whose every record failed makes Powertools fail the invocation:
                # SQS then redelivers the whole batch (same outcome as reporting each item).
                run(failing, context)
            assert len(bedrock.requests) == 7  # EMBEDDING_MAX_ATTEMPTS requests, no more
            assert aws.dlq_messages() == []
            assert chunks_of(pg_uri, table_prefix, "notes/other.txt") == []

            # The redelivery succeeds once the model recovers (idempotency record was released).
            bedrock.replies.append(cohere)
            assert run(failing, context) == {"batchItemFailures": []}
            assert len(chunks_of(pg_uri, table_prefix, "notes/other.txt")) == 1
        finally:
            handler.reset()
            store.close()


def test_one_transient_failure_only_fails_its_own_record(
    pipeline: dict[str, Any], aws: Aws, pg_uri: str, context: FakeContext
) -> None:
    class Flaky(HashEmbedder):
        def embed_documents(self, texts: Any) -> list[list[float]]:
            if any("explode" in t for t in texts):
                raise TimeoutError("embedding endpoint timed out")
            return super().embed_documents(texts)

    handler.runtime().ingestor.embedder = Flaky(64)
    _, ok = created(aws, "a/ok.txt", b"calm text")
    _, bad = created(aws, "a/bad.txt", b"please explode")
    event = sqs_event(ok, bad)
    response = run(event, context)
    assert response == {"batchItemFailures": [{"itemIdentifier": event["Records"][1]["messageId"]}]}
    assert len(chunks_of(pg_uri, pipeline["prefix"], "a/ok.txt")) == 1
    assert aws.dlq_messages() == []


# --------------------------------------------------------------------------- idempotency and ordering


def test_duplicate_event_is_idempotent(pipeline: dict[str, Any], aws: Aws, pg_uri: str, context: FakeContext) -> None:
    _, event = created(aws, "handbook/dup.md", ("# Dup\n\n" + lorem(5, 200)).encode())
    embedder: HashEmbedder = pipeline["embedder"]

    assert run(sqs_event(event), context) == {"batchItemFailures": []}
    rows = chunks_of(pg_uri, pipeline["prefix"], "handbook/dup.md")
    calls = embedder.calls
    assert len(rows) > 1

    # Same S3 event delivered again (new SQS message id), twice in one batch and once more later.
    assert run(sqs_event(event, event), context) == {"batchItemFailures": []}
    assert run(sqs_event(event), context) == {"batchItemFailures": []}

    assert embedder.calls == calls
    assert chunks_of(pg_uri, pipeline["prefix"], "handbook/dup.md") == rows
    records = aws.dynamodb.scan(TableName=aws.table)["Items"]
    assert len(records) == 1 and records[0]["status"]["S"] == "COMPLETED"


def test_replay_without_idempotency_table_is_still_harmless(
    pg_uri: str, table_prefix: str, aws: Aws, context: FakeContext
) -> None:
    settings = make_settings(pg_uri, table_prefix, aws, IDEMPOTENCY_TABLE="")
    embedder = HashEmbedder(64)
    handler.configure(
        settings=settings,
        source=S3ObjectSource(aws.s3),
        embedder=embedder,
        dlq=DeadLetterQueue(aws.dlq_url, aws.sqs),
    )
    try:
        _, event = created(aws, "x/replay.txt", lorem(6, 300).encode())
        run(sqs_event(event), context)
        rows = chunks_of(pg_uri, table_prefix, "x/replay.txt")
        calls = embedder.calls
        run(sqs_event(event), context)
        assert embedder.calls == calls
        assert chunks_of(pg_uri, table_prefix, "x/replay.txt") == rows
    finally:
        handler.reset()


def test_overwrite_removes_stale_chunks_and_reuses_unchanged_embeddings(
    pipeline: dict[str, Any], aws: Aws, pg_uri: str, context: FakeContext
) -> None:
    key = "handbook/policy.md"
    intro = "# Policy\n\nThis introduction stays exactly the same between versions of the document."
    v1, first = created(aws, key, (intro + "\n\n" + lorem(7, 400)).encode())
    run(sqs_event(first), context)
    old = chunks_of(pg_uri, pipeline["prefix"], key)
    assert len(old) >= 4 and {r[1] for r in old} == {v1}

    v2, second = created(aws, key, (intro + "\n\nA much shorter second version.").encode())
    embedder: HashEmbedder = pipeline["embedder"]
    before = embedder.calls
    run(sqs_event(second), context)

    new = chunks_of(pg_uri, pipeline["prefix"], key)
    assert len(new) < len(old)
    assert {r[1] for r in new} == {v2}
    assert sql(pg_uri, f"SELECT count(*) FROM {pipeline['prefix']}_chunks WHERE version_id = %s", (v1,)) == [(0,)]
    assert embedder.calls == before + 1
    state = pipeline["store"].get_state(f"s3://{BUCKET}/{key}")
    assert state.version_id == v2 and state.chunk_count == len(new)


def test_out_of_order_delete_does_not_remove_a_newer_version(
    pipeline: dict[str, Any], aws: Aws, pg_uri: str, context: FakeContext
) -> None:
    key = "ordering/doc.txt"
    old_delete_sequencer = next_sequencer()  # the delete happened first ...
    v2, created_event = created(aws, key, b"the newer version of the document")
    run(sqs_event(created_event), context)
    stale_delete = s3_event("deleted", key, version_id="marker-1", sequencer=old_delete_sequencer)

    run(sqs_event(stale_delete), context)  # ... but is delivered after the newer version

    rows = chunks_of(pg_uri, pipeline["prefix"], key)
    assert len(rows) == 1 and rows[0][1] == v2

    fresh_delete = s3_event("deleted", key, version_id="marker-2")
    run(sqs_event(fresh_delete), context)
    assert chunks_of(pg_uri, pipeline["prefix"], key) == []
    assert pipeline["store"].get_state(f"s3://{BUCKET}/{key}").deleted


def test_delete_delivered_before_an_older_create_prevents_resurrection(
    pipeline: dict[str, Any], aws: Aws, pg_uri: str, context: FakeContext
) -> None:
    key = "ordering/resurrect.txt"
    _v1, create_event = created(aws, key, b"soon deleted")
    aws.s3.delete_object(Bucket=BUCKET, Key=key)  # delete marker; v1 still exists as non-current
    delete_event = s3_event("deleted", key, version_id="marker")

    run(sqs_event(delete_event, create_event), context)

    assert chunks_of(pg_uri, pipeline["prefix"], key) == []
    assert aws.dlq_messages() == []


def test_out_of_order_versions_keep_the_newest(
    pipeline: dict[str, Any], aws: Aws, pg_uri: str, context: FakeContext
) -> None:
    key = "ordering/versions.txt"
    _v1, e1 = created(aws, key, b"first version text")
    v2, e2 = created(aws, key, b"second version text")
    run(sqs_event(e2, e1), context)
    rows = chunks_of(pg_uri, pipeline["prefix"], key)
    assert [r[1] for r in rows] == [v2]
    assert rows[0][3] == "second version text"


def test_permanent_delete_of_the_current_version_restores_the_previous_one(
    pipeline: dict[str, Any], aws: Aws, pg_uri: str, context: FakeContext
) -> None:
    key = "versions/rollback.txt"
    v1, e1 = created(aws, key, b"original wording")
    v2, e2 = created(aws, key, b"edited wording")
    run(sqs_event(e1, e2), context)
    aws.s3.delete_object(Bucket=BUCKET, Key=key, VersionId=v2)
    purge = s3_event("deleted", key, version_id=v2, deletion_type="Permanently Deleted")

    run(sqs_event(purge), context)

    rows = chunks_of(pg_uri, pipeline["prefix"], key)
    assert [(r[1], r[3]) for r in rows] == [(v1, "original wording")]


def test_permanent_delete_of_an_old_version_changes_nothing(
    pipeline: dict[str, Any], aws: Aws, pg_uri: str, context: FakeContext
) -> None:
    key = "versions/old.txt"
    v1, e1 = created(aws, key, b"old text")
    v2, e2 = created(aws, key, b"current text")
    run(sqs_event(e1, e2), context)
    aws.s3.delete_object(Bucket=BUCKET, Key=key, VersionId=v1)
    run(sqs_event(s3_event("deleted", key, version_id=v1, deletion_type="Permanently Deleted")), context)
    assert [r[1] for r in chunks_of(pg_uri, pipeline["prefix"], key)] == [v2]


def test_created_event_for_a_purged_version_is_skipped(
    pipeline: dict[str, Any], aws: Aws, pg_uri: str, context: FakeContext
) -> None:
    key = "versions/gone.txt"
    v1, e1 = created(aws, key, b"short lived")
    aws.s3.delete_object(Bucket=BUCKET, Key=key, VersionId=v1)
    assert run(sqs_event(e1), context) == {"batchItemFailures": []}
    assert chunks_of(pg_uri, pipeline["prefix"], key) == []
    assert aws.dlq_messages() == []


def test_missing_dlq_url_fails_the_whole_invocation(pg_uri: str, table_prefix: str, aws: Aws) -> None:
    settings = make_settings(pg_uri, table_prefix, aws, DLQ_URL="")
    with pytest.raises(SettingsError, match="DLQ_URL"):
        handler.configure(settings=settings)
