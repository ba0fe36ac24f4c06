"""The knowledge functions' environment, as synthesized, is exactly what the runtime's contract parses.

Every knowledge function of the default config's templates (dev and prod), and of an Aurora
pgvector and an OpenSearch knowledge base, is fed to `KnowledgeSettings.from_environment`:
a variable the stack sets but the runtime does not know (a renamed field) or a set the
runtime rejects fails here, not at a cold start. CloudFormation tokens stand in as
placeholders of the right kind.
"""

from __future__ import annotations

from typing import Any

import pytest
from aws_cdk.assertions import Template

from fmkit.contracts.knowledge import KnowledgeSettings
from tests.infra.knowledge.synth import python_functions

LIBRARY_VARIABLES = {"POWERTOOLS_SERVICE_NAME", "POWERTOOLS_LOG_LEVEL"}
NAMING_ONLY = "handler.on_event:knowledge-schema"
"""The index job's on_event function only names the resource: it gets no settings."""
RUNTIME_HANDLERS = {
    "pipeline": {"handler.handler:knowledge-ingest", "bulk.handler:knowledge-bulk", "handler.handler:knowledge-query"},
    "index": {"handler.is_complete:knowledge-schema"},
    "bulk-load": {"bulk.index_handler:knowledge-bulk-index"},
}


def _placeholder(name: str, value: Any) -> str:
    """A concrete stand-in for a CloudFormation token (Ref / Fn::GetAtt / Fn::Join)."""
    if isinstance(value, str):
        return value
    return "https://collection.example" if name.endswith("_ENDPOINT") else f"resolved-{name.lower()}"


def knowledge_functions(template: Template) -> dict[str, dict[str, str]]:
    """Handler:service → environment (tokens replaced) of every function that takes settings."""
    return {name: {k: _placeholder(k, v) for k, v in props["Environment"]["Variables"].items()}
            for name, props in python_functions(template).items() if name != NAMING_ONLY}


def assert_contract(name: str, environment: dict[str, str]) -> KnowledgeSettings:
    unknown = set(environment) - set(KnowledgeSettings.variables().values()) - LIBRARY_VARIABLES
    assert not unknown, f"{name} sets variables the runtime does not read: {sorted(unknown)}"
    settings = KnowledgeSettings.from_environment(environment)
    assert settings.ensure_schema is name.endswith("knowledge-schema"), name
    return settings


@pytest.mark.parametrize("stack", ["dev/Knowledge", "prod/Knowledge"])
def test_default_config_functions_satisfy_the_contract(stack: str, default_templates: dict[str, Template]) -> None:
    functions = knowledge_functions(default_templates[stack])
    assert set(functions) == RUNTIME_HANDLERS["pipeline"]
    for name, environment in functions.items():
        settings = assert_contract(name, environment)
        assert settings.vector_store == "s3-vectors" and settings.embedding_model_id == "amazon.titan-embed-text-v2:0"


@pytest.mark.parametrize(("store", "kind"), [("s3v", "s3-vectors"), ("aurora", "pgvector"),
                                              ("opensearch", "opensearch")])
def test_every_store_satisfies_the_contract(store: str, kind: str, request: pytest.FixtureRequest) -> None:
    functions = knowledge_functions(request.getfixturevalue(store))
    expected = RUNTIME_HANDLERS["pipeline"] | (RUNTIME_HANDLERS["index"] if kind != "s3-vectors" else set())
    expected |= RUNTIME_HANDLERS["bulk-load"] if kind == "pgvector" else set()
    assert set(functions) == expected
    for name, environment in functions.items():
        assert assert_contract(name, environment).vector_store == kind


def test_function_specific_settings(s3v: Template) -> None:
    functions = knowledge_functions(s3v)
    ingest = KnowledgeSettings.from_environment(functions["handler.handler:knowledge-ingest"])
    assert ingest.dlq_url and ingest.idempotency_table
    query = KnowledgeSettings.from_environment(functions["handler.handler:knowledge-query"])
    assert query.dlq_url is None and query.query_max_k == 100  # S3 Vectors' topK limit


def test_a_renamed_variable_fails_the_contract() -> None:
    with pytest.raises(AssertionError, match="VECTOR_STORE_KIND"):
        assert_contract("handler.handler:knowledge-ingest", {"VECTOR_STORE_KIND": "pgvector", "DB_DSN": "x"})
