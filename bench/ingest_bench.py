"""Ingest throughput benchmark: the real pipeline logic vs. a bulk COPY floor.

    .venv/bin/python bench/ingest_bench.py [--docs 1000] [--dims 1024] [--strategy recursive]

1. Starts its own PostgreSQL + pgvector (``pgserver``, unix socket, temporary directory).
2. Generates a deterministic corpus (markdown, text and HTML documents of 1-8 KB).
3. Runs every document through :class:`knowledge_common.ingest.Ingestor` exactly as the
   ingest Lambda does (version check -> fetch -> parse -> chunk -> embed -> pgvector upsert
   with stale-chunk removal, one transaction per document), with the deterministic
   ``HashEmbedder`` so the figure measures the pipeline, not a model endpoint; objects
   come from memory instead of S3.
4. Floor: the fastest way to load the very same rows (text + vectors): ``COPY`` into a
   fresh table without index, then ``CREATE INDEX ... USING hnsw`` once.
5. Prints documents/s, chunks/s, a per-stage split and the pipeline/COPY ratio.

Timings are for this machine; no assertion is made on them (tests never time things).
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "lambda"))

from knowledge_common.embedding import HashEmbedder  # noqa: E402
from knowledge_common.ingest import FetchedObject, Ingestor, ObjectInfo  # noqa: E402
from knowledge_common.models import DocumentVersion, EmbeddedChunk, Position  # noqa: E402
from knowledge_common.settings import Settings  # noqa: E402
from knowledge_common.stores import PgVectorStore  # noqa: E402

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


class MemorySource:
    def __init__(self, objects: dict[str, bytes]) -> None:
        self.objects = objects
        self.modified = datetime(2026, 1, 1, tzinfo=UTC)

    def head(self, bucket: str, key: str, version_id: str | None = None) -> ObjectInfo | None:
        data = self.objects.get(key)
        return None if data is None else ObjectInfo(version_id="v1", last_modified=self.modified, size=len(data))

    def fetch(self, bucket: str, key: str, version_id: str | None, max_bytes: int) -> FetchedObject:
        data = self.objects[key]
        return FetchedObject(ObjectInfo(version_id="v1", last_modified=self.modified, size=len(data)), data)


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


def copy_floor(conn: Any, source_table: str, dims: int) -> tuple[float, float, int]:
    """COPY the pipeline's rows into a fresh table, then build the HNSW index once."""
    rows = conn.execute(
        f"SELECT source_key, chunk_index, bucket, key, version_id, content_hash, text, embedding::text "
        f"FROM {source_table}"
    ).fetchall()
    conn.execute("DROP TABLE IF EXISTS floor_chunks")
    conn.execute(
        f"""CREATE TABLE floor_chunks (source_key text NOT NULL, chunk_index integer NOT NULL,
            bucket text NOT NULL, key text NOT NULL, version_id text, content_hash text NOT NULL,
            text text NOT NULL, embedding vector({dims}) NOT NULL, PRIMARY KEY (source_key, chunk_index))"""
    )
    start = time.perf_counter()
    with conn.transaction(), conn.cursor() as cur:
        columns = "source_key, chunk_index, bucket, key, version_id, content_hash, text, embedding"
        with cur.copy(f"COPY floor_chunks ({columns}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
    copied = time.perf_counter() - start
    start = time.perf_counter()
    conn.execute("SET maintenance_work_mem = '512MB'")
    conn.execute("CREATE INDEX ON floor_chunks USING hnsw (embedding vector_cosine_ops)")
    return copied, time.perf_counter() - start, len(rows)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--docs", type=int, default=1000)
    parser.add_argument("--dims", type=int, default=1024)
    parser.add_argument("--strategy", choices=("recursive", "tokens", "markdown"), default="recursive")
    parser.add_argument("--chunk-size", type=int, default=800)
    parser.add_argument("--chunk-overlap", type=int, default=100)
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
            settings = Settings.from_env(
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
            store.close()

            with psycopg.connect(uri, autocommit=True) as conn:
                stored = conn.execute("SELECT count(*) FROM bench_chunks").fetchone()
                assert stored is not None and stored[0] == chunks, (stored, chunks)
                copied, indexed, rows = copy_floor(conn, "bench_chunks", args.dims)
        finally:
            server.cleanup()

    parse_chunk = elapsed - timers.embed - timers.upsert
    print(f"pipeline : {len(docs)} docs, {chunks} chunks in {elapsed:.2f}s")
    print(f"           {len(docs) / elapsed:8.1f} documents/s   {chunks / elapsed:8.1f} chunks/s")
    print(
        f"           split: parse+chunk+checks {parse_chunk:.2f}s ({parse_chunk / elapsed:.0%}), "
        f"embed (HashEmbedder) {timers.embed:.2f}s ({timers.embed / elapsed:.0%}), "
        f"pgvector upsert {timers.upsert:.2f}s ({timers.upsert / elapsed:.0%})"
    )
    floor = copied + indexed
    print(
        f"floor    : COPY {rows} rows {copied:.2f}s + one CREATE INDEX hnsw {indexed:.2f}s = {floor:.2f}s "
        f"= {rows / floor:8.1f} chunks/s"
    )
    print(
        f"ratio    : pipeline/floor = {elapsed / floor:.2f}x the time "
        f"(pipeline upsert alone {timers.upsert / floor:.2f}x; COPY without any index is "
        f"{elapsed / copied:.0f}x faster than the pipeline)"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
