"""A knowledge base: a vector store kept in sync with an S3 bucket.

Catalog-dependent checks (is the model an embedding model, is it in the region, are the
dimensions allowed) live in `fmkit.validate.knowledge`; this module only checks what
one entry can tell on its own.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import Discriminator, Field, Tag, field_validator, model_validator

from fmkit.config.base import Name, Strict, config_error

VectorStoreType = Literal["s3-vectors", "aurora-pgvector", "opensearch-serverless"]
FileType = Literal["txt", "md", "html", "pdf", "docx", "csv"]
FILE_TYPES: tuple[FileType, ...] = ("txt", "md", "html", "pdf", "docx", "csv")
# Extra suffixes that mean the same format (the runtime filters on suffixes).
SUFFIX_ALIASES: dict[str, tuple[str, ...]] = {"md": (".md", ".markdown"), "html": (".html", ".htm")}
BUCKET_ARN_RE = re.compile(r"^arn:aws[a-z-]*:s3:::[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")
DEFAULT_EMBEDDING_MODEL = "amazon.titan-embed-text-v2:0"


class BedrockEmbedding(Strict):
    """An embedding model from the Bedrock catalog, invoked on demand."""

    provider: Literal["bedrock"] = "bedrock"
    model_id: str = Field(default=DEFAULT_EMBEDDING_MODEL, description="Bedrock embedding model id.")
    dimensions: int | None = Field(
        default=None, ge=1, le=16000, description="Vector size; omitted means the model's default."
    )


class SageMakerEmbedding(Strict):
    """A SageMaker embedding endpoint deployed by this config (`models/<deployment>.yaml`)."""

    provider: Literal["sagemaker"]
    deployment: Name = Field(description="Name of a `provider: sagemaker` model deployment serving embeddings.")
    dimensions: int = Field(ge=1, le=16000, description="Vector size the endpoint returns (required).")


def _embedding_provider(value: Any) -> str | None:
    """`provider` may be omitted: Bedrock is the default embedding provider."""
    if isinstance(value, dict):
        return str(value.get("provider", "bedrock"))
    return getattr(value, "provider", None)


Embedding = Annotated[
    Annotated[BedrockEmbedding, Tag("bedrock")] | Annotated[SageMakerEmbedding, Tag("sagemaker")],
    Discriminator(
        _embedding_provider,
        custom_error_type="fmkit",
        custom_error_message="embedding provider must be bedrock or sagemaker",
    ),
]


class ChunkingConfig(Strict):
    strategy: Literal["recursive", "tokens", "markdown"] = Field(
        default="recursive", description="recursive (characters), tokens, or markdown (heading-aware)."
    )
    size: int = Field(default=1000, ge=16, le=100_000, description="Characters (tokens for `tokens`).")
    overlap: int = Field(default=150, ge=0, description="Overlap between chunks, same unit as size.")

    @model_validator(mode="after")
    def _overlap_below_size(self) -> ChunkingConfig:
        if self.overlap >= self.size:
            raise config_error(
                f"chunk overlap {self.overlap} is not smaller than size {self.size}",
                "overlap is usually 10-20% of size, e.g. size 1000, overlap 150",
            )
        return self


class SourcesConfig(Strict):
    """The one S3 landing bucket: created by the stack, or an existing bucket by ARN."""

    bucket_arn: str | None = Field(
        default=None, description="Existing bucket ARN (must send events to EventBridge); omitted = create one."
    )
    prefixes: list[str] = Field(default_factory=list, description="Key prefixes to index; empty = whole bucket.")
    file_types: list[FileType] = Field(default_factory=lambda: list(FILE_TYPES), min_length=1)

    @field_validator("bucket_arn")
    @classmethod
    def _arn(cls, value: str | None) -> str | None:
        if value is not None and not BUCKET_ARN_RE.match(value):
            raise config_error(f"'{value}' is not an S3 bucket ARN", "e.g. arn:aws:s3:::my-documents")
        return value

    @field_validator("prefixes")
    @classmethod
    def _prefixes(cls, value: list[str]) -> list[str]:
        for prefix in value:
            if not prefix or prefix.startswith("/"):
                raise config_error(f"prefix '{prefix}' must be non-empty and not start with '/'", "e.g. docs/")
        if len(set(value)) != len(value):
            raise config_error("prefixes are listed twice", "remove the duplicate")
        return value

    @property
    def bucket_name(self) -> str | None:
        return self.bucket_arn.rsplit(":", 1)[-1] if self.bucket_arn else None

    def suffixes(self) -> list[str]:
        return [s for t in self.file_types for s in SUFFIX_ALIASES.get(t, (f".{t}",))]


class AuroraConfig(Strict):
    """Aurora PostgreSQL Serverless v2 capacity (ACU); min 0 pauses the cluster when idle."""

    min_capacity: float = Field(default=0, ge=0, le=256, description="Minimum ACU (0 = auto-pause).")
    max_capacity: float = Field(default=4, ge=1, le=256, description="Maximum ACU.")
    auto_pause_minutes: int = Field(default=10, ge=5, le=1440, description="Idle minutes before pausing at 0 ACU.")

    @model_validator(mode="after")
    def _range(self) -> AuroraConfig:
        if self.min_capacity > self.max_capacity:
            raise config_error(
                f"min_capacity {self.min_capacity} exceeds max_capacity {self.max_capacity}",
                "lower min_capacity or raise max_capacity",
            )
        if (self.min_capacity * 2) % 1 or (self.max_capacity * 2) % 1:
            raise config_error("ACU values go in steps of 0.5", "e.g. 0, 0.5, 1, 2")
        return self


class OpenSearchConfig(Strict):
    standby_replicas: bool | None = Field(
        default=None,
        description="Standby replicas (HA, doubles the OCU floor); omitted = on only where removal_policy is retain.",
    )


class IngestConfig(Strict):
    batch_size: int = Field(default=10, ge=1, le=10, description="S3 events per ingest invocation.")
    max_concurrency: int = Field(
        default=5, ge=2, le=1000, description="Concurrent ingest functions (bounds embedding throughput)."
    )
    bulk_max_concurrency: int = Field(default=40, ge=1, le=1000, description="Parallel items in a bulk re-ingest.")
    max_document_mb: int = Field(default=20, ge=1, le=500, description="Larger objects are rejected to the DLQ.")


class KnowledgeBaseConfig(Strict):
    description: str = ""
    enabled: bool = True
    mode: Literal["pipeline", "bedrock-kb"] = Field(
        default="pipeline", description="pipeline: fmkit's own ingestion; bedrock-kb: Bedrock Knowledge Bases."
    )
    vector_store: VectorStoreType = Field(default="s3-vectors", description="Where vectors live.")
    embedding: Embedding = Field(default_factory=BedrockEmbedding)
    chunking: ChunkingConfig = Field(default_factory=ChunkingConfig)
    sources: SourcesConfig = Field(default_factory=SourcesConfig)
    aurora: AuroraConfig | None = Field(default=None, description="Only with vector_store: aurora-pgvector.")
    opensearch: OpenSearchConfig | None = Field(default=None, description="Only with opensearch-serverless.")
    ingest: IngestConfig = Field(default_factory=IngestConfig)

    @model_validator(mode="after")
    def _store_settings_match_store(self) -> KnowledgeBaseConfig:
        if self.aurora is not None and self.vector_store != "aurora-pgvector":
            raise config_error(
                f"'aurora' settings given but vector_store is {self.vector_store}",
                "remove 'aurora' or set vector_store: aurora-pgvector",
            )
        if self.opensearch is not None and self.vector_store != "opensearch-serverless":
            raise config_error(
                f"'opensearch' settings given but vector_store is {self.vector_store}",
                "remove 'opensearch' or set vector_store: opensearch-serverless",
            )
        return self

    @property
    def aurora_settings(self) -> AuroraConfig:
        return self.aurora or AuroraConfig()

    @property
    def opensearch_settings(self) -> OpenSearchConfig:
        return self.opensearch or OpenSearchConfig()

    @property
    def distance_metric(self) -> Literal["cosine"]:
        """Titan and Cohere embeddings are compared by cosine; the runtime relies on it."""
        return "cosine"


def embedding_dimensions(embedding: BedrockEmbedding | SageMakerEmbedding) -> int:
    """Vector size: explicit, else the Bedrock catalog's default for the model (1024 if unknown)."""
    if embedding.dimensions is not None:
        return embedding.dimensions
    from fmkit.catalog.bedrock import get_model

    model = get_model(embedding.model_id)
    return (model.default_embedding_dimensions if model else None) or 1024
