"""The knowledge functions' settings, decided from config and rendered through the runtime's contract.

The stack never spells a variable name: it builds `fmkit.contracts.knowledge.KnowledgeSettings`
(the model the functions parse their environment with) by field name and renders it, so a
renamed field fails synthesis instead of a cold start. Pure functions: testable without
synthesizing anything.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from fmkit.config import EnvironmentConfig
from fmkit.config.knowledge import BedrockEmbedding, KnowledgeBaseConfig, SageMakerEmbedding, embedding_dimensions
from fmkit.contracts.knowledge import KnowledgeSettings, VectorStoreKind
from stacks.sagemaker.names import sagemaker_name

RUNTIME_STORE: dict[str, VectorStoreKind] = {
    "s3-vectors": "s3-vectors", "aurora-pgvector": "pgvector", "opensearch-serverless": "opensearch"}
"""Config `vector_store` → the runtime's `vector_store`."""


def embedding_endpoint_name(config: EnvironmentConfig, embedding: SageMakerEmbedding) -> str:
    """The SageMaker stack names endpoints deterministically from config; so do we."""
    return sagemaker_name(config.project.name, config.name, embedding.deployment)


def common_settings(kb: KnowledgeBaseConfig, config: EnvironmentConfig) -> dict[str, Any]:
    """Settings shared by ingest, bulk, query and the index job (by `KnowledgeSettings` field
    name): store kind, embedding, chunking, source filters."""
    embedding = kb.embedding
    settings: dict[str, Any] = {
        "vector_store": RUNTIME_STORE[kb.vector_store],
        # The stack creates the index/schema (native type or the index job), not cold starts.
        "ensure_schema": False,
        "embedding_dimensions": embedding_dimensions(embedding),
        "chunk_strategy": kb.chunking.strategy,
        "chunk_size": kb.chunking.size,
        "chunk_overlap": kb.chunking.overlap,
        "allowed_suffixes": tuple(kb.sources.suffixes()),
        "max_object_bytes": kb.ingest.max_document_mb * 1024 * 1024,
    }
    if isinstance(embedding, BedrockEmbedding):
        settings.update(embedding_provider="bedrock", embedding_model_id=embedding.model_id)
    else:
        settings.update(embedding_provider="sagemaker", embedding_model_id=embedding.deployment,
                        embedding_endpoint_name=embedding_endpoint_name(config, embedding))
    if kb.sources.prefixes:
        settings["source_prefixes"] = tuple(kb.sources.prefixes)
    if kb.vector_store == "s3-vectors":
        settings["query_max_k"] = 100  # QueryVectors topK limit
    return settings


def runtime_settings(*parts: Mapping[str, Any]) -> KnowledgeSettings:
    """One function's settings from the common, store and function-specific parts (later wins)."""
    merged: dict[str, Any] = {}
    for part in parts:
        merged.update(part)
    return KnowledgeSettings(**merged)
