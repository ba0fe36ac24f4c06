"""Ingest benchmark: the bulk load and the incremental pipeline vs. a COPY floor.

    .venv/bin/python bench/ingest_bench.py [--docs 1000] [--dims 1024] [--batch 25] [--workers N] [--bulk-only]

1. Starts its own PostgreSQL + pgvector (``pgserver``, unix socket, temporary directory).
2. Generates a deterministic corpus (markdown, text and HTML documents of 1-8 KB).
3. **Bulk load** (the figure `make bench` reports): the first load of an empty store as
   the bulk re-ingestion's state machine runs it: begin (bulk mode: no HNSW index) ->
   batches of ``--batch`` objects through `fmkit.knowledge.bulk.ingest_batch` (version
   check -> fetch -> parse -> chunk -> embed, then one binary ``COPY`` per batch), ``--workers``
   processes at a time (the map runs item functions concurrently; default one per core, as
   PostgreSQL's parallel index build in the floor uses the cores too) ->
   finish (one ``CREATE INDEX CONCURRENTLY``). The deterministic ``HashEmbedder`` stands in
   for the model endpoint and objects come from memory instead of S3, so the figure
   measures the pipeline, not the network.
4. **Incremental** (skipped with ``--bulk-only``): every document through
   `fmkit.knowledge.ingest.Ingestor` exactly as the ingest Lambda does (one transaction
   per document into the indexed table), then every fifth document edited (its last
   sentence changed) and ingested again: only the changed chunks should be embedded and
   written; the unchanged ones keep their stored row and vector.
5. Floors for the very same rows (text + vectors), copies of the bulk table (same
   columns, keys and HNSW parameters), loaded with one binary ``COPY`` in one transaction
   of data exported beforehand (only the server's work is timed):

   * *(b) build once*: ``COPY`` into the table without the HNSW index, then one plain
     ``CREATE INDEX`` (``maintenance_work_mem=512MB``): the lower bound of an initial
     load; the same with ``CREATE INDEX CONCURRENTLY`` is printed beside it.
   * *(a) indexed* (with the incremental run): ``COPY`` into the table **with** its HNSW
     index, the same row-by-row index maintenance the incremental pipeline must do.
6. Prints documents/s, the split, the ratios, and a final ``RESULT`` line with the figures
   as ``name=value`` pairs (for `bench/run_all.py`).

Timings are for this machine; no assertion is made on them (tests never time things).
"""

from __future__ import annotations

import argparse
import os
import random
import tempfile
import time
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from fmkit.contracts.knowledge import KnowledgeSettings
from fmkit.knowledge.bulk import ingest_batch
from fmkit.knowledge.embedding import HashEmbedder
from fmkit.knowledge.ingest import Ingestor
from fmkit.knowledge.models import DocumentVersion, EmbeddedChunk, IngestResult, Position
from fmkit.knowledge.sources import FetchedObject, ObjectInfo
from fmkit.knowledge.stores import PgVectorStore

BULK_BATCH = 25
"""Objects per batch of the bulk state machine's item function (its `ItemBatcher`)."""

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


