"""The metadata S3 Vectors and OpenSearch keep beside each vector, written and read once.

Both stores have no tables: a chunk's vector carries its document's identity and position
as metadata, and each document has one *manifest* record (`kind = manifest`) holding what
the pgvector backend keeps in its documents table. Queries filter on `kind = chunk`.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from ..models import DocumentState, DocumentVersion, EmbeddedChunk, Position, QueryHit, source_key_of


def chunk_metadata(version: DocumentVersion, item: EmbeddedChunk, prefixes: list[str]) -> dict[str, Any]:
    """A chunk's metadata; `prefixes` are the key's folder prefixes (for prefix filters)."""
    return {
        "kind": "chunk",
        "bucket": version.bucket,
        "key": version.key,
        "key_prefixes": prefixes,
        "version_id": version.version_id or "",
        "chunk_index": item.chunk.index,
        "content_hash": item.chunk.content_hash,
        "fingerprint": version.fingerprint,
        "doc_type": version.doc_type,
        "section": item.chunk.section,
        "text": item.chunk.text,
    }


def manifest_metadata(version: DocumentVersion, chunk_count: int) -> dict[str, Any]:
    """A document's manifest: the recorded version, position and chunk count (or a tombstone)."""
    return {
        "kind": "manifest",
        "bucket": version.bucket,
        "key": version.key,
        "version_id": version.version_id or "",
        "sequencer": version.position.sequencer or "",
        "event_time": version.position.timestamp.isoformat(),
        "fingerprint": version.fingerprint,
        "doc_type": version.doc_type,
        "deleted": version.deleted,
        "chunk_count": chunk_count,
    }


def state_from_manifest(meta: Mapping[str, Any]) -> DocumentState:
    """The inverse of `manifest_metadata`."""
    return DocumentState(
        bucket=meta["bucket"],
        key=meta["key"],
        version_id=meta.get("version_id") or None,
        position=Position(sequencer=meta.get("sequencer") or None,
                          timestamp=datetime.fromisoformat(meta["event_time"])),
        fingerprint=meta.get("fingerprint", ""),
        doc_type=meta.get("doc_type", ""),
        deleted=bool(meta.get("deleted", False)),
        chunk_count=int(meta.get("chunk_count", 0)),
    )


def hit_from_metadata(meta: Mapping[str, Any], score: float) -> QueryHit:
    """A query result from a chunk's metadata (or a pgvector row read as a mapping)."""
    bucket, key = meta.get("bucket", ""), meta.get("key", "")
    return QueryHit(
        text=meta.get("text", ""),
        score=score,
        source_key=meta.get("source_key") or source_key_of(bucket, key),
        bucket=bucket,
        key=key,
        version_id=meta.get("version_id") or None,
        chunk_index=int(meta.get("chunk_index", 0)),
        content_hash=meta.get("content_hash", ""),
        section=meta.get("section", ""),
        doc_type=meta.get("doc_type", ""),
    )
