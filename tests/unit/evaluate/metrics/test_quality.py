"""Metric values against the libraries' own published numbers.

Sources: sacrebleu README ("The dog bit the man." example: BLEU = 48.53, chrF2 = 59.73),
sacrebleu test/test_sentence_bleu.py (issue #98 example, 'exp' smoothing, 13a: 8.493),
sacrebleu test/test_chrf.py (effective-order cases), rouge-score rouge_scorer_test.py.
"""

from __future__ import annotations

import numpy as np
import pytest

from fmkit.contracts.evaluation import QUALITY_METRICS
from fmkit.evaluate.metrics.quality import (
    BleuMetric,
    ChrfMetric,
    ExactMatchMetric,
    RougeMetric,
    corpus_bleu,
    corpus_chrf,
    exact_match,
    normalize_answer,
    quality_metrics,
    rouge,
    sentence_bleu,
)

README_REFS = [
    ["The dog bit the man.", "It was not unexpected.", "The man bit him first."],
    ["The dog had bit the man.", "No one was surprised.", "The man had bitten the dog."],
]
README_SYS = ["The dog bit the man.", "It wasn't surprising.", "The man had just bitten him."]




def test_sacrebleu_readme_example_values() -> None:
    from sacrebleu.metrics import BLEU, CHRF

    # Two reference streams as in the README; our wrappers take one, so call the library directly
    # for the multi-reference number and check our single-reference wrapper separately below.
    assert round(BLEU().corpus_score(README_SYS, README_REFS).score, 2) == 48.53
    assert round(CHRF().corpus_score(README_SYS, README_REFS).score, 2) == 59.73
    single = BLEU().corpus_score(README_SYS, [README_REFS[0]]).score
    assert corpus_bleu(README_SYS, README_REFS[0]) == pytest.approx(single)
    assert corpus_chrf(README_SYS, README_REFS[0]) == pytest.approx(
        CHRF().corpus_score(README_SYS, [README_REFS[0]]).score
    )


def test_sentence_bleu_matches_sacrebleu_test_value() -> None:
    ref = "producţia de zahăr brut se exprimă în zahăr alb;"
    hyp = "Producția de zahăr primă va fi exprimată în ceea ce privește zahărul alb;"
    assert sentence_bleu(hyp, ref) == pytest.approx(8.493, abs=1e-3)
    assert sentence_bleu("this is a cat", "okay thanks") == pytest.approx(0.0, abs=1e-3)


@pytest.mark.parametrize(
    ("hyps", "refs", "expected"),
    [(["a"], ["a"], 100.0), (["a b c"], ["abc"], 100.0), (["a", "b"], ["a", "c"], 50.0), (["aa"], ["ab"], 25.0)],
)
def test_chrf_effective_order_cases(hyps: list[str], refs: list[str], expected: float) -> None:
    # From sacrebleu's test_chrf.py (eps_smoothing=False, our default); P == R here so beta is moot.
    assert corpus_chrf(hyps, refs) == pytest.approx(expected, abs=1e-4)


def test_rouge_matches_rouge_score_unit_tests() -> None:
    # rouge-score tests call score(target, prediction); ours is rouge(hypothesis, reference).
    assert rouge("testing", "testing one two")["rouge1"] == pytest.approx(1 / 2)
    assert rouge("testing one", "testing one two")["rouge2"] == pytest.approx(2 / 3)
    assert rouge("testing one", "testing one two")["rougeL"] == pytest.approx(4 / 5)
    assert rouge("testing two", "testing one two")["rougeL"] == pytest.approx(4 / 5)  # non-consecutive LCS
    assert rouge("", "testing one two")["rougeL"] == 0.0


def test_rouge_uses_porter_stemming() -> None:
    assert rouge("runs", "running")["rouge1"] == pytest.approx(1.0)  # both stem to "run"
    scores = rouge("The quick brown dog jumps on the log.", "The quick brown fox jumps over the lazy dog")
    # Worked by hand: 6 of 8 hypothesis unigrams in the 9-token reference (with stemming).
    assert scores["rouge1"] == pytest.approx(2 * (6 / 8) * (6 / 9) / (6 / 8 + 6 / 9))


@pytest.mark.parametrize("metric", [BleuMetric(), ChrfMetric()])
def test_summed_statistics_reproduce_sacrebleu_corpus_scores(metric: BleuMetric | ChrfMetric) -> None:
    """Pins the sacrebleu internals we (like sacrebleu.significance) use for bootstrapping."""
    hyps, refs = README_SYS, README_REFS[0]
    direct = corpus_bleu(hyps, refs) if isinstance(metric, BleuMetric) else corpus_chrf(hyps, refs)
    assert metric.score(hyps, refs) == pytest.approx(direct)
    stats = metric.item_stats(hyps, refs)
    assert stats.shape[0] == 3
    # Scoring a subset from its rows equals scoring that subset from scratch.
    subset = metric.score_sums(stats[[0, 2]].sum(axis=0, keepdims=True))[0]
    assert subset == pytest.approx(metric.score([hyps[0], hyps[2]], [refs[0], refs[2]]))


def test_exact_match_uses_squad_normalisation() -> None:
    assert normalize_answer("  The Answer, is: YES! ") == "answer is yes"
    assert exact_match("Yes.", "yes") == 1.0
    assert exact_match("The refund", "refund") == 1.0
    assert exact_match("no", "yes") == 0.0
    assert ExactMatchMetric().score(["Yes.", "no"], ["yes", "yes"]) == 0.5


def test_empty_corpus_scores_are_defined() -> None:
    assert BleuMetric().score([], []) == 0.0
    assert np.isnan(RougeMetric("rougeL").score([], []))


def test_memoised_rouge_equals_stock_rouge_score_scorer() -> None:
    from rouge_score.rouge_scorer import RougeScorer

    stock = RougeScorer(["rouge1", "rouge2", "rougeL"], use_stemmer=True)
    pairs = [
        ("The parcels were shipped yesterday from our warehouses.", "Parcels ship within 2 days from the warehouse."),
        ("Refunds are issued to the original payment method.", "We refunded the payment; it takes 5 business days."),
        ("Running, jumped, happily — organisations!", "runs jumping happy organization"),
        ("", "anything"),
    ]
    for hypothesis, reference in pairs * 2:  # second pass hits the caches
        expected = stock.score(reference, hypothesis)
        ours = rouge(hypothesis, reference)
        assert ours == {name: pytest.approx(expected[name].fmeasure) for name in ("rouge1", "rouge2", "rougeL")}


def test_standard_metrics_are_the_contract_s_quality_metrics() -> None:
    """The config validates `primary` and `min_scores` against QUALITY_METRICS: the library reports exactly those."""
    assert tuple(m.name for m in quality_metrics()) == QUALITY_METRICS
