"""Turn raw results into the numbers a decision needs: scores with CIs, latency, cost, winners.

Scoring happens here, from the stored answers, not in the runner: changing a reference, adding
a check or switching the primary metric re-scores old runs without calling any model again.

A failed request scores as an empty answer. From the user's side a timeout is a wrong answer,
and excluding failures would reward a model for failing on the hard items. The error rate is
reported next to the scores so the two effects can be told apart.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal

import numpy as np

from fmkit.contracts.pricing import InstancePricing, TokenPricing
from fmkit.evaluate.dataset import EvalItem
from fmkit.evaluate.metrics.checks import Check
from fmkit.evaluate.metrics.operational import error_rate, latency_stats, output_tokens_per_second, throughput_rps
from fmkit.evaluate.metrics.pricing import cost_per_1k_requests
from fmkit.evaluate.metrics.quality import CorpusMetric, FloatArray, metric_label, quality_metrics
from fmkit.evaluate.records import ItemRecord
from fmkit.evaluate.runner import EvaluationResult
from fmkit.evaluate.stats import bootstrap_ci, paired_bootstrap, percentile_of_column, summed

SCHEMA = "fmkit.evaluate.report/v1"


@dataclass(frozen=True)
class Estimate:
    """A point value with an optional bootstrap confidence interval."""

    value: float | None
    low: float | None = None
    high: float | None = None


@dataclass(frozen=True)
class MetricInfo:
    name: str
    scale: float
    description: str


@dataclass(frozen=True)
class ModelSummary:
    model: str
    description: str
    n_items: int  # items with a result, failed or not
    n_ok: int
    n_errors: int
    n_missing: int  # items not run yet (interrupted run)
    error_rate: float | None
    errors_by_kind: dict[str, int]
    retried_items: int  # items that needed more than one attempt (throttling, 5xx)
    quality: dict[str, Estimate]
    ttft_p50_s: float | None
    ttft_p95_s: Estimate
    latency_p50_s: float | None
    latency_p95_s: Estimate
    latency_mean_s: float | None
    output_tokens_per_s: float | None
    throughput_rps: float | None
    mean_input_tokens: float | None
    mean_output_tokens: float | None
    price: dict[str, Any] | None
    cost_per_1k_requests: float | None
    cost_basis: Literal["tokens", "hourly"] | None
    cost_note: str | None
    quality_per_dollar: float | None  # primary metric per USD per 1,000 requests
    guardrail_interventions: int


@dataclass(frozen=True)
class TagRow:
    tag: str
    n: int
    by_model: dict[str, dict[str, float | None]]  # model -> metric -> value (+ error_rate, latency)


@dataclass(frozen=True)
class Comparison:
    """`model_a` minus `model_b` on the items both answered."""

    metric: str
    model_a: str
    model_b: str
    difference: float
    low: float
    high: float
    p_value: float
    significant: bool
    n_items: int


@dataclass(frozen=True)
class Winner:
    category: Literal["best_quality", "fastest", "cheapest", "best_value"]
    model: str | None
    value: float | None
    unit: str
    tied_with: list[str]  # not significantly different from the winner
    note: str


@dataclass(frozen=True)
class ItemExample:
    item_id: str
    model: str
    score: float
    prompt: str
    reference: str
    output: str | None
    error: str | None


@dataclass(frozen=True)
class EvaluationSummary:
    schema: str
    generated_at: str
    dataset: dict[str, Any]
    params: dict[str, Any]
    primary_metric: str
    metrics: list[MetricInfo]
    models: list[ModelSummary]
    tags: list[TagRow]
    comparisons: list[Comparison]
    winners: list[Winner]
    weakest_items: dict[str, list[ItemExample]]
    settings: dict[str, Any] = field(default_factory=dict)

    def model(self, name: str) -> ModelSummary:
        for summary in self.models:
            if summary.model == name:
                return summary
        raise KeyError(name)

    def metric(self, name: str) -> MetricInfo:
        for info in self.metrics:
            if info.name == name:
                return info
        raise KeyError(name)

    def winner(self, category: str) -> Winner:
        return next(w for w in self.winners if w.category == category)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready (NaN never appears: missing values are None)."""
        return asdict(self)


