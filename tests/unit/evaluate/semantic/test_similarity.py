"""semantic_similarity from stored answers: cosine, the floor for failures, unscored errors, the cache."""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path

import pytest

from fmkit.evaluate.adapters.base import InvocationError
from fmkit.evaluate.semantic import cosine, semantic_outcome, semantic_scores
from fmkit.evaluate.summary import summarize
from fmkit.evaluate.summary_model import SemanticSummary
from fmkit.evaluate.targets import OpenAICompatEndpoint, Target
from tests.unit.evaluate import _runs as runs

EMBEDDER = Target(name="emb", endpoint=OpenAICompatEndpoint(base_url="http://127.0.0.1:1/emb/v1"))


class Letters:
    """Vectors of letter counts: same letters, same direction. Counts what it embeds."""

    def __init__(self, fail: bool = False) -> None:
        self.texts: list[str] = []
        self.fail = fail

    def embed(self, texts: Sequence[str]) -> list[list[float]]:
        if self.fail:
            raise InvocationError("throttled", "slow down")
        self.texts += texts
        return [[float(t.lower().count(c)) for c in "abcdefghijklmnopqrstuvwxyz"] for t in texts]


def test_cosine() -> None:
    assert cosine([1.0, 0.0], [2.0, 0.0]) == pytest.approx(1.0)
    assert cosine([1.0, 0.0], [0.0, 3.0]) == pytest.approx(0.0)
    assert cosine([1.0, 1.0], [1.0, 0.0]) == pytest.approx(1 / math.sqrt(2))
    assert cosine([0.0, 0.0], [1.0, 0.0]) == 0.0


def test_scores_failures_errors_and_the_cache(tmp_path: Path) -> None:
    dataset = runs.dataset()
    answers = runs.answers(dataset)
    result = runs.result(dataset, {m: answers[m] for m in ("exact", "weak", "down")}, {})
    embedder = Letters()
    found = semantic_scores(result, EMBEDDER, embedder, out_dir=tmp_path)
    assert all(r.similarity == pytest.approx(1.0) for r in found["exact"].values())
    assert all(r.similarity == 0.0 for r in found["down"].values())  # failed: the floor, without a call
    assert all(0 < (r.similarity or 0) < 1 for r in found["weak"].values())
    embedded = len(embedder.texts)
    assert embedded == len(set(embedder.texts))  # each distinct text once
    again = Letters()
    assert semantic_scores(result, EMBEDDER, again, out_dir=tmp_path) == found and again.texts == []  # cached
    outcome = semantic_outcome(found, EMBEDDER)
    summary = summarize(result, scored=[outcome], primary_metric="semantic_similarity", n_resamples=50)
    assert summary.model("exact").quality["semantic_similarity"].value == pytest.approx(1.0)
    assert summary.model("down").quality["semantic_similarity"].value == 0.0
    assert summary.winner("best_quality").model == "exact"
    assert isinstance(summary.semantic, SemanticSummary) and summary.semantic.embedder == "emb"


def test_an_embedder_that_fails_leaves_answers_unscored(tmp_path: Path) -> None:
    dataset = runs.dataset()
    result = runs.result(dataset, {"exact": runs.answers(dataset)["exact"]}, {})
    found = semantic_scores(result, EMBEDDER, Letters(fail=True), out_dir=tmp_path)
    assert all(r.similarity is None and r.error == "throttled: slow down" for r in found["exact"].values())
    section = semantic_outcome(found, EMBEDDER).section
    assert isinstance(section, SemanticSummary) and section.unscored == {"exact": runs.N}
    retried = semantic_scores(result, EMBEDDER, Letters(), out_dir=tmp_path)  # errors are not cached
    assert all(r.similarity == pytest.approx(1.0) for r in retried["exact"].values())
