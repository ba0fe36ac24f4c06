"""Bulk (re)ingestion: the handlers of the Step Functions Distributed Map over a prefix.

Handlers: `bulk.handler` (the map's items) and `bulk.index_handler` (begin/finish of a
bulk load), same asset and environment as the ingest function (`DLQ_URL` and
`IDEMPOTENCY_TABLE` are not used).

Input of `handler`, one item (`ItemSelector` over an S3 `ListObjectsV2` ItemReader):
`{"bucket": "docs-bucket", "key": "hr/policy.pdf", "version_id": null}`; `Key`/`VersionId`
(the ItemReader's own field names) are accepted too. With an `ItemBatcher` the input is
`{"Items": [...], "BatchInput": {"bucket": ...}}`; `BatchInput.bucket` is the items'
default bucket. While the store is in bulk mode (first load of an empty or rebuilt
pgvector store, see `fmkit.knowledge.bulk`) a batch is written in one transaction.

Output, one result per item (`{"results": [...]}` in batch mode): `bucket`, `key`,
`version_id`, `status`, `reason`, `chunks`, `embedded`, `reused`, `retryable`.

`status` is `indexed` | `skipped` | `superseded` | `failed`. Permanent failures (corrupt,
empty, oversized documents) are *returned* with `status=failed`, so the map's
`ResultWriter` report lists them with their reason. Transient failures (throttling after
the retry budget, database trouble) are *raised* as `TransientIngestError`, in batch mode
once the other items are written, so the state machine's `Retry` on that error name runs
the item or batch again: no document is dropped for a transient reason, and a batch's items
done before are skipped on the retry as already indexed.

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
from fmkit.knowledge.bulk import Outcome, ingest_batch
from fmkit.knowledge.embedding import Embedder
from fmkit.knowledge.errors import PermanentError
from fmkit.knowledge.ingest import Ingestor
from fmkit.knowledge.sources import ObjectSource
from fmkit.knowledge.stores import VectorStore
from fmkit.knowledge.stores.base import BulkLoadable

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


def _result(item: BulkItem, outcome: Outcome, raw: dict[str, Any]) -> dict[str, Any]:
    """The report line of one item; a retryable failure is marked so (the caller raises it)."""
    if isinstance(outcome, PermanentError):
        logger.warning("bulk item failed permanently", extra={"key": item.key, "reason": outcome.reason})
        return _failed(raw, f"{outcome.kind}: {outcome.reason}", retryable=False)
    if isinstance(outcome, Exception):
        logger.error("bulk item failed (retryable)", extra={"key": item.key, "error": repr(outcome)})
        return _failed(raw, f"{type(outcome).__name__}: {outcome}", retryable=True)
    return {
        "bucket": item.bucket,
        "key": item.key,
        "version_id": outcome.version_id,
        "status": outcome.status,
        "reason": outcome.reason,
        "chunks": outcome.chunks,
        "embedded": outcome.embedded,
        "reused": outcome.reused,
        "retryable": False,
    }


def _parse(raw: dict[str, Any]) -> BulkItem | dict[str, Any]:
    try:
        return BulkItem.model_validate(raw)
    except ValidationError as exc:
        return _failed(raw, f"invalid item: {exc.errors()[0]['msg']}", retryable=False)


def process_items(raws: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Ingest a batch (writes batched in bulk mode); raise `TransientIngestError` when any
    item failed in a way a retry may fix, once the others are written: Step Functions
    retries the batch, whose done items are then skipped as already indexed."""
    ingestor = _ingestor or configure()
    parsed = [_parse(raw) for raw in raws]
    items = [p for p in parsed if isinstance(p, BulkItem)]
    try:
        outcomes = iter(ingest_batch(ingestor, [(i.bucket, i.key, i.version_id) for i in items]))
    except Exception as exc:  # the batched write: nothing of the batch was written
        logger.exception("bulk batch write failed (retryable)")
        raise TransientIngestError(f"{type(exc).__name__}: {exc}") from exc
    results = [_result(p, next(outcomes), raw) if isinstance(p, BulkItem) else p
               for p, raw in zip(parsed, raws, strict=True)]
    retryable = [r for r in results if r["retryable"]]
    if retryable:
        raise TransientIngestError(f"{len(retryable)} of {len(results)} item(s) failed; first: "
                                   f"{retryable[0]['key']}: {retryable[0]['reason']}")
    return results


@logger.inject_lambda_context(clear_state=True)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    if "Items" in event:
        defaults = event.get("BatchInput") or {}
        results = process_items([{**defaults, **item} for item in event.get("Items") or []])
        failed = sum(1 for r in results if r["status"] == "failed")
        logger.info("bulk batch processed", extra={"items": len(results), "failed": failed})
        return {"results": results, "failed": failed}
    return process_items([event])[0]


class IndexBuildInProgress(Exception):
    """The store's vector index is still being built: Step Functions asks again later."""


@logger.inject_lambda_context(clear_state=True)
def index_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """Begin or finish the bulk load of an execution (`{"action": "begin"|"finish", "job": name}`).

    `begin` answers `{"bulk_load": bool}`: whether the store entered bulk mode (it was empty,
    or an earlier load is still unfinished). `finish` builds the vector index once and
    answers `{"index": "built"|"ready"|"deferred"}`, or raises `IndexBuildInProgress`
    while a build runs. Stores without a bulk mode answer `false` / `ready`.
    """
    action, job = event.get("action"), str(event.get("job") or "")
    if action not in ("begin", "finish") or not job:
        raise ValueError(f"expected {{'action': 'begin'|'finish', 'job': ...}}, got {event!r}")
    store = (_ingestor or configure()).store
    if not isinstance(store, BulkLoadable):
        return {"bulk_load": False} if action == "begin" else {"index": "ready"}
    if action == "begin":
        bulk_load = store.begin_bulk_load(job)
        logger.info("bulk load begins", extra={"job": job, "bulk_load": bulk_load})
        return {"bulk_load": bulk_load}
    try:
        index = store.finish_bulk_load(job)
    except Exception as exc:  # a failed build leaves an invalid index: the retry rebuilds it
        logger.exception("index build failed (retryable)", extra={"job": job})
        raise TransientIngestError(f"{type(exc).__name__}: {exc}") from exc
    logger.info("bulk load finished", extra={"job": job, "index": index})
    if index == "building":
        raise IndexBuildInProgress(f"the vector index of job {job} is still being built")
    return {"index": index}
