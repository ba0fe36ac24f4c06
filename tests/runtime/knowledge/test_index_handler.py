"""The index job's handlers (provider framework): naming, and waiting until the store accepts the
schema — against a real PostgreSQL for the happy path."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from knowledge_index import handler

from fmkit.knowledge.errors import ConfigurationError
from tests.runtime.knowledge.helpers import FakeContext, sql

pytestmark = pytest.mark.runtime


def event(request_type: str, **extra: Any) -> dict[str, Any]:
    """What the provider framework passes on: CloudFormation's request (its URL elided)."""
    return {"RequestType": request_type, "ServiceToken": "arn:aws:lambda:us-east-1:1:function:framework",
            "ResponseURL": "...", "StackId": "stack", "RequestId": "req", "LogicalResourceId": "Schema",
            "ResourceType": "Custom::KnowledgeSchema",
            "ResourceProperties": {"ServiceToken": "arn", "Store": "pgvector", "VECTOR_STORE": "pgvector"}, **extra}


@pytest.fixture
def context() -> FakeContext:
    return FakeContext("knowledge-schema-test")


@pytest.fixture
def attempts(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[BaseException | None]]:
    """Scripted `ensure_schema` outcomes: None succeeds, an exception is raised."""
    script: list[BaseException | None] = []

    def ensure() -> None:
        outcome = script.pop(0)
        if outcome is not None:
            raise outcome

    monkeypatch.setattr(handler, "ensure_schema", ensure)
    yield script
    assert script == [], "every scripted attempt was used"


def test_create_names_the_resource_after_its_store(context: FakeContext) -> None:
    assert handler.on_event(event("Create"), context) == {"PhysicalResourceId": "knowledge-schema-pgvector"}


def test_an_update_never_replaces_the_schema(context: FakeContext) -> None:
    assert handler.on_event(event("Update", PhysicalResourceId="kept"), context) == {"PhysicalResourceId": "kept"}


def test_propagation_delays_mean_not_yet(attempts: list[BaseException | None], context: FakeContext) -> None:
    """An OpenSearch data-access policy that has not propagated answers 403: the waiter asks again."""
    attempts.extend([RuntimeError("HTTP 403: data access policy not yet propagated"), None])
    waiting = event("Create", PhysicalResourceId="knowledge-schema-pgvector")
    assert handler.is_complete(waiting, context) == {"IsComplete": False}
    assert handler.is_complete(waiting, context) == {"IsComplete": True}


def test_a_configuration_error_fails_at_once(attempts: list[BaseException | None], context: FakeContext) -> None:
    attempts.append(ConfigurationError("kb_chunks.embedding has 1024 dimensions but EMBEDDING_DIMENSIONS=512"))
    with pytest.raises(ConfigurationError, match="1024 dimensions"):
        handler.is_complete(event("Update", PhysicalResourceId="p"), context)


def test_delete_leaves_the_schema_to_its_store(attempts: list[BaseException | None], context: FakeContext) -> None:
    assert handler.on_event(event("Delete", PhysicalResourceId="p"), context) == {"PhysicalResourceId": "p"}
    assert handler.is_complete(event("Delete", PhysicalResourceId="p"), context) == {"IsComplete": True}


def test_the_schema_is_created_from_the_functions_environment(pg_uri: str, table_prefix: str, context: FakeContext,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in {"VECTOR_STORE": "pgvector", "DB_DSN": pg_uri, "DB_TABLE_PREFIX": table_prefix,
                        "EMBEDDING_DIMENSIONS": "64", "ENSURE_SCHEMA": "true"}.items():
        monkeypatch.setenv(name, value)
    assert handler.is_complete(event("Create", PhysicalResourceId="p"), context) == {"IsComplete": True}
    tables = sql(pg_uri, "SELECT tablename FROM pg_tables WHERE tablename LIKE %s ORDER BY 1", (f"{table_prefix}%",))
    assert tables == [(f"{table_prefix}_bulk_loads",), (f"{table_prefix}_chunks",), (f"{table_prefix}_documents",)]
    assert handler.is_complete(event("Update", PhysicalResourceId="p"), context) == {"IsComplete": True}  # idempotent


def test_an_inconsistent_environment_fails_at_once(context: FakeContext, monkeypatch: pytest.MonkeyPatch) -> None:
    from fmkit.contracts.knowledge import SettingsError

    monkeypatch.setenv("VECTOR_STORE", "s3-vectors")  # without bucket and index
    with pytest.raises(SettingsError, match="VECTOR_BUCKET_NAME"):
        handler.is_complete(event("Create", PhysicalResourceId="p"), context)
