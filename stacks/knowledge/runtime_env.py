"""The environment variables of the knowledge functions, from config.

The names are the runtime's contract (`lambda/knowledge_common/settings.py`); keeping the
mapping in one pure function makes it testable without synthesizing anything.
"""

from __future__ import annotations

from fmkit.config import EnvironmentConfig
from fmkit.config.knowledge import BedrockEmbedding, KnowledgeBaseConfig, SageMakerEmbedding, embedding_dimensions
from stacks.sagemaker.names import sagemaker_name

# Config vector_store → the runtime's VECTOR_STORE value.
RUNTIME_STORE = {"s3-vectors": "s3-vectors", "aurora-pgvector": "pgvector", "opensearch-serverless": "opensearch"}


def embedding_endpoint_name(config: EnvironmentConfig, embedding: SageMakerEmbedding) -> str:
    """The SageMaker stack names endpoints deterministically from config; so do we."""
    return sagemaker_name(config.project.name, config.name, embedding.deployment)


def common_environment(kb: KnowledgeBaseConfig, config: EnvironmentConfig) -> dict[str, str]:
    """Settings shared by ingest, bulk and query: store kind, embedding, chunking, source filters."""
    embedding = kb.embedding
    env = {
        "VECTOR_STORE": RUNTIME_STORE[kb.vector_store],
        # The stack creates the index/schema (native type or custom resource), not cold starts.
        "ENSURE_SCHEMA": "false",
        "EMBEDDING_DIMENSIONS": str(embedding_dimensions(embedding)),
        "CHUNK_STRATEGY": kb.chunking.strategy,
        "CHUNK_SIZE": str(kb.chunking.size),
        "CHUNK_OVERLAP": str(kb.chunking.overlap),
        "ALLOWED_SUFFIXES": ",".join(kb.sources.suffixes()),
        "MAX_OBJECT_BYTES": str(kb.ingest.max_document_mb * 1024 * 1024),
    }
    if isinstance(embedding, BedrockEmbedding):
        env.update({"EMBEDDING_PROVIDER": "bedrock", "EMBEDDING_MODEL_ID": embedding.model_id})
    else:
        env.update({"EMBEDDING_PROVIDER": "sagemaker", "EMBEDDING_MODEL_ID": embedding.deployment,
                    "EMBEDDING_ENDPOINT_NAME": embedding_endpoint_name(config, embedding)})
    if kb.sources.prefixes:
        env["SOURCE_PREFIXES"] = ",".join(kb.sources.prefixes)
    if kb.vector_store == "s3-vectors":
        env["QUERY_MAX_K"] = "100"  # QueryVectors topK limit
    return env
