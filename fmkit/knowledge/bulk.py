"""Batched ingestion for bulk (re)loads: prepare many documents, write them in one go.

The bulk re-ingestion hands its item function batches of objects. While the store is in
bulk mode (`BulkLoadable.bulk_load_active`: the first load of an empty or rebuilt store),
each object goes through every step of `Ingestor.ingest` but the write (`prepare`), and
the prepared documents are written together with `bulk_upsert` (one transaction, one
`COPY`), with the same version checks as a single write. Otherwise, and for stores
without a bulk mode, each object is ingested on its own, exactly as before.

A failure of one object (a corrupt file, a throttled embedding) is that object's outcome
and never stops the others; a failure of the batched write is raised, so the whole batch
is retried (nothing of it was written).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import partial
from typing import TypeVar

from .ingest import Ingestor, PreparedDocument
from .models import IngestResult
from .stores.base import BulkLoadable

T = TypeVar("T")

Item = tuple[str, str, str | None]
"""(bucket, key, version id or None for the current version)."""
Outcome = IngestResult | Exception
"""Per item: its result, or the exception that ended it (the caller decides what it means)."""


def _attempt(step: Callable[[], T]) -> T | Exception:
    try:
        return step()
    except Exception as exc:  # one object's failure is its own outcome
        return exc


def bulk_mode(ingestor: Ingestor) -> bool:
    """Whether the ingestor's store is in bulk mode (batched writes pay off)."""
    store = ingestor.store
    return isinstance(store, BulkLoadable) and store.bulk_load_active()


def ingest_batch(ingestor: Ingestor, items: Sequence[Item]) -> list[Outcome]:
    """Ingest `items`, batching the writes when the store is in bulk mode; one outcome per item."""
    if not bulk_mode(ingestor):
        return [_attempt(partial(ingestor.ingest, *item)) for item in items]
    prepared: list[IngestResult | PreparedDocument | Exception] = [
        _attempt(partial(ingestor.prepare, *item)) for item in items
    ]
    batch: dict[str, PreparedDocument] = {}
    repeated: list[int] = []  # the same object twice in a batch: written on its own, after the batch
    for position, outcome in enumerate(prepared):
        if isinstance(outcome, PreparedDocument):
            if outcome.write.doc_id in batch:
                repeated.append(position)
            else:
                batch[outcome.write.doc_id] = outcome
    store = ingestor.store
    assert isinstance(store, BulkLoadable)
    applied = dict(zip(batch, store.bulk_upsert([p.write for p in batch.values()]), strict=True)) if batch else {}
    outcomes: list[Outcome] = []
    for position, outcome in enumerate(prepared):
        if position in repeated:
            outcomes.append(_attempt(partial(ingestor.ingest, *items[position])))
        elif isinstance(outcome, PreparedDocument):
            outcomes.append(ingestor.written(outcome, applied[outcome.write.doc_id]))
        else:
            outcomes.append(outcome)
    return outcomes
