"""Number formats and headline phrases shared by the Markdown and HTML reports.

Both renderers must print the same value the same way, so a number quoted from a PR comment
can be found on the HTML page.
"""

from __future__ import annotations

from fmkit.evaluate.metrics.quality import metric_label
from fmkit.evaluate.summary import Estimate, EvaluationSummary, Winner

WINNER_TITLES = {
    "best_quality": "Best quality",
    "fastest": "Fastest",
    "cheapest": "Cheapest",
    "best_value": "Best quality per dollar",
}

label = metric_label


def num(value: float | None, scale: float = 1.0) -> str:
    """A score: one decimal on 0–100 scales, two on the judge's 1–5, three on 0–1 scales."""
    if value is None:
        return "–"
    if scale >= 100:
        return f"{value:.1f}"
    return f"{value:.2f}" if scale > 1 else f"{value:.3f}"


def ci(est: Estimate, scale: float = 1.0) -> str:
    if est.low is None or est.high is None:
        return ""
    return f"{num(est.low, scale)}–{num(est.high, scale)}"


def seconds(value: float | None) -> str:
    if value is None:
        return "–"
    return f"{value * 1000:.0f} ms" if value < 1 else f"{value:.2f} s"


def seconds_ci(est: Estimate) -> str:
    if est.low is None or est.high is None:
        return ""
    return f"{seconds(est.low)}–{seconds(est.high)}"


def usd(value: float | None) -> str:
    if value is None:
        return "–"
    if value >= 100:
        return f"${value:,.0f}"
    return f"${value:.2f}" if value >= 1 else f"${value:.4f}"


def pct(value: float | None) -> str:
    return "–" if value is None else f"{value * 100:.1f}%"


def rate(value: float | None) -> str:
    return "–" if value is None else f"{value:.1f}"


def diff(value: float | None, scale: float) -> str:
    if value is None:
        return "–"
    if scale >= 100:
        return f"{value:+.1f}"
    return f"{value:+.2f}" if scale > 1 else f"{value:+.3f}"


def winner_value(summary: EvaluationSummary, winner: Winner) -> str:
    """The winning number in words, e.g. "ROUGE-L 0.912" or "$0.0123 / 1k requests"."""
    if winner.value is None:
        return "–"
    if winner.category == "best_quality":
        return f"{label(winner.unit)} {num(winner.value, summary.metric(winner.unit).scale)}"
    if winner.category == "fastest":
        return f"p95 {seconds(winner.value)} with retries"
    if winner.category == "cheapest":
        return f"{usd(winner.value)} / 1k requests expected"
    model = summary.model(winner.model) if winner.model else None
    if model is None:
        return "–"
    primary = summary.primary_metric
    quality = num(model.quality[primary].value, summary.metric(primary).scale)
    return f"{label(primary)} {quality} at {usd(model.cost.usd_per_1k_requests_expected)} / 1k requests expected"


def best_models(summary: EvaluationSummary, metric: str) -> set[str]:
    """Models with the top value of `metric` (none when fewer than two models compete)."""
    values = [m.quality[metric].value for m in summary.models if m.quality[metric].value is not None]
    if not values or len(summary.models) < 2:
        return set()
    top = max(v for v in values if v is not None)
    return {m.model for m in summary.models if m.quality[metric].value == top}
