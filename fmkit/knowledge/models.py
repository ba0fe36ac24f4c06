"""Value types shared by the ingestion logic, the stores and the handlers.

**Ordering model.** S3 delivers events at least once and in no guaranteed order. Every write to the index
therefore carries a `Position` and a store only applies a write whose position
is not older than what it has recorded for that key (documents *and* tombstones):

- both sides have an S3 `sequencer` (every EventBridge "Object Created"/"Object
  Deleted" event does): the sequencers decide. S3 documents them as hexadecimal strings
  comparable for one key after left-padding, which is what comparing them as integers does;
- otherwise (bulk re-ingestion reads the object, it has no event): the timestamps decide
  (event `time` or the object's `LastModified`), and a tie is not "older".
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator


def content_hash(text: str) -> str:
    """Stable identity of a chunk's text (sha256 hex)."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def source_key_of(bucket: str, key: str) -> str:
    """The document id used by every store: `s3://bucket/key`."""
    return f"s3://{bucket}/{key}"


def _sequencer_value(sequencer: str) -> int:
    return int(sequencer, 16)


class Position(BaseModel):
    """Where a write sits in the history of one key (see module docstring)."""

    model_config = ConfigDict(frozen=True)

    sequencer: str | None = Field(None, pattern=r"^[0-9A-Fa-f]{1,64}$")
    timestamp: datetime

    @field_validator("timestamp")
    @classmethod
    def _aware(cls, value: datetime) -> datetime:
        return value if value.tzinfo else value.replace(tzinfo=UTC)

    def is_older_than(self, other: Position) -> bool:
        if self.sequencer is not None and other.sequencer is not None:
            return _sequencer_value(self.sequencer) < _sequencer_value(other.sequencer)
        return self.timestamp < other.timestamp


class DocumentVersion(BaseModel):
    """One version of one S3 object as the index knows it (or a tombstone, `deleted`)."""

    model_config = ConfigDict(frozen=True)

    bucket: str
    key: str
    version_id: str | None = None
    position: Position
    fingerprint: str = ""
    doc_type: str = ""
    deleted: bool = False

    @property
    def source_key(self) -> str:
        return source_key_of(self.bucket, self.key)


class DocumentState(DocumentVersion):
    """What a store has recorded for a document, plus how many chunks it holds."""

    chunk_count: int = 0


@dataclass(frozen=True, slots=True)
class Chunk:
    index: int
    text: str
    section: str = ""
    content_hash: str = field(default="")

    def __post_init__(self) -> None:
        if not self.content_hash:
            object.__setattr__(self, "content_hash", content_hash(self.text))


@dataclass(frozen=True, slots=True)
class EmbeddedChunk:
    chunk: Chunk
    vector: list[float]


@dataclass(frozen=True, slots=True)
class DocumentWrite:
    """One document's complete set of chunks for a batched write (`bulk_upsert`)."""

    doc_id: str
    version: DocumentVersion
    chunks: Sequence[EmbeddedChunk]


class QueryFilters(BaseModel):
    """Metadata filters every store supports (combined with AND)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    bucket: str | None = Field(None, min_length=3, max_length=63)
    keys: list[str] | None = Field(None, min_length=1, max_length=100, description="exact object keys")
    key_prefix: str | None = Field(
        None, min_length=1, max_length=1024, description="a folder prefix ending in '/' (e.g. 'docs/hr/')"
    )
    doc_types: list[str] | None = Field(None, min_length=1, max_length=10, description="e.g. ['pdf', 'md']")

    @field_validator("key_prefix")
    @classmethod
    def _folder(cls, value: str | None) -> str | None:
        if value is not None and not value.endswith("/"):
            raise ValueError("key_prefix must be a folder prefix ending in '/'")
        return value


class QueryHit(BaseModel):
    text: str
    score: float = Field(description="cosine similarity in [-1, 1], higher is closer")
    source_key: str
    bucket: str
    key: str
    version_id: str | None
    chunk_index: int
    content_hash: str
    section: str = ""
    doc_type: str = ""


IngestStatus = Literal["indexed", "deleted", "skipped", "superseded", "dead-lettered", "failed"]


class IngestResult(BaseModel):
    status: IngestStatus
    source_key: str
    version_id: str | None = None
    reason: str = ""
    chunks: int = 0
    embedded: int = 0
    reused: int = 0


def folder_prefixes(key: str) -> list[str]:
    """Every folder prefix of a key: `a/b/c.txt` -> `['a/', 'a/b/']` (for prefix filters)."""
    parts = key.split("/")[:-1]
    return ["/".join(parts[: i + 1]) + "/" for i in range(len(parts))]


def utcnow() -> datetime:
    return datetime.now(UTC)


class ObjectEvent(BaseModel):
    """The part of an S3 event the pipeline acts on (also the idempotency payload)."""

    model_config = ConfigDict(frozen=True)

    kind: Literal["created", "deleted"]
    bucket: str = Field(min_length=3, max_length=63)
    key: str = Field(min_length=1, max_length=1024)
    version_id: str | None = None
    sequencer: str | None = Field(None, pattern=r"^[0-9A-Fa-f]{1,64}$")
    event_time: datetime
    deletion_type: str | None = None
    size: int | None = None
    event_id: str = ""

    @property
    def source_key(self) -> str:
        return source_key_of(self.bucket, self.key)

    @property
    def position(self) -> Position:
        return Position(sequencer=self.sequencer, timestamp=self.event_time)

    def idempotency_payload(self) -> dict[str, Any]:
        """What makes two deliveries "the same event": bucket, key, version, sequencer, kind.

        The sequencer is included because unversioned buckets have no version id: two
        overwrites of one key differ only by sequencer.
        """
        return {
            "bucket": self.bucket,
            "key": self.key,
            "version_id": self.version_id,
            "sequencer": self.sequencer,
            "kind": self.kind,
        }