def copy_floors(conn: Any, source_table: str, *, indexed: bool) -> dict[str, float]:
    """Load `source_table`'s rows with one binary COPY (the data copied out beforehand, so
    only the server's work is timed) into copies of the table (same columns, keys and index
    definitions):

    * `indexed` (only when asked): with the HNSW index in place (row-by-row maintenance);
    * `copy` + `build`: without it, then one plain `CREATE INDEX` (the lower bound);
    * `copy_cic` + `build_cic`: the same with `CREATE INDEX CONCURRENTLY` (what bulk mode runs).

    Returns those seconds and `rows`."""
    rows = conn.execute(f"SELECT count(*) FROM {source_table}").fetchone()[0]
    columns = ", ".join(
        r[0]
        for r in conn.execute(
            "SELECT attname FROM pg_attribute WHERE attrelid = %s::regclass AND attnum > 0 AND NOT attisdropped "
            "ORDER BY attnum",
            (source_table,),
        ).fetchall()
    )
    data = bytearray()
    with conn.cursor() as cur, cur.copy(
        f"COPY (SELECT {columns} FROM {source_table} ORDER BY source_key, chunk_index) TO STDOUT (FORMAT BINARY)"
    ) as copy:
        for block in copy:
            data += block
    hnsw = conn.execute(
        "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = %s AND indexdef LIKE '%%USING hnsw%%'",
        (source_table,),
    ).fetchall()
    assert len(hnsw) == 1, f"{source_table} should have one HNSW index: {hnsw}"

    def load(table: str, *, keep_index: bool) -> float:
        conn.execute(f"DROP TABLE IF EXISTS {table}")
        conn.execute(f"CREATE TABLE {table} (LIKE {source_table} INCLUDING ALL)")
        if not keep_index:
            copied = conn.execute(
                "SELECT indexname FROM pg_indexes WHERE tablename = %s AND indexdef LIKE '%%USING hnsw%%'", (table,)
            ).fetchone()
            conn.execute(f"DROP INDEX {copied[0]}")
        start = time.perf_counter()
        statement = f"COPY {table} ({columns}) FROM STDIN (FORMAT BINARY)"
        with conn.transaction(), conn.cursor() as cur, cur.copy(statement) as copy:
            copy.write(data)
        return time.perf_counter() - start

    def build(table: str, concurrently: bool) -> float:
        method = hnsw[0][1][hnsw[0][1].index(" USING ") :]  # USING hnsw (embedding ...) WITH (m=..., ...)
        conn.execute("SET maintenance_work_mem = '512MB'")  # what bulk mode sets
        start = time.perf_counter()
        conn.execute(f"CREATE INDEX {'CONCURRENTLY ' if concurrently else ''}ON {table}{method}")
        elapsed = time.perf_counter() - start
        conn.execute("RESET maintenance_work_mem")
        conn.execute(f"DROP TABLE {table}")
        return elapsed

    figures: dict[str, float] = {"rows": rows}
    if indexed:
        figures["indexed"] = load("floor_indexed", keep_index=True)
        conn.execute("DROP TABLE floor_indexed")
    figures["copy"] = load("floor_build", keep_index=False)
    figures["build"] = build("floor_build", concurrently=False)
    figures["copy_cic"] = load("floor_cic", keep_index=False)
    figures["build_cic"] = build("floor_cic", concurrently=True)
    return figures


_worker: Ingestor | None = None


def _start_worker(uri: str, docs: dict[str, bytes], settings: KnowledgeSettings, dims: int) -> None:
    """One item-function instance: its own connection, embedder and source (like a Lambda)."""
    import psycopg

    global _worker
    store = PgVectorStore(lambda: psycopg.connect(uri), dimensions=dims, table_prefix=settings.db_table_prefix)
    _worker = Ingestor(settings, source=MemorySource(docs), embedder=HashEmbedder(dims), store=store)


def _load_batch(keys: list[str]) -> int:
    """What one item-function invocation does with a map batch; returns the chunks written."""
    assert _worker is not None
    chunks = 0
    for outcome in ingest_batch(_worker, [("bench-bucket", key, None) for key in keys]):
        if not isinstance(outcome, IngestResult) or outcome.status != "indexed":
            raise SystemExit(f"bulk load: {outcome!r}")
        chunks += outcome.chunks
    return chunks


def bulk_load(uri: str, docs: dict[str, bytes], settings: KnowledgeSettings, dims: int,
              batch: int, workers: int) -> tuple[float, float, int]:
    """The bulk re-ingestion's first load of an empty store, as its state machine runs it:
    begin (bulk mode) -> batches of `batch` objects through `ingest_batch`, `workers` at a time
    (the Distributed Map runs item functions concurrently) -> finish (one concurrent HNSW build).
    Returns ``(seconds loading, seconds building the index, chunks)``."""
    import psycopg

    store = PgVectorStore(lambda: psycopg.connect(uri), dimensions=dims, table_prefix=settings.db_table_prefix)
    store.ensure_schema()  # done at deploy time by the schema job: not timed
    keys = sorted(docs)
    batches = [keys[first : first + batch] for first in range(0, len(keys), batch)]
    with ProcessPoolExecutor(workers, initializer=_start_worker, initargs=(uri, docs, settings, dims)) as pool:
        list(pool.map(_start_worker_ready, range(workers)))  # instances warm, as Lambdas after a cold start
        start = time.perf_counter()
        if not store.begin_bulk_load("bench"):
            raise SystemExit("bulk load: the store is not empty")
        chunks = sum(pool.map(_load_batch, batches))
    loaded = time.perf_counter()
    if store.finish_bulk_load("bench") != "built":
        raise SystemExit("bulk load: the index was not built")
    built = time.perf_counter()
    store.close()
    return loaded - start, built - loaded, chunks


