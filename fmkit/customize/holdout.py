"""Per-item holdout scores from an `fmkit eval` run, in the form the promotion gate pairs.

Scored the way the evaluation report scores (`fmkit.evaluate`'s metrics, a failed request
counting as an empty answer, so a candidate cannot win by timing out on hard items), but kept
per item instead of averaged: the gate's paired test needs each item's score on both sides.
"""

from __future__ import annotations

from dataclasses import replace

from fmkit.evaluate import Dataset, EvaluationResult
from fmkit.evaluate.metrics.quality import quality_metrics

HOLDOUT = "holdout"


def holdout_items(dataset: Dataset) -> Dataset:
    """The items marked `split: holdout`, or the whole dataset when it marks no split (a holdout file)."""
    marked = [item for item in dataset.items if getattr(item, "split", None) == HOLDOUT]
    return replace(dataset, items=tuple(marked)) if marked else dataset


def item_scores(result: EvaluationResult, model: str, metric: str) -> dict[str, float]:
    """Score of `model` on every dataset item it has a record for, by item id."""
    by_name = {m.name: m for m in quality_metrics()}
    if metric not in by_name:
        raise ValueError(f"unknown metric {metric!r}; one of {', '.join(by_name)}")
    records = result.records_for(model)
    ids = [r.item_id for r in records]
    references = {item.id: item.reference for item in result.dataset.items}
    answers = [(r.output or "") if r.ok else "" for r in records]
    scores = by_name[metric].item_scores(answers, [references[i] for i in ids])
    return {item_id: float(score) for item_id, score in zip(ids, scores, strict=True)}
