"""PgVectorStore bulk mode against a real PostgreSQL + pgvector: COPY, then one HNSW build.

What must hold: bulk mode only for an empty (or unfinished) store; the rows a bulk write
leaves are exactly the ones `upsert` leaves; tombstones and newer versions win over a bulk
write; a batch is atomic; the index is built once, concurrently, and rebuilt when a build
failed; two loads at once build once; a forgotten load does not keep the index away.
"""

from __future__ import annotations

import threading
import time
from typing import Any

import psycopg
import pytest

from fmkit.knowledge.models import Chunk, DocumentWrite, EmbeddedChunk
from fmkit.knowledge.stores import PgVectorStore
from tests.runtime.knowledge.helpers import sql
from tests.runtime.knowledge.stores.contract import EMB, embedded, state_of, version

pytestmark = pytest.mark.runtime


def doc(n: int) -> str:
    return f"s3://kb-docs/d/{n}.txt"


def doc_write(n: int, vid: str, seq: int, count: int = 3) -> DocumentWrite:
    texts = [f"document {n} {vid} paragraph {i} about topic {(n + i) % 7}" for i in range(count)]
    return DocumentWrite(doc(n), version(f"d/{n}.txt", vid, seq), embedded(*texts))


def hnsw(pg_uri: str, store: PgVectorStore) -> list[tuple[Any, ...]]:
    """(index name, valid) of the chunks' HNSW index, if any."""
    return sql(pg_uri, "SELECT c.relname, i.indisvalid FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
                       "WHERE i.indrelid = %s::regclass AND c.relname LIKE %s", (store.chunks, "%hnsw%"))


def chunk_rows(pg_uri: str, store: PgVectorStore) -> list[tuple[Any, ...]]:
    return sql(pg_uri, f"SELECT source_key, chunk_index, bucket, key, version_id, content_hash, fingerprint, "
                       f"doc_type, section, text, embedding::text FROM {store.chunks} ORDER BY 1, 2")


def doc_rows(pg_uri: str, store: PgVectorStore) -> list[tuple[Any, ...]]:
    return sql(pg_uri, f"SELECT source_key, bucket, key, version_id, sequencer, event_time, fingerprint, doc_type, "
                       f"chunk_count, deleted FROM {store.docs} ORDER BY 1")


def new_store(pg_uri: str, prefix: str) -> PgVectorStore:
    store = PgVectorStore(lambda: psycopg.connect(pg_uri), dimensions=64, table_prefix=prefix)
    store.ensure_schema()
    return store


def test_a_bulk_load_leaves_the_rows_upsert_leaves_and_one_valid_index(
    pg_uri: str, pg_store: PgVectorStore, table_prefix: str
) -> None:
    writes = [doc_write(n, "v1", 10 + n, count=2 + n % 4) for n in range(30)]
    assert pg_store.begin_bulk_load("job-1")
    assert hnsw(pg_uri, pg_store) == [] and pg_store.bulk_load_active()
    pg_store.ensure_schema()  # a cold start meanwhile must not bring the index back
    assert hnsw(pg_uri, pg_store) == []
    assert pg_store.bulk_upsert(writes[:12]) == [True] * 12
    assert pg_store.bulk_upsert(writes[12:]) == [True] * 18
    assert pg_store.query(EMB.embed_query("document 3 v1 paragraph 1 about topic 4"), 1)[0].source_key == doc(3)

    assert pg_store.finish_bulk_load("job-1") == "built"
    assert hnsw(pg_uri, pg_store) == [(pg_store.hnsw_index, True)] and not pg_store.bulk_load_active()
    [(indexdef,)] = sql(pg_uri, "SELECT indexdef FROM pg_indexes WHERE indexname = %s", (pg_store.hnsw_index,))
    assert "vector_cosine_ops" in indexdef and "m='16'" in indexdef and "ef_construction='64'" in indexdef

    incremental = new_store(pg_uri, table_prefix + "_inc")
    for w in writes:
        assert incremental.upsert(w.doc_id, w.version, w.chunks)
    assert chunk_rows(pg_uri, pg_store) == chunk_rows(pg_uri, incremental)
    assert doc_rows(pg_uri, pg_store) == doc_rows(pg_uri, incremental)
    question = EMB.embed_query("document 7 v1 paragraph 0 about topic 0")
    bulk_hits, incremental_hits = pg_store.query(question, 5), incremental.query(question, 5)
    assert bulk_hits[0] == incremental_hits[0] and bulk_hits[0].source_key == doc(7)
    assert [h.score for h in bulk_hits] == [h.score for h in incremental_hits]  # ties may come in any order
    incremental.close()


