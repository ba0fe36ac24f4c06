"""The behaviour every `VectorStore` must have, run against each backend by its test module."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from fmkit.knowledge.embedding import HashEmbedder
from fmkit.knowledge.models import Chunk, DocumentState, DocumentVersion, EmbeddedChunk, Position, QueryFilters

EMB = HashEmbedder(64)
T0 = datetime(2026, 1, 1, tzinfo=UTC)


def version(key: str, vid: str, seq: int, *, bucket: str = "kb-docs", doc_type: str = "txt") -> DocumentVersion:
    return DocumentVersion(
        bucket=bucket,
        key=key,
        version_id=vid,
        position=Position(sequencer=f"{seq:016X}", timestamp=T0 + timedelta(seconds=seq)),
        fingerprint="fp1",
        doc_type=doc_type,
    )


def state_of(store: Any, doc_id: str) -> DocumentState:
    state = store.get_state(doc_id)
    assert state is not None, doc_id
    return state


def embedded(*texts: str) -> list[EmbeddedChunk]:
    return [EmbeddedChunk(Chunk(index=i, text=t), EMB.embed_query(t)) for i, t in enumerate(texts)]


def exercise_contract(store: Any) -> None:  # Any: each store's get_state() is asserted non-None first
    """The behaviour every VectorStore must have (run against each implementation)."""
    doc = "s3://kb-docs/a/policy.txt"
    other = "s3://kb-docs/b/menu.txt"
    assert store.get_state(doc) is None
    assert store.upsert(doc, version("a/policy.txt", "v1", 10), embedded("alpha beta", "gamma delta", "eps"))
    assert store.upsert(other, version("b/menu.txt", "m1", 11, doc_type="md"), embedded("lunch menu soup"))

    state = store.get_state(doc)
    assert (state.version_id, state.chunk_count, state.deleted) == ("v1", 3, False)
    assert set(store.reusable_embeddings(doc, "fp1")) == {
        Chunk(0, t).content_hash for t in ("alpha beta", "gamma delta", "eps")
    }
    assert store.reusable_embeddings(doc, "other-fingerprint") == {}

    # Overwrite with fewer chunks: stale chunk 2 disappears.
    assert store.upsert(doc, version("a/policy.txt", "v2", 20), embedded("alpha beta", "zeta"))
    hits = store.query(EMB.embed_query("gamma delta"), 10, QueryFilters(keys=["a/policy.txt"]))
    assert sorted((h.chunk_index, h.text, h.version_id) for h in hits) == [(0, "alpha beta", "v2"), (1, "zeta", "v2")]

    # Out-of-order: an older version is refused and changes nothing.
    assert not store.upsert(doc, version("a/policy.txt", "v0", 5), embedded("ancient"))
    assert store.get_state(doc).version_id == "v2"

    # Query ranks the closest chunk first and honours filters.
    best = store.query(EMB.embed_query("lunch menu soup"), 2)
    assert best[0].key == "b/menu.txt" and best[0].score == pytest.approx(1.0, abs=1e-4)
    assert best[0].score >= best[1].score
    assert [h.key for h in store.query(EMB.embed_query("soup"), 5, QueryFilters(key_prefix="a/"))] == [
        "a/policy.txt",
        "a/policy.txt",
    ]
    assert {h.key for h in store.query(EMB.embed_query("soup"), 5, QueryFilters(doc_types=["md"]))} == {"b/menu.txt"}
    assert store.query(EMB.embed_query("soup"), 5, QueryFilters(bucket="elsewhere")) == []

    # A stale delete is refused; a newer delete removes everything and leaves a tombstone.
    stale = version("a/policy.txt", "marker-0", 15).model_copy(update={"deleted": True})
    assert not store.delete_document(doc, tombstone=stale)
    assert len(store.query(EMB.embed_query("zeta"), 10, QueryFilters(keys=["a/policy.txt"]))) == 2
    assert store.delete_document(doc, tombstone=version("a/policy.txt", "marker-1", 30))
    assert store.query(EMB.embed_query("zeta"), 10, QueryFilters(keys=["a/policy.txt"])) == []
    tomb = store.get_state(doc)
    assert tomb.deleted and tomb.chunk_count == 0
    # ... which an older create cannot pass.
    assert not store.upsert(doc, version("a/policy.txt", "v3", 25), embedded("resurrected"))
