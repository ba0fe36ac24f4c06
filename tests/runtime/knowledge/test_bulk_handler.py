"""Bulk item handler (Step Functions Distributed Map): indexing, failure reports, retryable errors."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import psycopg
import pytest
from ingest import bulk

from fmkit.knowledge.embedding import HashEmbedder
from fmkit.knowledge.errors import EmbeddingUnavailable
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


def test_bulk_transient_errors_raise_single_and_are_retryable_in_batches(
    bulk_env: dict[str, Any], aws: Aws, context: FakeContext
) -> None:
    aws.put("kb/d.txt", b"some text")

    class Down(HashEmbedder):
        def embed_documents(self, texts: Any) -> list[list[float]]:
            raise EmbeddingUnavailable("Bedrock model x still unavailable after 6 attempts")

    assert bulk._ingestor is not None
    bulk._ingestor.embedder = Down(64)
    with pytest.raises(bulk.TransientIngestError, match="still unavailable"):
        bulk.handler({"bucket": BUCKET, "key": "kb/d.txt"}, context)
    result = bulk.handler({"Items": [{"bucket": BUCKET, "key": "kb/d.txt"}]}, context)
    assert result["results"][0]["status"] == "failed" and result["results"][0]["retryable"] is True


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
