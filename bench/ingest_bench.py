"""Ingest throughput benchmark: the real pipeline logic vs. a bulk COPY floor.

    .venv/bin/python bench/ingest_bench.py [--docs 1000] [--dims 1024] [--strategy recursive]

1. Starts its own PostgreSQL + pgvector (``pgserver``, unix socket, temporary directory).
2. Generates a deterministic corpus (markdown, text and HTML documents of 1-8 KB).
3. Runs every document through `fmkit.knowledge.ingest.Ingestor` exactly as the
   ingest Lambda does (version check -> fetch -> parse -> chunk -> embed -> pgvector upsert
   with stale-chunk removal, one transaction per document), with the deterministic
   ``HashEmbedder`` so the figure measures the pipeline, not a model endpoint; objects
   come from memory instead of S3.
4. Edits: every fifth document gets a new version whose last sentence changed, and is
   ingested again (what an S3 overwrite does): only the changed chunks should be
   embedded and written; the unchanged ones keep their stored row and vector.
5. Two floors for the very same rows (text + vectors), both copies of the pipeline's
   table (same columns, keys and HNSW parameters), loaded with one ``COPY`` in one
   transaction:

   * *indexed*: ``COPY`` into the table **with** its HNSW index, i.e. the same
     incremental index maintenance the pipeline must do (each row is inserted into the
     graph as it arrives). This is the like-for-like floor for a live index.
   * *build once*: ``COPY`` into the table without the HNSW index, then one
     ``CREATE INDEX`` (in-memory graph build, ``maintenance_work_mem=512MB``). Only
     possible for an initial load nobody queries yet, so it is a lower bound, not a
     target for per-document ingestion.
6. Prints documents/s, chunks/s, a per-stage split and the pipeline/floor ratios, and a
   final ``RESULT`` line with the figures as ``name=value`` pairs (for scripts).

Timings are for this machine; no assertion is made on them (tests never time things).
"""

from __future__ import annotations

import argparse
import random
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from fmkit.contracts.knowledge import KnowledgeSettings
from fmkit.knowledge.embedding import HashEmbedder
from fmkit.knowledge.ingest import Ingestor
from fmkit.knowledge.models import DocumentVersion, EmbeddedChunk, Position
from fmkit.knowledge.sources import FetchedObject, ObjectInfo
from fmkit.knowledge.stores import PgVectorStore

BASE_WORDS = [
    "service", "policy", "invoice", "travel", "laptop", "encryption", "backup", "region", "cluster",
    "latency", "budget", "owner", "review", "quarter", "revenue", "customer", "contract", "incident",
    "runbook", "deploy", "rollback", "model", "embedding", "vector", "index", "query", "document",
    "chunk", "overlap", "retention", "archive", "compliance", "audit", "security", "network", "gateway",
]  # fmt: skip
_syllables = ["ka", "lo", "mi", "ne", "ru", "ta", "vo", "shi", "den", "gar", "pol", "quin", "ber", "sa"]
# A few thousand distinct words, so documents differ the way real corpora do.
WORDS = BASE_WORDS + [a + b + c for a in _syllables for b in _syllables for c in _syllables][:3000]


def paragraph(rng: random.Random, sentences: int) -> str:
    out = []
    for _ in range(sentences):
        words = [rng.choice(WORDS) for _ in range(rng.randint(8, 18))]
        out.append(" ".join(words).capitalize() + ".")
    return " ".join(out)


def corpus(count: int, seed: int = 42) -> dict[str, bytes]:
    rng = random.Random(seed)
    docs: dict[str, bytes] = {}
    for i in range(count):
        sections = rng.randint(2, 8)
        kind = ("md", "md", "md", "txt", "html")[i % 5]
        if kind == "md":
            parts = [f"# Document {i}"]
            for s in range(sections):
                parts.append(f"## Section {s}\n\n{paragraph(rng, rng.randint(2, 6))}")
            body = "\n\n".join(parts)
        elif kind == "txt":
            body = "\n\n".join(paragraph(rng, rng.randint(2, 6)) for _ in range(sections))
        else:
            inner = "".join(f"<h2>Part {s}</h2><p>{paragraph(rng, rng.randint(2, 6))}</p>" for s in range(sections))
            body = f"<html><head><title>Doc {i}</title></head><body><h1>Doc {i}</h1>{inner}</body></html>"
        docs[f"corpus/{i:05d}.{kind}"] = body.encode()
    return docs


