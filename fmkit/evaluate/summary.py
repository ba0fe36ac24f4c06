"""Turn raw results into the numbers a decision needs: scores with CIs, latency, cost, winners.

Scoring happens here, from the stored answers, not in the runner: changing a reference, adding
a check or switching the primary metric re-scores old runs without calling any model again.
Metrics another model computes (a judge, an embedder) arrive as `ScoredOutcome`s, scored and
cached beforehand, and are treated like any other metric from then on.

A failed request scores as an empty answer. From the user's side a timeout is a wrong answer,
and excluding failures would reward a model for failing on the hard items. The error rate is
reported next to the scores so the two effects can be told apart.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict
from datetime import UTC, datetime
from typing import Any

import numpy as np

from fmkit.contracts.pricing import InstancePricing, TokenPricing
from fmkit.evaluate.holdout import holdout_section
from fmkit.evaluate.metrics.checks import Check
from fmkit.evaluate.metrics.operational import error_rate, latency_stats, output_tokens_per_second, throughput_rps
from fmkit.evaluate.metrics.pricing import cost_figures
from fmkit.evaluate.metrics.quality import CorpusMetric, quality_metrics
from fmkit.evaluate.runner import EvaluationResult
from fmkit.evaluate.scoring import ModelData, item_scores, model_data, none_if_nan
from fmkit.evaluate.stats import bootstrap_ci, percentile_of_column, summed
from fmkit.evaluate.summary_model import (
    RETRY_FLAG_RATE,
    SCHEMA,
    Comparison,
    Estimate,
    EvaluationSummary,
    HoldoutScore,
    HoldoutSection,
    ItemExample,
    JudgeSummary,
    MetricInfo,
    ModelSummary,
    ScoredOutcome,
    SemanticSummary,
    TagRow,
    Winner,
)
from fmkit.evaluate.verdicts import comparisons, winners

__all__ = [
    "SCHEMA",
    "Comparison",
    "Estimate",
    "EvaluationSummary",
    "HoldoutScore",
    "HoldoutSection",
    "ItemExample",
    "MetricInfo",
    "ModelSummary",
    "ScoredOutcome",
    "TagRow",
    "Winner",
    "summarize",
]


def _mean(values: Sequence[float | int | None]) -> float | None:
    present = [v for v in values if v is not None]
    return float(np.mean(present)) if present else None


def _metrics(checks: Sequence[Check], scored: Sequence[ScoredOutcome], primary: str) -> list[CorpusMetric]:
    metrics: list[CorpusMetric] = [*quality_metrics(checks), *(outcome.metric for outcome in scored)]
    names = [m.name for m in metrics]
    if len(set(names)) != len(names):
        raise ValueError(f"metric names must be unique: {names}")
    if primary not in names:
        raise ValueError(f"unknown primary metric {primary!r}; choose from {', '.join(names)}")
    return metrics


def summarize(
    result: EvaluationResult,
    *,
    checks: Sequence[Check] = (),
    scored: Sequence[ScoredOutcome] = (),
    primary_metric: str = "rougeL",
    n_resamples: int = 1000,
    confidence: float = 0.95,
    seed: int = 0,
    weakest: int = 3,
) -> EvaluationSummary:
    """Score every model, bootstrap CIs, compare models pairwise, compare dev and holdout, pick winners."""
    metrics = _metrics(checks, scored, primary_metric)
    by_name = {m.name: m for m in metrics}
    boot = {"n_resamples": n_resamples, "confidence": confidence, "seed": seed}
    data = {model: model_data(result, model, metrics) for model in result.models}
    models = [_model_summary(result, model, data[model], metrics, primary_metric, boot) for model in result.models]
    found = comparisons(result.models, data, by_name[primary_metric], boot)
    rationales: dict[str, dict[str, str]] = {}
    for outcome in scored:
        rationales.update(outcome.rationales)
    dataset = result.dataset
    return EvaluationSummary(
        schema=SCHEMA,
        generated_at=datetime.now(UTC).isoformat(timespec="seconds"),
        dataset={"path": str(dataset.path), "sha256": dataset.sha256, "items": len(dataset), "tags": dataset.tags(),
                 "splits": dataset.splits()},
        params={**asdict(result.params), "stop": list(result.params.stop)},
        primary_metric=primary_metric,
        metrics=[MetricInfo(m.name, m.scale, m.description) for m in metrics],
        models=models,
        tags=_tag_rows(result, data, metrics),
        comparisons=found,
        winners=winners(models, found, data, primary_metric, boot),
        weakest_items={model: _weakest(data[model], by_name[primary_metric], model, weakest, rationales.get(model, {}))
                       for model in result.models},
        settings=boot,
        holdout=holdout_section(dataset, data, metrics, primary_metric, boot),
        judge=next((o.section for o in scored if isinstance(o.section, JudgeSummary)), None),
        semantic=next((o.section for o in scored if isinstance(o.section, SemanticSummary)), None),
    )


def _quality(data: ModelData, metrics: Sequence[CorpusMetric], boot: dict[str, Any]) -> dict[str, Estimate]:
    quality: dict[str, Estimate] = {}
    for metric in metrics:
        ci = bootstrap_ci(data.stats[metric.name], summed(metric.score_sums), **boot)
        quality[metric.name] = (
            Estimate(none_if_nan(ci.estimate), none_if_nan(ci.low), none_if_nan(ci.high)) if ci else Estimate(None)
        )
    return quality


def _p95(values: list[float], boot: dict[str, Any]) -> tuple[float | None, Estimate]:
    """(p50, p95 with its bootstrap CI) of latencies; None/empty when there are none."""
    stats = latency_stats(values)
    if stats is None:
        return None, Estimate(None)
    ci = bootstrap_ci(np.asarray(values), percentile_of_column(95), **boot)
    return stats.p50, Estimate(stats.p95, ci.low, ci.high) if ci else Estimate(stats.p95)


def _flags(retry_rate: float | None, retried: int, n_items: int) -> list[str]:
    if retry_rate is not None and retry_rate > RETRY_FLAG_RATE:
        return [f"{retry_rate * 100:.0f}% of requests needed a retry ({retried}/{n_items})"]
    return []


def _model_summary(result: EvaluationResult, model: str, data: ModelData, metrics: Sequence[CorpusMetric],
                   primary: str, boot: dict[str, Any]) -> ModelSummary:
    records = data.records
    ok = [r for r in records if r.ok]
    quality = _quality(data, metrics, boot)
    latency = latency_stats(r.latency_s for r in ok)
    _, latency_p95 = _p95([r.latency_s for r in ok if r.latency_s is not None], boot)
    ttft_p50, ttft_p95 = _p95([r.ttft_s for r in ok if r.ttft_s is not None], boot)
    wall_p50, wall_p95 = _p95([r.wall_s for r in ok], boot)
    target = result.target(model)
    price = target.price
    cost = cost_figures(price, target.plan_cost, records)
    primary_value = quality[primary].value
    expected = cost.usd_per_1k_requests_expected
    per_dollar = primary_value / expected if expected and primary_value is not None else None
    retried = sum(1 for r in records if r.attempts > 1)
    retry_rate = retried / len(records) if records else None
    return ModelSummary(
        model=model,
        description=target.describe(),
        n_items=len(records),
        n_ok=len(ok),
        n_errors=len(records) - len(ok),
        n_missing=len(result.dataset) - len(records),
        error_rate=error_rate(records),
        errors_by_kind=dict(Counter(r.error.kind for r in records if r.error is not None)),
        retried_items=retried,
        retry_rate=retry_rate,
        quality=quality,
        ttft_p50_s=ttft_p50,
        ttft_p95_s=ttft_p95,
        latency_p50_s=latency.p50 if latency else None,
        latency_p95_s=latency_p95,
        latency_mean_s=latency.mean if latency else None,
        latency_with_retries_p50_s=wall_p50,
        latency_with_retries_p95_s=wall_p95,
        output_tokens_per_s=output_tokens_per_second(records),
        throughput_rps=throughput_rps(records),
        concurrency=result.concurrency.get(model),
        mean_input_tokens=_mean([r.input_tokens for r in ok]),
        mean_output_tokens=_mean([r.output_tokens for r in ok]),
        price=price.model_dump() if isinstance(price, TokenPricing | InstancePricing) else None,
        cost=cost,
        quality_per_dollar=per_dollar,
        guardrail_interventions=sum(1 for r in ok if r.finish_reason == "guardrail_intervened"),
        flags=_flags(retry_rate, retried, len(records)),
    )


def _tag_rows(result: EvaluationResult, data: dict[str, ModelData], metrics: Sequence[CorpusMetric]) -> list[TagRow]:
    rows = []
    for tag in result.dataset.tags():
        n = sum(1 for item in result.dataset.items if tag in item.tags)
        by_model: dict[str, dict[str, float | None]] = {}
        for model in result.models:
            tagged = data[model].mask([tag in item.tags for item in data[model].items])
            values: dict[str, float | None] = {}
            for metric in metrics:
                subset = tagged.stats[metric.name]
                values[metric.name] = (
                    none_if_nan(float(metric.score_sums(subset.sum(axis=0, keepdims=True))[0])) if len(subset) else None
                )
            values["error_rate"] = error_rate(tagged.records)
            stats = latency_stats(r.latency_s for r in tagged.records if r.ok)
            values["latency_p50_s"] = stats.p50 if stats else None
            by_model[model] = values
        rows.append(TagRow(tag=tag, n=n, by_model=by_model))
    return rows


def _weakest(data: ModelData, metric: CorpusMetric, model: str, count: int,
             rationales: dict[str, str]) -> list[ItemExample]:
    if count <= 0 or not data.items:
        return []
    scores = item_scores(metric, model, data)
    scored = [i for i in np.argsort(scores, kind="stable") if not np.isnan(scores[i])][:count]
    examples = []
    for i in scored:
        item, record = data.items[i], data.records[i]
        examples.append(ItemExample(
            item_id=item.id, model=model, score=float(scores[i]), prompt=item.prompt_text, reference=item.reference,
            output=record.output, error=f"{record.error.kind}: {record.error.message}" if record.error else None,
            judge_rationale=rationales.get(item.id)))
    return examples
