"""PostgreSQL + pgvector (Aurora in production, pgserver in tests), psycopg 3.

Every write runs in one transaction under a per-document advisory lock, so the version
check, the chunk upsert and the stale-chunk removal are one atomic step even with
concurrent Lambdas (see `PgVectorStore` for how a write is batched).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from ..errors import ConfigurationError
from ..models import DocumentState, DocumentVersion, DocumentWrite, EmbeddedChunk, Position, QueryFilters, QueryHit
from . import pgvector_bulk as bulk
from .base import may_apply
from .codec import hit_from_metadata
from .filters import sql_where
from .pgvector_binary import PgVector, register_vector

T = TypeVar("T")

HIT_COLUMNS = ("source_key", "bucket", "key", "version_id", "chunk_index", "content_hash", "section", "doc_type",
               "text")


class PgVectorStore:
    """PostgreSQL + pgvector (Aurora in production), psycopg 3.

    Tables `{prefix}_documents` (one row per source key: version, position,
    fingerprint, chunk count, tombstone flag) and `{prefix}_chunks` (primary key
    `(source_key, chunk_index)`, `embedding vector(N)` with an HNSW
    `vector_cosine_ops` index, `m = 16`, `ef_construction = 64`).

    A write (`upsert`) is one transaction and two round trips plus the commit:

    1. pipelined: take the per-document advisory lock, read the document's recorded
       state and its current chunks' identities (index, content hash, fingerprint,
       section, doc type, version; no vectors);
    2. if the write may apply (not older than what is recorded), pipelined: one
       `UPDATE` for the chunks whose text and pipeline did not change (new version id
       / section only; the stored row, vector and index entry stay), one prepared
       `INSERT ... ON CONFLICT DO UPDATE` per new or changed chunk (`executemany`,
       vectors in pgvector's binary format), one `DELETE` of every chunk that is no
       longer part of the document, and the document row.

    Inserting into an HNSW graph is the expensive part of any write (each new vector is
    linked into the graph and its neighbours' lists are revised), so unchanged chunks are
    never rewritten with their vector: an edit that changes one chunk inserts one vector.
    The chunks table is created with `fillfactor = 50` so the metadata-only updates of
    kept chunks can be HOT updates (same page, no new index entries at all).

    `{prefix}_bulk_loads` records bulk loads in progress: the first load of an empty store
    is written batch by batch with `COPY` and the HNSW index is built once at its end
    (`pgvector_bulk`); `ensure_schema` leaves the index to that build.
    """

    HNSW_M = 16
    """Links per graph node (pgvector default). Higher gives better recall on large or
    high-dimensional data at the cost of a bigger index and slower inserts."""
    HNSW_EF_CONSTRUCTION = 64
    """Candidate list size while inserting (pgvector default; must be >= 2 * m). Raising
    it improves graph quality and slows every insert; query-time recall is tuned with
    `hnsw.ef_search` (set per query from `k`)."""
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
        self.bulk_loads = f"{table_prefix}_bulk_loads"
        self.hnsw_index = f"{self.chunks}_embedding_hnsw"

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
        """Make sure `conn` has the binary `vector` adapters (once per connection)."""
        if self._adapted is conn:
            return
        if not register_vector(conn):
            raise ConfigurationError(
                "the pgvector extension is not installed in this database (run with ENSURE_SCHEMA=true once)"
            )
        self._adapted = conn

    def _run(self, work: Callable[[Any], T]) -> T:
        """Run `work(conn)` in one transaction; reconnect once if a reused connection died."""
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
            conn.execute(bulk.LOADS_TABLE.format(table=self.bulk_loads))
            if not conn.execute(bulk.ACTIVE.format(table=self.bulk_loads)).fetchone()[0]:
                conn.execute(self.hnsw_ddl())  # a bulk load in progress builds it once, at its end
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

    def hnsw_ddl(self, *, concurrently: bool = False) -> str:
        """`CREATE INDEX` of the chunks' HNSW index (cosine), with this store's parameters."""
        return (
            f"CREATE INDEX {'CONCURRENTLY ' if concurrently else ''}IF NOT EXISTS {self.hnsw_index} "
            f"ON {self.chunks} USING hnsw (embedding vector_cosine_ops) "
            f"WITH (m = {int(self.hnsw_m)}, ef_construction = {int(self.hnsw_ef_construction)})"
        )

    # -- bulk mode (first load of an empty or rebuilt store: see pgvector_bulk) ----
    def begin_bulk_load(self, job: str) -> bool:
        return bulk.begin(self, job)

    def bulk_load_active(self) -> bool:
        return bulk.active(self)

    def bulk_upsert(self, writes: Sequence[DocumentWrite]) -> list[bool]:
        return bulk.write(self, writes)

    def finish_bulk_load(self, job: str) -> str:
        return bulk.finish(self, job)

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
            if not may_apply(self._state_from(state_cursor.fetchone()), version):
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
            if tombstone is not None and not may_apply(self._state(conn, doc_id), tombstone):
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
        clause, params = sql_where(filters)
        query_vector = PgVector(vector)

        def work(conn: Any) -> list[Any]:
            self._vectors(conn)
            conn.execute(f"SET LOCAL hnsw.ef_search = {max(40, min(1000, 2 * k))}")
            return list(conn.execute(
                f"""SELECT {", ".join(HIT_COLUMNS)}, 1 - (embedding <=> %b) AS score
                    FROM {self.chunks} {clause}
                    ORDER BY embedding <=> %b LIMIT %s""",
                [query_vector, *params, query_vector, k],
            ).fetchall())

        return [hit_from_metadata(dict(zip(HIT_COLUMNS, row[:-1], strict=True)), float(row[-1]))
                for row in self._run(work)]
