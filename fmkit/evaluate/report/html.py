"""`report.html`: the summary for people, from the Jinja2 template shipped in `templates/`.

The template does the layout; this module decides what is highlighted (best per column,
fastest, cheapest) and hands the template the number formats the Markdown report uses too,
and the plots laid out by `plots` (drawn as inline SVG by `templates/scatter.svg.j2`).
Autoescaping is on and nothing is marked safe, so model answers, model names and dataset text
can never inject markup.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined

from fmkit.evaluate.report import formatting
from fmkit.evaluate.report.plots import Scatter, quality_vs_cost, quality_vs_latency
from fmkit.evaluate.summary import EvaluationSummary


@dataclass(frozen=True)
class Figure:
    plot: Scatter
    caption: str


@cache
def _environment() -> Environment:
    return Environment(
        loader=PackageLoader("fmkit.evaluate.report", "templates"),
        autoescape=True,
        undefined=StrictUndefined,  # a misspelt name fails the render instead of printing nothing
        keep_trailing_newline=True,
    )


def _figures(summary: EvaluationSummary) -> list[Figure]:
    figures = []
    for plot, caption in (
        (quality_vs_cost(summary), "Filled: expected cost at the configured traffic (what the verdicts use); "
                                   "ring: marginal cost measured in this run. Error bars: bootstrap CI of the "
                                   "quality metric; costs are point estimates."),
        (quality_vs_latency(summary), "Error bars: bootstrap CIs of quality and of p95 latency (final attempt)."),
    ):
        if plot is not None:
            figures.append(Figure(plot, caption))
    return figures


def _lowest(values: dict[str, float | None]) -> set[str]:
    """The models with the lowest value, when at least two have one (no highlight for a lone model)."""
    present = {name: value for name, value in values.items() if value is not None}
    if len(present) < 2:
        return set()
    low = min(present.values())
    return {name for name, value in present.items() if value == low}


def _tag_best(summary: EvaluationSummary) -> dict[str, set[str]]:
    """Per tag, the models with the top primary score (none when only one model runs)."""
    best: dict[str, set[str]] = {}
    for row in summary.tags:
        values = {m.model: row.by_model[m.model][summary.primary_metric] for m in summary.models}
        top = max((v for v in values.values() if v is not None), default=None)
        best[row.tag] = {name for name, v in values.items() if v is not None and v == top and len(values) > 1}
    return best


def _context(summary: EvaluationSummary) -> dict[str, Any]:
    primary = summary.primary_metric
    return {
        "summary": summary,
        "dataset_name": Path(summary.dataset["path"]).name,
        "primary_label": formatting.label(primary),
        "primary_scale": summary.metric(primary).scale,
        "confidence_pct": int(summary.settings["confidence"] * 100),
        "winner_titles": formatting.WINNER_TITLES,
        "quality_head": ["Model", "Answered", *(formatting.label(m.name) for m in summary.metrics)],
        "operations_head": ["Model", "Errors", "Retried", "TTFT p50", "TTFT p95", "Latency p50", "Latency p95",
                            "p95 with retries", "Output tok/s", "Req/s", "In flight"],
        "cost_head": ["Model", "Expected USD / 1k requests", "How", "Marginal USD / 1k requests", "How"],
        "best": {m.name: formatting.best_models(summary, m.name) for m in summary.metrics},
        "fastest": _lowest({m.model: m.latency_with_retries_p95_s.value for m in summary.models}),
        "cheapest": _lowest({m.model: m.cost.usd_per_1k_requests_expected for m in summary.models}),
        "tag_best": _tag_best(summary),
        "failing": [m for m in summary.models if m.n_errors],
        "weakest": [(model, examples) for model, examples in summary.weakest_items.items() if examples],
        "figures": _figures(summary),
        "winner_value": formatting.winner_value,
        "num": formatting.num,
        "ci": formatting.ci,
        "seconds": formatting.seconds,
        "seconds_ci": formatting.seconds_ci,
        "usd": formatting.usd,
        "pct": formatting.pct,
        "rate": formatting.rate,
        "diff": formatting.diff,
    }


def render_html(summary: EvaluationSummary) -> str:
    return _environment().get_template("report.html.j2").render(_context(summary))
