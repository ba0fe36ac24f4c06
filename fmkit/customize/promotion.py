"""The promotion gate: a candidate replaces the served model only if it is measurably better.

Both models answer the same holdout items, so the comparison is paired: item difficulty, which
is most of the variance on a small holdout, cancels out. The candidate is promoted when both hold:

1. **Margin** — its mean score minus the served model's is at least `min_improvement` (in the
   metric's own units: 0.05 is five points of exact match). A significant but tiny gain is not
   worth a rollout.
2. **Significance** — the paired bootstrap of that difference (`fmkit.evaluate.stats`, the same
   test the evaluation report uses) gives a two-sided p-value below `alpha`, i.e. the
   (1 − alpha) confidence interval of the difference excludes 0. A large gain on five items may
   be luck.

Anything else — fewer holdout items than `min_items`, items missing on either side — rejects
the candidate with the reason, so a broken evaluation can never promote a model.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from fmkit.evaluate.stats import mean_of_column, paired_bootstrap


@dataclass(frozen=True)
class PromotionPolicy:
    metric: str = "exact_match"
    min_improvement: float = 0.0  # candidate mean − served mean must reach this
    alpha: float = 0.05  # significance level of the paired bootstrap (two-sided)
    min_items: int = 10  # fewer paired holdout items than this cannot promote
    n_resamples: int = 10_000
    seed: int = 0

    def __post_init__(self) -> None:
        if not 0 < self.alpha < 1:
            raise ValueError("alpha must be between 0 and 1")
        if self.min_improvement < 0:
            raise ValueError("min_improvement must be >= 0 (a candidate must not be allowed to be worse)")
        if self.min_items < 1 or self.n_resamples < 1:
            raise ValueError("min_items and n_resamples must be >= 1")


@dataclass(frozen=True)
class PromotionDecision:
    promoted: bool
    reason: str
    metric: str
    n_items: int
    served_mean: float | None
    candidate_mean: float | None
    difference: float | None  # candidate − served
    ci_low: float | None
    ci_high: float | None
    p_value: float | None
    policy: PromotionPolicy

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _rejected(reason: str, policy: PromotionPolicy, n_items: int = 0) -> PromotionDecision:
    return PromotionDecision(False, reason, policy.metric, n_items, None, None, None, None, None, None, policy)


def decide(served: Mapping[str, float], candidate: Mapping[str, float], policy: PromotionPolicy) -> PromotionDecision:
    """Promote or not, from per-item scores keyed by holdout item id (same ids on both sides)."""
    missing_candidate = sorted(set(served) - set(candidate))
    missing_served = sorted(set(candidate) - set(served))
    if missing_candidate or missing_served:
        return _rejected(f"the two evaluations do not cover the same holdout items (candidate lacks "
                         f"{missing_candidate[:5] or 'none'}, served lacks {missing_served[:5] or 'none'})", policy)
    ids = sorted(served)
    if len(ids) < policy.min_items:
        return _rejected(f"{len(ids)} paired holdout items, fewer than the {policy.min_items} required", policy,
                         len(ids))
    a = np.array([candidate[i] for i in ids], dtype=np.float64)
    b = np.array([served[i] for i in ids], dtype=np.float64)
    if not (np.isfinite(a).all() and np.isfinite(b).all()):
        return _rejected("a holdout score is not a finite number", policy, len(ids))
    comparison = paired_bootstrap(a, b, mean_of_column(), n_resamples=policy.n_resamples,
                                  confidence=1 - policy.alpha, seed=policy.seed)
    assert comparison is not None  # at least min_items >= 1 finite items
    difference = float(a.mean() - b.mean())
    significant = comparison.significant and comparison.p_value < policy.alpha
    if difference < policy.min_improvement or difference <= 0:
        reason = (f"{policy.metric} changes by {difference:+.4f} (candidate {a.mean():.4f} vs served "
                  f"{b.mean():.4f}), short of the required +{policy.min_improvement:.4f}")
        promoted = False
    elif not significant:
        reason = (f"{policy.metric} improves by {difference:+.4f} but not significantly: p={comparison.p_value:.4f}, "
                  f"{1 - policy.alpha:.0%} CI [{comparison.low:+.4f}, {comparison.high:+.4f}] includes 0")
        promoted = False
    else:
        reason = (f"{policy.metric} improves by {difference:+.4f} (>= +{policy.min_improvement:.4f}), "
                  f"p={comparison.p_value:.4f} < {policy.alpha}")
        promoted = True
    return PromotionDecision(
        promoted=promoted, reason=reason, metric=policy.metric, n_items=len(ids),
        served_mean=float(b.mean()), candidate_mean=float(a.mean()), difference=difference,
        ci_low=comparison.low, ci_high=comparison.high, p_value=comparison.p_value, policy=policy,
    )
