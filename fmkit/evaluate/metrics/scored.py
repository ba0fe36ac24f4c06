"""Metrics another model computes: a judge's rubric score, an embedding model's similarity.

Their per-item scores are computed before the summary (they cost model calls, so they are
cached next to the results) and handed to it as a `ScoredMetric`: a mean metric like ROUGE, so
it is bootstrapped, compared, broken down per tag and thresholded the same way. An item the
scorer could not score (the judge's answer was unreadable twice) counts for nothing rather than
as a zero; an item whose *model* failed was given the floor score by the scorer, as every
other metric scores a failed request as an empty answer.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from fmkit.evaluate.metrics.quality import FloatArray, MeanMetric


@dataclass(frozen=True)
class ScoredMetric(MeanMetric):
    """Precomputed scores: model -> item id -> score. `scale` is the top of the score range."""

    name: str
    description: str
    scale: float = 1.0
    scores: Mapping[str, Mapping[str, float]] = field(default_factory=dict, compare=False)

    def item_score(self, hypothesis: str, reference: str) -> float:
        raise TypeError(f"{self.name} is scored by a model: use stats_for(model, item_ids)")

    def stats_for(self, model: str, item_ids: Sequence[str]) -> FloatArray:
        """Rows (score, 1) for scored items and (0, 0) for unscored ones, which then do not count."""
        by_item = self.scores.get(model, {})
        stats = np.zeros((len(item_ids), 2))
        for row, item_id in enumerate(item_ids):
            value = by_item.get(item_id)
            if value is not None:
                stats[row] = (value, 1.0)
        return stats

    def scores_for(self, model: str, item_ids: Sequence[str]) -> FloatArray:
        """Per-item scores (NaN where unscored), for the weakest answers."""
        by_item = self.scores.get(model, {})
        return np.asarray([by_item.get(i, np.nan) for i in item_ids], dtype=np.float64)
