"""Vector store adapters behind the :class:`VectorStore` protocol.

Contract (all implementations):

``ensure_schema()``
    Create or verify what the store needs (tables + HNSW index, vector index, mapping).
``get_state(doc_id)``
    What is recorded for a document (version, position, fingerprint, chunk count, or a
    tombstone), ``None`` if never seen.
``reusable_embeddings(doc_id, fingerprint)``
    ``{content_hash: vector}`` of the document's current chunks produced by the same
    pipeline fingerprint: an overwrite re-embeds only the chunks whose text changed.
``upsert(doc_id, version, chunks)``
    Make ``chunks`` the document's chunks, keyed by (source key, chunk index), each with
    version id, content hash and metadata, and remove every stale chunk of the document.
    Returns ``False`` and writes nothing when a newer version or delete is already
    recorded (out-of-order event).
``delete_document(doc_id, keep_version=None, *, tombstone=None)``
    Remove the document's chunks except those of ``keep_version``. With ``tombstone``
    (a delete event) the removal only happens if the delete is not older than what is
    recorded, and the tombstone is recorded so an older "created" event arriving later
    cannot resurrect the document. Returns whether anything was applied.
``query(vector, k, filters)``
    Top-``k`` chunks by cosine similarity, best first.

Atomicity: :class:`PgVectorStore` runs every write in one transaction under a per-document
advisory lock, so the version check, the chunk upsert and the stale-chunk removal are one
atomic step even with concurrent Lambdas (see its docstring for how a write is batched).
S3 Vectors and OpenSearch Serverless have no transactions: they keep a per-document
*manifest* record and apply the same checks with check-then-write; two versions of one
key written within the same second by concurrent invocations can interleave (the docs
recommend pgvector when that matters).
"""

from __future__ import annotations

import hashlib
import json
import math
import struct
import sys
import uuid
from array import array
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any, Protocol, TypeVar, runtime_checkable

from .errors import ConfigurationError, TransientError
from .models import (
    DocumentState,
    DocumentVersion,
    EmbeddedChunk,
    Position,
    QueryFilters,
    QueryHit,
    folder_prefixes,
    source_key_of,
)

T = TypeVar("T")


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


def _may_apply(recorded: DocumentState | None, incoming: DocumentVersion) -> bool:
    return recorded is None or not incoming.position.is_older_than(recorded.position)


class PgVector:
    """A vector parameter for pgvector, sent in pgvector's binary format (see
    :func:`vector_to_binary`) instead of a ~10-characters-per-float text literal."""

    __slots__ = ("values",)

    def __init__(self, values: Sequence[float]) -> None:
        self.values = values


_BIG_ENDIAN = sys.byteorder == "big"


def vector_to_binary(values: Sequence[float]) -> bytes:
    """pgvector's binary ``vector`` representation: int16 dimensions, int16 unused,
    then the float4 values, all big-endian (what ``vector_send``/``vector_recv`` use)."""
    floats = array("f", values)
    if not _BIG_ENDIAN:
        floats.byteswap()
    return struct.pack(">HH", len(floats), 0) + floats.tobytes()


def vector_from_binary(data: bytes | bytearray | memoryview) -> list[float]:
    dimensions, _ = struct.unpack_from(">HH", data)
    floats = array("f")
    floats.frombytes(bytes(data[4 : 4 + 4 * dimensions]))
    if not _BIG_ENDIAN:
        floats.byteswap()
    return floats.tolist()


def register_vector(conn: Any) -> bool:
    """Register binary adapters for pgvector's ``vector`` type on ``conn``: :class:`PgVector`
    parameters are dumped with :func:`vector_to_binary`, ``vector`` columns fetched in binary
    mode load as ``list[float]``. Returns ``False`` when the extension is not installed yet."""
    from psycopg.adapt import Dumper, Loader
    from psycopg.pq import Format
    from psycopg.types import TypeInfo

    info = TypeInfo.fetch(conn, "vector")
    if info is None:
        return False

    class VectorBinaryDumper(Dumper):
        format = Format.BINARY
        oid = info.oid

        def dump(self, obj: Any) -> bytes:
            return vector_to_binary(obj.values)

    class VectorBinaryLoader(Loader):
        format = Format.BINARY

        def load(self, data: Any) -> list[float]:
            return vector_from_binary(data)

    conn.adapters.register_dumper(PgVector, VectorBinaryDumper)
    conn.adapters.register_loader(info.oid, VectorBinaryLoader)
    return True