def edited(data: bytes) -> bytes:
    """A new version of a document: its last word changed (one chunk's text differs)."""
    head, _, _ = data.rstrip().rpartition(b" ")
    return head + b" amended." + (b"</p></body></html>" if data.rstrip().endswith(b"</html>") else b"")


class MemorySource:
    def __init__(self, objects: dict[str, bytes]) -> None:
        self.objects = objects
        self.versions = dict.fromkeys(objects, "v1")
        self.modified = datetime(2026, 1, 1, tzinfo=UTC)

    def head(self, bucket: str, key: str, version_id: str | None = None) -> ObjectInfo | None:
        data = self.objects.get(key)
        if data is None:
            return None
        return ObjectInfo(version_id=self.versions[key], last_modified=self.modified, size=len(data))

    def fetch(self, bucket: str, key: str, version_id: str | None, max_bytes: int) -> FetchedObject:
        data = self.objects[key]
        return FetchedObject(
            ObjectInfo(version_id=self.versions[key], last_modified=self.modified, size=len(data)), data
        )


@dataclass
class Timers:
    embed: float = 0.0
    upsert: float = 0.0


class TimedEmbedder(HashEmbedder):
    def __init__(self, dimensions: int, timers: Timers) -> None:
        super().__init__(dimensions)
        self.timers = timers

    def embed_documents(self, texts: Sequence[str]) -> list[list[float]]:
        start = time.perf_counter()
        try:
            return super().embed_documents(texts)
        finally:
            self.timers.embed += time.perf_counter() - start


class TimedStore(PgVectorStore):
    timers: Timers

    def upsert(self, doc_id: str, version: DocumentVersion, chunks: Sequence[EmbeddedChunk]) -> bool:
        start = time.perf_counter()
        try:
            return super().upsert(doc_id, version, chunks)
        finally:
            self.timers.upsert += time.perf_counter() - start


