"""VectorStore implementations: pgvector (real PostgreSQL), S3 Vectors (moto + Stubber),
OpenSearch (an in-memory fake of the k-NN REST subset the store uses, plus SigV4)."""

from __future__ import annotations

import json
import math
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import psycopg
import pytest
from botocore.stub import ANY, Stubber
from knowledge_common.embedding import HashEmbedder
from knowledge_common.errors import ConfigurationError
from knowledge_common.models import Chunk, DocumentState, DocumentVersion, EmbeddedChunk, Position, QueryFilters
from knowledge_common.stores import OpenSearchStore, PgVectorStore, S3VectorsStore, SigV4Transport

from tests.runtime.kb_helpers import sql

pytestmark = pytest.mark.runtime

EMB = HashEmbedder(64)
T0 = datetime(2026, 1, 1, tzinfo=UTC)


def version(key: str, vid: str, seq: int, *, bucket: str = "kb-docs", doc_type: str = "txt") -> DocumentVersion:
    return DocumentVersion(
        bucket=bucket,
        key=key,
        version_id=vid,
        position=Position(sequencer=f"{seq:016X}", timestamp=T0 + timedelta(seconds=seq)),
        fingerprint="fp1",
        doc_type=doc_type,
    )


def state_of(store: Any, doc_id: str) -> DocumentState:
    state = store.get_state(doc_id)
    assert state is not None, doc_id
    return state


def embedded(*texts: str) -> list[EmbeddedChunk]:
    return [EmbeddedChunk(Chunk(index=i, text=t), EMB.embed_query(t)) for i, t in enumerate(texts)]


def exercise_contract(store: Any) -> None:  # Any: each store's get_state() is asserted non-None first
    """The behaviour every VectorStore must have (run against each implementation)."""
    doc = "s3://kb-docs/a/policy.txt"
    other = "s3://kb-docs/b/menu.txt"
    assert store.get_state(doc) is None
    assert store.upsert(doc, version("a/policy.txt", "v1", 10), embedded("alpha beta", "gamma delta", "eps"))
    assert store.upsert(other, version("b/menu.txt", "m1", 11, doc_type="md"), embedded("lunch menu soup"))

    state = store.get_state(doc)
    assert (state.version_id, state.chunk_count, state.deleted) == ("v1", 3, False)
    assert set(store.reusable_embeddings(doc, "fp1")) == {
        Chunk(0, t).content_hash for t in ("alpha beta", "gamma delta", "eps")
    }
    assert store.reusable_embeddings(doc, "other-fingerprint") == {}

    # Overwrite with fewer chunks: stale chunk 2 disappears.
    assert store.upsert(doc, version("a/policy.txt", "v2", 20), embedded("alpha beta", "zeta"))
    hits = store.query(EMB.embed_query("gamma delta"), 10, QueryFilters(keys=["a/policy.txt"]))
    assert sorted((h.chunk_index, h.text, h.version_id) for h in hits) == [(0, "alpha beta", "v2"), (1, "zeta", "v2")]

    # Out-of-order: an older version is refused and changes nothing.
    assert not store.upsert(doc, version("a/policy.txt", "v0", 5), embedded("ancient"))
    assert store.get_state(doc).version_id == "v2"

    # Query ranks the closest chunk first and honours filters.
    best = store.query(EMB.embed_query("lunch menu soup"), 2)
    assert best[0].key == "b/menu.txt" and best[0].score == pytest.approx(1.0, abs=1e-4)
    assert best[0].score >= best[1].score
    assert [h.key for h in store.query(EMB.embed_query("soup"), 5, QueryFilters(key_prefix="a/"))] == [
        "a/policy.txt",
        "a/policy.txt",
    ]
    assert {h.key for h in store.query(EMB.embed_query("soup"), 5, QueryFilters(doc_types=["md"]))} == {"b/menu.txt"}
    assert store.query(EMB.embed_query("soup"), 5, QueryFilters(bucket="elsewhere")) == []

    # A stale delete is refused; a newer delete removes everything and leaves a tombstone.
    stale = version("a/policy.txt", "marker-0", 15).model_copy(update={"deleted": True})
    assert not store.delete_document(doc, tombstone=stale)
    assert len(store.query(EMB.embed_query("zeta"), 10, QueryFilters(keys=["a/policy.txt"]))) == 2
    assert store.delete_document(doc, tombstone=version("a/policy.txt", "marker-1", 30))
    assert store.query(EMB.embed_query("zeta"), 10, QueryFilters(keys=["a/policy.txt"])) == []
    tomb = store.get_state(doc)
    assert tomb.deleted and tomb.chunk_count == 0
    # ... which an older create cannot pass.
    assert not store.upsert(doc, version("a/policy.txt", "v3", 25), embedded("resurrected"))


