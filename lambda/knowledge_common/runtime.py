"""Build the adapters named by :class:`~knowledge_common.settings.Settings`.

Handlers call these once per execution environment (cold start) and reuse the result.
Every factory accepts pre-built clients so tests can inject moto / Stubber clients.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from typing import Any

from .embedding import BedrockEmbedder, Embedder, HashEmbedder, RetryPolicy, SageMakerEmbedder
from .errors import ConfigurationError
from .settings import Settings
from .stores import OpenSearchStore, PgVectorStore, S3VectorsStore, SigV4Transport, VectorStore


def retry_policy(settings: Settings) -> RetryPolicy:
    return RetryPolicy(
        max_attempts=settings.embedding_max_attempts,
        base_delay=settings.embedding_base_delay_ms / 1000.0,
        max_delay=settings.embedding_max_delay_ms / 1000.0,
    )


def build_embedder(settings: Settings, *, client: Any | None = None) -> Embedder:
    if settings.embedding_provider == "hash":
        return HashEmbedder(settings.embedding_dimensions, model_id=settings.embedding_model_id)
    if settings.embedding_provider == "sagemaker":
        return SageMakerEmbedder(
            endpoint_name=settings.embedding_endpoint_name or "",
            dimensions=settings.embedding_dimensions,
            model_id=settings.embedding_model_id,
            client=client,
            batch_size=settings.embedding_batch_size,
            retry=retry_policy(settings),
        )
    return BedrockEmbedder(
        model_id=settings.embedding_model_id,
        dimensions=settings.embedding_dimensions,
        request_format=settings.embedding_request_format,
        client=client,
        batch_size=settings.embedding_batch_size,
        concurrency=settings.embedding_concurrency,
        retry=retry_policy(settings),
    )


def _cluster_endpoint(cluster_arn: str) -> str:
    import boto3

    clusters = boto3.client("rds").describe_db_clusters(DBClusterIdentifier=cluster_arn)["DBClusters"]
    if not clusters or not clusters[0].get("Endpoint"):
        raise ConfigurationError(f"no writer endpoint found for DB_CLUSTER_ARN {cluster_arn}")
    return str(clusters[0]["Endpoint"])


def pg_connect_factory(settings: Settings, *, secrets_client: Any | None = None) -> Callable[[], Any]:
    """A callable opening a psycopg connection: ``DB_DSN`` if set, else Secrets Manager.

    The secret is cached for the life of the execution environment and re-read once
    when authentication fails (rotation).
    """
    import psycopg

    if settings.db_dsn:
        dsn = settings.db_dsn
        return lambda: psycopg.connect(dsn, connect_timeout=10)

    secret_arn = settings.db_secret_arn or ""
    cache: dict[str, dict[str, Any]] = {}

    def secret(refresh: bool = False) -> dict[str, Any]:
        if refresh or "value" not in cache:
            client = secrets_client
            if client is None:
                import boto3

                client = boto3.client("secretsmanager")
            cache["value"] = json.loads(client.get_secret_value(SecretId=secret_arn)["SecretString"])
        return cache["value"]

    def params(values: dict[str, Any]) -> dict[str, Any]:
        host = settings.db_host or values.get("host")
        if not host and settings.db_cluster_arn:
            host = _cluster_endpoint(settings.db_cluster_arn)
        if not host:
            raise ConfigurationError("no database host: set DB_HOST or DB_CLUSTER_ARN, or add 'host' to the secret")
        return {
            "host": host,
            "port": int(values.get("port", 5432)),
            "dbname": settings.db_name or values.get("dbname") or "postgres",
            "user": values["username"],
            "password": values["password"],
            "sslmode": settings.db_sslmode,
            "connect_timeout": 10,
            "application_name": os.environ.get("AWS_LAMBDA_FUNCTION_NAME", "fmkit-knowledge"),
        }

    def connect() -> Any:
        try:
            return psycopg.connect(**params(secret()))
        except psycopg.OperationalError as exc:
            if "authentication failed" not in str(exc):
                raise
            return psycopg.connect(**params(secret(refresh=True)))

    return connect


def build_store(
    settings: Settings,
    *,
    client: Any | None = None,
    connect: Callable[[], Any] | None = None,
    transport: Any | None = None,
) -> VectorStore:
    if settings.vector_store == "pgvector":
        return PgVectorStore(
            connect or pg_connect_factory(settings),
            dimensions=settings.embedding_dimensions,
            table_prefix=settings.db_table_prefix,
        )
    if settings.vector_store == "s3-vectors":
        return S3VectorsStore(
            bucket=settings.vector_bucket_name or "",
            index=settings.vector_index_name or "",
            dimensions=settings.embedding_dimensions,
            client=client,
        )
    if transport is None:
        region = os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or "us-east-1"
        transport = SigV4Transport(
            settings.opensearch_endpoint or "", region=region, service=settings.opensearch_service
        )
    return OpenSearchStore(
        index=settings.opensearch_index or "", dimensions=settings.embedding_dimensions, transport=transport
    )
