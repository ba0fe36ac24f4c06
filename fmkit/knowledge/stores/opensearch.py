"""OpenSearch Serverless vector search collection (k-NN plugin API, faiss HNSW), over HTTPS + SigV4.

No transactions: like S3 Vectors, a per-document manifest record carries the version check,
and search is near-real-time, so a record written a second ago may not be visible to the
stale-record search yet (documented limitation; pgvector has neither).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from typing import Any

from ..errors import TransientError
from ..models import DocumentState, DocumentVersion, EmbeddedChunk, QueryFilters, QueryHit, folder_prefixes
from .base import may_apply, normalised
from .codec import chunk_metadata, hit_from_metadata, manifest_metadata, state_from_manifest
from .filters import opensearch_filter
from .opensearch_transport import HttpTransport

MAPPING_KEYWORDS = ("kind", "generation", "source_key", "bucket", "key", "key_prefixes", "version_id", "sequencer",
                    "fingerprint", "doc_type", "content_hash")
"""Fields indexed as exact-match keywords (filters and the stale-record search use them)."""


class OpenSearchStore:
    """OpenSearch Serverless vector search collection (k-NN plugin API, faiss HNSW).

    Vector search collections assign document ids themselves, so a write is: bulk-index
    the new chunks and a new manifest, all tagged with a fresh `generation`; then find
    the document's records of any other generation and bulk-delete them by `_id`.
    Vectors are L2-normalised and indexed with `innerproduct` (equal to cosine on unit
    vectors). Search is near-real-time: a record written a second ago may not be visible
    to the stale-record search yet (documented limitation).
    """

    def __init__(self, *, index: str, dimensions: int, transport: HttpTransport) -> None:
        self.index = index
        self.dimensions = dimensions
        self.transport = transport

    def _call(self, method: str, path: str, body: Any | None = None, *, ndjson: bool = False) -> dict[str, Any]:
        if body is None:
            data = None
        elif ndjson:
            data = ("\n".join(json.dumps(line) for line in body) + "\n").encode()
        else:
            data = json.dumps(body).encode()
        status, payload = self.transport.request(method, path, data)
        if status >= 300:
            raise TransientError(f"OpenSearch {method} {path} -> HTTP {status}: {payload[:500]!r}")
        return dict(json.loads(payload)) if payload else {}

    def ensure_schema(self) -> None:
        status, _ = self.transport.request("HEAD", f"/{self.index}")
        if status == 200:
            return
        if status != 404:
            raise TransientError(f"OpenSearch HEAD /{self.index} -> HTTP {status}")
        properties: dict[str, Any] = {name: {"type": "keyword"} for name in MAPPING_KEYWORDS}
        properties.update({
            "embedding": {
                "type": "knn_vector",
                "dimension": self.dimensions,
                "method": {"name": "hnsw", "engine": "faiss", "space_type": "innerproduct"},
            },
            "event_time": {"type": "date"},
            "chunk_index": {"type": "integer"},
            "chunk_count": {"type": "integer"},
            "deleted": {"type": "boolean"},
            "section": {"type": "text"},
            "text": {"type": "text"},
        })
        self._call("PUT", f"/{self.index}",
                   {"settings": {"index": {"knn": True}}, "mappings": {"properties": properties}})

    def _search(self, body: dict[str, Any]) -> list[dict[str, Any]]:
        return list(self._call("POST", f"/{self.index}/_search", body).get("hits", {}).get("hits", []))

    def _records(self, doc_id: str, kind: str | None = None, source: Any = False) -> list[dict[str, Any]]:
        filters: list[dict[str, Any]] = [{"term": {"source_key": doc_id}}]
        if kind:
            filters.append({"term": {"kind": kind}})
        return self._search({"size": 10000, "_source": source, "query": {"bool": {"filter": filters}}})

    def get_state(self, doc_id: str) -> DocumentState | None:
        manifests = [state_from_manifest(h["_source"]) for h in self._records(doc_id, "manifest", source=True)]
        if not manifests:
            return None
        newest = manifests[0]
        for state in manifests[1:]:
            if newest.position.is_older_than(state.position):
                newest = state
        return newest

    def reusable_embeddings(self, doc_id: str, fingerprint: str) -> dict[str, list[float]]:
        hits = self._records(doc_id, "chunk", source=["content_hash", "fingerprint", "embedding"])
        return {
            h["_source"]["content_hash"]: [float(v) for v in h["_source"]["embedding"]]
            for h in hits
            if h.get("_source", {}).get("fingerprint") == fingerprint and "embedding" in h.get("_source", {})
        }

    @staticmethod
    def _manifest_doc(doc_id: str, version: DocumentVersion, generation: str, count: int) -> dict[str, Any]:
        return {**manifest_metadata(version, count), "generation": generation, "source_key": doc_id}

    def _bulk(self, lines: list[dict[str, Any]]) -> None:
        if not lines:
            return
        response = self._call("POST", "/_bulk", lines, ndjson=True)
        if response.get("errors"):
            failed = [item for item in response.get("items", []) for op in item.values() if op.get("error")]
            first = next(iter(failed[0].values()))["error"] if failed else "unknown"
            raise TransientError(f"OpenSearch bulk request had {len(failed)} failed item(s): {first}")

    def _delete_other_generations(self, doc_id: str, generation: str) -> None:
        records = self._records(doc_id, source=["generation"])
        stale = [h["_id"] for h in records if h.get("_source", {}).get("generation") != generation]
        self._bulk([{"delete": {"_index": self.index, "_id": record_id}} for record_id in stale])

    def upsert(self, doc_id: str, version: DocumentVersion, chunks: Sequence[EmbeddedChunk]) -> bool:
        if not may_apply(self.get_state(doc_id), version):
            return False
        generation = uuid.uuid4().hex
        prefixes = folder_prefixes(version.key)
        lines: list[dict[str, Any]] = []
        for item in chunks:
            lines.append({"index": {"_index": self.index}})
            lines.append(
                {
                    **chunk_metadata(version, item, prefixes),
                    "generation": generation,
                    "source_key": doc_id,
                    "embedding": normalised(item.vector),
                }
            )
        lines.append({"index": {"_index": self.index}})
        lines.append(self._manifest_doc(doc_id, version, generation, len(chunks)))
        self._bulk(lines)
        self._delete_other_generations(doc_id, generation)
        return True

    def delete_document(
        self, doc_id: str, keep_version: str | None = None, *, tombstone: DocumentVersion | None = None
    ) -> bool:
        state = self.get_state(doc_id)
        if tombstone is not None and not may_apply(state, tombstone):
            return False
        if tombstone is None and keep_version is not None and state is not None and state.version_id == keep_version:
            return True
        chunk_ids = [
            h["_id"]
            for h in self._records(doc_id, "chunk", source=["version_id"])
            if keep_version is None or h.get("_source", {}).get("version_id") != keep_version
        ]
        self._bulk([{"delete": {"_index": self.index, "_id": cid}} for cid in chunk_ids])
        if tombstone is not None:
            generation = uuid.uuid4().hex
            self._bulk(
                [
                    {"index": {"_index": self.index}},
                    self._manifest_doc(doc_id, tombstone.model_copy(update={"deleted": True}), generation, 0),
                ]
            )
            stale = [
                h["_id"]
                for h in self._records(doc_id, "manifest", source=["generation"])
                if h.get("_source", {}).get("generation") != generation
            ]
            self._bulk([{"delete": {"_index": self.index, "_id": mid}} for mid in stale])
        return True

    @staticmethod
    def similarity_from_score(score: float) -> float:
        """Invert the faiss innerproduct score transform (1 + ip if ip >= 0 else 1 / (1 - ip))."""
        return score - 1.0 if score >= 1.0 else 1.0 - 1.0 / score

    def query(self, vector: Sequence[float], k: int, filters: QueryFilters | None = None) -> list[QueryHit]:
        body = {
            "size": k,
            "_source": {"excludes": ["embedding"]},
            "query": {
                "knn": {
                    "embedding": {
                        "vector": normalised(vector),
                        "k": k,
                        "filter": {"bool": {"filter": opensearch_filter(filters)}},
                    }
                }
            },
        }
        return [hit_from_metadata(hit.get("_source", {}), self.similarity_from_score(float(hit.get("_score", 0.0))))
                for hit in self._search(body)]
