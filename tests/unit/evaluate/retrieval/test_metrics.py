"""Relevance rules and ranking metrics against rankings worked out by hand."""

from __future__ import annotations

import pytest

from fmkit.evaluate.retrieval.dataset import RetrievalItem
from fmkit.evaluate.retrieval.metrics import covers, judge, percentile, score
from fmkit.knowledge.models import QueryHit


def hit(key: str, text: str = "", bucket: str = "docs") -> QueryHit:
    return QueryHit(text=text, score=0.5, source_key=f"s3://{bucket}/{key}", bucket=bucket, key=key,
                    version_id=None, chunk_index=0, content_hash="h")


def item(**fields: object) -> RetrievalItem:
    return RetrievalItem.model_validate({"id": "i", "question": "q", **fields})


def test_a_passage_is_covered_when_most_of_its_words_are_in_the_chunk() -> None:
    passage = "Employees get thirty days of paid vacation"  # 7 distinct words
    assert covers("... employees GET thirty days of paid vacation, every year", passage)
    assert covers("employees get thirty days of paid leave", passage)  # 6/7 = 0.857 >= 0.8
    assert not covers("employees get thirty days", passage)  # 4/7
    assert covers("employees get thirty days", passage, overlap=0.5)
    assert not covers("anything", "!!!")  # a passage without words covers nothing


def test_sources_match_by_key_source_key_or_folder() -> None:
    by_key, by_uri, by_folder = (item(expected_sources=[s]) for s in ("hr/a.md", "s3://docs/hr/a.md", "hr/"))
    for case in (by_key, by_uri, by_folder):
        assert judge(case, [hit("hr/a.md")])[0].relevant
        assert not judge(case, [hit("it/a.md")])[0].relevant
    assert not judge(by_uri, [hit("hr/a.md", bucket="other")])[0].relevant


def test_with_sources_and_passages_a_chunk_must_cover_a_passage_from_an_expected_source() -> None:
    case = item(expected_sources=["hr/a.md"], expected_passages=["thirty days paid vacation"])
    judged = judge(case, [hit("it/b.md", "thirty days paid vacation"), hit("hr/a.md", "thirty days paid vacation"),
                          hit("hr/a.md", "parking rules")])
    assert [j.relevant for j in judged] == [False, True, False]


def test_scores_of_a_hand_computed_ranking() -> None:
    # Targets: passages P0, P1, P2. Ranked hits: miss, P1, miss, P0+P1, miss.
    case = item(expected_passages=["alpha beta gamma", "delta epsilon", "zeta eta theta"])
    hits = [hit("x", "nothing here"), hit("y", "delta epsilon"), hit("z", "other"),
            hit("w", "alpha beta gamma and delta epsilon"), hit("v", "zeta eta theta")]
    judged = judge(case, hits)
    assert [sorted(j.covered) for j in judged] == [[], [1], [], [0, 1], [2]]

    top4 = score(judged, 3, k=4)
    assert top4.hit_rate == 1.0
    assert top4.mrr == pytest.approx(1 / 2)             # first relevant at rank 2
    assert top4.context_precision == pytest.approx(2 / 4)  # ranks 2 and 4 of 4
    assert top4.context_recall == pytest.approx(2 / 3)     # P0, P1 of 3

    top1 = score(judged, 3, k=1)
    assert (top1.hit_rate, top1.mrr, top1.context_precision, top1.context_recall) == (0.0, 0.0, 0.0, 0.0)
    assert score(judged, 3, k=10).context_recall == pytest.approx(1.0)
    assert score([], 3, k=5).context_precision == 0.0  # nothing returned: nothing precise


def test_percentile_matches_linear_interpolation() -> None:
    assert percentile([], 50) is None
    assert percentile([4.0], 95) == 4.0
    assert percentile([1.0, 2.0, 3.0, 4.0], 50) == pytest.approx(2.5)
    assert percentile([10.0, 1.0, 3.0, 2.0, 4.0], 95) == pytest.approx(8.8)  # 4 + 0.8 * (10 - 4)
