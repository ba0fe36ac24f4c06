"""Amazon S3 Vectors (boto3 `s3vectors`): PutVectors / GetVectors / DeleteVectors / QueryVectors.

No transactions: a per-document manifest record carries the version check (check, then
write), so two versions of one key written within the same second by concurrent
invocations can interleave; the docs recommend pgvector when that matters.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Any

from ..errors import ConfigurationError
from ..models import DocumentState, DocumentVersion, EmbeddedChunk, QueryFilters, QueryHit, folder_prefixes
from .base import may_apply
from .codec import chunk_metadata, hit_from_metadata, manifest_metadata, state_from_manifest
from .filters import s3_vectors_filter


class S3VectorsStore:
    """Amazon S3 Vectors (boto3 `s3vectors`): PutVectors / GetVectors / DeleteVectors / QueryVectors.

    Vector keys are `<sha256(source key)[:40]>#<chunk index>` (keys stay far below the
    1,024-character limit whatever the object key) and `<hash>#manifest` for the
    per-document manifest, which is stored as a vector too (metadata `kind=manifest`;
    every query filters on `kind=chunk`). Chunk text is stored in the `text` metadata
    key, which the index must declare non-filterable (filterable metadata is limited to
    2 KB per vector).
    """

    PUT_BATCH = 500  # PutVectors limit
    DELETE_BATCH = 500  # DeleteVectors limit
    GET_BATCH = 100  # GetVectors limit
    NON_FILTERABLE = ("text", "section")

    def __init__(self, *, bucket: str, index: str, dimensions: int, client: Any | None = None) -> None:
        if client is None:
            import boto3

            client = boto3.client("s3vectors")
        self.client = client
        self.bucket = bucket
        self.index = index
        self.dimensions = dimensions

    def _ref(self) -> dict[str, str]:
        return {"vectorBucketName": self.bucket, "indexName": self.index}

    @staticmethod
    def _base(doc_id: str) -> str:
        return hashlib.sha256(doc_id.encode("utf-8")).hexdigest()[:40]

    def _chunk_key(self, doc_id: str, index: int) -> str:
        return f"{self._base(doc_id)}#{index}"

    def _manifest_key(self, doc_id: str) -> str:
        return f"{self._base(doc_id)}#manifest"

    def ensure_schema(self) -> None:
        from botocore.exceptions import ClientError

        try:
            index = self.client.get_index(**self._ref())["index"]
        except ClientError as exc:
            code = exc.response.get("Error", {}).get("Code")
            if code not in ("NotFoundException", "ResourceNotFoundException"):
                raise
            self.client.create_index(
                **self._ref(),
                dataType="float32",
                dimension=self.dimensions,
                distanceMetric="cosine",
                metadataConfiguration={"nonFilterableMetadataKeys": list(self.NON_FILTERABLE)},
            )
            return
        if int(index.get("dimension", self.dimensions)) != self.dimensions:
            raise ConfigurationError(
                f"S3 Vectors index {self.index} has dimension {index.get('dimension')} "
                f"but EMBEDDING_DIMENSIONS={self.dimensions}"
            )
        if str(index.get("distanceMetric", "cosine")) != "cosine":
            raise ConfigurationError(f"S3 Vectors index {self.index} must use distanceMetric=cosine")

    def get_state(self, doc_id: str) -> DocumentState | None:
        found = self.client.get_vectors(**self._ref(), keys=[self._manifest_key(doc_id)], returnMetadata=True)
        vectors = found.get("vectors") or []
        if not vectors or not vectors[0].get("metadata"):
            return None
        return state_from_manifest(vectors[0]["metadata"])

    def _put_manifest(self, doc_id: str, version: DocumentVersion, chunk_count: int) -> None:
        unit = [1.0] + [0.0] * (self.dimensions - 1)
        self.client.put_vectors(
            **self._ref(),
            vectors=[
                {
                    "key": self._manifest_key(doc_id),
                    "data": {"float32": unit},
                    "metadata": manifest_metadata(version, chunk_count),
                }
            ],
        )

    def _delete_indices(self, doc_id: str, indices: range) -> None:
        keys = [self._chunk_key(doc_id, i) for i in indices]
        for start in range(0, len(keys), self.DELETE_BATCH):
            self.client.delete_vectors(**self._ref(), keys=keys[start : start + self.DELETE_BATCH])

    def reusable_embeddings(self, doc_id: str, fingerprint: str) -> dict[str, list[float]]:
        state = self.get_state(doc_id)
        if state is None or state.deleted or state.fingerprint != fingerprint:
            return {}
        keys = [self._chunk_key(doc_id, i) for i in range(state.chunk_count)]
        reusable: dict[str, list[float]] = {}
        for start in range(0, len(keys), self.GET_BATCH):
            found = self.client.get_vectors(
                **self._ref(), keys=keys[start : start + self.GET_BATCH], returnData=True, returnMetadata=True
            )
            for vector in found.get("vectors") or []:
                meta = vector.get("metadata") or {}
                data = (vector.get("data") or {}).get("float32")
                if data and meta.get("fingerprint") == fingerprint and meta.get("content_hash"):
                    reusable[meta["content_hash"]] = [float(v) for v in data]
        return reusable

    def upsert(self, doc_id: str, version: DocumentVersion, chunks: Sequence[EmbeddedChunk]) -> bool:
        state = self.get_state(doc_id)
        if not may_apply(state, version):
            return False
        prefixes = folder_prefixes(version.key)
        vectors = [
            {
                "key": self._chunk_key(doc_id, item.chunk.index),
                "data": {"float32": [float(v) for v in item.vector]},
                "metadata": chunk_metadata(version, item, prefixes),
            }
            for item in chunks
        ]
        for start in range(0, len(vectors), self.PUT_BATCH):
            self.client.put_vectors(**self._ref(), vectors=vectors[start : start + self.PUT_BATCH])
        previous = state.chunk_count if state is not None else 0
        if previous > len(vectors):
            self._delete_indices(doc_id, range(len(vectors), previous))
        self._put_manifest(doc_id, version, len(vectors))
        return True

    def delete_document(
        self, doc_id: str, keep_version: str | None = None, *, tombstone: DocumentVersion | None = None
    ) -> bool:
        state = self.get_state(doc_id)
        if tombstone is not None and not may_apply(state, tombstone):
            return False
        keep = state is not None and keep_version is not None and state.version_id == keep_version
        if state is not None and not keep:
            self._delete_indices(doc_id, range(state.chunk_count))
        if tombstone is not None:
            kept = state.chunk_count if keep and state is not None else 0
            self._put_manifest(doc_id, tombstone.model_copy(update={"deleted": True}), kept)
        elif state is not None and not keep:
            self._put_manifest(doc_id, state, 0)
        return True

    def query(self, vector: Sequence[float], k: int, filters: QueryFilters | None = None) -> list[QueryHit]:
        response = self.client.query_vectors(
            **self._ref(),
            topK=k,
            queryVector={"float32": [float(v) for v in vector]},
            filter=s3_vectors_filter(filters),
            returnMetadata=True,
            returnDistance=True,
        )
        # Cosine distance -> similarity.
        return [hit_from_metadata(item.get("metadata") or {}, 1.0 - float(item.get("distance", 1.0)))
                for item in response.get("vectors") or []]
