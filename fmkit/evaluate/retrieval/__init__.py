"""Retrieval evaluation: does the knowledge base return the chunks that answer the question?

Config-free (it ships with `fmkit.evaluate` and may run where the knowledge runtime runs): it
uses `fmkit.knowledge` for embedding, storing and querying, and `fmkit.contracts` for the
knowledge settings; the CLI (`fmkit eval-retrieval`) turns config into these calls.

- `dataset`: the JSONL format (question, expected sources and/or passages), line-numbered errors;
- `metrics`: relevance rules and hit@k, MRR, context precision/recall, hand-checkable;
- `retrievers`: local pgvector, the deployed query URL (SigV4), Bedrock knowledge bases;
- `local`: index a folder into a real pgvector per chunking/embedding variant;
- `runner`, `report`: ask, judge, keep the evidence, render JSON/Markdown/HTML.
"""

from .dataset import (
    RetrievalDataset,
    RetrievalDatasetError,
    RetrievalItem,
    RetrievalProblem,
    load_retrieval_dataset,
    parse_retrieval_dataset,
)
from .metrics import LATENCY_METRICS, QUALITY_METRICS, ItemScores, judge, score
from .retrievers import BedrockKbRetriever, LocalRetriever, QueryUrlRetriever, RetrievalError, Retriever
from .runner import ItemResult, RunSummary, evaluate_retriever, read_results, write_manifest

__all__ = [
    "LATENCY_METRICS",
    "QUALITY_METRICS",
    "BedrockKbRetriever",
    "ItemResult",
    "ItemScores",
    "LocalRetriever",
    "QueryUrlRetriever",
    "RetrievalDataset",
    "RetrievalDatasetError",
    "RetrievalError",
    "RetrievalItem",
    "RetrievalProblem",
    "Retriever",
    "RunSummary",
    "evaluate_retriever",
    "judge",
    "load_retrieval_dataset",
    "parse_retrieval_dataset",
    "read_results",
    "score",
    "write_manifest",
]
