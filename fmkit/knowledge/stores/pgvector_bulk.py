"""Bulk mode of the pgvector store: rows loaded by `COPY`, the HNSW index built once at the end.

Inserting a vector into an HNSW graph links it to its neighbours and revises their lists;
on an initial load that incremental maintenance is nearly all of the time, while one
build over every row (in memory, `maintenance_work_mem`) is an order of magnitude cheaper.
So the first load of an empty (or rebuilt) store runs in *bulk mode*, driven by the bulk
re-ingestion's state machine:

1. `begin(job)`: under the schema lock, if the chunks table is empty, or another bulk load
   is still in progress, record the job in `{prefix}_bulk_loads` and drop the HNSW index
   (it indexes nothing yet, or has not been built yet); otherwise answer `False`: the store
   already serves data, writers stay incremental.
2. `write(writes)`: many documents in one transaction. The per-document advisory locks
   (the ones `upsert` and `delete_document` take) are taken in one fixed order, so
   concurrent batches cannot deadlock; the recorded states are read in one query and the
   same `may_apply` check as `upsert` decides (a tombstone or a newer version wins); the
   applicable documents' old chunks are deleted, all their chunks loaded with one binary
   `COPY`, and their document rows written. Correct with or without the index.
3. `finish(job)`: build the index once, then forget the job.

**`CREATE INDEX CONCURRENTLY`, not a plain build.** A plain `CREATE INDEX` holds a SHARE
lock that blocks every INSERT/UPDATE/DELETE of the table for the whole build, and the
event-driven ingest function keeps writing during a re-ingest (S3 events do not pause):
minutes of blocked writes would be Lambda timeouts and SQS redeliveries. CONCURRENTLY lets
reads and writes go on; it costs one more pass over the table (bench/ingest_bench.py
measures both) and cannot run in a transaction block, so it runs on the store's autocommit
connection. If it fails it leaves an INVALID index behind: the next `finish` drops it and
builds again. While a build runs, `finish` answers `building` (the state machine waits and
asks again), so a build that outlives the Lambda that started it is not started twice.

While bulk mode lasts, queries are answered without the index (an exact scan: slower, never
wrong) and `ensure_schema` does not recreate it. A job that never finishes (its execution
was stopped) stops counting after `STALE_AFTER`, the state machine's own timeout; the next
`ensure_schema`, bulk load or `finish` then builds the index. Every write is one
transaction, so a failed batch leaves nothing half-written and is retried whole.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from ..models import DocumentWrite
from .base import may_apply
from .pgvector_binary import PgVector

if TYPE_CHECKING:
    from .pgvector import PgVectorStore

STALE_AFTER = "24 hours"
"""A bulk load older than this is over (the bulk state machine's timeout)."""
BUILD_MEMORY_KB = 512 * 1024
"""`maintenance_work_mem` for the build, unless the server's is larger: the HNSW graph is
built in memory up to this size (pgvector switches to a much slower on-disk build beyond)."""

LOADS_TABLE = "CREATE TABLE IF NOT EXISTS {table} (job text PRIMARY KEY, started_at timestamptz NOT NULL DEFAULT now())"
ACTIVE = "SELECT EXISTS (SELECT FROM {table} WHERE started_at > now() - interval '" + STALE_AFTER + "')"
SCHEMA_LOCK = "SELECT pg_advisory_xact_lock(hashtextextended('fmkit-knowledge-schema', 0))"
BUILD_IN_PROGRESS = "SELECT EXISTS (SELECT FROM pg_stat_progress_create_index WHERE relid = %s::regclass)"

COPY_COLUMNS = ("source_key", "chunk_index", "bucket", "key", "version_id", "content_hash", "fingerprint",
                "doc_type", "section", "text", "embedding")
COPY_TYPES = ("text", "int4", "text", "text", "text", "text", "text", "text", "text", "text", "vector")


def begin(store: PgVectorStore, job: str) -> bool:
    """Enter (or join) bulk mode for `job`; `False` when the store already holds data."""

    def work(conn: Any) -> bool:
        conn.execute(SCHEMA_LOCK)
        conn.execute(LOADS_TABLE.format(table=store.bulk_loads))
        conn.execute(f"DELETE FROM {store.bulk_loads} WHERE started_at <= now() - interval '{STALE_AFTER}'")
        joining = conn.execute(f"SELECT EXISTS (SELECT FROM {store.bulk_loads})").fetchone()[0]
        empty = conn.execute(f"SELECT NOT EXISTS (SELECT FROM {store.chunks})").fetchone()[0]
        if not (joining or empty):
            return False
        conn.execute(f"INSERT INTO {store.bulk_loads} (job) VALUES (%s) ON CONFLICT (job) DO NOTHING", (job,))
        # A build of an earlier job still running keeps its index (dropping it would wait for
        # the build, which waits for this transaction): this load then writes into it.
        if not conn.execute(BUILD_IN_PROGRESS, (store.chunks,)).fetchone()[0]:
            conn.execute(f"DROP INDEX IF EXISTS {store.hnsw_index}")
        return True

    return store._run(work)


def active(store: PgVectorStore) -> bool:
    """Whether a bulk load is in progress (a store created before bulk mode has none)."""

    def work(conn: Any) -> bool:
        exists = conn.execute("SELECT to_regclass(%s) IS NOT NULL", (store.bulk_loads,)).fetchone()[0]
        return bool(exists and conn.execute(ACTIVE.format(table=store.bulk_loads)).fetchone()[0])

    return store._run(work)


def _check(writes: Sequence[DocumentWrite]) -> None:
    ids = [w.doc_id for w in writes]
    if len(set(ids)) != len(ids):
        raise ValueError("a document appears twice in one bulk write")
    for w in writes:
        if len({item.chunk.index for item in w.chunks}) != len(w.chunks):
            raise ValueError(f"duplicate chunk indexes in the chunks of {w.doc_id}")


def write(store: PgVectorStore, writes: Sequence[DocumentWrite]) -> list[bool]:
    """`upsert` of many documents in one transaction; per write, whether it applied."""
    _check(writes)
    if not writes:
        return []
    ids = [w.doc_id for w in writes]

    def work(conn: Any) -> list[bool]:
        store._vectors(conn)
        with conn.pipeline():  # one round trip: the locks in a fixed order, then the states
            conn.execute(
                "SELECT count(pg_advisory_xact_lock(h)) FROM "
                "(SELECT hashtextextended(k, 0) AS h FROM unnest(%s::text[]) AS k ORDER BY 1) AS locks",
                (ids,),
            )
            states = conn.execute(
                f"""SELECT source_key, bucket, key, version_id, sequencer, event_time, fingerprint, doc_type,
                           chunk_count, deleted FROM {store.docs} WHERE source_key = ANY(%s)""",
                (ids,),
            )
        recorded = {row[0]: store._state_from(row[1:]) for row in states.fetchall()}
        applied = [may_apply(recorded.get(w.doc_id), w.version) for w in writes]
        todo = [w for w, ok in zip(writes, applied, strict=True) if ok]
        if todo:
            _load(conn, store, todo)
        return applied

    return store._run(work)


def _load(conn: Any, store: PgVectorStore, todo: Sequence[DocumentWrite]) -> None:
    conn.execute(f"DELETE FROM {store.chunks} WHERE source_key = ANY(%s)", ([w.doc_id for w in todo],))
    with conn.cursor() as cur, cur.copy(
        f"COPY {store.chunks} ({', '.join(COPY_COLUMNS)}) FROM STDIN (FORMAT BINARY)"
    ) as copy:
        copy.set_types(COPY_TYPES)
        for w in todo:
            v = w.version
            for item in w.chunks:
                chunk = item.chunk
                copy.write_row((w.doc_id, chunk.index, v.bucket, v.key, v.version_id, chunk.content_hash,
                                v.fingerprint, v.doc_type, chunk.section, chunk.text, PgVector(item.vector)))
    with conn.pipeline():
        for w in todo:
            store._record(conn, w.doc_id, w.version, len(w.chunks))


def _index_state(conn: Any, store: PgVectorStore) -> str:
    """`building`, `valid`, `invalid` (a failed concurrent build) or `missing`."""
    if conn.execute(BUILD_IN_PROGRESS, (store.chunks,)).fetchone()[0]:
        return "building"
    row = conn.execute("SELECT indisvalid FROM pg_index WHERE indexrelid = to_regclass(%s)",
                       (store.hnsw_index,)).fetchone()
    if row is None:
        return "missing"
    return "valid" if row[0] else "invalid"


def _build(conn: Any, store: PgVectorStore) -> None:
    memory_kb = int(conn.execute("SELECT setting FROM pg_settings WHERE name = 'maintenance_work_mem'").fetchone()[0])
    if memory_kb < BUILD_MEMORY_KB:
        conn.execute(f"SET maintenance_work_mem = '{BUILD_MEMORY_KB}kB'")
    try:
        conn.execute(store.hnsw_ddl(concurrently=True))
    finally:
        conn.execute("RESET maintenance_work_mem")


def finish(store: PgVectorStore, job: str) -> str:
    """Build the index once and forget `job`: `built`, `ready`, `deferred` or `building`."""

    def others(conn: Any) -> bool:
        conn.execute(SCHEMA_LOCK)  # two jobs finishing at once: exactly one of them builds
        conn.execute(LOADS_TABLE.format(table=store.bulk_loads))
        running = conn.execute(
            f"SELECT EXISTS (SELECT FROM {store.bulk_loads} WHERE job <> %s "
            f"AND started_at > now() - interval '{STALE_AFTER}')",
            (job,),
        ).fetchone()[0]
        if running:
            conn.execute(f"DELETE FROM {store.bulk_loads} WHERE job = %s", (job,))
        return bool(running)

    if store._run(others):
        return "deferred"
    conn = store.connection()  # autocommit: CONCURRENTLY cannot run in a transaction block
    state = _index_state(conn, store)
    if state == "building":
        return "building"
    if state == "invalid":
        conn.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {store.hnsw_index}")
    if state != "valid":
        _build(conn, store)
    store._run(lambda c: c.execute(f"DELETE FROM {store.bulk_loads} WHERE job = %s", (job,)))
    return "ready" if state == "valid" else "built"
