"""The CI gate behind `fmkit eval --min-score metric=value`: thresholds on every model's summary."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

from fmkit.evaluate.metrics.checks import Check
from fmkit.evaluate.runner import EvaluationResult
from fmkit.evaluate.summary import EvaluationSummary, ModelSummary, summarize

OPERATIONAL_METRICS: dict[str, bool] = {
    "error_rate": False,
    "latency_p50_s": False,
    "latency_p95_s": False,
    "ttft_p50_s": False,
    "ttft_p95_s": False,
    "latency_with_retries_p95_s": False,
    "retry_rate": False,
    "usd_per_1k_requests_expected": False,
    "usd_per_1k_requests_marginal": False,
    "output_tokens_per_s": True,
    "throughput_rps": True,
}
"""Operational metrics a threshold may name, and whether higher values are better."""

Bound = Literal["min", "max"]


def _operational_value(model: ModelSummary, metric: str) -> float | None:
    values: dict[str, float | None] = {
        "error_rate": model.error_rate,
        "latency_p50_s": model.latency_p50_s,
        "latency_p95_s": model.latency_p95_s.value,
        "ttft_p50_s": model.ttft_p50_s,
        "ttft_p95_s": model.ttft_p95_s.value,
        "latency_with_retries_p95_s": model.latency_with_retries_p95_s.value,
        "retry_rate": model.retry_rate,
        "usd_per_1k_requests_expected": model.cost.usd_per_1k_requests_expected,
        "usd_per_1k_requests_marginal": model.cost.usd_per_1k_requests_marginal,
        "output_tokens_per_s": model.output_tokens_per_s,
        "throughput_rps": model.throughput_rps,
    }
    return values[metric]


@dataclass(frozen=True)
class ThresholdFailure:
    model: str
    metric: str
    bound: Bound
    threshold: float
    value: float | None

    def __str__(self) -> str:
        if self.value is None:
            return f"{self.model}: {self.metric} was not measured (required {self.bound} {self.threshold:g})"
        op = "<" if self.bound == "min" else ">"
        return f"{self.model}: {self.metric} {self.value:.4g} {op} {self.bound} {self.threshold:g}"


@dataclass(frozen=True)
class ThresholdReport:
    failures: tuple[ThresholdFailure, ...]
    checked: int

    @property
    def passed(self) -> bool:
        return not self.failures

    @property
    def exit_code(self) -> int:
        """Process exit status for CI: 0 when every threshold holds, 1 otherwise."""
        return 0 if self.passed else 1

    def lines(self) -> list[str]:
        if self.passed:
            return [f"all {self.checked} threshold checks passed"]
        return [str(f) for f in self.failures]


def parse_threshold(spec: str, what: str = "threshold") -> tuple[str, float]:
    """`rougeL=0.3` -> ("rougeL", 0.3); `what` names the option in the error."""
    metric, sep, value = spec.partition("=")
    try:
        if not sep or not metric.strip():
            raise ValueError("missing '='")
        return metric.strip(), float(value)
    except ValueError as exc:
        raise ValueError(f"invalid {what} {spec!r}: expected METRIC=NUMBER ({exc})") from exc


def check_thresholds(
    result: EvaluationResult | EvaluationSummary,
    minimums: Mapping[str, float],
    *,
    maximums: Mapping[str, float] | None = None,
    models: Sequence[str] | None = None,
    use_lower_bound: bool = False,
    checks: Sequence[Check] = (),
) -> ThresholdReport:
    """Check every model (or `models`) against minimums (quality, tok/s) and maximums (latency, cost).

    Quality values use the metric's own scale (BLEU/chrF 0–100, the rest 0–1). With
    `use_lower_bound`, a quality metric must clear the threshold with its whole CI, which stops a
    lucky run on a small dataset from passing the gate. Unknown metric names raise ValueError
    (a typo must not silently pass CI).
    """
    summary = result if isinstance(result, EvaluationSummary) else summarize(result, checks=checks)
    quality_names = {m.name for m in summary.metrics}
    maximums = maximums or {}
    unknown = [m for m in [*minimums, *maximums] if m not in quality_names and m not in OPERATIONAL_METRICS]
    if unknown:
        known = sorted(quality_names | set(OPERATIONAL_METRICS))
        raise ValueError(f"unknown metric {unknown[0]!r} in thresholds; known: {', '.join(known)}")
    limits: list[tuple[Bound, str, float]] = [
        *(("min", metric, threshold) for metric, threshold in minimums.items()),
        *(("max", metric, threshold) for metric, threshold in maximums.items()),
    ]
    selected = [summary.model(name) for name in models] if models else summary.models
    failures: list[ThresholdFailure] = []
    for model in selected:
        for bound, metric, threshold in limits:
            value = _value(model, metric, bound, quality=metric in quality_names, use_lower_bound=use_lower_bound)
            ok = value is not None and (value >= threshold if bound == "min" else value <= threshold)
            if not ok:
                failures.append(ThresholdFailure(model.model, metric, bound, threshold, value))
    return ThresholdReport(failures=tuple(failures), checked=len(selected) * len(limits))


def _value(model: ModelSummary, metric: str, bound: Bound, *, quality: bool, use_lower_bound: bool) -> float | None:
    if not quality:
        return _operational_value(model, metric)
    est = model.quality[metric]
    return est.low if use_lower_bound and bound == "min" and est.low is not None else est.value
