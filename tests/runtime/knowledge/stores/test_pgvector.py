"""PgVectorStore against a real PostgreSQL 16 + pgvector (pgserver): the contract, schema, atomicity."""

from __future__ import annotations

import psycopg
import pytest

from fmkit.knowledge.errors import ConfigurationError
from fmkit.knowledge.models import Chunk, EmbeddedChunk
from fmkit.knowledge.stores import PgVectorStore
from tests.runtime.knowledge.helpers import sql
from tests.runtime.knowledge.stores.contract import EMB, embedded, exercise_contract, state_of, version

pytestmark = pytest.mark.runtime

# --------------------------------------------------------------------------- pgvector


def test_pgvector_contract(pg_store: PgVectorStore) -> None:
    exercise_contract(pg_store)


def test_pgvector_schema_is_idempotent_and_checks_dimensions(pg_uri: str, pg_store: PgVectorStore) -> None:
    pg_store.ensure_schema()  # second run is a no-op
    indexes = sql(pg_uri, "SELECT indexdef FROM pg_indexes WHERE tablename = %s", (pg_store.chunks,))
    assert any("hnsw" in d and "vector_cosine_ops" in d for (d,) in indexes)
    wrong = PgVectorStore(
        lambda: psycopg.connect(pg_uri), dimensions=32, table_prefix=pg_store.docs[: -len("_documents")]
    )
    with pytest.raises(ConfigurationError, match="64 dimensions but EMBEDDING_DIMENSIONS=32"):
        wrong.ensure_schema()
    wrong.close()


def test_pgvector_upsert_is_one_transaction(pg_uri: str, pg_store: PgVectorStore) -> None:
    doc = "s3://kb-docs/t.txt"
    pg_store.upsert(doc, version("t.txt", "v1", 1), embedded("one", "two"))
    bad = [EmbeddedChunk(Chunk(0, "new"), EMB.embed_query("new")), EmbeddedChunk(Chunk(1, "bad"), [0.0] * 3)]
    with pytest.raises(psycopg.Error):
        pg_store.upsert(doc, version("t.txt", "v2", 2), bad)
    rows = sql(pg_uri, f"SELECT version_id, text FROM {pg_store.chunks} ORDER BY chunk_index")
    assert rows == [("v1", "one"), ("v1", "two")]
    assert state_of(pg_store, doc).version_id == "v1"


def test_pgvector_delete_keep_version(pg_uri: str, pg_store: PgVectorStore) -> None:
    doc = "s3://kb-docs/k.txt"
    pg_store.upsert(doc, version("k.txt", "v1", 1), embedded("x", "y"))
    assert pg_store.delete_document(doc, keep_version="v1")
    assert state_of(pg_store, doc).chunk_count == 2
    assert pg_store.delete_document(doc)
    assert state_of(pg_store, doc).chunk_count == 0


def test_pgvector_reconnects_after_the_connection_is_killed(pg_uri: str, pg_store: PgVectorStore) -> None:
    pg_store.upsert("s3://kb-docs/r.txt", version("r.txt", "v1", 1), embedded("hello"))
    pid = pg_store.connection().info.backend_pid
    sql(pg_uri, "SELECT pg_terminate_backend(%s)", (pid,))
    assert state_of(pg_store, "s3://kb-docs/r.txt").version_id == "v1"
    assert pg_store.connection().info.backend_pid != pid
