"""The environment of the knowledge functions (ingest, bulk item, query, index job).

One typed model for both sides of the boundary: the knowledge stack builds a
`KnowledgeSettings` from config and renders it with `to_environment()`; the functions
parse their environment with `KnowledgeSettings.from_environment()`. A renamed or mistyped
variable therefore fails synthesis (or a test that parses every synthesized function's
environment), not a cold start. Each field's docstring below is the contract: the variable
name is the field's alias. Empty values count as unset; lists are comma-separated.

Read by libraries, not by this model: `POWERTOOLS_SERVICE_NAME` (service name in logs),
`POWERTOOLS_LOG_LEVEL`, `AWS_REGION` (set by Lambda).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError, field_validator, model_validator

VectorStoreKind = Literal["pgvector", "s3-vectors", "opensearch"]
EmbeddingProvider = Literal["bedrock", "sagemaker", "hash"]
RequestFormat = Literal["auto", "titan-v2", "cohere-v3"]
ChunkStrategy = Literal["recursive", "tokens", "markdown"]

DEFAULT_SUFFIXES = (".txt", ".md", ".markdown", ".html", ".htm", ".pdf", ".docx", ".csv")


class SettingsError(ValueError):
    """The environment does not satisfy the contract; the message names every variable at fault."""


def _split_csv(value: Any) -> Any:
    if isinstance(value, str):
        return tuple(part.strip() for part in value.split(",") if part.strip())
    return value


CsvTuple = Annotated[tuple[str, ...], BeforeValidator(_split_csv)]


class KnowledgeSettings(BaseModel):
    """Validated settings of a knowledge function; build with `from_environment` or by field name."""

    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True, use_attribute_docstrings=True)

    # -- vector store ------------------------------------------------------------------
    vector_store: VectorStoreKind = Field("pgvector", alias="VECTOR_STORE")
    """Which store the functions write and query: `pgvector` | `s3-vectors` | `opensearch`."""
    ensure_schema: bool = Field(True, alias="ENSURE_SCHEMA")
    """`true`: create/verify the tables, index or mapping at cold start. The stack sets `false`
    and lets its index job (or the store's native CloudFormation type) own the schema."""

    db_secret_arn: str | None = Field(None, alias="DB_SECRET_ARN")
    """pgvector: Secrets Manager secret in the RDS JSON shape (`username`, `password`, `host`,
    `port`, `dbname`)."""
    db_cluster_arn: str | None = Field(None, alias="DB_CLUSTER_ARN")
    """pgvector: Aurora cluster whose writer endpoint is looked up (`rds:DescribeDBClusters`)
    when neither `DB_HOST` nor the secret names a host."""
    db_name: str | None = Field(None, alias="DB_NAME")
    """pgvector: database name (wins over the secret's `dbname`)."""
    db_host: str | None = Field(None, alias="DB_HOST")
    """pgvector: host override, e.g. an RDS Proxy endpoint."""
    db_sslmode: str = Field("require", alias="DB_SSLMODE")
    """pgvector: libpq `sslmode` of secret-based connections."""
    db_dsn: str | None = Field(None, alias="DB_DSN")
    """pgvector: a full libpq connection string that wins over the secret: tests and local runs
    only (never a password in a deployment)."""
    db_table_prefix: str = Field("kb", alias="DB_TABLE_PREFIX", pattern=r"^[a-z_][a-z0-9_]{0,40}$")
    """pgvector: tables `<prefix>_documents` and `<prefix>_chunks`."""

    vector_bucket_name: str | None = Field(None, alias="VECTOR_BUCKET_NAME")
    """S3 Vectors: the vector bucket."""
    vector_index_name: str | None = Field(None, alias="VECTOR_INDEX_NAME")
    """S3 Vectors: the index (`float32`, `cosine`, dimension `EMBEDDING_DIMENSIONS`, with `text`
    and `section` declared non-filterable)."""

    opensearch_endpoint: str | None = Field(None, alias="OPENSEARCH_ENDPOINT")
    """OpenSearch: collection endpoint, `https://<id>.<region>.aoss.amazonaws.com`."""
    opensearch_index: str | None = Field(None, alias="OPENSEARCH_INDEX")
    """OpenSearch: index name (created with a faiss HNSW `knn_vector` mapping if missing)."""
    opensearch_service: Literal["aoss", "es"] = Field("aoss", alias="OPENSEARCH_SERVICE")
    """OpenSearch: SigV4 service name, `aoss` (Serverless) or `es` (a managed domain)."""

    # -- embeddings --------------------------------------------------------------------
    embedding_provider: EmbeddingProvider = Field("bedrock", alias="EMBEDDING_PROVIDER")
    """`bedrock` | `sagemaker` | `hash` (a deterministic local double; never in production)."""
    embedding_model_id: str = Field("amazon.titan-embed-text-v2:0", alias="EMBEDDING_MODEL_ID")
    """Bedrock model id or inference-profile ARN; for SageMaker only a label in the fingerprint."""
    embedding_request_format: RequestFormat = Field("auto", alias="EMBEDDING_REQUEST_FORMAT")
    """Bedrock body format: `auto` (from the model id), `titan-v2` or `cohere-v3` (needed for
    inference-profile ARNs)."""
    embedding_dimensions: int = Field(1024, alias="EMBEDDING_DIMENSIONS", ge=1, le=16000)
    """Vector size; must match the store. Titan v2: 256, 512 or 1024; Cohere v3: 1024."""
    embedding_endpoint_name: str | None = Field(None, alias="EMBEDDING_ENDPOINT_NAME")
    """SageMaker: the endpoint serving Text Embeddings Inference."""
    embedding_batch_size: int = Field(32, alias="EMBEDDING_BATCH_SIZE", ge=1, le=512)
    """Texts per request for batch APIs (Cohere, capped at 96; TEI)."""
    embedding_concurrency: int = Field(4, alias="EMBEDDING_CONCURRENCY", ge=1, le=64)
    """Parallel requests for one-text-per-call models (Titan)."""
    embedding_max_attempts: int = Field(6, alias="EMBEDDING_MAX_ATTEMPTS", ge=1, le=20)
    """Attempts per embedding request (botocore's standard retry mode for throttling and
    unavailability; the same budget for model-side errors such as a busy TEI container)."""

    # -- parsing and chunking ----------------------------------------------------------
    chunk_strategy: ChunkStrategy = Field("recursive", alias="CHUNK_STRATEGY")
    """`recursive` | `tokens` | `markdown`."""
    chunk_size: int = Field(1000, alias="CHUNK_SIZE", ge=16, le=100_000)
    """Characters (recursive, markdown) or tokens (tokens) per chunk."""
    chunk_overlap: int = Field(150, alias="CHUNK_OVERLAP", ge=0)
    """Same unit as `CHUNK_SIZE`, and smaller than it."""
    allowed_suffixes: CsvTuple = Field(DEFAULT_SUFFIXES, alias="ALLOWED_SUFFIXES")
    """File suffixes to index; other keys are skipped, not failed."""
    source_prefixes: CsvTuple = Field((), alias="SOURCE_PREFIXES")
    """Key prefixes to index (empty: every key); other keys are skipped."""
    max_object_bytes: int = Field(20 * 1024 * 1024, alias="MAX_OBJECT_BYTES", ge=1)
    """Larger objects are refused before download (a permanent failure, dead-lettered)."""
    max_chunks_per_document: int = Field(5000, alias="MAX_CHUNKS_PER_DOCUMENT", ge=1)
    """Guard against decompression bombs and runaway embedding cost."""

    # -- ingest function ---------------------------------------------------------------
    dlq_url: str | None = Field(None, alias="DLQ_URL")
    """Dead-letter queue the ingest handler sends permanent failures to, with the reason
    (required by the ingest handler)."""
    idempotency_table: str | None = Field(None, alias="IDEMPOTENCY_TABLE")
    """DynamoDB table (partition key `id`, TTL attribute `expiration`) for Powertools
    idempotency; unset disables it (the stores' version check still makes replays harmless)."""
    idempotency_ttl_seconds: int = Field(86_400, alias="IDEMPOTENCY_TTL_SECONDS", ge=60)
    """How long a processed event is remembered."""

    # -- query function ----------------------------------------------------------------
    query_default_k: int = Field(5, alias="QUERY_DEFAULT_K", ge=1)
    """`k` when a request omits it."""
    query_max_k: int = Field(50, alias="QUERY_MAX_K", ge=1, le=1000)
    """Largest accepted `k` (S3 Vectors' QueryVectors allows 100)."""

    @model_validator(mode="after")
    def _consistent(self) -> KnowledgeSettings:
        problems = [message for failed, message in self._checks() if failed]
        if problems:
            raise ValueError("; ".join(problems))
        return self

    def _checks(self) -> list[tuple[bool, str]]:
        store = self.vector_store
        return [
            (self.chunk_overlap >= self.chunk_size, "CHUNK_OVERLAP must be smaller than CHUNK_SIZE"),
            (self.query_default_k > self.query_max_k, "QUERY_DEFAULT_K must not exceed QUERY_MAX_K"),
            (store == "pgvector" and not (self.db_dsn or self.db_secret_arn),
             "VECTOR_STORE=pgvector needs DB_SECRET_ARN (or DB_DSN for local runs)"),
            (store == "s3-vectors" and not (self.vector_bucket_name and self.vector_index_name),
             "VECTOR_STORE=s3-vectors needs VECTOR_BUCKET_NAME and VECTOR_INDEX_NAME"),
            (store == "opensearch" and not (self.opensearch_endpoint and self.opensearch_index),
             "VECTOR_STORE=opensearch needs OPENSEARCH_ENDPOINT and OPENSEARCH_INDEX"),
            (self.embedding_provider == "sagemaker" and not self.embedding_endpoint_name,
             "EMBEDDING_PROVIDER=sagemaker needs EMBEDDING_ENDPOINT_NAME"),
            (store == "s3-vectors" and self.query_max_k > 100,
             "QUERY_MAX_K must be <= 100 with S3 Vectors (QueryVectors topK limit)"),
        ]

    @field_validator("allowed_suffixes")
    @classmethod
    def _lower_suffixes(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(s.lower() for s in value)

    @classmethod
    def variables(cls) -> dict[str, str]:
        """Field name → environment variable name, for every variable of the contract."""
        return {name: field.alias for name, field in cls.model_fields.items() if field.alias}

    @classmethod
    def from_environment(cls, environ: Mapping[str, str]) -> KnowledgeSettings:
        """Parse an environment (only the contract's variables; empty counts as unset).

        Raises `SettingsError` listing every problem by variable name.
        """
        names = set(cls.variables().values())
        values = {name: value for name, value in environ.items() if name in names and value.strip() != ""}
        try:
            return cls.model_validate(values)
        except ValidationError as exc:
            problems = "; ".join(
                f"{'.'.join(str(p) for p in err['loc']) or 'settings'}: {err['msg']}" for err in exc.errors()
            )
            raise SettingsError(f"invalid knowledge settings: {problems}") from exc

    def to_environment(self, only: Collection[str] | None = None) -> dict[str, str]:
        """The environment variables of the fields that were set explicitly (defaults stay
        implicit, so the functions' environment lists only what the stack decided).

        `only` narrows the result to those field names.
        """
        variables = self.variables()
        rendered: dict[str, str] = {}
        for name in sorted(self.model_fields_set):
            value = getattr(self, name)
            if value is None or (only is not None and name not in only):
                continue
            rendered[variables[name]] = _render(value)
        return rendered

    def require(self, *names: str) -> None:
        """Fail fast when a function-specific variable (by variable name) is missing."""
        fields = {alias: name for name, alias in self.variables().items()}
        missing = [n for n in names if getattr(self, fields[n]) in (None, "")]
        if missing:
            raise SettingsError(f"missing required environment variable(s): {', '.join(missing)}")


def _render(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, tuple):
        return ",".join(str(v) for v in value)
    return str(value)
