"""CloudFormation custom resource: create the knowledge index/schema, idempotently.

Create and Update call the store's ``ensure_schema()`` (``CREATE ... IF NOT EXISTS`` for
pgvector, create-if-missing for the OpenSearch index), so re-running is harmless. It
retries with backoff until shortly before the function times out: a new OpenSearch
Serverless data-access policy takes a while to propagate (HTTP 403 meanwhile) and an
Aurora cluster at 0 ACU needs a few seconds to resume. Delete does nothing: the schema
lives and dies with its store, whose removal policy decides.

Settings come from the same environment variables as the ingest function
(``knowledge_common.settings``). The response is PUT to CloudFormation's pre-signed URL
on every path, so a failure never leaves the stack waiting for an hour.
"""

from __future__ import annotations

import json
import logging
import time
import urllib.request
from collections.abc import Callable
from typing import Any

logger = logging.getLogger()
logger.setLevel(logging.INFO)

SAFETY_MARGIN_MS = 30_000
MAX_DELAY_S = 30.0


def ensure_with_retry(
    ensure: Callable[[], None], remaining_ms: Callable[[], int], sleep: Callable[[float], None] = time.sleep
) -> int:
    """Call ``ensure`` until it succeeds; return the number of attempts. Re-raise at the deadline."""
    delay, attempt = 2.0, 0
    while True:
        attempt += 1
        try:
            ensure()
            return attempt
        except Exception as exc:
            if remaining_ms() - delay * 1000 < SAFETY_MARGIN_MS:
                raise
            logger.warning("ensure_schema attempt %d failed (%s); retrying in %.0fs", attempt, exc, delay)
            sleep(delay)
            delay = min(delay * 2, MAX_DELAY_S)


def _ensure_schema() -> None:
    from knowledge_common.runtime import build_store
    from knowledge_common.settings import Settings

    store = build_store(Settings.from_env())
    store.ensure_schema()


def _respond(
    event: dict[str, Any], status: str, reason: str, physical_id: str, data: dict[str, Any] | None = None
) -> None:
    body = json.dumps(
        {
            "Status": status,
            "Reason": reason[:1000],
            "PhysicalResourceId": physical_id,
            "StackId": event["StackId"],
            "RequestId": event["RequestId"],
            "LogicalResourceId": event["LogicalResourceId"],
            "Data": data or {},
        }
    ).encode()
    request = urllib.request.Request(
        event["ResponseURL"], data=body, method="PUT", headers={"Content-Type": "", "Content-Length": str(len(body))}
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        logger.info("CloudFormation response: HTTP %s", response.status)


def lambda_handler(event: dict[str, Any], context: Any, ensure: Callable[[], None] = _ensure_schema) -> None:
    props = event.get("ResourceProperties", {})
    physical_id = event.get("PhysicalResourceId") or f"knowledge-schema-{props.get('Store', 'store')}"
    try:
        if event["RequestType"] == "Delete":
            _respond(event, "SUCCESS", "schema is removed with its store", physical_id)
            return
        attempts = ensure_with_retry(ensure, context.get_remaining_time_in_millis)
        _respond(event, "SUCCESS", f"schema ready after {attempts} attempt(s)", physical_id, {"Attempts": attempts})
    except Exception as exc:
        logger.exception("schema creation failed")
        _respond(event, "FAILED", f"{type(exc).__name__}: {exc}", physical_id)
