"""Retrieval metrics on a real pgvector index built by the kit's own ingestion, against rankings
worked out by hand, and two chunking choices compared on the same questions."""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path

import pytest

from fmkit.evaluate.retrieval.dataset import parse_retrieval_dataset
from fmkit.evaluate.retrieval.local import LocalVariant, build_local_index
from fmkit.evaluate.retrieval.runner import evaluate_retriever, read_results
from fmkit.knowledge.embedding import HashEmbedder

pytestmark = pytest.mark.runtime

AXES = ("vacation", "laptop", "expense", "parking")


class KeywordEmbedder:
    """Counts four words: cosine similarities (and so rankings) can be worked out on paper."""

    model_id = "keyword-axes"
    dimensions = len(AXES)

    def _vector(self, text: str) -> list[float]:
        words = text.lower().split()
        return [float(words.count(axis)) for axis in AXES]

    def embed_documents(self, texts: Sequence[str]) -> list[list[float]]:
        return [self._vector(t) for t in texts]

    def embed_query(self, text: str) -> list[float]:
        return self._vector(text)


DOCS = {"a.md": "vacation vacation", "b.md": "vacation laptop laptop", "c.md": "expense expense laptop",
        "d.md": "parking"}
# cos(query, doc) by hand (doc vectors a=(2,0,0,0) b=(1,2,0,0) c=(0,1,2,0) d=(0,0,0,1)):
#   "vacation laptop" (1,1,0,0): b 3/√10=.949, a 2/√8=.707, c 1/√10=.316, d 0   -> top 2: b, a
#   "expense parking" (0,0,1,1): d 1/√2=.707, c 2/√10=.632, a 0, b 0            -> top 2: d, c
#   "laptop"          (0,1,0,0): b 2/√5=.894, c 1/√5=.447, a 0, d 0             -> top 2: b, c
#   "vacation"        (1,0,0,0): a 1, b 1/√5=.447, c 0, d 0                     -> top 2: a, b
QUESTIONS = "\n".join([
    '{"id": "q1", "question": "vacation laptop", "expected_sources": ["a.md"]}',           # a at rank 2
    '{"id": "q2", "question": "expense parking", "expected_passages": ["expense laptop"]}',  # c at rank 2
    '{"id": "q3", "question": "laptop", "expected_sources": ["d.md"]}',                      # d not in top 2
    '{"id": "q4", "question": "vacation", "expected_sources": ["a.md", "b.md"]}',            # a, b at 1, 2
])


def test_metrics_match_hand_computed_rankings_on_pgvector(tmp_path: Path, pg_dsn: str) -> None:
    folder = tmp_path / "docs"
    folder.mkdir()
    for name, text in DOCS.items():
        (folder / name).write_text(text, encoding="utf-8")
    index = build_local_index(folder, LocalVariant("recursive", 200, 0, "hash"), dsn=pg_dsn,
                              embedder=KeywordEmbedder())
    assert index.documents == 4 and index.chunks == 4
    dataset = parse_retrieval_dataset(QUESTIONS, Path("q.jsonl"))

    summary, results = evaluate_retriever(dataset, index.retriever, name="keywords", description="hand-checked",
                                          k=2, out_dir=tmp_path / "out")

    assert [[h.key for h in r.hits] for r in results] == [["b.md", "a.md"], ["d.md", "c.md"], ["b.md", "c.md"],
                                                          ["a.md", "b.md"]]
    assert results[0].hits[0].score == pytest.approx(3 / math.sqrt(10), abs=1e-6)
    per_item = [r.scores for r in results]
    assert per_item[0] == {"hit_rate": 1.0, "mrr": 0.5, "context_precision": 0.5, "context_recall": 1.0}
    assert per_item[1] == {"hit_rate": 1.0, "mrr": 0.5, "context_precision": 0.5, "context_recall": 1.0}
    assert per_item[2] == {"hit_rate": 0.0, "mrr": 0.0, "context_precision": 0.0, "context_recall": 0.0}
    assert per_item[3] == {"hit_rate": 1.0, "mrr": 1.0, "context_precision": 1.0, "context_recall": 1.0}
    assert summary.n_ok == 4
    assert summary.metrics["hit_rate"] == pytest.approx(0.75)
    assert summary.metrics["mrr"] == pytest.approx(0.5)
    assert summary.metrics["context_precision"] == pytest.approx(0.5)
    assert summary.metrics["context_recall"] == pytest.approx(0.75)
    assert summary.metrics["latency_p95_s"] is not None and summary.metrics["latency_p95_s"] > 0
    assert read_results(tmp_path / "out" / "results" / "keywords.jsonl") == results


PASSAGE = "Employees get thirty days of paid vacation every calendar year after probation ends."
POLICY = "Intro line here. " * 3 + PASSAGE + " Closing words." * 3


def test_chunks_too_small_to_hold_the_evidence_lose_recall(tmp_path: Path, pg_dsn: str) -> None:
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "policy.txt").write_text(POLICY, encoding="utf-8")
    (folder / "other.txt").write_text("Parking is free for visitors on weekends. " * 3, encoding="utf-8")
    dataset = parse_retrieval_dataset(
        '{"id": "v", "question": "how many days of paid vacation do employees get", '
        f'"expected_passages": ["{PASSAGE}"]}}', Path("q.jsonl"))
    recall = {}
    for size in (40, 400):
        index = build_local_index(folder, LocalVariant("recursive", size, 0, "hash"), dsn=pg_dsn,
                                  embedder=HashEmbedder(64))
        summary, _ = evaluate_retriever(dataset, index.retriever, name=index.variant.name, description="", k=3)
        recall[size] = summary.metrics["context_recall"]
    # 40 characters cut the 84-character passage in three: no chunk holds 80% of its words.
    assert recall == {40: 0.0, 400: 1.0}


def test_a_second_build_of_the_same_variant_reuses_the_index(tmp_path: Path, pg_dsn: str) -> None:
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "a.md").write_text("vacation vacation", encoding="utf-8")
    variant = LocalVariant("recursive", 200, 0, "hash")
    first = build_local_index(folder, variant, dsn=pg_dsn, embedder=KeywordEmbedder())
    again = build_local_index(folder, variant, dsn=pg_dsn, embedder=KeywordEmbedder())
    assert [r.status for r in first.ingested] == ["indexed"]
    assert [r.status for r in again.ingested] == ["skipped"] and again.chunks == 1
    assert again.table_prefix == first.table_prefix
