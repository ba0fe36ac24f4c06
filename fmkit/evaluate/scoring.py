"""Per-item statistics of every metric for every model: what the summary, the verdicts and the
holdout comparison all resample.

A failed request scores as an empty answer (see `summary`); an item a check does not apply to,
or a model-scored metric could not score, gets zero statistics and so does not count.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from fmkit.evaluate.dataset import EvalItem
from fmkit.evaluate.metrics.quality import CorpusMetric, FloatArray
from fmkit.evaluate.metrics.scored import ScoredMetric
from fmkit.evaluate.records import ItemRecord
from fmkit.evaluate.runner import EvaluationResult


@dataclass
class ModelData:
    """One model's records and per-metric statistics, aligned with `items` (the items it has a record for)."""

    items: list[EvalItem]
    records: list[ItemRecord]
    stats: dict[str, FloatArray]

    def ids(self) -> list[str]:
        return [item.id for item in self.items]

    def answers(self) -> list[str]:
        return [(r.output or "") if r.ok else "" for r in self.records]

    def mask(self, keep: Sequence[bool]) -> ModelData:
        """The subset of items where `keep` is true (a tag, a split)."""
        rows = [i for i, flag in enumerate(keep) if flag]
        return ModelData(items=[self.items[i] for i in rows], records=[self.records[i] for i in rows],
                         stats={name: values[rows] for name, values in self.stats.items()})


def none_if_nan(value: float | None) -> float | None:
    if value is None:
        return None
    value = float(value)
    return None if np.isnan(value) else value


def model_data(result: EvaluationResult, model: str, metrics: Sequence[CorpusMetric]) -> ModelData:
    """Score one model's stored answers with every metric."""
    records = result.records_for(model)
    by_id = {r.item_id: r for r in records}
    items = [item for item in result.dataset.items if item.id in by_id]
    data = ModelData(items=items, records=[by_id[i.id] for i in items], stats={})
    hyps, refs = data.answers(), [i.reference for i in items]
    for metric in metrics:
        if isinstance(metric, ScoredMetric):
            data.stats[metric.name] = metric.stats_for(model, data.ids())
            continue
        rows = metric.item_stats(hyps, refs)
        excluded = [not metric.applies_to(item.tags) for item in items]
        if any(excluded):
            rows[excluded] = 0.0  # zero statistics: the item does not count for this check
        data.stats[metric.name] = rows
    return data


def item_scores(metric: CorpusMetric, model: str, data: ModelData) -> FloatArray:
    """Per-item (sentence-level) scores of `metric`, NaN where an item was not scored."""
    if isinstance(metric, ScoredMetric):
        return metric.scores_for(model, data.ids())
    return metric.item_scores(data.answers(), [i.reference for i in data.items])