@dataclass
class _ModelData:
    """Per-model arrays aligned with `items` (the dataset items that have a record)."""

    items: list[EvalItem]
    records: list[ItemRecord]
    stats: dict[str, FloatArray]

    def ids(self) -> list[str]:
        return [item.id for item in self.items]


def _none_if_nan(value: float | None) -> float | None:
    if value is None:
        return None
    value = float(value)
    return None if np.isnan(value) else value


def _mean(values: Sequence[float | int | None]) -> float | None:
    present = [v for v in values if v is not None]
    return float(np.mean(present)) if present else None


def summarize(
    result: EvaluationResult,
    *,
    checks: Sequence[Check] = (),
    primary_metric: str = "rougeL",
    n_resamples: int = 1000,
    confidence: float = 0.95,
    seed: int = 0,
    weakest: int = 3,
) -> EvaluationSummary:
    """Score every model, bootstrap CIs, compare models pairwise and pick winners."""
    metrics = quality_metrics(checks)
    by_name = {m.name: m for m in metrics}
    if primary_metric not in by_name:
        raise ValueError(f"unknown primary metric {primary_metric!r}; choose from {', '.join(by_name)}")
    boot = {"n_resamples": n_resamples, "confidence": confidence, "seed": seed}

    data: dict[str, _ModelData] = {}
    for model in result.models:
        records = result.records_for(model)
        by_id = {r.item_id: r for r in records}
        items = [item for item in result.dataset.items if item.id in by_id]
        hyps = [(by_id[i.id].output or "") if by_id[i.id].ok else "" for i in items]
        refs = [i.reference for i in items]
        stats = {}
        for metric in metrics:
            rows = metric.item_stats(hyps, refs)
            excluded = [not metric.applies_to(item.tags) for item in items]
            if any(excluded):
                rows[excluded] = 0.0  # zero statistics: the item does not count for this check
            stats[metric.name] = rows
        data[model] = _ModelData(items=items, records=[by_id[i.id] for i in items], stats=stats)

    models = [_model_summary(result, model, data[model], metrics, primary_metric, boot) for model in result.models]
    comparisons = _comparisons(result.models, data, by_name[primary_metric], boot)
    winners = _winners(models, comparisons, data, primary_metric, boot)
    dataset = result.dataset
    return EvaluationSummary(
        schema=SCHEMA,
        generated_at=datetime.now(UTC).isoformat(timespec="seconds"),
        dataset={
            "path": str(dataset.path),
            "sha256": dataset.sha256,
            "items": len(dataset),
            "tags": dataset.tags(),
        },
        params={**asdict(result.params), "stop": list(result.params.stop)},
        primary_metric=primary_metric,
        metrics=[MetricInfo(m.name, m.scale, m.description) for m in metrics],
        models=models,
        tags=_tag_rows(result, data, metrics),
        comparisons=comparisons,
        winners=winners,
        weakest_items={
            model: _weakest(data[model], by_name[primary_metric], model, weakest) for model in result.models
        },
        settings=boot,
    )