def test_a_store_that_holds_data_stays_incremental(pg_uri: str, pg_store: PgVectorStore) -> None:
    pg_store.upsert(doc(1), version("d/1.txt", "v1", 1), embedded("hello"))
    assert not pg_store.begin_bulk_load("job-1")
    assert hnsw(pg_uri, pg_store) == [(pg_store.hnsw_index, True)] and not pg_store.bulk_load_active()
    assert pg_store.finish_bulk_load("job-1") == "ready"


def test_tombstones_and_newer_versions_win_over_a_bulk_write(pg_uri: str, pg_store: PgVectorStore) -> None:
    assert pg_store.begin_bulk_load("job-1")
    # Live events during the load: doc 1 deleted at 30, doc 2 overwritten at 40.
    tomb = version("d/1.txt", "marker", 30).model_copy(update={"deleted": True})
    assert pg_store.delete_document(doc(1), tombstone=tomb)
    assert pg_store.upsert(doc(2), version("d/2.txt", "v9", 40), embedded("the newest text"))
    applied = pg_store.bulk_upsert([doc_write(1, "v1", 10), doc_write(2, "v1", 10), doc_write(3, "v1", 10),
                                    doc_write(4, "v5", 50)])
    assert applied == [False, False, True, True]
    assert state_of(pg_store, doc(1)).deleted and state_of(pg_store, doc(1)).chunk_count == 0
    assert sql(pg_uri, f"SELECT source_key, version_id, count(*) FROM {pg_store.chunks} GROUP BY 1, 2 ORDER BY 1") == [
        (doc(2), "v9", 1), (doc(3), "v1", 3), (doc(4), "v5", 3)]
    # A version newer than the tombstone brings the document back.
    assert pg_store.bulk_upsert([doc_write(1, "v2", 35)]) == [True]
    assert not state_of(pg_store, doc(1)).deleted and state_of(pg_store, doc(1)).chunk_count == 3


def test_a_bulk_write_replaces_stale_chunks_and_is_idempotent(pg_uri: str, pg_store: PgVectorStore) -> None:
    assert pg_store.begin_bulk_load("job-1")
    assert pg_store.upsert(doc(1), version("d/1.txt", "v0", 5), embedded(*[f"old {i}" for i in range(10)]))
    assert pg_store.bulk_upsert([doc_write(1, "v1", 10, count=4)]) == [True]
    first = chunk_rows(pg_uri, pg_store)
    assert [(r[1], r[4]) for r in first] == [(i, "v1") for i in range(4)]
    assert state_of(pg_store, doc(1)).chunk_count == 4
    assert pg_store.bulk_upsert([doc_write(1, "v1", 10, count=4)]) == [True]  # a retried batch
    assert chunk_rows(pg_uri, pg_store) == first


def test_a_batch_is_all_or_nothing(pg_uri: str, pg_store: PgVectorStore) -> None:
    assert pg_store.begin_bulk_load("job-1")
    good = doc_write(1, "v1", 10)
    bad = DocumentWrite(doc(2), version("d/2.txt", "v1", 10), [EmbeddedChunk(Chunk(0, "bad"), [0.0] * 3)])
    with pytest.raises(psycopg.Error):
        pg_store.bulk_upsert([good, bad])
    assert chunk_rows(pg_uri, pg_store) == [] and doc_rows(pg_uri, pg_store) == []
    with pytest.raises(ValueError, match="twice"):
        pg_store.bulk_upsert([good, good])
    assert pg_store.bulk_upsert([good]) == [True]


