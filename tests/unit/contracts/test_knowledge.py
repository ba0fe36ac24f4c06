"""The knowledge functions' settings contract: parsing, validation, and rendering back."""

from __future__ import annotations

import pytest

from fmkit.contracts.knowledge import KnowledgeSettings, SettingsError
from fmkit.knowledge.ingest import accepts_key, pipeline_fingerprint


def test_settings_defaults_and_csv_lists() -> None:
    settings = KnowledgeSettings.from_environment(
        {"DB_DSN": "postgresql:///x", "ALLOWED_SUFFIXES": ".PDF, .md", "SOURCE_PREFIXES": "a/,b/"}
    )
    assert settings.vector_store == "pgvector" and settings.embedding_dimensions == 1024
    assert settings.allowed_suffixes == (".pdf", ".md")
    assert settings.source_prefixes == ("a/", "b/")
    assert settings.max_object_bytes == 20 * 1024 * 1024
    assert accepts_key(settings, "a/x.pdf") == (True, "")
    assert accepts_key(settings, "c/x.pdf")[0] is False
    assert accepts_key(settings, "a/x.png")[1].startswith("suffix not in ALLOWED_SUFFIXES")


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({}, "needs DB_SECRET_ARN"),
        ({"VECTOR_STORE": "s3-vectors"}, "VECTOR_BUCKET_NAME"),
        ({"VECTOR_STORE": "opensearch", "OPENSEARCH_ENDPOINT": "https://x"}, "OPENSEARCH_INDEX"),
        ({"DB_DSN": "x", "EMBEDDING_PROVIDER": "sagemaker"}, "EMBEDDING_ENDPOINT_NAME"),
        ({"DB_DSN": "x", "CHUNK_SIZE": "100", "CHUNK_OVERLAP": "100"}, "CHUNK_OVERLAP must be smaller"),
        ({"DB_DSN": "x", "VECTOR_STORE": "chroma"}, "VECTOR_STORE"),
        ({"DB_DSN": "x", "EMBEDDING_DIMENSIONS": "many"}, "EMBEDDING_DIMENSIONS"),
        ({"VECTOR_STORE": "s3-vectors", "VECTOR_BUCKET_NAME": "b", "VECTOR_INDEX_NAME": "i", "QUERY_MAX_K": "200"},
         "QUERY_MAX_K must be <= 100"),
    ],
)
def test_invalid_settings_name_the_variable(env: dict[str, str], message: str) -> None:
    with pytest.raises(SettingsError, match=message):
        KnowledgeSettings.from_environment(env)


def test_empty_values_count_as_unset_and_fingerprint_tracks_the_pipeline() -> None:
    base = KnowledgeSettings.from_environment({"DB_DSN": "x", "CHUNK_SIZE": "", "DLQ_URL": ""})
    assert base.chunk_size == 1000 and base.dlq_url is None
    with pytest.raises(SettingsError, match="DLQ_URL"):
        base.require("DLQ_URL")
    other = KnowledgeSettings.from_environment({"DB_DSN": "x", "CHUNK_SIZE": "800"})
    assert pipeline_fingerprint(base) != pipeline_fingerprint(other)
    assert pipeline_fingerprint(base) == pipeline_fingerprint(KnowledgeSettings.from_environment({"DB_DSN": "y"}))


def test_the_fingerprint_recipe_never_changes() -> None:
    """Stored with every indexed document: a new recipe would re-embed every object once."""
    assert pipeline_fingerprint(KnowledgeSettings(db_dsn="x")) == "eef8df4b7cd703a6"  # as before the move


def test_variables_outside_the_contract_are_ignored_when_parsing() -> None:
    parsed = KnowledgeSettings.from_environment({"DB_DSN": "x", "POWERTOOLS_SERVICE_NAME": "s", "PATH": "/bin"})
    assert parsed.db_dsn == "x"


def test_unknown_field_names_fail_when_building() -> None:
    with pytest.raises(ValueError, match="vector_bucket"):
        KnowledgeSettings(vector_store="s3-vectors", vector_bucket="b", vector_index_name="i")  # type: ignore[call-arg]


def test_rendering_lists_only_what_was_set_and_round_trips() -> None:
    settings = KnowledgeSettings(vector_store="s3-vectors", vector_bucket_name="b", vector_index_name="chunks",
                                 ensure_schema=False, embedding_dimensions=512, allowed_suffixes=(".md", ".pdf"),
                                 source_prefixes=("docs/",), query_max_k=100)
    environment = settings.to_environment()
    assert environment == {
        "VECTOR_STORE": "s3-vectors", "VECTOR_BUCKET_NAME": "b", "VECTOR_INDEX_NAME": "chunks",
        "ENSURE_SCHEMA": "false", "EMBEDDING_DIMENSIONS": "512", "ALLOWED_SUFFIXES": ".md,.pdf",
        "SOURCE_PREFIXES": "docs/", "QUERY_MAX_K": "100",
    }
    assert KnowledgeSettings.from_environment(environment) == settings
    assert settings.to_environment(only=("vector_store", "embedding_dimensions")) == {
        "VECTOR_STORE": "s3-vectors", "EMBEDDING_DIMENSIONS": "512"}


def test_every_field_is_a_documented_variable() -> None:
    for name, field in KnowledgeSettings.model_fields.items():
        assert field.alias == name.upper(), name
        assert field.description, f"{name} needs a docstring: it is the contract"
