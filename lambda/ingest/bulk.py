"""Bulk (re)ingestion: the item handler of a Step Functions Distributed Map over a prefix.

Handler: `bulk.handler` (same asset and environment as the ingest function; `DLQ_URL` and
`IDEMPOTENCY_TABLE` are not used).

Input, one item (`ItemSelector` over an S3 `ListObjectsV2` ItemReader):
`{"bucket": "docs-bucket", "key": "hr/policy.pdf", "version_id": null}`; `Key`/`VersionId`
(the ItemReader's own field names) are accepted too. With an `ItemBatcher` the input is
`{"Items": [...], "BatchInput": {"bucket": ...}}`; `BatchInput.bucket` is the items'
default bucket.

Output, one result per item (`{"results": [...]}` in batch mode): `bucket`, `key`,
`version_id`, `status`, `reason`, `chunks`, `embedded`, `reused`, `retryable`.

`status` is `indexed` | `skipped` | `superseded` | `failed`. Permanent failures (corrupt,
empty, oversized documents) are *returned* with `status=failed`, so the map's
`ResultWriter` report lists them with their reason. Transient failures (throttling after
the retry budget, database trouble) are *raised* in single-item mode as
`TransientIngestError`, so the state machine's `Retry` on that error name applies; in batch
mode they are returned as `failed` with `retryable=true`.

Re-running a bulk ingestion is cheap: versions already indexed with the same pipeline
fingerprint are skipped, and an overwritten or re-chunked document only re-embeds the
chunks whose content hash changed.
"""

from __future__ import annotations

import os
from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import AliasChoices, BaseModel, ConfigDict, Field, ValidationError

from fmkit.contracts.knowledge import KnowledgeSettings
from fmkit.knowledge.build import build_ingestor
from fmkit.knowledge.embedding import Embedder
from fmkit.knowledge.errors import PermanentError
from fmkit.knowledge.ingest import Ingestor
from fmkit.knowledge.sources import ObjectSource
from fmkit.knowledge.stores import VectorStore

logger = Logger(service=os.environ.get("POWERTOOLS_SERVICE_NAME") or "knowledge-bulk")


class TransientIngestError(Exception):
    """Raised for a retryable failure so Step Functions' Retry can match its name."""


class BulkItem(BaseModel):
    """One object of the map, in either our field names or the ItemReader's."""

    model_config = ConfigDict(extra="ignore", populate_by_name=True)

    bucket: str = Field(min_length=3, max_length=63, validation_alias=AliasChoices("bucket", "Bucket"))
    key: str = Field(min_length=1, max_length=1024, validation_alias=AliasChoices("key", "Key"))
    version_id: str | None = Field(None, validation_alias=AliasChoices("version_id", "VersionId", "versionId"))


_ingestor: Ingestor | None = None


def configure(
    *,
    settings: KnowledgeSettings | None = None,
    source: ObjectSource | None = None,
    embedder: Embedder | None = None,
    store: VectorStore | None = None,
) -> Ingestor:
    """Build the cold-start state (tests call it with fakes)."""
    global _ingestor
    _ingestor = build_ingestor(settings or KnowledgeSettings.from_environment(os.environ), source=source,
                               embedder=embedder, store=store, logger=logger)
    return _ingestor


def reset() -> None:
    global _ingestor
    _ingestor = None


def _failed(raw: dict[str, Any], reason: str, *, retryable: bool) -> dict[str, Any]:
    return {
        "bucket": raw.get("bucket") or raw.get("Bucket"),
        "key": raw.get("key") or raw.get("Key"),
        "version_id": raw.get("version_id") or raw.get("VersionId"),
        "status": "failed",
        "reason": reason,
        "chunks": 0,
        "embedded": 0,
        "reused": 0,
        "retryable": retryable,
    }


def process_item(raw: dict[str, Any], *, raise_transient: bool) -> dict[str, Any]:
    ingestor = _ingestor or configure()
    try:
        item = BulkItem.model_validate(raw)
    except ValidationError as exc:
        return _failed(raw, f"invalid item: {exc.errors()[0]['msg']}", retryable=False)
    try:
        result = ingestor.ingest(item.bucket, item.key, item.version_id)
    except PermanentError as exc:
        logger.warning("bulk item failed permanently", extra={"key": item.key, "reason": exc.reason})
        return _failed(raw, f"{exc.kind}: {exc.reason}", retryable=False)
    except Exception as exc:
        logger.exception("bulk item failed (retryable)", extra={"key": item.key})
        if raise_transient:
            raise TransientIngestError(f"{type(exc).__name__}: {exc}") from exc
        return _failed(raw, f"{type(exc).__name__}: {exc}", retryable=True)
    return {
        "bucket": item.bucket,
        "key": item.key,
        "version_id": result.version_id,
        "status": result.status,
        "reason": result.reason,
        "chunks": result.chunks,
        "embedded": result.embedded,
        "reused": result.reused,
        "retryable": False,
    }


@logger.inject_lambda_context(clear_state=True)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    if "Items" in event:
        defaults = event.get("BatchInput") or {}
        results = [process_item({**defaults, **item}, raise_transient=False) for item in event.get("Items") or []]
        failed = sum(1 for r in results if r["status"] == "failed")
        logger.info("bulk batch processed", extra={"items": len(results), "failed": failed})
        return {"results": results, "failed": failed}
    return process_item(event, raise_transient=True)
