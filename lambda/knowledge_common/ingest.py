"""Ingestion logic: object event -> fetch -> parse -> chunk -> embed -> upsert.

Handlers stay thin; everything that decides *what happens to a document* is here and
talks to the outside world only through three ports: an :class:`ObjectSource` (S3),
an :class:`~knowledge_common.embedding.Embedder` and a
:class:`~knowledge_common.stores.VectorStore`.

Created event / bulk item
    1. out of scope (prefix/suffix) -> ``skipped``;
    2. a newer version or delete is already recorded -> ``superseded`` (out-of-order
       event); the same version with the same pipeline fingerprint -> ``skipped``;
    3. fetch that exact version (``GetObject VersionId=``); gone -> ``skipped`` (its
       delete event cleans up); larger than ``MAX_OBJECT_BYTES`` -> permanent
       ``UnparseableDocument`` before the body is read;
    4. parse, chunk (empty / corrupt / too many chunks -> ``UnparseableDocument``);
    5. embed only chunks whose content hash has no reusable vector (same fingerprint);
    6. ``store.upsert`` writes the chunks and removes the stale ones (atomic in
       pgvector, where the version check is repeated under a lock).
Deleted event
    * "Delete Marker Created", or a delete in an unversioned bucket: remove the chunks
      and record a tombstone, unless a newer version is indexed;
    * "Permanently Deleted" of a version id: only acts if that version is the indexed
      one; then the object's now-current version (if any) is ingested in its place.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from .chunking import chunk_text
from .embedding import Embedder
from .errors import UnparseableDocument
from .events import ObjectEvent
from .models import DocumentVersion, EmbeddedChunk, IngestResult, Position, source_key_of
from .parsing import parse_document
from .runtime import build_embedder, build_store
from .settings import Settings
from .stores import VectorStore

PERMANENTLY_DELETED = "Permanently Deleted"


class ObjectGone(Exception):
    """The object (or that version of it) no longer exists."""


@dataclass(frozen=True, slots=True)
class ObjectInfo:
    version_id: str | None
    last_modified: datetime
    size: int


@dataclass(frozen=True, slots=True)
class FetchedObject:
    info: ObjectInfo
    data: bytes


class ObjectSource(Protocol):
    def head(self, bucket: str, key: str, version_id: str | None = None) -> ObjectInfo | None: ...

    def fetch(self, bucket: str, key: str, version_id: str | None, max_bytes: int) -> FetchedObject: ...


def _too_large(size: int, max_bytes: int) -> UnparseableDocument:
    return UnparseableDocument(
        f"object too large: {size} bytes > MAX_OBJECT_BYTES={max_bytes}; "
        "raise MAX_OBJECT_BYTES (and the function's memory) or split the document"
    )


class S3ObjectSource:
    """Versioned reads from S3; never downloads more than ``max_bytes`` (+1) bytes."""

    MISSING = frozenset({"NoSuchKey", "NoSuchVersion", "404", "NotFound", "MethodNotAllowed", "405"})

    def __init__(self, client: Any | None = None) -> None:
        if client is None:
            import boto3

            client = boto3.client("s3")
        self.client = client

    def _missing(self, exc: Exception) -> bool:
        code = str(getattr(exc, "response", {}).get("Error", {}).get("Code", ""))
        return code in self.MISSING

    def head(self, bucket: str, key: str, version_id: str | None = None) -> ObjectInfo | None:
        from botocore.exceptions import ClientError

        kwargs: dict[str, Any] = {"Bucket": bucket, "Key": key}
        if version_id:
            kwargs["VersionId"] = version_id
        try:
            response = self.client.head_object(**kwargs)
        except ClientError as exc:
            if self._missing(exc):
                return None
            raise
        return ObjectInfo(
            version_id=response.get("VersionId") or None,
            last_modified=response["LastModified"],
            size=int(response.get("ContentLength", 0)),
        )

    def fetch(self, bucket: str, key: str, version_id: str | None, max_bytes: int) -> FetchedObject:
        from botocore.exceptions import ClientError

        kwargs: dict[str, Any] = {"Bucket": bucket, "Key": key}
        if version_id:
            kwargs["VersionId"] = version_id
        try:
            response = self.client.get_object(**kwargs)
        except ClientError as exc:
            if self._missing(exc):
                raise ObjectGone(f"s3://{bucket}/{key} version {version_id} no longer exists") from exc
            raise
        body = response["Body"]
        size = int(response.get("ContentLength", 0))
        try:
            if size > max_bytes:
                raise _too_large(size, max_bytes)
            data = body.read(max_bytes + 1)
        finally:
            body.close()
        if len(data) > max_bytes:
            raise _too_large(len(data), max_bytes)
        info = ObjectInfo(
            version_id=response.get("VersionId") or version_id,
            last_modified=response["LastModified"],
            size=len(data),
        )
        return FetchedObject(info=info, data=data)


class Ingestor:
    def __init__(
        self,
        settings: Settings,
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
        self.fingerprint = settings.pipeline_fingerprint

    # ------------------------------------------------------------------ entry points
    def handle(self, event: ObjectEvent) -> IngestResult:
        if event.kind == "created":
            return self.ingest(event.bucket, event.key, event.version_id, event.position)
        return self.remove(event)

    def ingest(
        self, bucket: str, key: str, version_id: str | None = None, position: Position | None = None
    ) -> IngestResult:
        """Index one object version. ``position`` is ``None`` for bulk items (taken from
        the object's ``LastModified``)."""
        doc_id = source_key_of(bucket, key)
        accepted, why = self.settings.accepts_key(key)
        if not accepted:
            return IngestResult(status="skipped", source_key=doc_id, version_id=version_id, reason=why)

        if position is None:
            info = self.source.head(bucket, key, version_id)
            if info is None:
                return IngestResult(
                    status="skipped",
                    source_key=doc_id,
                    version_id=version_id,
                    reason="object no longer exists",
                )
            version_id = info.version_id
            if info.size > self.settings.max_object_bytes:
                raise _too_large(info.size, self.settings.max_object_bytes)
            position = Position(sequencer=None, timestamp=info.last_modified)

        state = self.store.get_state(doc_id)
        if state is not None:
            if position.is_older_than(state.position):
                what = "delete" if state.deleted else f"version {state.version_id}"
                return IngestResult(
                    status="superseded",
                    source_key=doc_id,
                    version_id=version_id,
                    reason=f"a newer {what} is already recorded (out-of-order event)",
                )
            same_version = (version_id is not None and state.version_id == version_id) or (
                version_id is None and position.sequencer is not None and state.position == position
            )
            if same_version and not state.deleted and state.fingerprint == self.fingerprint:
                return IngestResult(
                    status="skipped",
                    source_key=doc_id,
                    version_id=version_id,
                    chunks=state.chunk_count,
                    reason="this version is already indexed",
                )

        try:
            fetched = self.source.fetch(bucket, key, version_id, self.settings.max_object_bytes)
        except ObjectGone as exc:
            return IngestResult(status="skipped", source_key=doc_id, version_id=version_id, reason=str(exc))
        version_id = fetched.info.version_id

        parsed = parse_document(key, fetched.data, max_bytes=self.settings.max_object_bytes)
        chunks = chunk_text(
            parsed.text, self.settings.chunk_strategy, self.settings.chunk_size, self.settings.chunk_overlap
        )
        if not chunks:
            raise UnparseableDocument("empty document: no text left after chunking")
        if len(chunks) > self.settings.max_chunks_per_document:
            raise UnparseableDocument(
                f"too many chunks: {len(chunks)} > MAX_CHUNKS_PER_DOCUMENT={self.settings.max_chunks_per_document}"
            )

        reusable: dict[str, list[float]] = {}
        if state is not None and not state.deleted and state.fingerprint == self.fingerprint:
            reusable = self.store.reusable_embeddings(doc_id, self.fingerprint)
        pending: dict[str, str] = {}
        for chunk in chunks:
            if chunk.content_hash not in reusable:
                pending.setdefault(chunk.content_hash, chunk.text)
        if pending:
            hashes = list(pending)
            vectors = self.embedder.embed_documents([pending[h] for h in hashes])
            fresh = dict(zip(hashes, vectors, strict=True))
        else:
            fresh = {}
        embedded = [EmbeddedChunk(c, fresh.get(c.content_hash) or reusable[c.content_hash]) for c in chunks]

        version = DocumentVersion(
            bucket=bucket,
            key=key,
            version_id=version_id,
            position=position,
            fingerprint=self.fingerprint,
            doc_type=parsed.doc_type,
        )
        if not self.store.upsert(doc_id, version, embedded):
            return IngestResult(
                status="superseded",
                source_key=doc_id,
                version_id=version_id,
                reason="a newer version was recorded while this one was processed",
            )
        result = IngestResult(
            status="indexed",
            source_key=doc_id,
            version_id=version_id,
            chunks=len(chunks),
            embedded=len(fresh),
            reused=sum(1 for c in chunks if c.content_hash not in fresh),
        )
        self.log.info("document indexed", extra=result.model_dump())
        return result

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
            # The purged version was current: S3 now serves the previous version (or a
            # delete marker) and emits no event for it, so reconcile here.
            current = self.source.head(event.bucket, event.key)
            if current is not None and current.version_id != event.version_id:
                restored = self.ingest(event.bucket, event.key, current.version_id, event.position)
                if restored.status == "indexed":
                    return restored.model_copy(
                        update={"reason": f"permanently deleted {event.version_id}; indexed the current version"}
                    )
        return IngestResult(status="deleted", source_key=doc_id, version_id=event.version_id, chunks=removed, reason="")


def ingest_many(ingestor: Ingestor, items: Sequence[tuple[str, str, str | None]]) -> list[IngestResult]:
    """Convenience for scripts/bench: ingest (bucket, key, version_id) items in order."""
    return [ingestor.ingest(bucket, key, version_id) for bucket, key, version_id in items]


def build_ingestor(
    settings: Settings,
    *,
    source: ObjectSource | None = None,
    embedder: Embedder | None = None,
    store: VectorStore | None = None,
    logger: Any | None = None,
) -> Ingestor:
    """Cold-start wiring shared by the SQS handler and the bulk item handler (tests pass fakes)."""
    store = store or build_store(settings)
    if settings.ensure_schema:
        store.ensure_schema()
    return Ingestor(
        settings,
        source=source or S3ObjectSource(),
        embedder=embedder or build_embedder(settings),
        store=store,
        logger=logger,
    )
