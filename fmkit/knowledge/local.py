"""Index a local folder with the functions' own parse/chunk/embed/upsert code.

For local runs and a retrieval evaluation in the CLI: the folder plays a bucket named
`bucket` (documents are `s3://<bucket>/<relative path>` in the store, so
`QueryFilters(bucket=..., key_prefix=...)` work as in the cloud). Re-running skips files
whose modification time, size and pipeline fingerprint did not change; a changed file only
re-embeds its changed chunks. Files removed from the folder stay in the store: index into a
new `db_table_prefix` for a clean copy.
"""

from __future__ import annotations

from pathlib import Path

from fmkit.contracts.knowledge import KnowledgeSettings

from .build import build_ingestor
from .embedding import Embedder
from .models import IngestResult
from .sources import FolderSource
from .stores import VectorStore

LOCAL_BUCKET = "local-folder"


def ingest_folder(
    folder: Path,
    settings: KnowledgeSettings,
    *,
    store: VectorStore | None = None,
    embedder: Embedder | None = None,
    bucket: str = LOCAL_BUCKET,
) -> list[IngestResult]:
    """Ingest every file under `folder` (in key order) into the store `settings` name.

    A file that cannot be parsed raises the same `PermanentError` the functions
    dead-letter; files outside `ALLOWED_SUFFIXES`/`SOURCE_PREFIXES` come back `skipped`.
    """
    source = FolderSource(folder)
    ingestor = build_ingestor(settings, source=source, embedder=embedder, store=store)
    return [ingestor.ingest(bucket, key) for key in source.object_keys()]
