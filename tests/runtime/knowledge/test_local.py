"""A local folder indexed into a real pgvector with the functions' own code, then queried."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from fmkit.contracts.knowledge import KnowledgeSettings
from fmkit.knowledge.build import build_embedder, build_store
from fmkit.knowledge.errors import UnparseableDocument
from fmkit.knowledge.local import LOCAL_BUCKET, ingest_folder
from fmkit.knowledge.models import QueryFilters
from tests.runtime.knowledge.helpers import lorem, make_pdf

pytestmark = pytest.mark.runtime


def test_a_folder_is_indexed_queried_and_reindexed_incrementally(tmp_path: Path, pg_uri: str,
                                                                 table_prefix: str) -> None:
    docs = tmp_path / "docs"
    (docs / "hr").mkdir(parents=True)
    (docs / "hr" / "vacation.md").write_text("# Vacation\n\nEmployees get thirty days of paid vacation a year.")
    (docs / "it" / "laptops").mkdir(parents=True)
    (docs / "it" / "laptops" / "policy.pdf").write_bytes(make_pdf([lorem(3, 80)]))
    (docs / "notes.png").write_bytes(b"\x89PNG")
    (docs / ".hidden").mkdir()
    (docs / ".hidden" / "secret.txt").write_text("never indexed")
    settings = KnowledgeSettings(db_dsn=pg_uri, db_table_prefix=table_prefix, embedding_provider="hash",
                                 embedding_dimensions=64, chunk_strategy="markdown", chunk_size=300,
                                 chunk_overlap=30)

    results = {r.source_key: r.status for r in ingest_folder(docs, settings)}
    assert results == {f"s3://{LOCAL_BUCKET}/hr/vacation.md": "indexed",
                       f"s3://{LOCAL_BUCKET}/it/laptops/policy.pdf": "indexed",
                       f"s3://{LOCAL_BUCKET}/notes.png": "skipped"}

    store = build_store(settings)
    question = build_embedder(settings).embed_query("how many days of paid vacation")
    hits = store.query(question, 3, QueryFilters(bucket=LOCAL_BUCKET, key_prefix="hr/"))
    assert [h.key for h in hits] == ["hr/vacation.md"] and hits[0].section == "Vacation"

    again = {r.source_key: r.status for r in ingest_folder(docs, settings)}
    assert again[f"s3://{LOCAL_BUCKET}/hr/vacation.md"] == "skipped"  # same file, same pipeline
    changed = docs / "hr" / "vacation.md"
    changed.write_text("# Vacation\n\nEmployees get thirty-two days of paid vacation a year.")
    stat = changed.stat()
    os.utime(changed, (stat.st_atime, stat.st_mtime + 10))
    assert {r.source_key: r.status for r in ingest_folder(docs, settings)}[
        f"s3://{LOCAL_BUCKET}/hr/vacation.md"] == "indexed"


def test_an_unparseable_file_raises_what_the_functions_dead_letter(tmp_path: Path, pg_uri: str,
                                                                   table_prefix: str) -> None:
    (tmp_path / "broken.pdf").write_bytes(b"%PDF-1.7 truncated")
    settings = KnowledgeSettings(db_dsn=pg_uri, db_table_prefix=table_prefix, embedding_provider="hash",
                                 embedding_dimensions=64)
    with pytest.raises(UnparseableDocument):
        ingest_folder(tmp_path, settings)