def _chunk_metadata(version: DocumentVersion, item: EmbeddedChunk, prefixes: list[str]) -> dict[str, Any]:
    """The metadata every store keeps beside a chunk's vector (S3 Vectors and OpenSearch alike)."""
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


def _normalised(vector: Sequence[float]) -> list[float]:
    norm = math.sqrt(sum(float(v) * float(v) for v in vector))
    return [float(v) / norm for v in vector] if norm else [float(v) for v in vector]


# =========================================================================== pgvector


class PgVectorStore:
    """PostgreSQL + pgvector (Aurora in production), psycopg 3.

    Tables ``{prefix}_documents`` (one row per source key: version, position,
    fingerprint, chunk count, tombstone flag) and ``{prefix}_chunks`` (primary key
    ``(source_key, chunk_index)``, ``embedding vector(N)`` with an HNSW
    ``vector_cosine_ops`` index, ``m = 16``, ``ef_construction = 64``).

    A write (:meth:`upsert`) is one transaction and two round trips plus the commit:

    1. pipelined: take the per-document advisory lock, read the document's recorded
       state and its current chunks' identities (index, content hash, fingerprint,
       section, doc type, version; no vectors);
    2. if the write may apply (not older than what is recorded), pipelined: one
       ``UPDATE`` for the chunks whose text and pipeline did not change (new version id
       / section only; the stored row, vector and index entry stay), one prepared
       ``INSERT ... ON CONFLICT DO UPDATE`` per new or changed chunk (``executemany``,
       vectors in pgvector's binary format), one ``DELETE`` of every chunk that is no
       longer part of the document, and the document row.

    Inserting into an HNSW graph is the expensive part of any write (each new vector is
    linked into the graph and its neighbours' lists are revised), so unchanged chunks are
    never rewritten with their vector: an edit that changes one chunk inserts one vector.
    The chunks table is created with ``fillfactor = 50`` so the metadata-only updates of
    kept chunks can be HOT updates (same page, no new index entries at all).
    """

    HNSW_M = 16
    """Links per graph node (pgvector default). Higher gives better recall on large or
    high-dimensional data at the cost of a bigger index and slower inserts."""
    HNSW_EF_CONSTRUCTION = 64
    """Candidate list size while inserting (pgvector default; must be >= 2 * m). Raising
    it improves graph quality and slows every insert; query-time recall is tuned with
    ``hnsw.ef_search`` (set per query from ``k``)."""
    CHUNKS_FILLFACTOR = 50
    """Heap fill factor of the chunks table: room for HOT updates of kept chunks."""

    def __init__(
        self,
        connect: Callable[[], Any],
        *,
        dimensions: int,
        table_prefix: str = "kb",
        hnsw_m: int = HNSW_M,
        hnsw_ef_construction: int = HNSW_EF_CONSTRUCTION,
    ) -> None:
        if not 2 <= hnsw_m <= 100 or not 4 <= hnsw_ef_construction <= 1000 or hnsw_ef_construction < 2 * hnsw_m:
            raise ConfigurationError("HNSW needs 2 <= m <= 100 and 2 * m <= ef_construction <= 1000")
        self._connect = connect
        self._conn: Any | None = None
        self._adapted: Any | None = None
        self.dimensions = dimensions
        self.hnsw_m = hnsw_m
        self.hnsw_ef_construction = hnsw_ef_construction
        self.docs = f"{table_prefix}_documents"
        self.chunks = f"{table_prefix}_chunks"

    # -- connection handling -------------------------------------------------
    def connection(self) -> Any:
        if self._conn is None or self._conn.closed or self._conn.broken:
            conn = self._connect()
            conn.autocommit = True  # every unit of work below is an explicit transaction()
            self._conn = conn
        return self._conn

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None
            self._adapted = None

    def _vectors(self, conn: Any) -> None:
        """Make sure ``conn`` has the binary ``vector`` adapters (once per connection)."""
        if self._adapted is conn:
            return
        if not register_vector(conn):
            raise ConfigurationError(
                "the pgvector extension is not installed in this database (run with ENSURE_SCHEMA=true once)"
            )
        self._adapted = conn

    def _run(self, work: Callable[[Any], T]) -> T:
        """Run ``work(conn)`` in one transaction; reconnect once if a reused connection died."""
        import psycopg

        for attempt in (1, 2):
            conn = self.connection()
            try:
                with conn.transaction():
                    return work(conn)
            except psycopg.OperationalError:
                # A connection reused across Lambda invocations may have been dropped
                # (idle timeout, failover): reconnect once, then let the error surface.
                if attempt == 2 or not conn.broken:
                    raise
                self._conn = None
                self._adapted = None
        raise AssertionError("unreachable")  # pragma: no cover

    @staticmethod
    def _lock(conn: Any, doc_id: str) -> None:
        conn.execute("SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))", (doc_id,))

    # -- schema --------------------------------------------------------------
    def ensure_schema(self) -> None:
        def work(conn: Any) -> Any:
            conn.execute("SELECT pg_advisory_xact_lock(hashtextextended('fmkit-knowledge-schema', 0))")
            conn.execute("CREATE EXTENSION IF NOT EXISTS vector")
            conn.execute(
                f"""CREATE TABLE IF NOT EXISTS {self.docs} (
                    source_key   text PRIMARY KEY,
                    bucket       text NOT NULL,
                    key          text NOT NULL,
                    version_id   text,
                    sequencer    text,
                    event_time   timestamptz NOT NULL,
                    fingerprint  text NOT NULL DEFAULT '',
                    doc_type     text NOT NULL DEFAULT '',
                    chunk_count  integer NOT NULL DEFAULT 0,
                    deleted      boolean NOT NULL DEFAULT false,
                    updated_at   timestamptz NOT NULL DEFAULT now())"""
            )
            conn.execute(
                f"""CREATE TABLE IF NOT EXISTS {self.chunks} (
                    source_key   text NOT NULL,
                    chunk_index  integer NOT NULL,
                    bucket       text NOT NULL,
                    key          text NOT NULL,
                    version_id   text,
                    content_hash text NOT NULL,
                    fingerprint  text NOT NULL DEFAULT '',
                    doc_type     text NOT NULL DEFAULT '',
                    section      text NOT NULL DEFAULT '',
                    text         text NOT NULL,
                    embedding    vector({self.dimensions}) NOT NULL,
                    updated_at   timestamptz NOT NULL DEFAULT now(),
                    PRIMARY KEY (source_key, chunk_index))
                    WITH (fillfactor = {self.CHUNKS_FILLFACTOR})"""
            )
            # Tables created by an earlier release: set the fill factor (applies to new pages).
            options = conn.execute(
                "SELECT coalesce(reloptions, '{}') FROM pg_class WHERE oid = %s::regclass", (self.chunks,)
            ).fetchone()
            if f"fillfactor={self.CHUNKS_FILLFACTOR}" not in (options[0] if options else []):
                conn.execute(f"ALTER TABLE {self.chunks} SET (fillfactor = {self.CHUNKS_FILLFACTOR})")
            conn.execute(
                f"CREATE INDEX IF NOT EXISTS {self.chunks}_embedding_hnsw ON {self.chunks} "
                f"USING hnsw (embedding vector_cosine_ops) "
                f"WITH (m = {int(self.hnsw_m)}, ef_construction = {int(self.hnsw_ef_construction)})"
            )
            conn.execute(f"CREATE INDEX IF NOT EXISTS {self.chunks}_key_prefix ON {self.chunks} (key text_pattern_ops)")
            return conn.execute(
                "SELECT atttypmod FROM pg_attribute WHERE attrelid = %s::regclass AND attname = 'embedding'",
                (self.chunks,),
            ).fetchone()

        row = self._run(work)
        if row is not None and row[0] != self.dimensions:
            raise ConfigurationError(
                f"{self.chunks}.embedding has {row[0]} dimensions "
                f"but EMBEDDING_DIMENSIONS={self.dimensions}; use a new DB_TABLE_PREFIX "
                "(and re-ingest) when changing the embedding size"
            )

    # -- reads ---------------------------------------------------------------
    def _state_sql(self) -> str:
        return f"""SELECT bucket, key, version_id, sequencer, event_time, fingerprint, doc_type,
                          chunk_count, deleted FROM {self.docs} WHERE source_key = %s"""

    @staticmethod
    def _state_from(row: Any) -> DocumentState | None:
        if row is None:
            return None
        bucket, key, version_id, sequencer, event_time, fingerprint, doc_type, count, deleted = row
        return DocumentState(
            bucket=bucket,
            key=key,
            version_id=version_id,
            position=Position(sequencer=sequencer, timestamp=event_time),
            fingerprint=fingerprint,
            doc_type=doc_type,
            deleted=deleted,
            chunk_count=count,
        )

    def _state(self, conn: Any, doc_id: str) -> DocumentState | None:
        return self._state_from(conn.execute(self._state_sql(), (doc_id,)).fetchone())

    def get_state(self, doc_id: str) -> DocumentState | None:
        return self._run(lambda conn: self._state(conn, doc_id))

    def reusable_embeddings(self, doc_id: str, fingerprint: str) -> dict[str, list[float]]:
        def work(conn: Any) -> list[Any]:
            self._vectors(conn)
            return list(
                conn.execute(
                    f"SELECT content_hash, embedding FROM {self.chunks} WHERE source_key = %s AND fingerprint = %s",
                    (doc_id, fingerprint),
                    binary=True,  # vectors as float4 bytes, not text to re-parse
                ).fetchall()
            )

        return {content_hash: vector for content_hash, vector in self._run(work)}

    # -- writes --------------------------------------------------------------
    def _record(self, conn: Any, doc_id: str, version: DocumentVersion, chunk_count: int) -> None:
        conn.execute(
            f"""INSERT INTO {self.docs} AS d (source_key, bucket, key, version_id, sequencer, event_time,
                    fingerprint, doc_type, chunk_count, deleted, updated_at)
                VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, now())
                ON CONFLICT (source_key) DO UPDATE SET
                    version_id = EXCLUDED.version_id, sequencer = EXCLUDED.sequencer,
                    event_time = EXCLUDED.event_time, fingerprint = EXCLUDED.fingerprint,
                    doc_type = EXCLUDED.doc_type, chunk_count = EXCLUDED.chunk_count,
                    deleted = EXCLUDED.deleted, updated_at = now()""",
            (
                doc_id,
                version.bucket,
                version.key,
                version.version_id,
                version.position.sequencer,
                version.position.timestamp,
                version.fingerprint,
                version.doc_type,
                chunk_count,
                version.deleted,
            ),
        )

    def upsert(self, doc_id: str, version: DocumentVersion, chunks: Sequence[EmbeddedChunk]) -> bool:
        indexes = {item.chunk.index for item in chunks}
        if len(indexes) != len(chunks):
            raise ValueError(f"duplicate chunk indexes in the chunks of {doc_id}")

        def work(conn: Any) -> bool:
            self._vectors(conn)
            with conn.pipeline():  # one round trip: lock, then read under the lock
                self._lock(conn, doc_id)
                state_cursor = conn.execute(self._state_sql(), (doc_id,))
                current_cursor = conn.execute(
                    f"""SELECT chunk_index, content_hash, fingerprint, section, doc_type, version_id
                        FROM {self.chunks} WHERE source_key = %s""",
                    (doc_id,),
                )
            if not _may_apply(self._state_from(state_cursor.fetchone()), version):
                return False
            current = {row[0]: row[1:] for row in current_cursor.fetchall()}

            kept: list[EmbeddedChunk] = []  # same text, same pipeline: keep the stored row and vector
            written: list[EmbeddedChunk] = []  # new or changed: write text + vector
            for item in chunks:
                existing = current.get(item.chunk.index)
                if existing is not None and existing[:2] == (item.chunk.content_hash, version.fingerprint):
                    if existing[2:] != (item.chunk.section, version.doc_type, version.version_id):
                        kept.append(item)
                else:
                    written.append(item)

            with conn.pipeline(), conn.cursor() as cur:  # one round trip for every write
                if kept:
                    cur.execute(
                        f"""UPDATE {self.chunks} AS c SET version_id = %s, doc_type = %s, section = u.section,
                                updated_at = now()
                            FROM unnest(%s::integer[], %s::text[]) AS u(chunk_index, section)
                            WHERE c.source_key = %s AND c.chunk_index = u.chunk_index""",
                        (
                            version.version_id,
                            version.doc_type,
                            [item.chunk.index for item in kept],
                            [item.chunk.section for item in kept],
                            doc_id,
                        ),
                    )
                if written:
                    cur.executemany(
                        f"""INSERT INTO {self.chunks} AS c (source_key, chunk_index, bucket, key, version_id,
                                content_hash, fingerprint, doc_type, section, text, embedding, updated_at)
                            VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %b, now())
                            ON CONFLICT (source_key, chunk_index) DO UPDATE SET
                                bucket = EXCLUDED.bucket, key = EXCLUDED.key, version_id = EXCLUDED.version_id,
                                content_hash = EXCLUDED.content_hash, fingerprint = EXCLUDED.fingerprint,
                                doc_type = EXCLUDED.doc_type, section = EXCLUDED.section, text = EXCLUDED.text,
                                embedding = EXCLUDED.embedding, updated_at = now()""",
                        [
                            (
                                doc_id,
                                item.chunk.index,
                                version.bucket,
                                version.key,
                                version.version_id,
                                item.chunk.content_hash,
                                version.fingerprint,
                                version.doc_type,
                                item.chunk.section,
                                item.chunk.text,
                                PgVector(item.vector),
                            )
                            for item in written
                        ],
                    )
                stale = [index for index in current if index not in indexes]
                if stale:
                    cur.execute(
                        f"DELETE FROM {self.chunks} WHERE source_key = %s AND chunk_index = ANY(%s::integer[])",
                        (doc_id, stale),
                    )
                self._record(conn, doc_id, version, len(chunks))
            return True

        return self._run(work)

    def delete_document(
        self, doc_id: str, keep_version: str | None = None, *, tombstone: DocumentVersion | None = None
    ) -> bool:
        def work(conn: Any) -> bool:
            self._lock(conn, doc_id)
            if tombstone is not None and not _may_apply(self._state(conn, doc_id), tombstone):
                return False
            if keep_version is None:
                conn.execute(f"DELETE FROM {self.chunks} WHERE source_key = %s", (doc_id,))
            else:
                conn.execute(
                    f"DELETE FROM {self.chunks} WHERE source_key = %s AND version_id IS DISTINCT FROM %s",
                    (doc_id, keep_version),
                )
            remaining = int(
                conn.execute(f"SELECT count(*) FROM {self.chunks} WHERE source_key = %s", (doc_id,)).fetchone()[0]
            )
            if tombstone is not None:
                self._record(conn, doc_id, tombstone.model_copy(update={"deleted": True}), remaining)
            else:
                conn.execute(
                    f"UPDATE {self.docs} SET chunk_count = %s, updated_at = now() WHERE source_key = %s",
                    (remaining, doc_id),
                )
            return True

        return self._run(work)

    # -- query ---------------------------------------------------------------
    def query(self, vector: Sequence[float], k: int, filters: QueryFilters | None = None) -> list[QueryHit]:
        where: list[str] = []
        params: list[Any] = []
        if filters is not None:
            if filters.bucket:
                where.append("bucket = %s")
                params.append(filters.bucket)
            if filters.keys:
                where.append("key = ANY(%s)")
                params.append(list(filters.keys))
            if filters.key_prefix:
                escaped = filters.key_prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
                where.append("key LIKE %s")
                params.append(escaped + "%")
            if filters.doc_types:
                where.append("doc_type = ANY(%s)")
                params.append(list(filters.doc_types))
        clause = ("WHERE " + " AND ".join(where)) if where else ""
        query_vector = PgVector(vector)

        def work(conn: Any) -> list[Any]:
            self._vectors(conn)
            conn.execute(f"SET LOCAL hnsw.ef_search = {max(40, min(1000, 2 * k))}")
            return conn.execute(
                f"""SELECT source_key, bucket, key, version_id, chunk_index, content_hash, section, doc_type,
                           text, 1 - (embedding <=> %b) AS score
                    FROM {self.chunks} {clause}
                    ORDER BY embedding <=> %b LIMIT %s""",
                [query_vector, *params, query_vector, k],
            ).fetchall()

        rows = self._run(work)
        return [
            QueryHit(
                source_key=r[0],
                bucket=r[1],
                key=r[2],
                version_id=r[3],
                chunk_index=r[4],
                content_hash=r[5],
                section=r[6],
                doc_type=r[7],
                text=r[8],
                score=float(r[9]),
            )
            for r in rows
        ]