def copy_floors(conn: Any, source_table: str) -> tuple[tuple[float, int], tuple[float, float, int]]:
    """Load the pipeline's rows with one COPY into copies of its table (same columns, keys
    and index definitions): (a) with the HNSW index in place, (b) without it, then one
    CREATE INDEX. Returns ``(seconds, rows)`` and ``(copy seconds, index seconds, rows)``."""
    columns = [
        r[0]
        for r in conn.execute(
            "SELECT attname FROM pg_attribute WHERE attrelid = %s::regclass AND attnum > 0 AND NOT attisdropped "
            "ORDER BY attnum",
            (source_table,),
        ).fetchall()
    ]
    column_list = ", ".join(columns)
    rows = conn.execute(f"SELECT {column_list} FROM {source_table} ORDER BY source_key, chunk_index").fetchall()
    hnsw = conn.execute(
        "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = %s AND indexdef LIKE '%%USING hnsw%%'",
        (source_table,),
    ).fetchone()
    assert hnsw is not None, f"{source_table} has no HNSW index"

    def load(table: str) -> float:
        start = time.perf_counter()
        with (
            conn.transaction(),
            conn.cursor() as cur,
            cur.copy(f"COPY {table} ({column_list}) FROM STDIN") as copy,
        ):
            for row in rows:
                copy.write_row(row)
        return time.perf_counter() - start

    # (a) like for like: the index is maintained row by row, as for the pipeline.
    conn.execute("DROP TABLE IF EXISTS floor_indexed")
    conn.execute(f"CREATE TABLE floor_indexed (LIKE {source_table} INCLUDING ALL)")
    indexed = load("floor_indexed")
    conn.execute("DROP TABLE floor_indexed")

    # (b) initial-load lower bound: no HNSW index while loading, one in-memory build after.
    conn.execute("DROP TABLE IF EXISTS floor_build")
    conn.execute(f"CREATE TABLE floor_build (LIKE {source_table} INCLUDING ALL)")
    copy_index = conn.execute(
        "SELECT indexname FROM pg_indexes WHERE tablename = 'floor_build' AND indexdef LIKE '%%USING hnsw%%'"
    ).fetchone()
    assert copy_index is not None
    conn.execute(f"DROP INDEX {copy_index[0]}")
    copied = load("floor_build")
    start = time.perf_counter()
    conn.execute("SET maintenance_work_mem = '512MB'")
    conn.execute(hnsw[1].replace(f"INDEX {hnsw[0]} ON", "INDEX ON").replace(f" {source_table} ", " floor_build "))
    built = time.perf_counter() - start
    conn.execute("RESET maintenance_work_mem")
    conn.execute("DROP TABLE floor_build")
    return (indexed, len(rows)), (copied, built, len(rows))


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--docs", type=int, default=1000)
    parser.add_argument("--dims", type=int, default=1024)
    parser.add_argument("--strategy", choices=("recursive", "tokens", "markdown"), default="recursive")
    parser.add_argument("--chunk-size", type=int, default=800)
    parser.add_argument("--chunk-overlap", type=int, default=100)
    parser.add_argument("--edit-every", type=int, default=5, help="re-ingest every Nth document as an edit")
    args = parser.parse_args(argv)

    import pgserver
    import psycopg

    with tempfile.TemporaryDirectory(prefix="kb-bench-") as tmp:
        started = time.perf_counter()
        server = pgserver.get_server(Path(tmp), cleanup_mode="stop")
        uri = server.get_uri()
        print(f"postgres (pgserver) ready in {time.perf_counter() - started:.2f}s")
        try:
            with psycopg.connect(uri, autocommit=True) as conn:
                conn.execute("CREATE EXTENSION IF NOT EXISTS vector")
                version = conn.execute("SELECT extversion FROM pg_extension WHERE extname = 'vector'").fetchone()
            settings = KnowledgeSettings.from_environment(
                {
                    "DB_DSN": uri,
                    "DB_TABLE_PREFIX": "bench",
                    "EMBEDDING_PROVIDER": "hash",
                    "EMBEDDING_DIMENSIONS": str(args.dims),
                    "CHUNK_STRATEGY": args.strategy,
                    "CHUNK_SIZE": str(args.chunk_size),
                    "CHUNK_OVERLAP": str(args.chunk_overlap),
                }
            )
            timers = Timers()
            store = TimedStore(lambda: psycopg.connect(uri), dimensions=args.dims, table_prefix="bench")
            store.timers = timers
            store.ensure_schema()
            docs = corpus(args.docs)
            ingestor = Ingestor(
                settings, source=MemorySource(docs), embedder=TimedEmbedder(args.dims, timers), store=store
            )
            total_bytes = sum(len(d) for d in docs.values())
            print(
                f"corpus: {len(docs)} documents, {total_bytes / 1e6:.2f} MB; dims={args.dims}, "
                f"strategy={args.strategy}, size={args.chunk_size}, overlap={args.chunk_overlap}, "
                f"pgvector {version[0] if version else '?'}"
            )

            start = time.perf_counter()
            chunks = 0
            for n, key in enumerate(sorted(docs), start=1):
                position = Position(sequencer=f"{n:016X}", timestamp=datetime.now(UTC))
                result = ingestor.ingest("bench-bucket", key, "v1", position)
                if result.status != "indexed":
                    raise SystemExit(f"{key}: {result.status} {result.reason}")
                chunks += result.chunks
            elapsed = time.perf_counter() - start
            upserted = timers.upsert

            # Edits: a new version of every fifth document, its last word changed.
            source = ingestor.source
            assert isinstance(source, MemorySource)
            edited_keys = sorted(docs)[:: args.edit_every]
            for key in edited_keys:
                source.objects[key] = edited(source.objects[key])
                source.versions[key] = "v2"
            timers.upsert = 0.0
            start = time.perf_counter()
            edit_chunks = edit_embedded = edit_reused = 0
            for n, key in enumerate(edited_keys, start=len(docs) + 1):
                position = Position(sequencer=f"{n:016X}", timestamp=datetime.now(UTC))
                result = ingestor.ingest("bench-bucket", key, "v2", position)
                if result.status != "indexed":
                    raise SystemExit(f"{key} (edit): {result.status} {result.reason}")
                edit_chunks += result.chunks
                edit_embedded += result.embedded
                edit_reused += result.reused
            edit_elapsed = time.perf_counter() - start
            edit_upserted = timers.upsert
            store.close()

            with psycopg.connect(uri, autocommit=True) as conn:
                stored = conn.execute("SELECT count(*) FROM bench_chunks").fetchone()
                assert stored is not None and stored[0] == chunks, (stored, chunks)
                row_versions = conn.execute("SELECT count(*) FROM bench_chunks WHERE version_id = 'v2'").fetchone()
                assert row_versions is not None and row_versions[0] == edit_chunks, (row_versions, edit_chunks)
                time.sleep(1)  # let the closed backend's statistics arrive
                updates = conn.execute(
                    "SELECT n_tup_upd, n_tup_hot_upd FROM pg_stat_user_tables WHERE relname = 'bench_chunks'"
                ).fetchone()
                updated, hot = updates if updates is not None else (0, 0)
                (indexed_s, rows), (copied_s, built_s, _) = copy_floors(conn, "bench_chunks")
        finally:
            server.cleanup()

    parse_chunk = elapsed - timers.embed - upserted
    print(f"pipeline : {len(docs)} docs, {chunks} chunks in {elapsed:.2f}s")
    print(f"           {len(docs) / elapsed:8.1f} documents/s   {chunks / elapsed:8.1f} chunks/s")
    print(
        f"           split: parse+chunk+checks {parse_chunk:.2f}s ({parse_chunk / elapsed:.0%}), "
        f"embed (HashEmbedder) {timers.embed:.2f}s ({timers.embed / elapsed:.0%}), "
        f"pgvector upsert {upserted:.2f}s ({upserted / elapsed:.0%})"
    )
    print(
        f"edits    : {len(edited_keys)} new versions ({edit_chunks} chunks: {edit_embedded} embedded, "
        f"{edit_reused} reused) in {edit_elapsed:.2f}s = {len(edited_keys) / edit_elapsed:.1f} documents/s "
        f"(upsert {edit_upserted:.2f}s, {1000 * edit_upserted / len(edited_keys):.1f} ms per document); "
        f"chunk rows updated {updated}, of which HOT {hot}"
    )
    floor_build = copied_s + built_s
    print(
        f"floor (a): COPY {rows} rows into the indexed table {indexed_s:.2f}s = {rows / indexed_s:8.1f} chunks/s "
        "(same incremental HNSW maintenance)"
    )
    print(
        f"floor (b): COPY {rows} rows without HNSW {copied_s:.2f}s + one CREATE INDEX {built_s:.2f}s "
        f"= {floor_build:.2f}s = {rows / floor_build:8.1f} chunks/s (initial-load lower bound)"
    )
    print(
        f"ratio    : pipeline/floor (a) = {elapsed / indexed_s:.2f}x the time; pipeline/floor (b) = "
        f"{elapsed / floor_build:.2f}x (upsert alone {upserted / indexed_s:.2f}x / {upserted / floor_build:.2f}x)"
    )
    print(
        f"RESULT docs_per_s={len(docs) / elapsed:.2f} chunks_per_s={chunks / elapsed:.2f} "
        f"upsert_s={upserted:.2f} edit_docs_per_s={len(edited_keys) / edit_elapsed:.2f} "
        f"edit_ms_per_doc={1000 * edit_upserted / len(edited_keys):.1f} edit_embedded={edit_embedded} "
        f"floor_indexed_chunks_per_s={rows / indexed_s:.2f} floor_build_chunks_per_s={rows / floor_build:.2f} "
        f"ratio_indexed={elapsed / indexed_s:.2f} ratio_build={elapsed / floor_build:.2f}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
