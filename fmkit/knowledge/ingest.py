"""Ingestion logic: object event -> fetch -> parse -> chunk -> embed -> upsert.

Handlers stay thin; everything that decides *what happens to a document* is here and
talks to the outside world only through three ports: an `ObjectSource` (S3 or a folder),
an `Embedder` and a `VectorStore`.

**Created event / bulk item**

1. out of scope (prefix/suffix) -> `skipped`;
2. a newer version or delete is already recorded -> `superseded` (out-of-order event);
   the same version with the same pipeline fingerprint -> `skipped`;
3. fetch that exact version (`GetObject VersionId=`); gone -> `skipped` (its delete event
   cleans up); larger than `MAX_OBJECT_BYTES` -> permanent `UnparseableDocument` before
   the body is read;
4. parse, chunk (empty / corrupt / too many chunks -> `UnparseableDocument`);
5. embed only chunks whose content hash has no reusable vector (same fingerprint);
6. `store.upsert` writes the chunks and removes the stale ones (atomic in pgvector, where
   the version check is repeated under a lock). A bulk load runs steps 1-5 per document
   (`prepare`) and writes a batch at once (`fmkit.knowledge.bulk`).

**Deleted event**

- "Delete Marker Created", or a delete in an unversioned bucket: remove the chunks and
  record a tombstone, unless a newer version is indexed;
- "Permanently Deleted" of a version id: only acts if that version is the indexed one;
  then the object's now-current version (if any) is ingested in its place.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from fmkit.contracts.knowledge import KnowledgeSettings

from .chunking import chunk_text
from .embedding import Embedder
from .errors import UnparseableDocument
from .models import (
    Chunk,
    DocumentState,
    DocumentVersion,
    DocumentWrite,
    EmbeddedChunk,
    IngestResult,
    ObjectEvent,
    Position,
    source_key_of,
)
from .parsing import parse_document
from .sources import ObjectGone, ObjectSource, too_large
from .stores import VectorStore

PERMANENTLY_DELETED = "Permanently Deleted"


def pipeline_fingerprint(settings: KnowledgeSettings) -> str:
    """Identifies what produced the vectors: re-ingesting with another model or chunking
    yields another fingerprint, so an unchanged object is re-processed instead of being
    skipped as "already indexed". (Stored with every document: never change the recipe.)"""
    material = "|".join(
        str(part)
        for part in (
            settings.embedding_provider,
            settings.embedding_model_id,
            settings.embedding_endpoint_name or "",
            settings.embedding_dimensions,
            settings.chunk_strategy,
            settings.chunk_size,
            settings.chunk_overlap,
        )
    )
    return hashlib.sha256(material.encode()).hexdigest()[:16]


def accepts_key(settings: KnowledgeSettings, key: str) -> tuple[bool, str]:
    """Whether an object key is in scope (prefix and suffix filters), with the reason if not."""
    if settings.source_prefixes and not any(key.startswith(p) for p in settings.source_prefixes):
        return False, f"key outside SOURCE_PREFIXES {list(settings.source_prefixes)}"
    lowered = key.lower()
    if not any(lowered.endswith(s) for s in settings.allowed_suffixes):
        return False, f"suffix not in ALLOWED_SUFFIXES {list(settings.allowed_suffixes)}"
    return True, ""


@dataclass(frozen=True, slots=True)
class PreparedDocument:
    """A document ready to be written: its chunks and vectors, and how many were embedded now."""

    write: DocumentWrite
    embedded: int
    reused: int


class _Skip(Exception):
    """Ends an ingestion early with a result that is not an error (skipped, superseded)."""

    def __init__(self, result: IngestResult) -> None:
        super().__init__(result.reason)
        self.result = result


class Ingestor:
    """Keeps a store in sync with the documents of an `ObjectSource`, one object at a time."""

    def __init__(
        self,
        settings: KnowledgeSettings,
        *,
        source: ObjectSource,
        embedder: Embedder,
        store: VectorStore,
        logger: Any | None = None,
    ) -> None:
        self.settings = settings
        self.source = source
        self.embedder = embedder
        self.store = store
        self.log = logger or logging.getLogger("knowledge.ingest")
        self.fingerprint = pipeline_fingerprint(settings)

    # ------------------------------------------------------------------ entry points
    def handle(self, event: ObjectEvent) -> IngestResult:
        if event.kind == "created":
            return self.ingest(event.bucket, event.key, event.version_id, event.position)
        return self.remove(event)

    def ingest(
        self, bucket: str, key: str, version_id: str | None = None, position: Position | None = None
    ) -> IngestResult:
        """Index one object version. `position` is `None` for bulk items and local files
        (then it is the object's `LastModified`)."""
        prepared = self.prepare(bucket, key, version_id, position)
        if isinstance(prepared, IngestResult):
            return prepared
        write = prepared.write
        return self.written(prepared, self.store.upsert(write.doc_id, write.version, write.chunks))

    def prepare(
        self, bucket: str, key: str, version_id: str | None = None, position: Position | None = None
    ) -> PreparedDocument | IngestResult:
        """Every step of `ingest` but the write: the document's chunks with their vectors,
        or the result that ends it early (skipped, superseded). Batched writers (bulk
        loads) prepare many documents, write them together, then call `written`."""
        doc_id = source_key_of(bucket, key)
        try:
            accepted, why = accepts_key(self.settings, key)
            if not accepted:
                raise _Skip(IngestResult(status="skipped", source_key=doc_id, version_id=version_id, reason=why))
            if position is None:
                version_id, position = self._current(bucket, key, version_id)
            state = self.store.get_state(doc_id)
            self._check_order(state, doc_id, version_id, position)
            return self._prepare(bucket, key, version_id, position, state)
        except _Skip as skip:
            return skip.result

    # ------------------------------------------------------------------ steps of ingest
    def _current(self, bucket: str, key: str, version_id: str | None) -> tuple[str | None, Position]:
        """Version and position of an object read without an event (bulk, local)."""
        info = self.source.head(bucket, key, version_id)
        if info is None:
            raise _Skip(IngestResult(status="skipped", source_key=source_key_of(bucket, key), version_id=version_id,
                                     reason="object no longer exists"))
        if info.size > self.settings.max_object_bytes:
            raise too_large(info.size, self.settings.max_object_bytes)
        return info.version_id, Position(sequencer=None, timestamp=info.last_modified)

    def _check_order(self, state: DocumentState | None, doc_id: str, version_id: str | None,
                     position: Position) -> None:
        if state is None:
            return
        if position.is_older_than(state.position):
            what = "delete" if state.deleted else f"version {state.version_id}"
            raise _Skip(IngestResult(status="superseded", source_key=doc_id, version_id=version_id,
                                     reason=f"a newer {what} is already recorded (out-of-order event)"))
        same_version = (version_id is not None and state.version_id == version_id) or (
            version_id is None and position.sequencer is not None and state.position == position
        )
        if same_version and not state.deleted and state.fingerprint == self.fingerprint:
            raise _Skip(IngestResult(status="skipped", source_key=doc_id, version_id=version_id,
                                     chunks=state.chunk_count, reason="this version is already indexed"))

    def _chunks(self, key: str, data: bytes) -> tuple[str, list[Chunk]]:
        parsed = parse_document(key, data, max_bytes=self.settings.max_object_bytes)
        chunks = chunk_text(
            parsed.text, self.settings.chunk_strategy, self.settings.chunk_size, self.settings.chunk_overlap
        )
        if not chunks:
            raise UnparseableDocument("empty document: no text left after chunking")
        if len(chunks) > self.settings.max_chunks_per_document:
            raise UnparseableDocument(
                f"too many chunks: {len(chunks)} > MAX_CHUNKS_PER_DOCUMENT={self.settings.max_chunks_per_document}"
            )
        return parsed.doc_type, chunks

    def _embed(self, doc_id: str, chunks: list[Chunk],
               state: DocumentState | None) -> tuple[list[EmbeddedChunk], set[str]]:
        """Vectors for every chunk, reusing stored ones of unchanged text; also the content
        hashes that were embedded now."""
        reusable: dict[str, list[float]] = {}
        if state is not None and not state.deleted and state.fingerprint == self.fingerprint:
            reusable = self.store.reusable_embeddings(doc_id, self.fingerprint)
        pending: dict[str, str] = {}
        for chunk in chunks:
            if chunk.content_hash not in reusable:
                pending.setdefault(chunk.content_hash, chunk.text)
        fresh: dict[str, list[float]] = {}
        if pending:
            hashes = list(pending)
            fresh = dict(zip(hashes, self.embedder.embed_documents([pending[h] for h in hashes]), strict=True))
        embedded = [EmbeddedChunk(c, fresh.get(c.content_hash) or reusable[c.content_hash]) for c in chunks]
        return embedded, set(fresh)

    def _prepare(self, bucket: str, key: str, version_id: str | None, position: Position,
                 state: DocumentState | None) -> PreparedDocument | IngestResult:
        doc_id = source_key_of(bucket, key)
        try:
            fetched = self.source.fetch(bucket, key, version_id, self.settings.max_object_bytes)
        except ObjectGone as exc:
            return IngestResult(status="skipped", source_key=doc_id, version_id=version_id, reason=str(exc))
        version_id = fetched.info.version_id
        doc_type, chunks = self._chunks(key, fetched.data)
        embedded, fresh = self._embed(doc_id, chunks, state)
        version = DocumentVersion(bucket=bucket, key=key, version_id=version_id, position=position,
                                  fingerprint=self.fingerprint, doc_type=doc_type)
        return PreparedDocument(DocumentWrite(doc_id, version, embedded), embedded=len(fresh),
                                reused=sum(1 for c in chunks if c.content_hash not in fresh))

    def written(self, prepared: PreparedDocument, applied: bool) -> IngestResult:
        """The result of a prepared document's write (`applied`: the store took it)."""
        write = prepared.write
        if not applied:
            return IngestResult(status="superseded", source_key=write.doc_id, version_id=write.version.version_id,
                                reason="a newer version was recorded while this one was processed")
        result = IngestResult(status="indexed", source_key=write.doc_id, version_id=write.version.version_id,
                              chunks=len(write.chunks), embedded=prepared.embedded, reused=prepared.reused)
        self.log.info("document indexed", extra=result.model_dump())
        return result

    # ------------------------------------------------------------------ deletes
    def remove(self, event: ObjectEvent) -> IngestResult:
        doc_id = event.source_key
        state = self.store.get_state(doc_id)
        purge_of_version = event.deletion_type == PERMANENTLY_DELETED and event.version_id is not None
        if purge_of_version and (state is None or state.version_id != event.version_id):
            return IngestResult(
                status="skipped",
                source_key=doc_id,
                version_id=event.version_id,
                reason="a version that is not the indexed one was permanently deleted",
            )
        tombstone = DocumentVersion(
            bucket=event.bucket,
            key=event.key,
            version_id=event.version_id,
            position=event.position,
            fingerprint=self.fingerprint,
            deleted=True,
        )
        if not self.store.delete_document(doc_id, tombstone=tombstone):
            return IngestResult(
                status="superseded",
                source_key=doc_id,
                version_id=event.version_id,
                reason="stale delete: a newer version is indexed",
            )
        removed = state.chunk_count if state is not None and not state.deleted else 0
        self.log.info("document removed", extra={"source_key": doc_id, "chunks_removed": removed})
        if purge_of_version:
            restored = self._restore_current(event)
            if restored is not None:
                return restored
        return IngestResult(status="deleted", source_key=doc_id, version_id=event.version_id, chunks=removed, reason="")

    def _restore_current(self, event: ObjectEvent) -> IngestResult | None:
        """After the indexed version was purged, S3 serves the previous version (or a delete
        marker) and emits no event for it: index what S3 serves now."""
        current = self.source.head(event.bucket, event.key)
        if current is None or current.version_id == event.version_id:
            return None
        restored = self.ingest(event.bucket, event.key, current.version_id, event.position)
        if restored.status != "indexed":
            return None
        return restored.model_copy(
            update={"reason": f"permanently deleted {event.version_id}; indexed the current version"}
        )


def ingest_many(ingestor: Ingestor, items: Sequence[tuple[str, str, str | None]]) -> list[IngestResult]:
    """Convenience for scripts/bench: ingest (bucket, key, version_id) items in order."""
    return [ingestor.ingest(bucket, key, version_id) for bucket, key, version_id in items]
