"""Custom resource (CDK provider framework): create the knowledge index/schema, waiting until the store accepts it.

`on_event` only names the resource; the framework's waiter then calls `is_complete` every
query interval until it reports completion or the total timeout passes. `is_complete` runs
the store's own idempotent `ensure_schema()` (`CREATE ... IF NOT EXISTS` for pgvector,
create-if-missing for the OpenSearch index), with the same settings as the ingest function.
The waiter replaces a retry loop: a new OpenSearch Serverless data-access policy takes a
while to propagate (HTTP 403 meanwhile) and an Aurora cluster at 0 ACU needs seconds to
resume, so a failed attempt means "not yet" — except a configuration error (a store of
another dimension, missing settings), which no wait can fix and fails the deployment at once.
Delete does nothing: the schema lives and dies with its store, whose removal policy decides.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.data_classes import CloudFormationCustomResourceEvent, event_source
from aws_lambda_powertools.utilities.typing import LambdaContext

from fmkit.contracts.knowledge import KnowledgeSettings, SettingsError
from fmkit.knowledge.build import build_store
from fmkit.knowledge.errors import ConfigurationError

logger = Logger(service=os.environ.get("POWERTOOLS_SERVICE_NAME") or "knowledge-schema")


def physical_id(event: CloudFormationCustomResourceEvent) -> str:
    """Kept across updates (an update never replaces the schema)."""
    return event.physical_resource_id or f"knowledge-schema-{event.resource_properties.get('Store', 'store')}"


def ensure_schema() -> None:
    build_store(KnowledgeSettings.from_environment(os.environ)).ensure_schema()


def check(event: CloudFormationCustomResourceEvent, ensure: Callable[[], None]) -> dict[str, Any]:
    """One attempt: complete, not yet (retried by the waiter), or raise (the deployment fails)."""
    if event.request_type == "Delete":
        return {"IsComplete": True}
    try:
        ensure()
    except (ConfigurationError, SettingsError):
        raise
    except Exception as exc:
        logger.warning("store not ready for the schema yet; the waiter retries", extra={"error": repr(exc)})
        return {"IsComplete": False}
    logger.info("schema ready", extra={"store": event.resource_properties.get("Store")})
    return {"IsComplete": True}


@logger.inject_lambda_context(clear_state=True)
@event_source(data_class=CloudFormationCustomResourceEvent)
def on_event(event: CloudFormationCustomResourceEvent, context: LambdaContext) -> dict[str, Any]:
    logger.info("schema request", extra={"request_type": event.request_type})
    return {"PhysicalResourceId": physical_id(event)}


@logger.inject_lambda_context(clear_state=True)
@event_source(data_class=CloudFormationCustomResourceEvent)
def is_complete(event: CloudFormationCustomResourceEvent, context: LambdaContext) -> dict[str, Any]:
    return check(event, ensure_schema)
