"""The `VectorStore` protocol every backend implements, and the checks they share.

Contract (all implementations):

- `ensure_schema()`: create or verify what the store needs (tables + HNSW index, vector
  index, mapping).
- `get_state(doc_id)`: what is recorded for a document (version, position, fingerprint,
  chunk count, or a tombstone), `None` if never seen.
- `reusable_embeddings(doc_id, fingerprint)`: `{content_hash: vector}` of the document's
  current chunks produced by the same pipeline fingerprint, so an overwrite re-embeds only
  the chunks whose text changed.
- `upsert(doc_id, version, chunks)`: make `chunks` the document's chunks, keyed by (source
  key, chunk index), each with version id, content hash and metadata, and remove every
  stale chunk of the document. Returns `False` and writes nothing when a newer version or
  delete is already recorded (out-of-order event).
- `delete_document(doc_id, keep_version=None, *, tombstone=None)`: remove the document's
  chunks except those of `keep_version`. With `tombstone` (a delete event) the removal only
  happens if the delete is not older than what is recorded, and the tombstone is recorded
  so an older "created" event arriving later cannot resurrect the document. Returns whether
  anything was applied.
- `query(vector, k, filters)`: the top-`k` chunks by cosine similarity, best first.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Protocol, runtime_checkable

from ..models import DocumentState, DocumentVersion, DocumentWrite, EmbeddedChunk, QueryFilters, QueryHit


@runtime_checkable
class VectorStore(Protocol):
    def ensure_schema(self) -> None: ...

    def get_state(self, doc_id: str) -> DocumentState | None: ...

    def reusable_embeddings(self, doc_id: str, fingerprint: str) -> dict[str, list[float]]: ...

    def upsert(self, doc_id: str, version: DocumentVersion, chunks: Sequence[EmbeddedChunk]) -> bool: ...

    def delete_document(
        self, doc_id: str, keep_version: str | None = None, *, tombstone: DocumentVersion | None = None
    ) -> bool: ...

    def query(self, vector: Sequence[float], k: int, filters: QueryFilters | None = None) -> list[QueryHit]: ...


@runtime_checkable
class BulkLoadable(Protocol):
    """A store with a bulk mode for the first load of an empty (or rebuilt) store.

    - `begin_bulk_load(job)`: enter bulk mode when the store is empty, or join a bulk load
      still in progress (then the vector index is left unbuilt until it finishes); `False`
      means "not empty: keep writing incrementally".
    - `bulk_load_active()`: whether some bulk load is in progress (writers then batch).
    - `bulk_upsert(writes)`: `upsert` for many documents in one transaction, with the same
      version checks; returns, per write, whether it applied.
    - `finish_bulk_load(job)`: build the vector index once and leave bulk mode: `built`,
      `ready` (already there), `deferred` (another bulk load still runs and builds it)
      or `building` (a build is still running: call again later).
    """

    def begin_bulk_load(self, job: str) -> bool: ...

    def bulk_load_active(self) -> bool: ...

    def bulk_upsert(self, writes: Sequence[DocumentWrite]) -> list[bool]: ...

    def finish_bulk_load(self, job: str) -> str: ...


def may_apply(recorded: DocumentState | None, incoming: DocumentVersion) -> bool:
    """Whether a write may replace what is recorded: it must not be older (ties apply)."""
    return recorded is None or not incoming.position.is_older_than(recorded.position)


def normalised(vector: Sequence[float]) -> list[float]:
    """`vector` scaled to unit length (left alone when it is all zeros)."""
    norm = math.sqrt(sum(float(v) * float(v) for v in vector))
    return [float(v) / norm for v in vector] if norm else [float(v) for v in vector]
