"""Knowledge-base rules: the embedding model must exist, embed, be callable here, and fit the store."""

from __future__ import annotations

from collections.abc import Iterator

from fmkit.catalog.bedrock import get_model, unknown_bedrock
from fmkit.config.environment import EnvironmentConfig
from fmkit.config.knowledge import BedrockEmbedding, KnowledgeBaseConfig, SageMakerEmbedding, embedding_dimensions
from fmkit.validate.registry import DocPath, Finding, rule

# Largest vector each store can index: S3 Vectors 4,096; pgvector's HNSW index on `vector`
# 2,000; OpenSearch Serverless k-NN (faiss) 16,000.
STORE_MAX_DIMENSIONS = {"s3-vectors": 4096, "aurora-pgvector": 2000, "opensearch-serverless": 16000}
# Stores the kit can put under a Bedrock knowledge base today.
BEDROCK_KB_STORES = ("s3-vectors",)


def _enabled(env: EnvironmentConfig) -> Iterator[tuple[str, KnowledgeBaseConfig]]:
    yield from ((name, kb) for name, kb in env.project.knowledge_bases.items() if kb.enabled)


def _path(name: str, *rest: str) -> DocPath:
    return ("project", "knowledge_bases", name, *rest)


def _bedrock(env: EnvironmentConfig) -> Iterator[tuple[str, BedrockEmbedding]]:
    for name, kb in _enabled(env):
        if isinstance(kb.embedding, BedrockEmbedding):
            yield name, kb.embedding


@rule("knowledge-embedding-model-exists")
def embedding_model_exists(env: EnvironmentConfig) -> Iterator[Finding]:
    for name, embedding in _bedrock(env):
        if get_model(embedding.model_id) is None:
            why = unknown_bedrock(embedding.model_id)
            yield Finding(_path(name, "embedding", "model_id"), why.message, why.hint)


@rule("knowledge-embedding-model-is-embedding")
def embedding_model_is_embedding(env: EnvironmentConfig) -> Iterator[Finding]:
    for name, embedding in _bedrock(env):
        model = get_model(embedding.model_id)
        if model is not None and model.kind != "embedding":
            yield Finding(_path(name, "embedding", "model_id"),
                          f"'{embedding.model_id}' is a {model.kind} model, not an embedding model",
                          "use amazon.titan-embed-text-v2:0 or cohere.embed-english-v3")


@rule("knowledge-embedding-model-in-region")
def embedding_model_in_region(env: EnvironmentConfig) -> Iterator[Finding]:
    """Embeddings are invoked on demand by model id, so the model must be served in this region."""
    for name, embedding in _bedrock(env):
        model = get_model(embedding.model_id)
        if model is not None and model.kind == "embedding" and env.region not in model.on_demand_regions:
            regions = ", ".join(sorted(model.on_demand_regions)[:6])
            yield Finding(_path(name, "embedding", "model_id"),
                          f"'{embedding.model_id}' is not available on demand in {env.region}",
                          f"pick another embedding model, or an environment in one of: {regions}")


@rule("knowledge-embedding-dimensions-supported")
def embedding_dimensions_supported(env: EnvironmentConfig) -> Iterator[Finding]:
    for name, kb in _enabled(env):
        dims = embedding_dimensions(kb.embedding)
        if isinstance(kb.embedding, BedrockEmbedding):
            model = get_model(kb.embedding.model_id)
            if model is not None and model.embedding_dimensions and dims not in model.embedding_dimensions:
                yield Finding(_path(name, "embedding", "dimensions"),
                              f"{model.name} does not produce {dims}-dimensional vectors",
                              f"use one of {list(model.embedding_dimensions)}")
                continue
        limit = STORE_MAX_DIMENSIONS[kb.vector_store]
        if dims > limit:
            yield Finding(_path(name, "embedding", "dimensions"),
                          f"{kb.vector_store} indexes at most {limit} dimensions, got {dims}",
                          "use a smaller embedding size or another vector_store")


@rule("knowledge-sagemaker-embedding-exists")
def sagemaker_embedding_exists(env: EnvironmentConfig) -> Iterator[Finding]:
    models = env.enabled_models()
    for name, kb in _enabled(env):
        if not isinstance(kb.embedding, SageMakerEmbedding):
            continue
        target = kb.embedding.deployment
        deployment = models.get(target)
        if deployment is None:
            known = sorted(n for n, m in models.items() if m.provider == "sagemaker")
            yield Finding(_path(name, "embedding", "deployment"),
                          f"no enabled model deployment '{target}' in environment {env.name}",
                          f"SageMaker deployments here: {', '.join(known)}" if known
                          else "add models/<name>.yaml with provider: sagemaker serving an embedding model")
        elif deployment.provider != "sagemaker":
            yield Finding(_path(name, "embedding", "deployment"),
                          f"'{target}' is a {deployment.provider} deployment, not sagemaker",
                          "for Bedrock embeddings use provider: bedrock with model_id")


@rule("knowledge-bedrock-kb-compatible")
def bedrock_kb_compatible(env: EnvironmentConfig) -> Iterator[Finding]:
    """Bedrock Knowledge Bases embed with a Bedrock model, and the kit wires only some stores."""
    for name, kb in _enabled(env):
        if kb.mode != "bedrock-kb":
            continue
        if not isinstance(kb.embedding, BedrockEmbedding):
            yield Finding(_path(name, "embedding", "provider"),
                          "mode bedrock-kb needs a Bedrock embedding model (Bedrock cannot call SageMaker)",
                          "use embedding.provider: bedrock, or mode: pipeline")
        if len(kb.sources.prefixes) > 1:
            yield Finding(_path(name, "sources", "prefixes"),
                          "a Bedrock S3 data source takes at most one inclusion prefix",
                          "keep one prefix (or none for the whole bucket), or use mode: pipeline")
        if kb.vector_store not in BEDROCK_KB_STORES:
            yield Finding(_path(name, "vector_store"),
                          f"mode bedrock-kb on {kb.vector_store} is not supported yet",
                          "use vector_store: s3-vectors with bedrock-kb, or mode: pipeline for this store")



@rule("knowledge-sagemaker-embedding-invocable")
def sagemaker_embedding_invocable(env: EnvironmentConfig) -> Iterator[Finding]:
    """The ingest and query functions call InvokeEndpoint synchronously, on the endpoint itself."""
    models = env.enabled_models()
    for name, kb in _enabled(env):
        if not isinstance(kb.embedding, SageMakerEmbedding):
            continue
        mode = getattr(models.get(kb.embedding.deployment), "mode", None)
        if mode in ("async", "inference-component"):
            yield Finding(_path(name, "embedding", "deployment"),
                          f"'{kb.embedding.deployment}' is hosted as {mode}: embeddings are called synchronously",
                          "host the embedding model real-time or serverless (no async, no scale_to_zero)")
