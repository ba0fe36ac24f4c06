"""Cold-start wiring: the adapters a `KnowledgeSettings` names, and database connections."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest

from fmkit.contracts.knowledge import KnowledgeSettings
from fmkit.knowledge.build import SecretConnector, build_embedder, build_store, pg_connect_factory
from fmkit.knowledge.embedding import BedrockEmbedder, HashEmbedder, SageMakerEmbedder
from fmkit.knowledge.errors import ConfigurationError
from fmkit.knowledge.stores import OpenSearchStore, PgVectorStore, S3VectorsStore


def test_factories_build_the_configured_adapters() -> None:
    s3v = KnowledgeSettings.from_environment(
        {"VECTOR_STORE": "s3-vectors", "VECTOR_BUCKET_NAME": "vb", "VECTOR_INDEX_NAME": "ix",
         "EMBEDDING_PROVIDER": "hash"}
    )
    assert isinstance(build_store(s3v, client=object()), S3VectorsStore)
    assert isinstance(build_embedder(s3v), HashEmbedder)
    aoss = KnowledgeSettings.from_environment(
        {"VECTOR_STORE": "opensearch", "OPENSEARCH_ENDPOINT": "https://x.aoss.amazonaws.com", "OPENSEARCH_INDEX": "kb"}
    )
    assert isinstance(build_store(aoss), OpenSearchStore)
    cohere = KnowledgeSettings.from_environment(
        {"DB_DSN": "x", "EMBEDDING_MODEL_ID": "cohere.embed-english-v3", "EMBEDDING_BATCH_SIZE": "200",
         "EMBEDDING_MAX_ATTEMPTS": "3"}
    )
    embedder = build_embedder(cohere, client=object())
    assert isinstance(embedder, BedrockEmbedder) and embedder.format == "cohere-v3" and embedder.batch_size == 96
    assert embedder.max_attempts == 3
    tei = KnowledgeSettings(db_dsn="x", embedding_provider="sagemaker", embedding_endpoint_name="bge",
                            embedding_dimensions=768)
    assert isinstance(build_embedder(tei, client=object()), SageMakerEmbedder)
    assert isinstance(build_store(cohere, connect=lambda: None), PgVectorStore)


def _secret_for(pg_uri: str) -> dict[str, Any]:
    """The RDS secret shape for the test server (a unix socket: libpq ignores sslmode there)."""
    parsed = urlparse(pg_uri)
    return {"username": parsed.username or "postgres", "password": parsed.password or "",
            "host": parse_qs(parsed.query)["host"][0], "port": parsed.port or 5432,
            "dbname": parsed.path.lstrip("/") or "postgres"}


def test_connections_come_from_the_secret(pg_uri: str) -> None:
    import boto3
    from moto import mock_aws

    with mock_aws():
        client = boto3.client("secretsmanager", region_name="us-east-1")
        arn = client.create_secret(Name="db", SecretString=json.dumps(_secret_for(pg_uri)))["ARN"]
        settings = KnowledgeSettings(db_secret_arn=arn)
        connect = pg_connect_factory(settings, secrets_client=client)
        assert isinstance(connect, SecretConnector)
        with connect() as conn:
            assert conn.execute("SELECT 1").fetchone() == (1,)
        assert connect.params(connect.secret())["application_name"]  # the function's name, for pg_stat_activity


def test_a_secret_without_host_needs_a_host_setting(pg_uri: str) -> None:
    secret = {k: v for k, v in _secret_for(pg_uri).items() if k != "host"}
    connector = SecretConnector(KnowledgeSettings(db_secret_arn="arn:secret"))
    with pytest.raises(ConfigurationError, match="no database host"):
        connector.params(secret)
    with_host = SecretConnector(KnowledgeSettings(db_secret_arn="arn:secret", db_host="proxy.local"))
    assert with_host.params(secret)["host"] == "proxy.local"


def test_a_dsn_wins_for_local_runs(pg_uri: str) -> None:
    with pg_connect_factory(KnowledgeSettings(db_dsn=pg_uri))() as conn:
        assert conn.execute("SELECT 1").fetchone() == (1,)