def _start_worker_ready(_: int) -> bool:
    return _worker is not None


def settings_for(uri: str, prefix: str, args: argparse.Namespace) -> KnowledgeSettings:
    return KnowledgeSettings.from_environment(
        {
            "DB_DSN": uri,
            "DB_TABLE_PREFIX": prefix,
            "EMBEDDING_PROVIDER": "hash",
            "EMBEDDING_DIMENSIONS": str(args.dims),
            "CHUNK_STRATEGY": args.strategy,
            "CHUNK_SIZE": str(args.chunk_size),
            "CHUNK_OVERLAP": str(args.chunk_overlap),
        }
    )


def incremental(uri: str, docs: dict[str, bytes], args: argparse.Namespace) -> dict[str, float]:
    """The ingest function's path: one document at a time into the indexed store, then edits."""
    import psycopg

    settings = settings_for(uri, "bench", args)
    timers = Timers()
    store = TimedStore(lambda: psycopg.connect(uri), dimensions=args.dims, table_prefix="bench")
    store.timers = timers
    store.ensure_schema()
    ingestor = Ingestor(settings, source=MemorySource(docs), embedder=TimedEmbedder(args.dims, timers), store=store)
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

    # Edits: a new version of every Nth document, its last word changed.
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
    store.close()
    with psycopg.connect(uri, autocommit=True) as conn:
        stored = conn.execute("SELECT count(*) FROM bench_chunks").fetchone()
        assert stored is not None and stored[0] == chunks, (stored, chunks)
        time.sleep(1)  # let the closed backend's statistics arrive
        updates = conn.execute(
            "SELECT n_tup_upd, n_tup_hot_upd FROM pg_stat_user_tables WHERE relname = 'bench_chunks'"
        ).fetchone()
    updated, hot = updates if updates is not None else (0, 0)
    return {"elapsed": elapsed, "chunks": chunks, "upsert": upserted, "embed": timers.embed,
            "edits": len(edited_keys), "edit_elapsed": edit_elapsed, "edit_upsert": timers.upsert,
            "edit_chunks": edit_chunks, "edit_embedded": edit_embedded, "edit_reused": edit_reused,
            "updated": updated, "hot": hot}


