"""pgvector's binary vector format: byte layout, and equality with what PostgreSQL parses from text."""

from __future__ import annotations

import pytest

from fmkit.knowledge.models import Chunk, EmbeddedChunk
from fmkit.knowledge.stores import PgVectorStore
from fmkit.knowledge.stores.pgvector_binary import vector_from_binary, vector_to_binary
from tests.runtime.knowledge.helpers import sql
from tests.runtime.knowledge.stores.contract import EMB, version

pytestmark = pytest.mark.runtime
DOC = "s3://kb-docs/big/manual.md"


def test_binary_vector_format_round_trips() -> None:
    values = [0.5, -1.25, 3.0e-7, 0.0]
    data = vector_to_binary(values)
    assert data[:4] == b"\x00\x04\x00\x00" and len(data) == 4 + 4 * len(values)
    assert vector_from_binary(data) == pytest.approx(values, rel=1e-6)


def test_binary_vectors_match_what_postgres_parses_from_text(pg_uri: str, pg_store: PgVectorStore) -> None:
    vector = EMB.embed_query("a vector that goes over the wire in binary")
    pg_store.upsert(DOC, version("big/manual.md", "v1", 1), [EmbeddedChunk(Chunk(0, "x"), vector)])
    literal = "[" + ",".join(repr(v) for v in vector) + "]"
    [(equal,)] = sql(pg_uri, f"SELECT embedding = %s::vector FROM {pg_store.chunks}", (literal,))
    assert equal
    reused = pg_store.reusable_embeddings(DOC, "fp1")[Chunk(0, "x").content_hash]
    assert reused == pytest.approx(vector, rel=1e-6)
