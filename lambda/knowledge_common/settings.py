"""Runtime settings of the Knowledge functions, read from environment variables.

This docstring is the environment-variable contract between the runtime (this package)
and the CDK constructs that deploy it; ``README.md`` beside this file repeats it as a
table. Empty values count as unset. Lists are comma-separated.

Vector store
------------
``VECTOR_STORE``             ``pgvector`` (default) | ``s3-vectors`` | ``opensearch``.

pgvector (Aurora PostgreSQL; psycopg 3)
    ``DB_SECRET_ARN``        Secrets Manager secret (the RDS JSON shape: ``username``,
                             ``password``, ``host``, ``port``, ``dbname``).
    ``DB_CLUSTER_ARN``       Aurora cluster ARN; used to look up the writer endpoint
                             (``rds:DescribeDBClusters``) when neither the secret nor
                             ``DB_HOST`` gives a host.
    ``DB_NAME``              Database name (overrides the secret's ``dbname``).
    ``DB_HOST``              Optional host override (e.g. an RDS Proxy endpoint).
    ``DB_SSLMODE``           libpq sslmode for secret-based connections (default ``require``).
    ``DB_DSN``               A full libpq connection string; wins over the secret (tests,
                             local runs). Never put a password here in a deployment.
    ``DB_TABLE_PREFIX``      Table name prefix (default ``kb``: ``kb_documents``, ``kb_chunks``).
S3 Vectors (boto3 ``s3vectors``)
    ``VECTOR_BUCKET_NAME``   Vector bucket name.
    ``VECTOR_INDEX_NAME``    Vector index name. The index must use ``distanceMetric=cosine``,
                             ``dataType=float32``, ``dimension=EMBEDDING_DIMENSIONS`` and declare
                             ``text`` as a non-filterable metadata key.
OpenSearch Serverless (HTTP + SigV4)
    ``OPENSEARCH_ENDPOINT``  Collection endpoint, ``https://<id>.<region>.aoss.amazonaws.com``.
    ``OPENSEARCH_INDEX``     Index name (created with a k-NN mapping if missing).
    ``OPENSEARCH_SERVICE``   SigV4 service name: ``aoss`` (default) or ``es`` for a managed domain.

``ENSURE_SCHEMA``            ``true`` (default): create/verify tables, index or mapping at
                             cold start. Set ``false`` when a migration job owns the schema.

Embeddings
----------
``EMBEDDING_PROVIDER``       ``bedrock`` (default) | ``sagemaker`` | ``hash`` (deterministic
                             local double for tests and benchmarks; never in production).
``EMBEDDING_MODEL_ID``       Bedrock model id or inference-profile ARN, e.g.
                             ``amazon.titan-embed-text-v2:0``, ``cohere.embed-english-v3``.
                             For SageMaker it only labels the vectors (fingerprint).
``EMBEDDING_REQUEST_FORMAT`` ``auto`` (default: from the model id) | ``titan-v2`` | ``cohere-v3``.
``EMBEDDING_DIMENSIONS``     Vector size (default 1024). Titan v2: 256, 512 or 1024; Cohere v3: 1024.
``EMBEDDING_ENDPOINT_NAME``  SageMaker endpoint serving Text Embeddings Inference (TEI).
``EMBEDDING_BATCH_SIZE``     Texts per request for batch APIs (Cohere <= 96, TEI; default 32).
``EMBEDDING_CONCURRENCY``    Parallel requests for one-text-per-call models (Titan; default 4).
``EMBEDDING_MAX_ATTEMPTS``   Attempts per request on throttling/unavailability (default 6).
``EMBEDDING_BASE_DELAY_MS``  First backoff delay, doubled per attempt, full jitter (default 250).
``EMBEDDING_MAX_DELAY_MS``   Backoff cap (default 20000).

Parsing and chunking
--------------------
``CHUNK_STRATEGY``           ``recursive`` (default) | ``tokens`` | ``markdown``.
``CHUNK_SIZE``               Characters (recursive, markdown) or tokens (tokens); default 1000.
``CHUNK_OVERLAP``            Same unit as ``CHUNK_SIZE``; must be smaller (default 150).
``ALLOWED_SUFFIXES``         Default ``.txt,.md,.markdown,.html,.htm,.pdf,.docx,.csv``.
                             Other keys are skipped (not an error).
``SOURCE_PREFIXES``          Key prefixes to index (default: every key). Others are skipped.
``MAX_OBJECT_BYTES``         Objects larger than this are rejected before download with a
                             permanent ``UnparseableDocument`` (default 20971520 = 20 MiB).
``MAX_CHUNKS_PER_DOCUMENT``  Guard against decompression bombs and runaway cost (default 5000).

Ingest function only
--------------------
``DLQ_URL``                  Dead-letter queue URL; permanent failures are sent here with
                             the reason as message attributes (required by the ingest handler).
``IDEMPOTENCY_TABLE``        DynamoDB table (partition key ``id`` string, TTL attribute
                             ``expiration``) for Powertools idempotency. Unset disables
                             the Powertools layer (the store-level version check still
                             makes replays harmless).
``IDEMPOTENCY_TTL_SECONDS``  How long a processed event is remembered (default 86400).

Query function only
-------------------
``QUERY_DEFAULT_K``          ``k`` when the request omits it (default 5).
``QUERY_MAX_K``              Largest accepted ``k`` (default 50; S3 Vectors allows 100).

Read by libraries, not by this module: ``POWERTOOLS_SERVICE_NAME`` (service name in
logs; e.g. ``knowledge-ingest``), ``POWERTOOLS_LOG_LEVEL``, ``AWS_REGION`` (set by Lambda).
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Mapping
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from .errors import ConfigurationError


def _split_csv(value: Any) -> Any:
    if isinstance(value, str):
        return tuple(part.strip() for part in value.split(",") if part.strip())
    return value


CsvTuple = Annotated[tuple[str, ...], BeforeValidator(_split_csv)]

DEFAULT_SUFFIXES = (".txt", ".md", ".markdown", ".html", ".htm", ".pdf", ".docx", ".csv")


class Settings(BaseModel):
    """Validated view of the environment. Build with :meth:`from_env`."""

    model_config = ConfigDict(frozen=True, extra="ignore", populate_by_name=True)

    vector_store: Literal["pgvector", "s3-vectors", "opensearch"] = Field("pgvector", alias="VECTOR_STORE")
    ensure_schema: bool = Field(True, alias="ENSURE_SCHEMA")

    db_secret_arn: str | None = Field(None, alias="DB_SECRET_ARN")
    db_cluster_arn: str | None = Field(None, alias="DB_CLUSTER_ARN")
    db_name: str | None = Field(None, alias="DB_NAME")
    db_host: str | None = Field(None, alias="DB_HOST")
    db_sslmode: str = Field("require", alias="DB_SSLMODE")
    db_dsn: str | None = Field(None, alias="DB_DSN")
    db_table_prefix: str = Field("kb", alias="DB_TABLE_PREFIX", pattern=r"^[a-z_][a-z0-9_]{0,40}$")

    vector_bucket_name: str | None = Field(None, alias="VECTOR_BUCKET_NAME")
    vector_index_name: str | None = Field(None, alias="VECTOR_INDEX_NAME")

    opensearch_endpoint: str | None = Field(None, alias="OPENSEARCH_ENDPOINT")
    opensearch_index: str | None = Field(None, alias="OPENSEARCH_INDEX")
    opensearch_service: Literal["aoss", "es"] = Field("aoss", alias="OPENSEARCH_SERVICE")

    embedding_provider: Literal["bedrock", "sagemaker", "hash"] = Field("bedrock", alias="EMBEDDING_PROVIDER")
    embedding_model_id: str = Field("amazon.titan-embed-text-v2:0", alias="EMBEDDING_MODEL_ID")
    embedding_request_format: Literal["auto", "titan-v2", "cohere-v3"] = Field("auto", alias="EMBEDDING_REQUEST_FORMAT")
    embedding_dimensions: int = Field(1024, alias="EMBEDDING_DIMENSIONS", ge=1, le=16000)
    embedding_endpoint_name: str | None = Field(None, alias="EMBEDDING_ENDPOINT_NAME")
    embedding_batch_size: int = Field(32, alias="EMBEDDING_BATCH_SIZE", ge=1, le=512)
    embedding_concurrency: int = Field(4, alias="EMBEDDING_CONCURRENCY", ge=1, le=64)
    embedding_max_attempts: int = Field(6, alias="EMBEDDING_MAX_ATTEMPTS", ge=1, le=20)
    embedding_base_delay_ms: int = Field(250, alias="EMBEDDING_BASE_DELAY_MS", ge=0)
    embedding_max_delay_ms: int = Field(20_000, alias="EMBEDDING_MAX_DELAY_MS", ge=0)

    chunk_strategy: Literal["recursive", "tokens", "markdown"] = Field("recursive", alias="CHUNK_STRATEGY")
    chunk_size: int = Field(1000, alias="CHUNK_SIZE", ge=16, le=100_000)
    chunk_overlap: int = Field(150, alias="CHUNK_OVERLAP", ge=0)
    allowed_suffixes: CsvTuple = Field(DEFAULT_SUFFIXES, alias="ALLOWED_SUFFIXES")
    source_prefixes: CsvTuple = Field((), alias="SOURCE_PREFIXES")
    max_object_bytes: int = Field(20 * 1024 * 1024, alias="MAX_OBJECT_BYTES", ge=1)
    max_chunks_per_document: int = Field(5000, alias="MAX_CHUNKS_PER_DOCUMENT", ge=1)

    dlq_url: str | None = Field(None, alias="DLQ_URL")
    idempotency_table: str | None = Field(None, alias="IDEMPOTENCY_TABLE")
    idempotency_ttl_seconds: int = Field(86_400, alias="IDEMPOTENCY_TTL_SECONDS", ge=60)

    query_default_k: int = Field(5, alias="QUERY_DEFAULT_K", ge=1)
    query_max_k: int = Field(50, alias="QUERY_MAX_K", ge=1, le=1000)

    @model_validator(mode="after")
    def _consistent(self) -> Settings:
        if self.chunk_overlap >= self.chunk_size:
            raise ValueError("CHUNK_OVERLAP must be smaller than CHUNK_SIZE")
        if self.query_default_k > self.query_max_k:
            raise ValueError("QUERY_DEFAULT_K must not exceed QUERY_MAX_K")
        if self.vector_store == "pgvector" and not (self.db_dsn or self.db_secret_arn):
            raise ValueError("VECTOR_STORE=pgvector needs DB_SECRET_ARN (or DB_DSN for local runs)")
        if self.vector_store == "s3-vectors" and not (self.vector_bucket_name and self.vector_index_name):
            raise ValueError("VECTOR_STORE=s3-vectors needs VECTOR_BUCKET_NAME and VECTOR_INDEX_NAME")
        if self.vector_store == "opensearch" and not (self.opensearch_endpoint and self.opensearch_index):
            raise ValueError("VECTOR_STORE=opensearch needs OPENSEARCH_ENDPOINT and OPENSEARCH_INDEX")
        if self.embedding_provider == "sagemaker" and not self.embedding_endpoint_name:
            raise ValueError("EMBEDDING_PROVIDER=sagemaker needs EMBEDDING_ENDPOINT_NAME")
        if self.vector_store == "s3-vectors" and self.query_max_k > 100:
            raise ValueError("QUERY_MAX_K must be <= 100 with S3 Vectors (QueryVectors topK limit)")
        return self

    @field_validator("allowed_suffixes")
    @classmethod
    def _lower_suffixes(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(s.lower() for s in value)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """Read and validate the environment; raise :class:`ConfigurationError` with every problem."""
        env = os.environ if environ is None else environ
        aliases = {field.alias for field in cls.model_fields.values() if field.alias}
        values = {name: value for name, value in env.items() if name in aliases and value.strip() != ""}
        try:
            return cls.model_validate(values)
        except ValidationError as exc:
            problems = "; ".join(
                f"{'.'.join(str(p) for p in err['loc']) or 'settings'}: {err['msg']}" for err in exc.errors()
            )
            raise ConfigurationError(f"invalid knowledge settings: {problems}") from exc

    def require(self, *names: str) -> None:
        """Fail fast when a handler-specific variable (by env name) is missing."""
        by_alias = {field.alias: name for name, field in type(self).model_fields.items()}
        missing = [n for n in names if getattr(self, by_alias[n]) in (None, "")]
        if missing:
            raise ConfigurationError(f"missing required environment variable(s): {', '.join(missing)}")

    @property
    def pipeline_fingerprint(self) -> str:
        """Identifies what produced the vectors: re-ingesting with a different model or
        chunking yields a different fingerprint, so an unchanged object is re-processed
        instead of being skipped as "already indexed"."""
        material = "|".join(
            str(part)
            for part in (
                self.embedding_provider,
                self.embedding_model_id,
                self.embedding_endpoint_name or "",
                self.embedding_dimensions,
                self.chunk_strategy,
                self.chunk_size,
                self.chunk_overlap,
            )
        )
        return hashlib.sha256(material.encode()).hexdigest()[:16]

    def accepts_key(self, key: str) -> tuple[bool, str]:
        """Whether an object key is in scope (prefix and suffix filters), with the reason if not."""
        if self.source_prefixes and not any(key.startswith(p) for p in self.source_prefixes):
            return False, f"key outside SOURCE_PREFIXES {list(self.source_prefixes)}"
        lowered = key.lower()
        if not any(lowered.endswith(s) for s in self.allowed_suffixes):
            return False, f"suffix not in ALLOWED_SUFFIXES {list(self.allowed_suffixes)}"
        return True, ""
