"""The overfitting guard: each model's scores on the dev items against the holdout items.

Teams tune prompts on the items they look at. Items marked `split: holdout` are the ones they
do not: if a model scores clearly lower there, the prompt fits the dev items rather than the
task. Dev and holdout are different items, so the drop's interval comes from a two-sample
bootstrap (each split resampled on its own); a drop is flagged when that interval lies above 0.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from fmkit.evaluate.dataset import Dataset
from fmkit.evaluate.metrics.quality import CorpusMetric
from fmkit.evaluate.scoring import ModelData, none_if_nan
from fmkit.evaluate.stats import bootstrap_ci, summed, two_sample_bootstrap
from fmkit.evaluate.summary_model import Estimate, HoldoutScore, HoldoutSection


def _estimate(data: ModelData, metric: CorpusMetric, boot: dict[str, Any]) -> Estimate:
    ci = bootstrap_ci(data.stats[metric.name], summed(metric.score_sums), **boot)
    if ci is None:
        return Estimate(None)
    return Estimate(none_if_nan(ci.estimate), none_if_nan(ci.low), none_if_nan(ci.high))


def _score(dev: ModelData, holdout: ModelData, metric: CorpusMetric, boot: dict[str, Any]) -> HoldoutScore:
    dev_estimate, holdout_estimate = _estimate(dev, metric, boot), _estimate(holdout, metric, boot)
    diff = two_sample_bootstrap(dev.stats[metric.name], holdout.stats[metric.name], summed(metric.score_sums),
                                **boot)
    if diff is None or none_if_nan(diff.difference) is None:
        return HoldoutScore(dev_estimate, holdout_estimate, Estimate(None), None, False)
    drop = Estimate(diff.difference, none_if_nan(diff.low), none_if_nan(diff.high))
    return HoldoutScore(dev_estimate, holdout_estimate, drop, diff.p_value, diff.low > 0)


def holdout_section(dataset: Dataset, data: dict[str, ModelData], metrics: Sequence[CorpusMetric], primary: str,
                    boot: dict[str, Any]) -> HoldoutSection | None:
    """Dev vs holdout per model and metric; None unless the evaluated items include both splits."""
    splits = dataset.splits()
    if len(splits) < 2:
        return None
    models: dict[str, dict[str, HoldoutScore]] = {}
    for model, model_data in data.items():
        is_holdout = [item.split_name == "holdout" for item in model_data.items]
        dev = model_data.mask([not flag for flag in is_holdout])
        holdout = model_data.mask(is_holdout)
        models[model] = {metric.name: _score(dev, holdout, metric, boot) for metric in metrics}
    flagged = [model for model, scores in models.items() if scores[primary].significant_drop]
    return HoldoutSection(items=splits, metric=primary, models=models, flagged=flagged)
