"""Build a real pgvector index from a folder with the kit's own parse/chunk/embed/upsert code.

`fmkit.knowledge.local.ingest_folder` does the ingestion exactly as the ingest Lambda would;
this module picks a table prefix per *variant* (chunk strategy, size, overlap, embedder), so
several variants live side by side in one database and can be compared on the same questions
before anything is deployed. The prefix is derived from the folder and the variant: with a
persistent database (`--pg-dsn`) a rerun skips unchanged files.

`temporary_postgres()` starts a throwaway PostgreSQL 16 + pgvector from the `pgserver` wheel
(unix socket, no port), as the runtime tests do.
"""

from __future__ import annotations

import hashlib
import importlib
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from fmkit.contracts.knowledge import ChunkStrategy, KnowledgeSettings
from fmkit.knowledge.build import build_store
from fmkit.knowledge.embedding import Embedder
from fmkit.knowledge.errors import ConfigurationError
from fmkit.knowledge.local import LOCAL_BUCKET, ingest_folder
from fmkit.knowledge.models import IngestResult, QueryFilters

from .retrievers import LocalRetriever

EmbeddingChoice = Literal["configured", "hash", "minilm"]


@dataclass(frozen=True)
class LocalVariant:
    """One way to build the index: how to chunk and which embedder."""

    chunk_strategy: ChunkStrategy
    chunk_size: int
    chunk_overlap: int
    embedding: EmbeddingChoice

    @property
    def name(self) -> str:
        return f"local-{self.chunk_strategy}-{self.chunk_size}-o{self.chunk_overlap}-{self.embedding}"

    def check(self) -> str | None:
        """Why this variant cannot be built, or None."""
        if self.chunk_size < 16:
            return f"{self.name}: chunk size must be at least 16"
        if not 0 <= self.chunk_overlap < self.chunk_size:
            return f"{self.name}: chunk overlap {self.chunk_overlap} must be >= 0 and smaller than the chunk size"
        return None


@dataclass(frozen=True)
class LocalIndex:
    variant: LocalVariant
    retriever: LocalRetriever
    ingested: list[IngestResult]
    table_prefix: str
    model_id: str
    dimensions: int

    @property
    def chunks(self) -> int:
        return sum(r.chunks for r in self.ingested if r.status in ("indexed", "skipped"))

    @property
    def documents(self) -> int:
        return sum(1 for r in self.ingested if r.status == "indexed" or (r.status == "skipped" and r.chunks))


def table_prefix(folder: Path, variant: LocalVariant, model_id: str) -> str:
    material = f"{folder.resolve()}|{variant.name}|{model_id}"
    return "evr_" + hashlib.sha256(material.encode()).hexdigest()[:20]


def build_local_index(
    folder: Path,
    variant: LocalVariant,
    *,
    dsn: str,
    embedder: Embedder,
    base: KnowledgeSettings | None = None,
) -> LocalIndex:
    """Ingest `folder` into pgvector at `dsn` with `variant`'s chunking and `embedder`.

    `base` carries the knowledge base's other settings (allowed suffixes, source prefixes,
    size limits); store, chunking and embedding fields are replaced by the variant's.
    """
    problem = variant.check()
    if problem:
        raise ConfigurationError(problem)
    prefix = table_prefix(folder, variant, embedder.model_id)
    provider = "hash" if variant.embedding != "configured" else (base.embedding_provider if base else "hash")
    fields = (base.model_dump(exclude_unset=True) if base else {}) | {
        "vector_store": "pgvector", "db_dsn": dsn, "db_table_prefix": prefix, "ensure_schema": True,
        "embedding_provider": provider, "embedding_model_id": embedder.model_id,
        "embedding_dimensions": embedder.dimensions, "chunk_strategy": variant.chunk_strategy,
        "chunk_size": variant.chunk_size, "chunk_overlap": variant.chunk_overlap,
    }
    settings = KnowledgeSettings.model_validate(fields)
    store = build_store(settings)
    ingested = ingest_folder(folder, settings, store=store, embedder=embedder)
    retriever = LocalRetriever(embedder, store, QueryFilters(bucket=LOCAL_BUCKET))
    return LocalIndex(variant=variant, retriever=retriever, ingested=ingested, table_prefix=prefix,
                      model_id=embedder.model_id, dimensions=embedder.dimensions)


@contextmanager
def temporary_postgres() -> Iterator[str]:
    """A throwaway PostgreSQL with pgvector (the `pgserver` wheel); yields its connection URI."""
    try:
        pgserver: Any = importlib.import_module("pgserver")  # a dev/test wheel, untyped
    except ImportError as exc:
        raise ConfigurationError("no PostgreSQL to index into: pass --pg-dsn, or pip install pgserver") from exc
    data_dir = Path(tempfile.mkdtemp(prefix="fmkit-eval-retrieval-pg-"))
    server = pgserver.get_server(data_dir, cleanup_mode="stop")
    try:
        yield str(server.get_uri())
    finally:
        server.cleanup()
        shutil.rmtree(data_dir, ignore_errors=True)
