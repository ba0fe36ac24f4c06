"""OpenSearchStore through its real SigV4 transport to an HTTPS OpenSearch double."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path

import pytest
from botocore.credentials import Credentials

from fmkit.knowledge.errors import TransientError
from fmkit.knowledge.stores import OpenSearchStore, SigV4Transport
from tests.runtime.knowledge.stores.contract import exercise_contract
from tests.runtime.knowledge.stores.opensearch_double import OpenSearchDouble, https_opensearch

pytestmark = pytest.mark.runtime
CREDENTIALS = Credentials("AKIDEXAMPLE", "secret")


@pytest.fixture
def opensearch(tmp_path: Path) -> Iterator[tuple[OpenSearchDouble, OpenSearchStore]]:
    with https_opensearch(tmp_path) as (double, endpoint, ca_bundle):
        transport = SigV4Transport(endpoint, region="us-east-1", credentials=CREDENTIALS, verify=ca_bundle)
        yield double, OpenSearchStore(index="kb", dimensions=64, transport=transport)


def test_opensearch_contract(opensearch: tuple[OpenSearchDouble, OpenSearchStore]) -> None:
    fake, store = opensearch
    store.ensure_schema()
    mapping = fake.indices["kb"]["mappings"]["properties"]["embedding"]
    assert mapping["type"] == "knn_vector" and mapping["dimension"] == 64
    assert mapping["method"] == {"name": "hnsw", "engine": "faiss", "space_type": "innerproduct"}
    store.ensure_schema()
    assert [r for r in fake.requests if r[0] == "PUT"] == [("PUT", "/kb")]
    exercise_contract(store)
    # No duplicate manifests or orphaned chunks are left behind.
    kinds = sorted((d["source_key"], d["kind"]) for d in fake.docs.values())
    assert kinds == [
        ("s3://kb-docs/a/policy.txt", "manifest"),
        ("s3://kb-docs/b/menu.txt", "chunk"),
        ("s3://kb-docs/b/menu.txt", "manifest"),
    ]


def test_every_request_is_signed_for_aoss_with_the_payload_hash(
        opensearch: tuple[OpenSearchDouble, OpenSearchStore]) -> None:
    fake, store = opensearch
    store.ensure_schema()
    assert store.get_state("s3://kb-docs/none.txt") is None
    assert len(fake.headers) == 3  # HEAD, PUT, _search
    for headers in fake.headers:
        assert headers["authorization"].startswith("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/")
        assert "/us-east-1/aoss/aws4_request" in headers["authorization"]
        assert "x-amz-content-sha256" in headers["authorization"]
    assert fake.headers[0]["x-amz-content-sha256"] == hashlib.sha256(b"").hexdigest()


def test_an_unreachable_collection_is_transient() -> None:
    transport = SigV4Transport("https://127.0.0.1:9", region="us-east-1", credentials=CREDENTIALS, timeout=2)
    with pytest.raises(TransientError, match="OpenSearch unreachable"):
        OpenSearchStore(index="kb", dimensions=4, transport=transport).ensure_schema()


def test_http_errors_are_transient(opensearch: tuple[OpenSearchDouble, OpenSearchStore]) -> None:
    _, store = opensearch
    with pytest.raises(TransientError, match="HTTP 400"):
        store._call("POST", "/kb/_unknown", {})


def test_endpoints_get_https_and_lose_a_trailing_slash() -> None:
    transport = SigV4Transport("abc123.us-east-1.aoss.amazonaws.com/", region="us-east-1", credentials=CREDENTIALS)
    assert transport.endpoint == "https://abc123.us-east-1.aoss.amazonaws.com"


def test_opensearch_score_transform_round_trips() -> None:
    for cosine in (-0.9, -0.2, 0.0, 0.3, 1.0):
        score = 1 + cosine if cosine >= 0 else 1 / (1 - cosine)
        assert OpenSearchStore.similarity_from_score(score) == pytest.approx(cosine)