def _model_summary(
    result: EvaluationResult,
    model: str,
    data: _ModelData,
    metrics: Sequence[CorpusMetric],
    primary: str,
    boot: dict[str, Any],
) -> ModelSummary:
    records = data.records
    ok = [r for r in records if r.ok]
    quality: dict[str, Estimate] = {}
    for metric in metrics:
        ci = bootstrap_ci(data.stats[metric.name], summed(metric.score_sums), **boot)
        quality[metric.name] = (
            Estimate(_none_if_nan(ci.estimate), _none_if_nan(ci.low), _none_if_nan(ci.high)) if ci else Estimate(None)
        )
    latencies = [r.latency_s for r in ok if r.latency_s is not None]
    ttfts = [r.ttft_s for r in ok if r.ttft_s is not None]
    latency = latency_stats(latencies)
    ttft = latency_stats(ttfts)
    latency_ci = bootstrap_ci(np.asarray(latencies), percentile_of_column(95), **boot) if latencies else None
    ttft_ci = bootstrap_ci(np.asarray(ttfts), percentile_of_column(95), **boot) if ttfts else None

    target = result.target(model)
    price = target.price
    cost = cost_per_1k_requests(price, records) if price is not None else None
    primary_value = quality[primary].value
    per_dollar = None
    if cost is not None and cost.per_1k_requests > 0 and primary_value is not None:
        per_dollar = primary_value / cost.per_1k_requests
    return ModelSummary(
        model=model,
        description=target.describe(),
        n_items=len(records),
        n_ok=len(ok),
        n_errors=len(records) - len(ok),
        n_missing=len(result.dataset) - len(records),
        error_rate=error_rate(records),
        errors_by_kind=dict(Counter(r.error.kind for r in records if r.error is not None)),
        retried_items=sum(1 for r in records if r.attempts > 1),
        quality=quality,
        ttft_p50_s=ttft.p50 if ttft else None,
        ttft_p95_s=Estimate(ttft.p95, ttft_ci.low, ttft_ci.high) if ttft and ttft_ci else Estimate(None),
        latency_p50_s=latency.p50 if latency else None,
        latency_p95_s=Estimate(latency.p95, latency_ci.low, latency_ci.high)
        if latency and latency_ci
        else Estimate(None),
        latency_mean_s=latency.mean if latency else None,
        output_tokens_per_s=output_tokens_per_second(records),
        throughput_rps=throughput_rps(records),
        mean_input_tokens=_mean([r.input_tokens for r in ok]),
        mean_output_tokens=_mean([r.output_tokens for r in ok]),
        price=price.model_dump() if isinstance(price, TokenPricing | InstancePricing) else None,
        cost_per_1k_requests=cost.per_1k_requests if cost else None,
        cost_basis=cost.basis if cost else None,
        cost_note=cost.note if cost else ("no price given" if price is None else "not measurable (no usage)"),
        quality_per_dollar=per_dollar,
        guardrail_interventions=sum(1 for r in ok if r.finish_reason == "guardrail_intervened"),
    )


def _aligned(a: _ModelData, b: _ModelData, metric: str) -> tuple[FloatArray, FloatArray]:
    """Rows of both models' statistics for the items both have results for, in the same order."""
    index_b = {item_id: i for i, item_id in enumerate(b.ids())}
    rows = [(i, index_b[item_id]) for i, item_id in enumerate(a.ids()) if item_id in index_b]
    ia = [r[0] for r in rows]
    ib = [r[1] for r in rows]
    return a.stats[metric][ia], b.stats[metric][ib]


def _comparisons(
    models: Sequence[str], data: dict[str, _ModelData], metric: CorpusMetric, boot: dict[str, Any]
) -> list[Comparison]:
    comparisons = []
    for i, model_a in enumerate(models):
        for model_b in models[i + 1 :]:
            stats_a, stats_b = _aligned(data[model_a], data[model_b], metric.name)
            paired = paired_bootstrap(stats_a, stats_b, summed(metric.score_sums), **boot)
            if paired is None or not np.isfinite(paired.difference):  # e.g. a check no shared item is tagged for
                continue
            comparisons.append(
                Comparison(
                    metric=metric.name,
                    model_a=model_a,
                    model_b=model_b,
                    difference=paired.difference,
                    low=paired.low,
                    high=paired.high,
                    p_value=paired.p_value,
                    significant=paired.significant,
                    n_items=len(stats_a),
                )
            )
    return comparisons


def _latency_tie(a: _ModelData, b: _ModelData, boot: dict[str, Any]) -> bool:
    """True when p95 latency of a and b is not significantly different on shared successes."""
    latency_b = {r.item_id: r.latency_s for r in b.records if r.ok and r.latency_s is not None}
    pairs = [(r.latency_s, latency_b[r.item_id]) for r in a.records if r.ok and r.item_id in latency_b]
    pairs = [(x, y) for x, y in pairs if x is not None]
    if len(pairs) < 2:
        return False
    arr = np.asarray(pairs, dtype=np.float64)
    paired = paired_bootstrap(arr[:, :1], arr[:, 1:], percentile_of_column(95), **boot)
    return paired is not None and not paired.significant


