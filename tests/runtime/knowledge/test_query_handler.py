"""Query handler: direct invoke and function URL, ranking and filters, 400/405/503 answers."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from typing import Any

import pytest
from ingest import bulk
from query import handler as query_handler

from fmkit.knowledge.embedding import HashEmbedder
from fmkit.knowledge.errors import EmbeddingUnavailable
from fmkit.knowledge.sources import S3ObjectSource
from fmkit.knowledge.stores import PgVectorStore
from tests.runtime.knowledge.helpers import BUCKET, Aws, FakeContext, hash_settings

pytestmark = pytest.mark.runtime


# --------------------------------------------------------------------------- query


@pytest.fixture
def query_env(pg_store: PgVectorStore, pg_uri: str, table_prefix: str, aws: Aws) -> Iterator[None]:
    settings = hash_settings(pg_uri, table_prefix, CHUNK_STRATEGY="markdown")
    bulk.configure(settings=settings, source=S3ObjectSource(aws.s3), embedder=HashEmbedder(64), store=pg_store)
    aws.put("faq/billing.md", b"# Billing\n\nInvoices are sent on the first business day of each month.")
    aws.put("faq/travel.md", b"# Travel\n\nBook trains for trips shorter than four hours.")
    aws.put("legal/terms.txt", b"Invoices are payable within thirty days of the invoice date.")
    bulk.process_items([{"bucket": BUCKET, "key": key} for key in ("faq/billing.md", "faq/travel.md",
                                                                    "legal/terms.txt")])
    query_handler.configure(settings=settings, embedder=HashEmbedder(64), store=pg_store)
    yield
    query_handler.reset()
    bulk.reset()


def test_query_direct_invoke_returns_ranked_chunks_with_metadata(query_env: None, context: FakeContext) -> None:
    answer = query_handler.handler({"question": "when are invoices sent each month", "k": 2}, context)
    assert answer["k"] == 2 and answer["model_id"] == "local-hash-v1"
    top = answer["results"][0]
    assert top["key"] == "faq/billing.md" and top["section"] == "Billing" and top["doc_type"] == "md"
    assert top["source_key"] == f"s3://{BUCKET}/faq/billing.md" and top["version_id"]
    assert top["score"] > answer["results"][1]["score"]

    filtered = query_handler.handler({"question": "invoices", "filters": {"key_prefix": "legal/"}}, context)
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
    response = query_handler.handler(event, context)
    assert response["statusCode"] == 200 and response["headers"]["content-type"] == "application/json"
    assert json.loads(response["body"])["results"][0]["key"] == "faq/travel.md"

    get = {**event, "requestContext": {"http": {"method": "GET"}}}
    assert query_handler.handler(get, context)["statusCode"] == 405


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
    response = query_handler.handler(payload, context)
    assert response["statusCode"] == 400
    assert response["error"]["type"] == "bad_request"
    assert loc in [d["loc"] for d in response["error"]["details"]]


def test_query_url_with_invalid_json_and_unavailable_embedder(query_env: None, context: FakeContext) -> None:
    event = {"requestContext": {"http": {"method": "POST"}}, "body": "{not json", "isBase64Encoded": False}
    response = query_handler.handler(event, context)
    assert response["statusCode"] == 400 and "not JSON" in json.loads(response["body"])["error"]["message"]

    class Down(HashEmbedder):
        def embed_query(self, text: str) -> list[float]:
            raise EmbeddingUnavailable("throttled")

    current = query_handler._runtime
    assert current is not None
    query_handler.configure(settings=current.settings, embedder=Down(64), store=current.store)
    assert query_handler.handler({"question": "x"}, context)["statusCode"] == 503