# --------------------------------------------------------------------------- pgvector


def test_pgvector_contract(pg_store: PgVectorStore) -> None:
    exercise_contract(pg_store)


def test_pgvector_schema_is_idempotent_and_checks_dimensions(pg_uri: str, pg_store: PgVectorStore) -> None:
    pg_store.ensure_schema()  # second run is a no-op
    indexes = sql(pg_uri, "SELECT indexdef FROM pg_indexes WHERE tablename = %s", (pg_store.chunks,))
    assert any("hnsw" in d and "vector_cosine_ops" in d for (d,) in indexes)
    wrong = PgVectorStore(
        lambda: psycopg.connect(pg_uri), dimensions=32, table_prefix=pg_store.docs[: -len("_documents")]
    )
    with pytest.raises(ConfigurationError, match="64 dimensions but EMBEDDING_DIMENSIONS=32"):
        wrong.ensure_schema()
    wrong.close()


def test_pgvector_upsert_is_one_transaction(pg_uri: str, pg_store: PgVectorStore) -> None:
    doc = "s3://kb-docs/t.txt"
    pg_store.upsert(doc, version("t.txt", "v1", 1), embedded("one", "two"))
    bad = [EmbeddedChunk(Chunk(0, "new"), EMB.embed_query("new")), EmbeddedChunk(Chunk(1, "bad"), [0.0] * 3)]
    with pytest.raises(psycopg.Error):
        pg_store.upsert(doc, version("t.txt", "v2", 2), bad)
    rows = sql(pg_uri, f"SELECT version_id, text FROM {pg_store.chunks} ORDER BY chunk_index")
    assert rows == [("v1", "one"), ("v1", "two")]
    assert state_of(pg_store, doc).version_id == "v1"


def test_pgvector_delete_keep_version(pg_uri: str, pg_store: PgVectorStore) -> None:
    doc = "s3://kb-docs/k.txt"
    pg_store.upsert(doc, version("k.txt", "v1", 1), embedded("x", "y"))
    assert pg_store.delete_document(doc, keep_version="v1")
    assert state_of(pg_store, doc).chunk_count == 2
    assert pg_store.delete_document(doc)
    assert state_of(pg_store, doc).chunk_count == 0


def test_pgvector_reconnects_after_the_connection_is_killed(pg_uri: str, pg_store: PgVectorStore) -> None:
    pg_store.upsert("s3://kb-docs/r.txt", version("r.txt", "v1", 1), embedded("hello"))
    pid = pg_store.connection().info.backend_pid
    sql(pg_uri, "SELECT pg_terminate_backend(%s)", (pid,))
    assert state_of(pg_store, "s3://kb-docs/r.txt").version_id == "v1"
    assert pg_store.connection().info.backend_pid != pid


# --------------------------------------------------------------------------- S3 Vectors


@pytest.fixture
def s3vectors() -> Iterator[Any]:
    import boto3
    from moto import mock_aws

    with mock_aws():
        client = boto3.client("s3vectors", region_name="us-east-1")
        client.create_vector_bucket(vectorBucketName="kb-vectors")
        yield client


class QueryableS3Vectors:
    """moto implements Put/Get/Delete/ListVectors but not QueryVectors: answer queries
    by brute-force cosine over what moto stores, applying the store's filter document,
    and check the request shape with botocore's Stubber on a second client."""

    def __init__(self, client: Any) -> None:
        self._client = client

    def __getattr__(self, name: str) -> Any:
        return getattr(self._client, name)

    @staticmethod
    def _matches(meta: dict[str, Any], condition: dict[str, Any]) -> bool:
        if "$and" in condition:
            return all(QueryableS3Vectors._matches(meta, c) for c in condition["$and"])
        for field, test in condition.items():
            value = meta.get(field)
            values = value if isinstance(value, list) else [value]
            if "$eq" in test and test["$eq"] not in values:
                return False
            if "$in" in test and not set(values) & set(test["$in"]):
                return False
        return True

    def query_vectors(self, **kwargs: Any) -> dict[str, Any]:
        import boto3

        validator = boto3.client("s3vectors", region_name="us-east-1")
        with Stubber(validator) as stub:  # validates parameter names and types against the API model
            stub.add_response("query_vectors", {"vectors": [], "distanceMetric": "cosine"}, kwargs)
            validator.query_vectors(**kwargs)
        listed = self._client.list_vectors(
            vectorBucketName=kwargs["vectorBucketName"],
            indexName=kwargs["indexName"],
            returnData=True,
            returnMetadata=True,
        )["vectors"]
        query = kwargs["queryVector"]["float32"]

        def distance(data: list[float]) -> float:
            dot = sum(a * b for a, b in zip(query, data, strict=True))
            norm = math.sqrt(sum(a * a for a in query)) * math.sqrt(sum(b * b for b in data))
            return 1.0 - dot / norm

        candidates = [
            {"key": v["key"], "metadata": v["metadata"], "distance": distance(v["data"]["float32"])}
            for v in listed
            if self._matches(v["metadata"], kwargs.get("filter") or {})
        ]
        candidates.sort(key=lambda v: v["distance"])
        return {"vectors": candidates[: kwargs["topK"]], "distanceMetric": "cosine"}


