"""Meaning, not word overlap: cosine similarity of answer and reference embeddings (metric
`semantic_similarity`), from an embedding deployment.

- `embedders`: the embedding APIs behind one `Embedder` protocol — Bedrock Titan Text Embeddings
  v2 and Cohere Embed v3 (InvokeModel), SageMaker TEI (InvokeEndpoint), and HTTP servers speaking
  OpenAI's `/v1/embeddings` or TEI's `/embed` — retried like the chat adapters.
- `similarity`: scores every stored answer, caching the similarities next to the results.
"""

from fmkit.evaluate.semantic.embedders import (
    BedrockEmbeddings,
    Embedder,
    HttpEmbeddings,
    SageMakerTeiEmbeddings,
    build_embedder,
)
from fmkit.evaluate.semantic.similarity import cosine, semantic_outcome, semantic_scores

__all__ = [
    "BedrockEmbeddings",
    "Embedder",
    "HttpEmbeddings",
    "SageMakerTeiEmbeddings",
    "build_embedder",
    "cosine",
    "semantic_outcome",
    "semantic_scores",
]
