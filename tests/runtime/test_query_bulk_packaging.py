"""Query handler (direct invoke + function URL), bulk item handler, and packaging."""

from __future__ import annotations

import base64
import json
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from ingest import bulk
from knowledge_common.embedding import HashEmbedder
from knowledge_common.errors import EmbeddingUnavailable
from knowledge_common.ingest import S3ObjectSource
from knowledge_common.settings import Settings
from knowledge_common.stores import PgVectorStore
from query import handler as query_handler

from tests.runtime.kb_helpers import BUCKET, Aws, FakeContext, lorem, make_pdf, sql

pytestmark = pytest.mark.runtime
LAMBDA_DIR = Path(__file__).resolve().parents[2] / "lambda"


def _settings(pg_uri: str, prefix: str, **extra: str) -> Settings:
    env = {
        "DB_DSN": pg_uri,
        "DB_TABLE_PREFIX": prefix,
        "EMBEDDING_PROVIDER": "hash",
        "EMBEDDING_DIMENSIONS": "64",
        "CHUNK_SIZE": "300",
        "CHUNK_OVERLAP": "40",
        "QUERY_MAX_K": "20",
    }
    env.update(extra)
    return Settings.from_env(env)


@pytest.fixture
def bulk_env(pg_uri: str, table_prefix: str, aws: Aws) -> Iterator[dict[str, Any]]:
    settings = _settings(pg_uri, table_prefix)
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

    ok = bulk.lambda_handler({"bucket": BUCKET, "key": "kb/a.md"}, context)
    assert ok["status"] == "indexed" and ok["chunks"] > 1 and ok["version_id"]
    again = bulk.lambda_handler({"Bucket": BUCKET, "Key": "kb/a.md"}, context)
    assert again["status"] == "skipped" and again["reason"] == "this version is already indexed"

    batch = bulk.lambda_handler(
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
        bulk.lambda_handler({"bucket": BUCKET, "key": "kb/d.txt"}, context)
    result = bulk.lambda_handler({"Items": [{"bucket": BUCKET, "key": "kb/d.txt"}]}, context)
    assert result["results"][0]["status"] == "failed" and result["results"][0]["retryable"] is True


def test_bulk_reingest_after_a_chunking_change_rechunks(
    bulk_env: dict[str, Any], aws: Aws, pg_uri: str, table_prefix: str, context: FakeContext
) -> None:
    aws.put("kb/e.pdf", make_pdf([lorem(5, 120)]))
    first = bulk.lambda_handler({"bucket": BUCKET, "key": "kb/e.pdf"}, context)
    bulk.configure(
        settings=_settings(pg_uri, table_prefix, CHUNK_SIZE="150", CHUNK_OVERLAP="0"),
        source=S3ObjectSource(aws.s3),
        store=bulk_env["store"],
    )
    second = bulk.lambda_handler({"bucket": BUCKET, "key": "kb/e.pdf"}, context)
    assert second["status"] == "indexed" and second["chunks"] > first["chunks"]
    assert sql(pg_uri, f"SELECT count(*) FROM {table_prefix}_chunks") == [(second["chunks"],)]


# --------------------------------------------------------------------------- query


@pytest.fixture
def query_env(pg_store: PgVectorStore, pg_uri: str, table_prefix: str, aws: Aws) -> Iterator[None]:
    settings = _settings(pg_uri, table_prefix, CHUNK_STRATEGY="markdown")
    bulk.configure(settings=settings, source=S3ObjectSource(aws.s3), embedder=HashEmbedder(64), store=pg_store)
    aws.put("faq/billing.md", b"# Billing\n\nInvoices are sent on the first business day of each month.")
    aws.put("faq/travel.md", b"# Travel\n\nBook trains for trips shorter than four hours.")
    aws.put("legal/terms.txt", b"Invoices are payable within thirty days of the invoice date.")
    for key in ("faq/billing.md", "faq/travel.md", "legal/terms.txt"):
        bulk.process_item({"bucket": BUCKET, "key": key}, raise_transient=True)
    query_handler.configure(settings=settings, embedder=HashEmbedder(64), store=pg_store)
    yield
    query_handler.reset()
    bulk.reset()


def test_query_direct_invoke_returns_ranked_chunks_with_metadata(query_env: None, context: FakeContext) -> None:
    answer = query_handler.lambda_handler({"question": "when are invoices sent each month", "k": 2}, context)
    assert answer["k"] == 2 and answer["model_id"] == "local-hash-v1"
    top = answer["results"][0]
    assert top["key"] == "faq/billing.md" and top["section"] == "Billing" and top["doc_type"] == "md"
    assert top["source_key"] == f"s3://{BUCKET}/faq/billing.md" and top["version_id"]
    assert top["score"] > answer["results"][1]["score"]

    filtered = query_handler.lambda_handler({"question": "invoices", "filters": {"key_prefix": "legal/"}}, context)
    assert [r["key"] for r in filtered["results"]] == ["legal/terms.txt"]


def test_query_function_url_event(query_env: None, context: FakeContext) -> None:
    body = json.dumps({"question": "train trips", "k": 1}).encode()
    event = {
        "version": "2.0",
        "rawPath": "/",
        "headers": {"content-type": "application/json"},
        "requestContext": {
            "http": {"method": "POST", "path": "/"},
            "authorizer": {"iam": {"userArn": "arn:aws:iam::1:user/x"}},
        },
        "body": base64.b64encode(body).decode(),
        "isBase64Encoded": True,
    }
    response = query_handler.lambda_handler(event, context)
    assert response["statusCode"] == 200 and response["headers"]["content-type"] == "application/json"
    assert json.loads(response["body"])["results"][0]["key"] == "faq/travel.md"

    get = {**event, "requestContext": {"http": {"method": "GET"}}}
    assert query_handler.lambda_handler(get, context)["statusCode"] == 405


@pytest.mark.parametrize(
    ("payload", "loc"),
    [
        ({}, "question"),
        ({"question": "   "}, "question"),
        ({"question": "x", "k": 0}, "k"),
        ({"question": "x", "k": 21}, "k"),
        ({"question": "x", "top": 3}, "top"),
        ({"question": "x", "filters": {"key_prefix": "no-slash"}}, "filters.key_prefix"),
        ({"question": "x", "filters": {"colour": "red"}}, "filters.colour"),
    ],
)
def test_query_bad_input_gets_a_400_body(
    query_env: None, context: FakeContext, payload: dict[str, Any], loc: str
) -> None:
    response = query_handler.lambda_handler(payload, context)
    assert response["statusCode"] == 400
    assert response["error"]["type"] == "bad_request"
    assert loc in [d["loc"] for d in response["error"]["details"]]


def test_query_url_with_invalid_json_and_unavailable_embedder(query_env: None, context: FakeContext) -> None:
    event = {"requestContext": {"http": {"method": "POST"}}, "body": "{not json", "isBase64Encoded": False}
    response = query_handler.lambda_handler(event, context)
    assert response["statusCode"] == 400 and "not JSON" in json.loads(response["body"])["error"]["message"]

    class Down(HashEmbedder):
        def embed_query(self, text: str) -> list[float]:
            raise EmbeddingUnavailable("throttled")

    current = query_handler._runtime
    assert current is not None
    query_handler.configure(settings=current.settings, embedder=Down(64), store=current.store)
    assert query_handler.lambda_handler({"question": "x"}, context)["statusCode"] == 503


# --------------------------------------------------------------------------- packaging


BLOCKER = textwrap.dedent(
    """
    import importlib.abc, sys
    ALLOWED = set(sys.argv[1].split(","))
    class Block(importlib.abc.MetaPathFinder):
        def find_spec(self, name, path=None, target=None):
            top = name.split(".")[0]
            if top in {"pypdf", "docx", "bs4", "moto", "pgserver", "hypothesis"} - ALLOWED:
                raise ImportError(f"{name} is not in this function's requirements")
            return None
    sys.meta_path.insert(0, Block())
    sys.path.insert(0, sys.argv[2])
    import importlib
    module = importlib.import_module(sys.argv[3])
    assert callable(module.lambda_handler)
    print("ok")
    """
)


@pytest.mark.parametrize(
    ("module", "allowed"),
    [("query.handler", ""), ("ingest.handler", "pypdf,docx,bs4"), ("ingest.bulk", "pypdf,docx,bs4")],
)
def test_handlers_import_with_only_their_requirements(module: str, allowed: str) -> None:
    requirements = (LAMBDA_DIR / module.split(".")[0] / "requirements.txt").read_text()
    for name in ("pypdf", "python-docx", "beautifulsoup4"):
        assert (name in requirements) == (module != "query.handler"), name
    result = subprocess.run(
        [sys.executable, "-c", BLOCKER, allowed, str(LAMBDA_DIR), module], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"


def test_query_path_never_imports_document_parsers() -> None:
    code = textwrap.dedent(
        f"""
        import sys
        sys.path.insert(0, {str(LAMBDA_DIR)!r})
        from query import handler
        from knowledge_common import stores, embedding, runtime
        loaded = {{"pypdf", "docx", "bs4"}} & set(sys.modules)
        assert not loaded, sorted(loaded)
        """
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