def _winners(
    models: list[ModelSummary],
    comparisons: list[Comparison],
    data: dict[str, _ModelData],
    primary: str,
    boot: dict[str, Any],
) -> list[Winner]:
    winners: list[Winner] = []
    scored = [m for m in models if m.n_ok > 0 and m.quality[primary].value is not None]
    if scored:
        best = max(scored, key=lambda m: m.quality[primary].value or 0.0)
        ties = []
        for c in comparisons:
            if best.model in (c.model_a, c.model_b) and not c.significant:
                ties.append(c.model_b if c.model_a == best.model else c.model_a)
        level = f"{boot['confidence'] * 100:g}%"
        note = (
            f"not significantly different from {', '.join(ties)} ({level} paired bootstrap)"
            if ties
            else ("significantly better than the others" if len(scored) > 1 else "only model with answers")
        )
        winners.append(Winner("best_quality", best.model, best.quality[primary].value, primary, ties, note))
    else:
        winners.append(Winner("best_quality", None, None, primary, [], f"no model has a {metric_label(primary)} score"))

    timed = [m for m in models if m.latency_p95_s.value is not None]
    if timed:
        fastest = min(timed, key=lambda m: m.latency_p95_s.value or 0.0)
        ties = [m.model for m in timed if m is not fastest and _latency_tie(data[fastest.model], data[m.model], boot)]
        note = f"p95 not significantly different from {', '.join(ties)}" if ties else "lowest p95 end-to-end latency"
        winners.append(Winner("fastest", fastest.model, fastest.latency_p95_s.value, "s (p95)", ties, note))
    else:
        winners.append(Winner("fastest", None, None, "s (p95)", [], "no successful requests"))

    priced = [m for m in models if m.cost_per_1k_requests is not None]
    if priced:
        cheapest = min(priced, key=lambda m: m.cost_per_1k_requests or 0.0)
        winners.append(
            Winner(
                "cheapest",
                cheapest.model,
                cheapest.cost_per_1k_requests,
                "USD / 1k requests",
                [],
                f"estimated from {cheapest.cost_basis} pricing: {cheapest.cost_note}",
            )
        )
    else:
        winners.append(Winner("cheapest", None, None, "USD / 1k requests", [], "no prices given"))

    valued = [m for m in models if m.quality_per_dollar is not None]
    if valued:
        value = max(valued, key=lambda m: m.quality_per_dollar or 0.0)
        winners.append(
            Winner(
                "best_value",
                value.model,
                value.quality_per_dollar,
                f"{primary} per USD / 1k requests",
                [],
                f"highest {metric_label(primary)} per dollar (ratio of point estimates)",
            )
        )
    else:
        winners.append(Winner("best_value", None, None, f"{primary} per USD / 1k requests", [], "no prices given"))
    return winners


def _tag_rows(result: EvaluationResult, data: dict[str, _ModelData], metrics: Sequence[CorpusMetric]) -> list[TagRow]:
    rows = []
    for tag in result.dataset.tags():
        n = sum(1 for item in result.dataset.items if tag in item.tags)
        by_model: dict[str, dict[str, float | None]] = {}
        for model in result.models:
            model_data = data[model]
            mask = [tag in item.tags for item in model_data.items]
            values: dict[str, float | None] = {}
            for metric in metrics:
                subset = model_data.stats[metric.name][mask]
                values[metric.name] = (
                    _none_if_nan(float(metric.score_sums(subset.sum(axis=0, keepdims=True))[0]))
                    if len(subset)
                    else None
                )
            tagged = [r for r, keep in zip(model_data.records, mask, strict=True) if keep]
            values["error_rate"] = error_rate(tagged)
            stats = latency_stats(r.latency_s for r in tagged if r.ok)
            values["latency_p50_s"] = stats.p50 if stats else None
            by_model[model] = values
        rows.append(TagRow(tag=tag, n=n, by_model=by_model))
    return rows


def _weakest(data: _ModelData, metric: CorpusMetric, model: str, count: int) -> list[ItemExample]:
    if count <= 0 or not data.items:
        return []
    hyps = [(r.output or "") if r.ok else "" for r in data.records]
    scores = metric.item_scores(hyps, [i.reference for i in data.items])
    order = np.argsort(scores, kind="stable")[:count]
    return [
        ItemExample(
            item_id=data.items[i].id,
            model=model,
            score=float(scores[i]),
            prompt=data.items[i].prompt_text,
            reference=data.items[i].reference,
            output=data.records[i].output,
            error=f"{data.records[i].error.kind}: {data.records[i].error.message}" if data.records[i].error else None,
        )
        for i in order
    ]
