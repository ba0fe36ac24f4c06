"""Build the adapters a `KnowledgeSettings` names: embedder, store, ingestor.

Handlers call these once per execution environment (cold start) and reuse the result; a
local run (a folder into a local pgvector) calls them with `DB_DSN` settings. Every factory
accepts pre-built clients so tests can inject moto / Stubber / loopback clients.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from typing import Any

from fmkit.contracts.knowledge import KnowledgeSettings

from .embedding import BedrockEmbedder, Embedder, HashEmbedder, SageMakerEmbedder
from .errors import ConfigurationError
from .ingest import Ingestor
from .sources import ObjectSource, S3ObjectSource
from .stores import OpenSearchStore, PgVectorStore, S3VectorsStore, SigV4Transport, VectorStore


def build_embedder(settings: KnowledgeSettings, *, client: Any | None = None) -> Embedder:
    """The configured embedder; `client` replaces the boto3 client it would create."""
    if settings.embedding_provider == "hash":
        return HashEmbedder(settings.embedding_dimensions, model_id=settings.embedding_model_id)
    if settings.embedding_provider == "sagemaker":
        return SageMakerEmbedder(
            endpoint_name=settings.embedding_endpoint_name or "",
            dimensions=settings.embedding_dimensions,
            model_id=settings.embedding_model_id,
            client=client,
            batch_size=settings.embedding_batch_size,
            max_attempts=settings.embedding_max_attempts,
        )
    return BedrockEmbedder(
        model_id=settings.embedding_model_id,
        dimensions=settings.embedding_dimensions,
        request_format=settings.embedding_request_format,
        client=client,
        batch_size=settings.embedding_batch_size,
        concurrency=settings.embedding_concurrency,
        max_attempts=settings.embedding_max_attempts,
    )


def _cluster_endpoint(cluster_arn: str) -> str:
    import boto3

    clusters = boto3.client("rds").describe_db_clusters(DBClusterIdentifier=cluster_arn)["DBClusters"]
    if not clusters or not clusters[0].get("Endpoint"):
        raise ConfigurationError(f"no writer endpoint found for DB_CLUSTER_ARN {cluster_arn}")
    return str(clusters[0]["Endpoint"])


class SecretConnector:
    """Opens psycopg connections with credentials from the database's Secrets Manager secret.

    The secret is cached for the life of the execution environment and re-read once when
    authentication fails (the secret was rotated).
    """

    def __init__(self, settings: KnowledgeSettings, *, secrets_client: Any | None = None) -> None:
        self.settings = settings
        self.secrets_client = secrets_client
        self._secret: dict[str, Any] | None = None

    def secret(self, refresh: bool = False) -> dict[str, Any]:
        if refresh or self._secret is None:
            client = self.secrets_client
            if client is None:
                import boto3

                client = boto3.client("secretsmanager")
            response = client.get_secret_value(SecretId=self.settings.db_secret_arn or "")
            self._secret = dict(json.loads(response["SecretString"]))
        return self._secret

    def params(self, values: dict[str, Any]) -> dict[str, Any]:
        """libpq parameters: the settings win over the secret; the host may come from the cluster."""
        settings = self.settings
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

    def __call__(self) -> Any:
        import psycopg

        try:
            return psycopg.connect(**self.params(self.secret()))
        except psycopg.OperationalError as exc:
            if "authentication failed" not in str(exc):
                raise
            return psycopg.connect(**self.params(self.secret(refresh=True)))


def pg_connect_factory(settings: KnowledgeSettings, *, secrets_client: Any | None = None) -> Callable[[], Any]:
    """A callable opening a psycopg connection: `DB_DSN` if set (local runs), else the secret."""
    if settings.db_dsn:
        import psycopg

        dsn = settings.db_dsn
        return lambda: psycopg.connect(dsn, connect_timeout=10)
    return SecretConnector(settings, secrets_client=secrets_client)


def build_store(
    settings: KnowledgeSettings,
    *,
    client: Any | None = None,
    connect: Callable[[], Any] | None = None,
    transport: Any | None = None,
) -> VectorStore:
    """The configured store; `client`, `connect` and `transport` replace what it would create."""
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


def build_ingestor(
    settings: KnowledgeSettings,
    *,
    source: ObjectSource | None = None,
    embedder: Embedder | None = None,
    store: VectorStore | None = None,
    logger: Any | None = None,
) -> Ingestor:
    """Cold-start wiring shared by the SQS handler, the bulk item handler and local runs."""
    store = store or build_store(settings)
    if settings.ensure_schema:
        store.ensure_schema()
    return Ingestor(
        settings,
        source=source or S3ObjectSource(),
        embedder=embedder or build_embedder(settings),
        store=store,
        logger=logger,
    )