def test_s3vectors_contract(s3vectors: Any) -> None:
    store = S3VectorsStore(bucket="kb-vectors", index="chunks", dimensions=64, client=QueryableS3Vectors(s3vectors))
    store.ensure_schema()  # creates the index (cosine, text non-filterable)
    index = s3vectors.get_index(vectorBucketName="kb-vectors", indexName="chunks")["index"]
    assert (index["dimension"], index["distanceMetric"]) == (64, "cosine")
    exercise_contract(store)


def test_s3vectors_rejects_an_index_of_another_dimension(s3vectors: Any) -> None:
    s3vectors.create_index(
        vectorBucketName="kb-vectors", indexName="small", dataType="float32", dimension=8, distanceMetric="cosine"
    )
    with pytest.raises(ConfigurationError, match="dimension 8"):
        S3VectorsStore(bucket="kb-vectors", index="small", dimensions=64, client=s3vectors).ensure_schema()


def test_s3vectors_batches_writes_and_deletes_within_api_limits() -> None:
    import boto3

    client = boto3.client("s3vectors", region_name="us-east-1")
    store = S3VectorsStore(bucket="kb-vectors", index="chunks", dimensions=4, client=client)
    doc = "s3://kb-docs/big.txt"
    chunks = [EmbeddedChunk(Chunk(i, f"t{i}"), [1.0, 0.0, 0.0, float(i)]) for i in range(1200)]
    ref = {"vectorBucketName": "kb-vectors", "indexName": "chunks"}
    manifest_key = store._manifest_key(doc)
    with Stubber(client) as stub:
        stub.add_response("get_vectors", {"vectors": []}, {**ref, "keys": [manifest_key], "returnMetadata": True})
        for _batch in (500, 500, 200):
            stub.add_response("put_vectors", {}, {**ref, "vectors": ANY})
        stub.add_response("put_vectors", {}, {**ref, "vectors": ANY})  # manifest
        assert store.upsert(doc, version("big.txt", "v1", 1), chunks)
        stub.assert_no_pending_responses()
        old_manifest = {
            "key": manifest_key,
            "metadata": {
                "kind": "manifest",
                "bucket": "kb-docs",
                "key": "big.txt",
                "version_id": "v1",
                "sequencer": "01",
                "event_time": T0.isoformat(),
                "fingerprint": "fp1",
                "chunk_count": 1200,
            },
        }
        stub.add_response(
            "get_vectors", {"vectors": [old_manifest]}, {**ref, "keys": [manifest_key], "returnMetadata": True}
        )
        stub.add_response("put_vectors", {}, {**ref, "vectors": ANY})
        stub.add_response("delete_vectors", {}, {**ref, "keys": [store._chunk_key(doc, i) for i in range(1, 501)]})
        stub.add_response("delete_vectors", {}, {**ref, "keys": [store._chunk_key(doc, i) for i in range(501, 1001)]})
        stub.add_response("delete_vectors", {}, {**ref, "keys": [store._chunk_key(doc, i) for i in range(1001, 1200)]})
        stub.add_response("put_vectors", {}, {**ref, "vectors": ANY})
        assert store.upsert(doc, version("big.txt", "v2", 2), chunks[:1])
        stub.assert_no_pending_responses()


# --------------------------------------------------------------------------- OpenSearch