def test_a_failed_concurrent_build_is_rebuilt(pg_uri: str, pg_store: PgVectorStore) -> None:
    assert pg_store.begin_bulk_load("job-1")
    pg_store.bulk_upsert([doc_write(n, "v1", 10) for n in range(5)])
    with psycopg.connect(pg_uri, autocommit=True) as conn:  # what a CREATE INDEX CONCURRENTLY that failed leaves
        conn.execute(pg_store.hnsw_ddl())
        conn.execute("UPDATE pg_index SET indisvalid = false WHERE indexrelid = %s::regclass", (pg_store.hnsw_index,))
    assert hnsw(pg_uri, pg_store) == [(pg_store.hnsw_index, False)]
    assert pg_store.finish_bulk_load("job-1") == "built"
    assert hnsw(pg_uri, pg_store) == [(pg_store.hnsw_index, True)]


def test_two_loads_at_once_build_the_index_once_at_the_end(pg_uri: str, pg_store: PgVectorStore) -> None:
    assert pg_store.begin_bulk_load("job-a")
    pg_store.bulk_upsert([doc_write(1, "v1", 10)])
    assert pg_store.begin_bulk_load("job-b")  # not empty any more, but a load is in progress: joins it
    assert pg_store.finish_bulk_load("job-a") == "deferred"
    assert hnsw(pg_uri, pg_store) == [] and pg_store.bulk_load_active()
    pg_store.bulk_upsert([doc_write(2, "v1", 10)])
    assert pg_store.finish_bulk_load("job-b") == "built"
    assert hnsw(pg_uri, pg_store) == [(pg_store.hnsw_index, True)] and not pg_store.bulk_load_active()
    assert pg_store.finish_bulk_load("job-b") == "ready"  # a retried finish


def test_a_forgotten_load_stops_counting_after_a_day(pg_uri: str, pg_store: PgVectorStore) -> None:
    assert pg_store.begin_bulk_load("job-lost")
    pg_store.bulk_upsert([doc_write(1, "v1", 10)])
    with psycopg.connect(pg_uri, autocommit=True) as conn:
        conn.execute(f"UPDATE {pg_store.bulk_loads} SET started_at = now() - interval '25 hours'")
    assert not pg_store.bulk_load_active()
    pg_store.ensure_schema()
    assert hnsw(pg_uri, pg_store) == [(pg_store.hnsw_index, True)]
    assert not pg_store.begin_bulk_load("job-next")  # holds data, no load in progress: incremental


def test_a_build_in_progress_is_reported_not_started_twice(pg_uri: str, pg_store: PgVectorStore,
                                                           table_prefix: str) -> None:
    assert pg_store.begin_bulk_load("job-1")
    pg_store.bulk_upsert([doc_write(n, "v1", 10) for n in range(5)])
    outcome: dict[str, str] = {}
    with psycopg.connect(pg_uri) as writer:  # an open write transaction: CONCURRENTLY waits for it
        writer.execute(f"LOCK TABLE {pg_store.chunks} IN ROW EXCLUSIVE MODE")
        builder = threading.Thread(target=lambda: outcome.setdefault("first", pg_store.finish_bulk_load("job-1")))
        builder.start()
        other = PgVectorStore(lambda: psycopg.connect(pg_uri, options="-c statement_timeout=5000"), dimensions=64,
                              table_prefix=table_prefix)  # a second build would wait, then time out
        for _ in range(100):  # until the build shows in pg_stat_progress_create_index
            if sql(pg_uri, "SELECT count(*) FROM pg_stat_progress_create_index WHERE relid = %s::regclass",
                   (pg_store.chunks,)) == [(1,)]:
                break
            time.sleep(0.05)
        assert other.finish_bulk_load("job-1") == "building"
        writer.rollback()
    builder.join(30)
    assert outcome == {"first": "built"}
    assert hnsw(pg_uri, pg_store) == [(pg_store.hnsw_index, True)] and not other.bulk_load_active()
    other.close()
