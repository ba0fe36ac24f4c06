"""The manifest and chunk metadata of the metadata stores: what is written reads back the same."""

from __future__ import annotations

from datetime import UTC, datetime

from fmkit.knowledge.models import Chunk, DocumentVersion, EmbeddedChunk, Position
from fmkit.knowledge.stores.codec import chunk_metadata, hit_from_metadata, manifest_metadata, state_from_manifest

VERSION = DocumentVersion(bucket="kb-docs", key="hr/policy.md", version_id="v2", fingerprint="fp", doc_type="md",
                          position=Position(sequencer="0A", timestamp=datetime(2026, 1, 1, tzinfo=UTC)))


def test_a_manifest_reads_back_as_the_state_it_recorded() -> None:
    state = state_from_manifest(manifest_metadata(VERSION, 7))
    assert state.model_dump() == {**VERSION.model_dump(), "chunk_count": 7}
    tombstone = state_from_manifest(manifest_metadata(VERSION.model_copy(update={"version_id": None,
                                                                                 "deleted": True}), 0))
    assert tombstone.deleted and tombstone.version_id is None


def test_a_chunk_reads_back_as_a_hit() -> None:
    item = EmbeddedChunk(Chunk(index=3, text="Vacation days", section="Leave"), [0.1, 0.2])
    meta = chunk_metadata(VERSION, item, ["hr/"])
    assert meta["kind"] == "chunk" and meta["key_prefixes"] == ["hr/"]
    hit = hit_from_metadata(meta, 0.75)
    assert (hit.source_key, hit.chunk_index, hit.section, hit.version_id, hit.score) == (
        "s3://kb-docs/hr/policy.md", 3, "Leave", "v2", 0.75)
    assert hit.content_hash == item.chunk.content_hash
