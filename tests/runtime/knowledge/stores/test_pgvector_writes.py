"""PgVectorStore write path: batched, atomic upserts that rewrite only what changed.

Every guarantee of the old row-by-row path is checked on the batched one: a large
document is written atomically, an edit writes (and inserts into the HNSW index) only
the changed chunks while the unchanged rows keep their stored vector, a replay writes
nothing, stale chunks go in the same transaction, and concurrent writers of one document
are serialised by the advisory lock with the newest position winning.
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from typing import Any

import psycopg
import pytest

from fmkit.knowledge.embedding import HashEmbedder
from fmkit.knowledge.errors import ConfigurationError
from fmkit.knowledge.models import Chunk, DocumentVersion, EmbeddedChunk, Position
from fmkit.knowledge.stores import PgVectorStore
from fmkit.knowledge.stores import pgvector as pgvector_module
from fmkit.knowledge.stores.pgvector_binary import PgVector
from tests.runtime.knowledge.helpers import sql

pytestmark = pytest.mark.runtime

EMB = HashEmbedder(64)
T0 = datetime(2026, 1, 1, tzinfo=UTC)
DOC = "s3://kb-docs/big/manual.md"


def version(vid: str, seq: int, *, fingerprint: str = "fp1", key: str = "big/manual.md") -> DocumentVersion:
    return DocumentVersion(
        bucket="kb-docs",
        key=key,
        version_id=vid,
        position=Position(sequencer=f"{seq:016X}", timestamp=T0 + timedelta(seconds=seq)),
        fingerprint=fingerprint,
        doc_type="md",
    )


def texts(count: int, tag: str = "") -> list[str]:
    return [f"paragraph {i} about topic {i % 17} {tag}".strip() for i in range(count)]


def embedded(items: list[str], sections: list[str] | None = None) -> list[EmbeddedChunk]:
    return [
        EmbeddedChunk(Chunk(index=i, text=t, section=(sections[i] if sections else "")), EMB.embed_query(t))
        for i, t in enumerate(items)
    ]


def rows(pg_uri: str, store: PgVectorStore) -> list[tuple[Any, ...]]:
    """(chunk_index, version_id, text, section, embedding as text, xmin) per chunk."""
    return sql(
        pg_uri,
        f"SELECT chunk_index, version_id, text, section, embedding::text, xmin::text FROM {store.chunks} "
        "WHERE source_key = %s ORDER BY chunk_index",
        (DOC,),
    )


class CountingVector(PgVector):
    """Counts the vectors the store sends to PostgreSQL."""

    sent = 0

    def __init__(self, values: Any) -> None:
        super().__init__(values)
        CountingVector.sent += 1


@pytest.fixture
def counting(monkeypatch: pytest.MonkeyPatch) -> type[CountingVector]:
    CountingVector.sent = 0
    monkeypatch.setattr(pgvector_module, "PgVector", CountingVector)
    return CountingVector


def test_a_500_chunk_document_is_written_atomically(pg_uri: str, pg_store: PgVectorStore) -> None:
    assert pg_store.upsert(DOC, version("v1", 1), embedded(texts(500)))
    first = rows(pg_uri, pg_store)
    assert [r[0] for r in first] == list(range(500)) and {r[1] for r in first} == {"v1"}

    # A new version whose very last chunk is invalid: nothing of it may be visible.
    bad = embedded(texts(500, "v2"))
    bad[-1] = EmbeddedChunk(Chunk(499, "broken"), [0.0] * 3)
    with pytest.raises(psycopg.Error):
        pg_store.upsert(DOC, version("v2", 2), bad)
    assert rows(pg_uri, pg_store) == first
    state = pg_store.get_state(DOC)
    assert state is not None and (state.version_id, state.chunk_count) == ("v1", 500)

    # ... and a valid one replaces all 500 at once, in one transaction (one xmin).
    assert pg_store.upsert(DOC, version("v3", 3), embedded(texts(500, "v3")))
    third = rows(pg_uri, pg_store)
    assert len(third) == 500 and {r[1] for r in third} == {"v3"} and len({r[5] for r in third}) == 1
    assert all(r[2].endswith("v3") for r in third)


def test_an_edit_writes_only_the_changed_chunk(
    pg_uri: str, pg_store: PgVectorStore, counting: type[CountingVector]
) -> None:
    original = texts(40)
    assert pg_store.upsert(DOC, version("v1", 1), embedded(original))
    assert counting.sent == 40
    before = rows(pg_uri, pg_store)

    edited = list(original)
    edited[17] = "paragraph 17 rewritten completely"
    counting.sent = 0
    assert pg_store.upsert(DOC, version("v2", 2), embedded(edited))
    assert counting.sent == 1  # one vector written (and inserted into the HNSW index)

    after = rows(pg_uri, pg_store)
    assert {r[1] for r in after} == {"v2"}  # every chunk carries the new version id
    for old, new in zip(before, after, strict=True):
        if old[0] == 17:
            assert new[2] == edited[17] and new[4] != old[4]
        else:
            assert (new[2], new[4]) == (old[2], old[4])  # same text, same stored vector
    state = pg_store.get_state(DOC)
    assert state is not None and (state.version_id, state.chunk_count) == ("v2", 40)


def test_a_section_change_keeps_the_vector(
    pg_uri: str, pg_store: PgVectorStore, counting: type[CountingVector]
) -> None:
    items = texts(3)
    pg_store.upsert(DOC, version("v1", 1), embedded(items, ["A", "A", "B"]))
    counting.sent = 0
    pg_store.upsert(DOC, version("v2", 2), embedded(items, ["A", "Renamed", "B"]))
    assert counting.sent == 0
    assert [(r[1], r[3]) for r in rows(pg_uri, pg_store)] == [("v2", "A"), ("v2", "Renamed"), ("v2", "B")]


def test_a_replay_of_the_same_version_writes_no_chunk(
    pg_uri: str, pg_store: PgVectorStore, counting: type[CountingVector]
) -> None:
    chunks = embedded(texts(25))
    assert pg_store.upsert(DOC, version("v1", 1), chunks)
    before = rows(pg_uri, pg_store)
    counting.sent = 0
    assert pg_store.upsert(DOC, version("v1", 1), chunks)  # same position: not older, applies
    assert counting.sent == 0
    assert rows(pg_uri, pg_store) == before  # same xmin: the rows were not even rewritten


def test_a_new_fingerprint_rewrites_every_vector(
    pg_uri: str, pg_store: PgVectorStore, counting: type[CountingVector]
) -> None:
    items = texts(5)
    pg_store.upsert(DOC, version("v1", 1), embedded(items))
    counting.sent = 0
    pg_store.upsert(DOC, version("v2", 2, fingerprint="fp2"), embedded(items))
    assert counting.sent == 5
    assert pg_store.reusable_embeddings(DOC, "fp1") == {}
    assert len(pg_store.reusable_embeddings(DOC, "fp2")) == 5


def test_shifted_and_removed_chunks(pg_uri: str, pg_store: PgVectorStore, counting: type[CountingVector]) -> None:
    original = texts(10)
    pg_store.upsert(DOC, version("v1", 1), embedded(original))
    # A paragraph inserted at the top shifts everything; the tail is cut: 6 chunks remain.
    shifted = ["a brand new opening paragraph", *original[:5]]
    counting.sent = 0
    pg_store.upsert(DOC, version("v2", 2), embedded(shifted))
    assert counting.sent == 6  # every index now holds other text
    assert [(r[0], r[1], r[2]) for r in rows(pg_uri, pg_store)] == [(i, "v2", t) for i, t in enumerate(shifted)]
    state = pg_store.get_state(DOC)
    assert state is not None and state.chunk_count == 6


def test_an_older_version_is_refused_before_anything_is_written(
    pg_uri: str, pg_store: PgVectorStore, counting: type[CountingVector]
) -> None:
    pg_store.upsert(DOC, version("v2", 20), embedded(texts(4)))
    before = rows(pg_uri, pg_store)
    assert not pg_store.upsert(DOC, version("v1", 10), embedded(texts(9, "old")))
    assert rows(pg_uri, pg_store) == before
    tomb = version("marker", 30).model_copy(update={"deleted": True})
    assert pg_store.delete_document(DOC, tombstone=tomb)
    assert not pg_store.upsert(DOC, version("v2b", 25), embedded(texts(2)))
    assert rows(pg_uri, pg_store) == []


def test_duplicate_chunk_indexes_are_refused(pg_store: PgVectorStore) -> None:
    chunk = EmbeddedChunk(Chunk(0, "same index"), EMB.embed_query("same index"))
    with pytest.raises(ValueError, match="duplicate chunk indexes"):
        pg_store.upsert(DOC, version("v1", 1), [chunk, chunk])


def test_concurrent_writers_of_one_document_end_with_the_newest_version(pg_uri: str, table_prefix: str) -> None:
    def new_store() -> PgVectorStore:
        return PgVectorStore(lambda: psycopg.connect(pg_uri), dimensions=64, table_prefix=table_prefix)

    setup = new_store()
    setup.ensure_schema()
    results: dict[str, bool] = {}
    barrier = threading.Barrier(2)

    def write(vid: str, seq: int, count: int) -> None:
        store = new_store()
        try:
            barrier.wait()
            results[vid] = store.upsert(DOC, version(vid, seq), embedded(texts(count, vid)))
        finally:
            store.close()

    threads = [
        threading.Thread(target=write, args=("new", 20, 120)),
        threading.Thread(target=write, args=("old", 10, 150)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results["new"] is True  # the older one either ran first (and was replaced) or was refused
    chunks = sql(pg_uri, f"SELECT version_id, count(*) FROM {setup.chunks} WHERE source_key = %s GROUP BY 1", (DOC,))
    assert chunks == [("new", 120)]
    state = setup.get_state(DOC)
    assert state is not None and (state.version_id, state.chunk_count) == ("new", 120)
    setup.close()


def test_schema_sets_hnsw_parameters_and_fillfactor(pg_uri: str, pg_store: PgVectorStore) -> None:
    [(indexdef,)] = sql(
        pg_uri, "SELECT indexdef FROM pg_indexes WHERE tablename = %s AND indexdef LIKE %s", (pg_store.chunks, "%hnsw%")
    )
    assert "m='16'" in indexdef and "ef_construction='64'" in indexdef
    [(options,)] = sql(pg_uri, "SELECT reloptions FROM pg_class WHERE oid = %s::regclass", (pg_store.chunks,))
    assert "fillfactor=50" in options


def test_schema_upgrades_the_fillfactor_of_an_existing_table(pg_uri: str, table_prefix: str) -> None:
    store = PgVectorStore(lambda: psycopg.connect(pg_uri), dimensions=64, table_prefix=table_prefix)
    store.ensure_schema()
    with psycopg.connect(pg_uri, autocommit=True) as conn:  # as created by an earlier release
        conn.execute(f"ALTER TABLE {store.chunks} RESET (fillfactor)")
    store.ensure_schema()
    [(options,)] = sql(pg_uri, "SELECT reloptions FROM pg_class WHERE oid = %s::regclass", (store.chunks,))
    assert options == ["fillfactor=50"]
    store.close()


def test_hnsw_parameters_are_validated() -> None:
    with pytest.raises(ConfigurationError, match="ef_construction"):
        PgVectorStore(lambda: None, dimensions=64, hnsw_m=32, hnsw_ef_construction=40)