class FakeOpenSearch:
    """Just enough of the OpenSearch REST API for OpenSearchStore: index create/HEAD,
    _bulk (index without id, delete by id), _search with bool/term/terms filters and
    knn (faiss innerproduct score: 1 + ip, or 1 / (1 - ip) when ip < 0)."""

    def __init__(self) -> None:
        self.indices: dict[str, dict[str, Any]] = {}
        self.docs: dict[str, dict[str, Any]] = {}
        self.next_id = 0
        self.requests: list[tuple[str, str]] = []

    def request(self, method: str, path: str, body: bytes | None = None) -> tuple[int, bytes]:
        self.requests.append((method, path))
        if method == "HEAD":
            return (200 if path.strip("/") in self.indices else 404), b""
        if method == "PUT":
            self.indices[path.strip("/")] = json.loads(body or b"{}")
            return 200, b'{"acknowledged": true}'
        if path == "/_bulk":
            lines = [json.loads(line) for line in (body or b"").decode().splitlines() if line]
            items, i = [], 0
            while i < len(lines):
                action = lines[i]
                if "index" in action:
                    self.next_id += 1
                    self.docs[f"id{self.next_id}"] = lines[i + 1]
                    items.append({"index": {"_id": f"id{self.next_id}", "status": 201}})
                    i += 2
                else:
                    self.docs.pop(action["delete"]["_id"], None)
                    items.append({"delete": {"_id": action["delete"]["_id"], "status": 200}})
                    i += 1
            return 200, json.dumps({"errors": False, "items": items}).encode()
        if path.endswith("/_search"):
            return 200, json.dumps(self._search(json.loads(body or b"{}"))).encode()
        return 400, b'{"error": "unsupported"}'

    @staticmethod
    def _match(doc: dict[str, Any], clauses: list[dict[str, Any]]) -> bool:
        for clause in clauses:
            kind, spec = next(iter(clause.items()))
            field, wanted = next(iter(spec.items()))
            value = doc.get(field)
            values = value if isinstance(value, list) else [value]
            accepted = wanted if kind == "terms" else [wanted]
            if not set(values) & set(accepted):
                return False
        return True

    def _search(self, body: dict[str, Any]) -> dict[str, Any]:
        query = body["query"]
        hits = []
        if "knn" in query:
            spec = query["knn"]["embedding"]
            clauses = spec["filter"]["bool"]["filter"]
            for doc_id, doc in self.docs.items():
                if "embedding" in doc and self._match(doc, clauses):
                    ip = sum(a * b for a, b in zip(spec["vector"], doc["embedding"], strict=True))
                    score = 1 + ip if ip >= 0 else 1 / (1 - ip)
                    hits.append(
                        {"_id": doc_id, "_score": score, "_source": {k: v for k, v in doc.items() if k != "embedding"}}
                    )
            hits.sort(key=lambda h: -h["_score"])
            hits = hits[: spec["k"]]
        else:
            clauses = query["bool"]["filter"]
            source = body.get("_source", True)
            for doc_id, doc in self.docs.items():
                if self._match(doc, clauses):
                    src = (
                        doc if source is True else ({} if source is False else {k: doc[k] for k in source if k in doc})
                    )
                    hits.append({"_id": doc_id, "_score": 0.0, "_source": src})
        return {"hits": {"hits": hits[: body.get("size", 10)]}}


def test_opensearch_contract() -> None:
    fake = FakeOpenSearch()
    store = OpenSearchStore(index="kb", dimensions=64, transport=fake)
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


def test_opensearch_score_transform_round_trips() -> None:
    for cosine in (-0.9, -0.2, 0.0, 0.3, 1.0):
        score = 1 + cosine if cosine >= 0 else 1 / (1 - cosine)
        assert OpenSearchStore.similarity_from_score(score) == pytest.approx(cosine)


def test_sigv4_transport_signs_for_aoss_with_the_payload_hash() -> None:
    from botocore.credentials import Credentials

    transport = SigV4Transport(
        "abc123.us-east-1.aoss.amazonaws.com", region="us-east-1", credentials=Credentials("AKIDEXAMPLE", "secret")
    )
    body = b'{"query": {"match_all": {}}}'
    headers = transport.signed_headers("POST", "/kb/_search", body)
    assert transport.endpoint == "https://abc123.us-east-1.aoss.amazonaws.com"
    assert headers["Authorization"].startswith("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/")
    assert "/us-east-1/aoss/aws4_request" in headers["Authorization"]
    assert "x-amz-content-sha256" in headers["Authorization"]
    import hashlib

    assert headers["x-amz-content-sha256"] == hashlib.sha256(body).hexdigest()
