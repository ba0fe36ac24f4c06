"""Bulk item handler (Step Functions Distributed Map): indexing, failure reports, retryable errors."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import psycopg
import pytest
from ingest import bulk

from fmkit.knowledge.embedding import HashEmbedder
from fmkit.knowledge.errors import EmbeddingUnavailable
from fmkit.knowledge.models import ObjectEvent
from fmkit.knowledge.sources import S3ObjectSource
from fmkit.knowledge.stores import PgVectorStore
from tests.runtime.knowledge.helpers import BUCKET, Aws, FakeContext, hash_settings, lorem, make_pdf, sql

pytestmark = pytest.mark.runtime


@pytest.fixture
def bulk_env(pg_uri: str, table_prefix: str, aws: Aws) -> Iterator[dict[str, Any]]:
    settings = hash_settings(pg_uri, table_prefix)
    store = PgVectorStore(lambda: psycopg.connect(pg_uri), dimensions=64, table_prefix=table_prefix)
    embedder = HashEmbedder(64)
    bulk.configure(settings=settings, source=S3ObjectSource(aws.s3), embedder=embedder, store=store)
    yield {"settings": settings, "store": store, "embedder": embedder}
    bulk.reset()
    store.close()


# --------------------------------------------------------------------------- bulk


def test_bulk_items_index_and_report_failures(
    bulk_env: dict[str, Any], aws: Aws, pg_uri: str, table_prefix: str, context: FakeContext
) -> None:
    aws.put("kb/a.md", ("# A\n\n" + lorem(1, 100)).encode())
    aws.put("kb/b.pdf", b"%PDF-1.7 truncated")
    aws.put("kb/c.txt", b"")

    ok = bulk.handler({"bucket": BUCKET, "key": "kb/a.md"}, context)
    assert ok["status"] == "indexed" and ok["chunks"] > 1 and ok["version_id"]
    again = bulk.handler({"Bucket": BUCKET, "Key": "kb/a.md"}, context)
    assert again["status"] == "skipped" and again["reason"] == "this version is already indexed"

    batch = bulk.handler(
        {
            "BatchInput": {"bucket": BUCKET},
            "Items": [{"Key": "kb/b.pdf"}, {"Key": "kb/c.txt"}, {"Key": "kb/missing.txt"}, {"Key": "kb/a.md"}],
        },
        context,
    )
    statuses = [(r["key"], r["status"], r["retryable"]) for r in batch["results"]]
    assert statuses == [
        ("kb/b.pdf", "failed", False),
        ("kb/c.txt", "failed", False),
        ("kb/missing.txt", "skipped", False),
        ("kb/a.md", "skipped", False),
    ]
    assert batch["failed"] == 2
    assert batch["results"][0]["reason"].startswith("unparseable-document: corrupt pdf")
    assert sql(pg_uri, f"SELECT count(DISTINCT source_key) FROM {table_prefix}_chunks") == [(1,)]


def test_bulk_transient_errors_raise_once_the_rest_of_the_batch_is_written(
    bulk_env: dict[str, Any], aws: Aws, pg_uri: str, table_prefix: str, context: FakeContext
) -> None:
    aws.put("kb/d.txt", b"some text")
    aws.put("kb/ok.txt", b"other text")

    class DownFor(HashEmbedder):
        """Bedrock unavailable for texts containing `word`."""

        word = "some"

        def embed_documents(self, texts: Any) -> list[list[float]]:
            if any(self.word in t for t in texts):
                raise EmbeddingUnavailable("Bedrock model x still unavailable after 6 attempts")
            return super().embed_documents(texts)

    assert bulk._ingestor is not None
    bulk._ingestor.embedder = DownFor(64)
    with pytest.raises(bulk.TransientIngestError, match="still unavailable"):
        bulk.handler({"bucket": BUCKET, "key": "kb/d.txt"}, context)
    with pytest.raises(bulk.TransientIngestError, match=r"1 of 2 item.*kb/d\.txt.*still unavailable"):
        bulk.handler({"Items": [{"bucket": BUCKET, "key": "kb/d.txt"}, {"bucket": BUCKET, "key": "kb/ok.txt"}]},
                     context)
    assert sql(pg_uri, f"SELECT DISTINCT key FROM {table_prefix}_chunks") == [("kb/ok.txt",)]
    DownFor.word = "nothing"  # the retry of the batch: the written item is skipped, the other indexed
    retry = bulk.handler({"Items": [{"bucket": BUCKET, "key": "kb/d.txt"}, {"bucket": BUCKET, "key": "kb/ok.txt"}]},
                         context)
    assert [(r["key"], r["status"]) for r in retry["results"]] == [("kb/d.txt", "indexed"), ("kb/ok.txt", "skipped")]


def test_bulk_reingest_after_a_chunking_change_rechunks(
    bulk_env: dict[str, Any], aws: Aws, pg_uri: str, table_prefix: str, context: FakeContext
) -> None:
    aws.put("kb/e.pdf", make_pdf([lorem(5, 120)]))
    first = bulk.handler({"bucket": BUCKET, "key": "kb/e.pdf"}, context)
    bulk.configure(
        settings=hash_settings(pg_uri, table_prefix, CHUNK_SIZE="150", CHUNK_OVERLAP="0"),
        source=S3ObjectSource(aws.s3),
        store=bulk_env["store"],
    )
    second = bulk.handler({"bucket": BUCKET, "key": "kb/e.pdf"}, context)
    assert second["status"] == "indexed" and second["chunks"] > first["chunks"]
    assert sql(pg_uri, f"SELECT count(*) FROM {table_prefix}_chunks") == [(second["chunks"],)]


# --------------------------------------------------------------------------- bulk mode (first load)


def hnsw_valid(pg_uri: str, table_prefix: str) -> list[tuple[Any, ...]]:
    return sql(pg_uri, "SELECT i.indisvalid FROM pg_index i WHERE i.indexrelid = to_regclass(%s)",
               (f"{table_prefix}_chunks_embedding_hnsw",))


def test_a_first_load_runs_in_bulk_mode_and_a_live_delete_wins(
    bulk_env: dict[str, Any], aws: Aws, pg_uri: str, table_prefix: str, context: FakeContext
) -> None:
    keys = [f"kb/doc{i}.md" for i in range(10)]
    for i, key in enumerate(keys):
        aws.put(key, ("# Title\n\n" + lorem(i, 160)).encode())
    bulk_env["store"].ensure_schema()
    assert bulk.index_handler({"action": "begin", "job": "exec-1"}, context) == {"bulk_load": True}
    assert hnsw_valid(pg_uri, table_prefix) == []

    first = bulk.handler({"BatchInput": {"bucket": BUCKET}, "Items": [{"Key": k} for k in keys[:5]]}, context)
    assert [r["status"] for r in first["results"]] == ["indexed"] * 5
    # doc0 is deleted while the load runs: the ingest function records its tombstone.
    marker = aws.s3.delete_object(Bucket=BUCKET, Key=keys[0])["VersionId"]
    assert bulk._ingestor is not None
    removed = bulk._ingestor.remove(ObjectEvent(kind="deleted", bucket=BUCKET, key=keys[0], version_id=marker,
                                                event_time=datetime.now(UTC), deletion_type="Delete Marker Created"))
    assert removed.status == "deleted"
    # The map retries a batch holding doc0 again (and version 1 of it, explicitly): neither resurrects it.
    version_1 = first["results"][0]["version_id"]
    second = bulk.handler({"BatchInput": {"bucket": BUCKET},
                           "Items": [{"Key": k} for k in keys[5:]] + [{"Key": keys[0]},
                                                                      {"Key": keys[0], "VersionId": version_1}]},
                          context)
    assert [r["status"] for r in second["results"]] == ["indexed"] * 5 + ["skipped", "superseded"]

    assert bulk.index_handler({"action": "finish", "job": "exec-1"}, context) == {"index": "built"}
    assert hnsw_valid(pg_uri, table_prefix) == [(True,)]
    counts = dict(sql(pg_uri, f"SELECT key, count(*) FROM {table_prefix}_chunks GROUP BY 1"))
    expected = {r["key"]: r["chunks"] for r in first["results"][1:] + second["results"][:5]}
    assert counts == expected and keys[0] not in counts
    # Later runs find data: incremental, the index stays.
    assert bulk.index_handler({"action": "begin", "job": "exec-2"}, context) == {"bulk_load": False}
    assert bulk.index_handler({"action": "finish", "job": "exec-2"}, context) == {"index": "ready"}


def test_a_failed_batch_write_is_retried_whole(
    bulk_env: dict[str, Any], aws: Aws, pg_uri: str, table_prefix: str, context: FakeContext,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for key in ("kb/x.txt", "kb/y.txt"):
        aws.put(key, f"text of {key}".encode())
    bulk_env["store"].ensure_schema()
    assert bulk.index_handler({"action": "begin", "job": "exec-1"}, context) == {"bulk_load": True}
    store: PgVectorStore = bulk_env["store"]
    real = store.bulk_upsert

    def connection_lost(writes: Any) -> list[bool]:
        monkeypatch.setattr(store, "bulk_upsert", real)
        raise psycopg.OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(store, "bulk_upsert", connection_lost)
    batch = {"BatchInput": {"bucket": BUCKET}, "Items": [{"Key": "kb/x.txt"}, {"Key": "kb/y.txt"}]}
    with pytest.raises(bulk.TransientIngestError, match="server closed the connection"):
        bulk.handler(batch, context)
    assert sql(pg_uri, f"SELECT count(*) FROM {table_prefix}_documents") == [(0,)]
    assert [r["status"] for r in bulk.handler(batch, context)["results"]] == ["indexed", "indexed"]


def test_the_index_handler_wants_an_action_and_a_job(bulk_env: dict[str, Any], context: FakeContext) -> None:
    with pytest.raises(ValueError, match="expected"):
        bulk.index_handler({"action": "rebuild", "job": "x"}, context)
    with pytest.raises(ValueError, match="expected"):
        bulk.index_handler({"action": "begin"}, context)


def test_an_object_twice_in_one_batch_is_written_once(
    bulk_env: dict[str, Any], aws: Aws, pg_uri: str, table_prefix: str, context: FakeContext
) -> None:
    aws.put("kb/twice.md", ("# Twice\n\n" + lorem(3, 200)).encode())
    bulk_env["store"].ensure_schema()
    assert bulk.index_handler({"action": "begin", "job": "exec-1"}, context) == {"bulk_load": True}
    batch = bulk.handler({"BatchInput": {"bucket": BUCKET}, "Items": [{"Key": "kb/twice.md"}] * 2}, context)
    assert [r["status"] for r in batch["results"]] == ["indexed", "skipped"]
    assert sql(pg_uri, f"SELECT count(*) FROM {table_prefix}_chunks") == [(batch["results"][0]["chunks"],)]