# =========================================================================== S3 Vectors


class S3VectorsStore:
    """Amazon S3 Vectors (boto3 ``s3vectors``): PutVectors / GetVectors / DeleteVectors / QueryVectors.

    Vector keys are ``<sha256(source key)[:40]>#<chunk index>`` (keys stay far below the
    1,024-character limit whatever the object key) and ``<hash>#manifest`` for the
    per-document manifest, which is stored as a vector too (metadata ``kind=manifest``;
    every query filters on ``kind=chunk``). Chunk text is stored in the ``text`` metadata
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
        meta = vectors[0]["metadata"]
        return DocumentState(
            bucket=meta["bucket"],
            key=meta["key"],
            version_id=meta.get("version_id") or None,
            position=Position(
                sequencer=meta.get("sequencer") or None, timestamp=datetime.fromisoformat(meta["event_time"])
            ),
            fingerprint=meta.get("fingerprint", ""),
            doc_type=meta.get("doc_type", ""),
            deleted=bool(meta.get("deleted", False)),
            chunk_count=int(meta.get("chunk_count", 0)),
        )

    def _put_manifest(self, doc_id: str, version: DocumentVersion, chunk_count: int) -> None:
        unit = [1.0] + [0.0] * (self.dimensions - 1)
        self.client.put_vectors(
            **self._ref(),
            vectors=[
                {
                    "key": self._manifest_key(doc_id),
                    "data": {"float32": unit},
                    "metadata": {
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
                    },
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
        if not _may_apply(state, version):
            return False
        prefixes = folder_prefixes(version.key)
        vectors = [
            {
                "key": self._chunk_key(doc_id, item.chunk.index),
                "data": {"float32": [float(v) for v in item.vector]},
                "metadata": _chunk_metadata(version, item, prefixes),
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
        if tombstone is not None and not _may_apply(state, tombstone):
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

    @staticmethod
    def build_filter(filters: QueryFilters | None) -> dict[str, Any]:
        conditions: list[dict[str, Any]] = [{"kind": {"$eq": "chunk"}}]
        if filters is not None:
            if filters.bucket:
                conditions.append({"bucket": {"$eq": filters.bucket}})
            if filters.keys:
                conditions.append({"key": {"$in": list(filters.keys)}})
            if filters.key_prefix:
                conditions.append({"key_prefixes": {"$eq": filters.key_prefix}})
            if filters.doc_types:
                conditions.append({"doc_type": {"$in": list(filters.doc_types)}})
        return conditions[0] if len(conditions) == 1 else {"$and": conditions}

    def query(self, vector: Sequence[float], k: int, filters: QueryFilters | None = None) -> list[QueryHit]:
        response = self.client.query_vectors(
            **self._ref(),
            topK=k,
            queryVector={"float32": [float(v) for v in vector]},
            filter=self.build_filter(filters),
            returnMetadata=True,
            returnDistance=True,
        )
        hits = []
        for item in response.get("vectors") or []:
            meta = item.get("metadata") or {}
            hits.append(
                QueryHit(
                    text=meta.get("text", ""),
                    score=1.0 - float(item.get("distance", 1.0)),  # cosine distance -> similarity
                    source_key=source_key_of(meta.get("bucket", ""), meta.get("key", "")),
                    bucket=meta.get("bucket", ""),
                    key=meta.get("key", ""),
                    version_id=meta.get("version_id") or None,
                    chunk_index=int(meta.get("chunk_index", 0)),
                    content_hash=meta.get("content_hash", ""),
                    section=meta.get("section", ""),
                    doc_type=meta.get("doc_type", ""),
                )
            )
        return hits


# =========================================================================== OpenSearch


class HttpTransport(Protocol):
    def request(self, method: str, path: str, body: bytes | None = None) -> tuple[int, bytes]: ...


class SigV4Transport:
    """HTTPS to an OpenSearch Serverless collection (or domain), signed with botocore SigV4.

    OpenSearch Serverless requires the ``x-amz-content-sha256`` header on signed requests.
    """

    def __init__(
        self,
        endpoint: str,
        *,
        region: str,
        service: str = "aoss",
        credentials: Any | None = None,
        timeout: float = 30,
    ) -> None:
        self.endpoint = endpoint.rstrip("/")
        if not self.endpoint.startswith("https://"):
            self.endpoint = "https://" + self.endpoint.removeprefix("http://")
        self.region = region
        self.service = service
        self.timeout = timeout
        if credentials is None:
            import boto3

            credentials = boto3.Session().get_credentials()
        self.credentials: Any = credentials

    def signed_headers(self, method: str, path: str, body: bytes | None) -> dict[str, str]:
        from botocore.auth import SigV4Auth
        from botocore.awsrequest import AWSRequest

        payload = body or b""
        headers = {
            "Content-Type": "application/json",
            "x-amz-content-sha256": hashlib.sha256(payload).hexdigest(),
        }
        request = AWSRequest(method=method, url=self.endpoint + path, data=payload, headers=headers)
        credentials: Any = self.credentials
        if credentials is None:
            raise ConfigurationError("no AWS credentials available to sign OpenSearch requests")
        if hasattr(credentials, "get_frozen_credentials"):
            credentials = credentials.get_frozen_credentials()
        SigV4Auth(credentials, self.service, self.region).add_auth(request)
        return dict(request.headers.items())

    def request(self, method: str, path: str, body: bytes | None = None) -> tuple[int, bytes]:
        import urllib.error
        import urllib.request

        headers = self.signed_headers(method, path, body)
        req = urllib.request.Request(self.endpoint + path, data=body, method=method, headers=headers)
        try:
            with urllib.request.urlopen(req, timeout=self.timeout) as response:
                return int(response.status), response.read()
        except urllib.error.HTTPError as exc:
            return int(exc.code), exc.read()
        except (urllib.error.URLError, TimeoutError) as exc:
            raise TransientError(f"OpenSearch unreachable: {exc}") from exc


class OpenSearchStore:
    """OpenSearch Serverless vector search collection (k-NN plugin API, faiss HNSW).

    Vector search collections assign document ids themselves, so a write is: bulk-index
    the new chunks and a new manifest, all tagged with a fresh ``generation``; then find
    the document's records of any other generation and bulk-delete them by ``_id``.
    Vectors are L2-normalised and indexed with ``innerproduct`` (equal to cosine on unit
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
        keyword = {"type": "keyword"}
        self._call(
            "PUT",
            f"/{self.index}",
            {
                "settings": {"index": {"knn": True}},
                "mappings": {
                    "properties": {
                        "embedding": {
                            "type": "knn_vector",
                            "dimension": self.dimensions,
                            "method": {"name": "hnsw", "engine": "faiss", "space_type": "innerproduct"},
                        },
                        "kind": keyword,
                        "generation": keyword,
                        "source_key": keyword,
                        "bucket": keyword,
                        "key": keyword,
                        "key_prefixes": keyword,
                        "version_id": keyword,
                        "sequencer": keyword,
                        "event_time": {"type": "date"},
                        "fingerprint": keyword,
                        "doc_type": keyword,
                        "chunk_index": {"type": "integer"},
                        "chunk_count": {"type": "integer"},
                        "deleted": {"type": "boolean"},
                        "content_hash": keyword,
                        "section": {"type": "text"},
                        "text": {"type": "text"},
                    }
                },
            },
        )

    def _search(self, body: dict[str, Any]) -> list[dict[str, Any]]:
        return list(self._call("POST", f"/{self.index}/_search", body).get("hits", {}).get("hits", []))

    def _records(self, doc_id: str, kind: str | None = None, source: Any = False) -> list[dict[str, Any]]:
        filters: list[dict[str, Any]] = [{"term": {"source_key": doc_id}}]
        if kind:
            filters.append({"term": {"kind": kind}})
        return self._search({"size": 10000, "_source": source, "query": {"bool": {"filter": filters}}})

    @staticmethod
    def _state_from(source: dict[str, Any]) -> DocumentState:
        return DocumentState(
            bucket=source["bucket"],
            key=source["key"],
            version_id=source.get("version_id") or None,
            position=Position(
                sequencer=source.get("sequencer") or None,
                timestamp=datetime.fromisoformat(source["event_time"]),
            ),
            fingerprint=source.get("fingerprint", ""),
            doc_type=source.get("doc_type", ""),
            deleted=bool(source.get("deleted", False)),
            chunk_count=int(source.get("chunk_count", 0)),
        )

    def get_state(self, doc_id: str) -> DocumentState | None:
        manifests = [self._state_from(h["_source"]) for h in self._records(doc_id, "manifest", source=True)]
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

    def _manifest_doc(self, doc_id: str, version: DocumentVersion, generation: str, count: int) -> dict[str, Any]:
        return {
            "kind": "manifest",
            "generation": generation,
            "source_key": doc_id,
            "bucket": version.bucket,
            "key": version.key,
            "version_id": version.version_id or "",
            "sequencer": version.position.sequencer or "",
            "event_time": version.position.timestamp.isoformat(),
            "fingerprint": version.fingerprint,
            "doc_type": version.doc_type,
            "deleted": version.deleted,
            "chunk_count": count,
        }

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
        if not _may_apply(self.get_state(doc_id), version):
            return False
        generation = uuid.uuid4().hex
        prefixes = folder_prefixes(version.key)
        lines: list[dict[str, Any]] = []
        for item in chunks:
            lines.append({"index": {"_index": self.index}})
            lines.append(
                {
                    **_chunk_metadata(version, item, prefixes),
                    "generation": generation,
                    "source_key": doc_id,
                    "embedding": _normalised(item.vector),
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
        if tombstone is not None and not _may_apply(state, tombstone):
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
    def build_filter(filters: QueryFilters | None) -> list[dict[str, Any]]:
        clauses: list[dict[str, Any]] = [{"term": {"kind": "chunk"}}]
        if filters is not None:
            if filters.bucket:
                clauses.append({"term": {"bucket": filters.bucket}})
            if filters.keys:
                clauses.append({"terms": {"key": list(filters.keys)}})
            if filters.key_prefix:
                clauses.append({"term": {"key_prefixes": filters.key_prefix}})
            if filters.doc_types:
                clauses.append({"terms": {"doc_type": list(filters.doc_types)}})
        return clauses

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
                        "vector": _normalised(vector),
                        "k": k,
                        "filter": {"bool": {"filter": self.build_filter(filters)}},
                    }
                }
            },
        }
        hits = []
        for hit in self._search(body):
            src = hit.get("_source", {})
            hits.append(
                QueryHit(
                    text=src.get("text", ""),
                    score=self.similarity_from_score(float(hit.get("_score", 0.0))),
                    source_key=src.get("source_key", ""),
                    bucket=src.get("bucket", ""),
                    key=src.get("key", ""),
                    version_id=src.get("version_id") or None,
                    chunk_index=int(src.get("chunk_index", 0)),
                    content_hash=src.get("content_hash", ""),
                    section=src.get("section", ""),
                    doc_type=src.get("doc_type", ""),
                )
            )
        return hits
