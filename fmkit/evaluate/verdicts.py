"""Pairwise comparisons and the four verdicts: best quality, fastest, cheapest, best value.

- Best quality: the top primary score, with the models the paired bootstrap cannot tell apart.
- Fastest: the lowest p95 latency *including retries* (what a caller waited): a model whose
  every request needed a retry must not win on the speed of its last attempt.
- Cheapest and best value: on the **expected** cost (`fmkit plan`'s, at the configured
  traffic), never on the marginal one: an instance priced at its measured saturation throughput
  looks nearly free next to a pay-per-token model it really costs more than.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from fmkit.evaluate.metrics.quality import CorpusMetric, metric_label
from fmkit.evaluate.metrics.scored import ScoredMetric
from fmkit.evaluate.scoring import ModelData
from fmkit.evaluate.stats import paired_bootstrap, percentile_of_column, summed
from fmkit.evaluate.summary_model import Comparison, ModelSummary, Winner


def _aligned(a: ModelData, b: ModelData, metric: str) -> tuple[Any, Any]:
    """Rows of both models' statistics for the items both have results for, in the same order."""
    index_b = {item_id: i for i, item_id in enumerate(b.ids())}
    rows = [(i, index_b[item_id]) for i, item_id in enumerate(a.ids()) if item_id in index_b]
    return a.stats[metric][[r[0] for r in rows]], b.stats[metric][[r[1] for r in rows]]


def comparisons(models: Sequence[str], data: dict[str, ModelData], metric: CorpusMetric,
                boot: dict[str, Any]) -> list[Comparison]:
    """Every pair of models on `metric`, paired over the items both answered."""
    out = []
    for i, model_a in enumerate(models):
        for model_b in models[i + 1:]:
            stats_a, stats_b = _aligned(data[model_a], data[model_b], metric.name)
            if isinstance(metric, ScoredMetric):  # only the items the scorer scored for both
                both = (stats_a[:, 1] > 0) & (stats_b[:, 1] > 0)
                stats_a, stats_b = stats_a[both], stats_b[both]
            paired = paired_bootstrap(stats_a, stats_b, summed(metric.score_sums), **boot)
            if paired is None or not np.isfinite(paired.difference):  # e.g. a check no shared item is tagged for
                continue
            out.append(Comparison(metric=metric.name, model_a=model_a, model_b=model_b,
                                  difference=paired.difference, low=paired.low, high=paired.high,
                                  p_value=paired.p_value, significant=paired.significant, n_items=len(stats_a)))
    return out


def _latency_tie(a: ModelData, b: ModelData, boot: dict[str, Any]) -> bool:
    """True when p95 latency with retries of a and b is not significantly different on shared successes."""
    wall_b = {r.item_id: r.wall_s for r in b.records if r.ok}
    pairs = [(r.wall_s, wall_b[r.item_id]) for r in a.records if r.ok and r.item_id in wall_b]
    if len(pairs) < 2:
        return False
    arr = np.asarray(pairs, dtype=np.float64)
    paired = paired_bootstrap(arr[:, :1], arr[:, 1:], percentile_of_column(95), **boot)
    return paired is not None and not paired.significant


def _best_quality(models: list[ModelSummary], found: list[Comparison], primary: str,
                  boot: dict[str, Any]) -> Winner:
    scored = [m for m in models if m.n_ok > 0 and m.quality[primary].value is not None]
    if not scored:
        return Winner("best_quality", None, None, primary, [], f"no model has a {metric_label(primary)} score")
    best = max(scored, key=lambda m: m.quality[primary].value or 0.0)
    ties = [c.model_b if c.model_a == best.model else c.model_a
            for c in found if best.model in (c.model_a, c.model_b) and not c.significant]
    level = f"{boot['confidence'] * 100:g}%"
    note = (f"not significantly different from {', '.join(ties)} ({level} paired bootstrap)" if ties
            else ("significantly better than the others" if len(scored) > 1 else "only model with answers"))
    return Winner("best_quality", best.model, best.quality[primary].value, primary, ties, note, list(best.flags))


def _fastest(models: list[ModelSummary], data: dict[str, ModelData], boot: dict[str, Any]) -> Winner:
    timed = [m for m in models if m.latency_with_retries_p95_s.value is not None]
    if not timed:
        return Winner("fastest", None, None, "s (p95)", [], "no successful requests")
    fastest = min(timed, key=lambda m: m.latency_with_retries_p95_s.value or 0.0)
    ties = [m.model for m in timed if m is not fastest and _latency_tie(data[fastest.model], data[m.model], boot)]
    note = (f"p95 not significantly different from {', '.join(ties)}" if ties
            else "lowest p95 latency, retries and back-off included")
    return Winner("fastest", fastest.model, fastest.latency_with_retries_p95_s.value, "s (p95)", ties, note,
                  list(fastest.flags))


def _cheapest(models: list[ModelSummary]) -> Winner:
    priced = [m for m in models if m.cost.usd_per_1k_requests_expected is not None]
    unit = "USD / 1k requests (expected)"
    if not priced:
        return Winner("cheapest", None, None, unit, [],
                      "no expected cost: give the deployments expected_traffic (fmkit plan prices them from it)")
    cheapest = min(priced, key=lambda m: m.cost.usd_per_1k_requests_expected or 0.0)
    unpriced = [m.model for m in models if m not in priced]
    note = f"at expected traffic — {cheapest.cost.expected_note}"
    if unpriced:
        note += f"; not ranked (no expected cost): {', '.join(unpriced)}"
    return Winner("cheapest", cheapest.model, cheapest.cost.usd_per_1k_requests_expected, unit, [], note,
                  list(cheapest.flags))


def _best_value(models: list[ModelSummary], primary: str) -> Winner:
    valued = [m for m in models if m.quality_per_dollar is not None]
    unit = f"{primary} per USD / 1k requests (expected)"
    if not valued:
        return Winner("best_value", None, None, unit, [], "no expected cost")
    value = max(valued, key=lambda m: m.quality_per_dollar or 0.0)
    return Winner("best_value", value.model, value.quality_per_dollar, unit, [],
                  f"highest {metric_label(primary)} per expected dollar (ratio of point estimates)", list(value.flags))


def winners(models: list[ModelSummary], found: list[Comparison], data: dict[str, ModelData], primary: str,
            boot: dict[str, Any]) -> list[Winner]:
    return [_best_quality(models, found, primary, boot), _fastest(models, data, boot), _cheapest(models),
            _best_value(models, primary)]
