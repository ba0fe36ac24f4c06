"""The promotion gate, against figures computed by hand.

Paired bootstrap p-values here follow from the resampling distribution: with per-item
differences d (candidate − served), a resample's mean difference is ≤ 0 exactly when it draws
no item with d > 0 (when the other items have d = 0), which happens with probability
(share of zero items)^n; the two-sided p-value is twice that.
"""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from fmkit.customize.promotion import PromotionPolicy, decide


def scores(values: Sequence[float]) -> dict[str, float]:
    return {f"item-{i:02d}": v for i, v in enumerate(values)}


def test_a_candidate_right_everywhere_the_served_model_fails_is_promoted() -> None:
    decision = decide(scores([0.0] * 12), scores([1.0] * 12), PromotionPolicy(min_improvement=0.5))
    assert decision.promoted, decision.reason
    assert (decision.served_mean, decision.candidate_mean, decision.difference) == (0.0, 1.0, 1.0)
    assert (decision.ci_low, decision.ci_high, decision.p_value) == (1.0, 1.0, 0.0)  # every resample differs by 1
    assert decision.n_items == 12 and decision.metric == "exact_match"


def test_no_change_is_rejected() -> None:
    decision = decide(scores([1, 0] * 6), scores([1, 0] * 6), PromotionPolicy())
    assert not decision.promoted
    assert decision.difference == 0.0 and "short of the required" in decision.reason


def test_a_gain_below_the_margin_is_rejected_even_if_significant() -> None:
    # 0.6 vs 0.5 on 10 items; the margin asks for +0.2.
    served = scores([1] * 5 + [0] * 5)
    candidate = scores([1] * 6 + [0] * 4)
    decision = decide(served, candidate, PromotionPolicy(min_improvement=0.2))
    assert not decision.promoted
    assert decision.difference == pytest.approx(0.1)
    assert "+0.1000" in decision.reason and "+0.2000" in decision.reason


def test_a_gain_on_one_item_in_ten_is_not_significant() -> None:
    # d = one 1 and nine 0: P(resampled mean <= 0) = 0.9^10 = 0.3487, so p = 0.697.
    served = scores([0] * 10)
    candidate = scores([1] + [0] * 9)
    decision = decide(served, candidate, PromotionPolicy(min_improvement=0.0, n_resamples=20_000))
    assert not decision.promoted
    assert decision.p_value == pytest.approx(2 * 0.9**10, abs=0.02)
    assert decision.ci_low == 0.0 and "not significantly" in decision.reason


def test_three_wins_in_four_paired_items() -> None:
    # d = (1, 1, 1, 0): P(mean <= 0) = 0.25^4, p = 2 * 0.25^4 = 0.0078 < 0.05; the 2.5% quantile is 0.25
    # because P(at most one win drawn) = (1 + 12) / 256 = 0.051 > 0.025 > P(no win) = 0.0039.
    decision = decide(scores([0, 0, 0, 0]), scores([1, 1, 1, 0]),
                      PromotionPolicy(min_improvement=0.5, min_items=4, n_resamples=50_000))
    assert decision.promoted, decision.reason
    assert decision.difference == 0.75
    assert decision.p_value == pytest.approx(2 * 0.25**4, abs=0.003)
    assert decision.ci_low == 0.25 and decision.ci_high == 1.0


def test_the_paired_test_is_not_fooled_by_item_difficulty() -> None:
    # Served and candidate agree on which items are hard; the candidate is 0.1 better on every one.
    served = scores([0.1, 0.9, 0.3, 0.7, 0.2, 0.8, 0.4, 0.6, 0.5, 0.0])
    candidate = {k: v + 0.1 for k, v in served.items()}
    decision = decide(served, candidate, PromotionPolicy(min_improvement=0.05))
    assert decision.promoted and decision.p_value == 0.0
    assert decision.ci_low == pytest.approx(0.1) and decision.ci_high == pytest.approx(0.1)


def test_evaluations_that_do_not_pair_never_promote() -> None:
    served = scores([0.0] * 12)
    candidate = dict(scores([1.0] * 12))
    del candidate["item-03"]
    decision = decide(served, candidate, PromotionPolicy())
    assert not decision.promoted and "candidate lacks ['item-03']" in decision.reason


def test_too_few_items_never_promote() -> None:
    decision = decide(scores([0.0] * 5), scores([1.0] * 5), PromotionPolicy(min_items=10))
    assert not decision.promoted and "5 paired holdout items, fewer than the 10 required" in decision.reason


def test_non_finite_scores_never_promote() -> None:
    decision = decide(scores([0.0] * 10), scores([float("nan")] + [1.0] * 9), PromotionPolicy())
    assert not decision.promoted and "not a finite number" in decision.reason


@pytest.mark.parametrize("kwargs", [{"alpha": 0.0}, {"alpha": 1.0}, {"min_improvement": -0.1}, {"min_items": 0}])
def test_policy_values_are_checked(kwargs: dict[str, float]) -> None:
    with pytest.raises(ValueError):
        PromotionPolicy(**kwargs)  # type: ignore[arg-type]


def test_decision_serializes_with_its_policy() -> None:
    decision = decide(scores([0.0] * 10), scores([1.0] * 10), PromotionPolicy(metric="rougeL"))
    data = decision.to_dict()
    assert data["promoted"] is True and data["policy"]["metric"] == "rougeL" and data["n_items"] == 10