def report_incremental(docs: int, f: dict[str, float], floors: dict[str, float]) -> str:
    elapsed, chunks, upserted = f["elapsed"], f["chunks"], f["upsert"]
    parse_chunk = elapsed - f["embed"] - upserted
    floor_build = floors["copy"] + floors["build"]
    print(f"incremental: {docs} docs, {chunks:.0f} chunks in {elapsed:.2f}s = {docs / elapsed:.1f} documents/s, "
          f"{chunks / elapsed:.1f} chunks/s (one document per transaction, into the indexed table)")
    print(f"           split: parse+chunk+checks {parse_chunk:.2f}s ({parse_chunk / elapsed:.0%}), "
          f"embed (HashEmbedder) {f['embed']:.2f}s ({f['embed'] / elapsed:.0%}), "
          f"pgvector upsert {upserted:.2f}s ({upserted / elapsed:.0%})")
    print(f"edits    : {f['edits']:.0f} new versions ({f['edit_chunks']:.0f} chunks: "
          f"{f['edit_embedded']:.0f} embedded, {f['edit_reused']:.0f} reused) in {f['edit_elapsed']:.2f}s = "
          f"{f['edits'] / f['edit_elapsed']:.1f} "
          f"documents/s ({1000 * f['edit_upsert'] / f['edits']:.1f} ms upsert per document); chunk rows "
          f"updated {f['updated']:.0f}, of which HOT {f['hot']:.0f}")
    print(f"floor (a): COPY {floors['rows']:.0f} rows into the indexed table {floors['indexed']:.2f}s "
          f"-> incremental/floor (a) = {elapsed / floors['indexed']:.2f}x, /floor (b) = {elapsed / floor_build:.2f}x")
    return (f"docs_per_s={docs / elapsed:.2f} chunks_per_s={chunks / elapsed:.2f} upsert_s={upserted:.2f} "
            f"edit_ms_per_doc={1000 * f['edit_upsert'] / f['edits']:.1f} edit_embedded={f['edit_embedded']:.0f} "
            f"ratio_indexed={elapsed / floors['indexed']:.2f} ratio_incremental_build={elapsed / floor_build:.2f} ")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--docs", type=int, default=1000)
    parser.add_argument("--dims", type=int, default=1024)
    parser.add_argument("--strategy", choices=("recursive", "tokens", "markdown"), default="recursive")
    parser.add_argument("--chunk-size", type=int, default=800)
    parser.add_argument("--chunk-overlap", type=int, default=100)
    parser.add_argument("--edit-every", type=int, default=5, help="re-ingest every Nth document as an edit")
    parser.add_argument("--batch", type=int, default=BULK_BATCH, help="objects per item-function batch (bulk)")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1,
                        help="item functions at a time (bulk; default: one per core, as the floor's index build)")
    parser.add_argument("--bulk-only", action="store_true", help="skip the incremental run and floor (a)")
    args = parser.parse_args(argv)

    import pgserver
    import psycopg

    docs = corpus(args.docs)
    with tempfile.TemporaryDirectory(prefix="kb-bench-") as tmp:
        started = time.perf_counter()
        server = pgserver.get_server(Path(tmp), cleanup_mode="stop")
        uri = server.get_uri()
        print(f"postgres (pgserver) ready in {time.perf_counter() - started:.2f}s")
        try:
            with psycopg.connect(uri, autocommit=True) as conn:
                conn.execute("CREATE EXTENSION IF NOT EXISTS vector")
                version = conn.execute("SELECT extversion FROM pg_extension WHERE extname = 'vector'").fetchone()
            print(f"corpus: {len(docs)} documents, {sum(len(d) for d in docs.values()) / 1e6:.2f} MB; "
                  f"dims={args.dims}, strategy={args.strategy}, size={args.chunk_size}, "
                  f"overlap={args.chunk_overlap}, pgvector {version[0] if version else '?'}", flush=True)
            loading, building, chunks = bulk_load(uri, docs, settings_for(uri, "bulk", args), args.dims, args.batch,
                                                  args.workers)
            runs = None if args.bulk_only else incremental(uri, docs, args)
            with psycopg.connect(uri, autocommit=True) as conn:
                floors = copy_floors(conn, "bulk_chunks", indexed=runs is not None)
        finally:
            server.cleanup()

    bulk_s, floor_s = loading + building, floors["copy"] + floors["build"]
    print(f"bulk load: {len(docs)} docs, {chunks} chunks in {bulk_s:.2f}s = {len(docs) / bulk_s:.1f} documents/s: "
          f"parse+chunk+embed+COPY in batches of {args.batch}, {args.workers} at a time {loading:.2f}s, "
          f"one CREATE INDEX CONCURRENTLY {building:.2f}s")
    print(f"floor (b): one COPY of the same rows {floors['copy']:.2f}s + one CREATE INDEX {floors['build']:.2f}s "
          f"= {floor_s:.2f}s (CONCURRENTLY instead: {floors['copy_cic']:.2f}s + {floors['build_cic']:.2f}s)")
    print(f"ratio    : bulk load / floor (b) = {bulk_s / floor_s:.2f}x")
    result = f"RESULT bulk_s={bulk_s:.2f} floor_s={floor_s:.2f} ratio_bulk={bulk_s / floor_s:.2f} "
    if runs is not None:
        result += report_incremental(len(docs), runs, floors)
    print(result.strip())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
