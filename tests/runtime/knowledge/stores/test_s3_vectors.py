"""S3VectorsStore on moto (Put/Get/Delete/ListVectors) plus brute-force QueryVectors, and its API limits."""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import Any

import pytest
from botocore.stub import ANY, Stubber

from fmkit.knowledge.errors import ConfigurationError
from fmkit.knowledge.models import Chunk, EmbeddedChunk
from fmkit.knowledge.stores import S3VectorsStore
from tests.runtime.knowledge.stores.contract import T0, exercise_contract, version

pytestmark = pytest.mark.runtime

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
