"""Trade-off plots as inline SVG strings (matplotlib, no GUI backend, no external assets).

Text is drawn as paths (`svg.fonttype="path"`), so the HTML renders the same everywhere
without web fonts, and `svg.hashsalt` makes ids deterministic (stable diffs, and no id clashes
between the two SVGs that share one page).
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable, Sequence

import matplotlib
from matplotlib.backends.backend_svg import FigureCanvasSVG
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter

from fmkit.evaluate.metrics.quality import metric_label
from fmkit.evaluate.summary import Estimate, EvaluationSummary

_PALETTE = ["#2563eb", "#dc2626", "#16a34a", "#9333ea", "#ea580c", "#0891b2", "#db2777", "#65a30d"]


def _error(est: Estimate) -> tuple[float, float] | None:
    if est.value is None or est.low is None or est.high is None:
        return None
    return max(0.0, est.value - est.low), max(0.0, est.high - est.value)


def _render(figure: Figure, salt: str) -> str:
    buffer = io.StringIO()
    with matplotlib.rc_context({"svg.fonttype": "path", "svg.hashsalt": salt}):
        FigureCanvasSVG(figure).print_svg(buffer, metadata={"Date": None, "Creator": "fmkit"})  # type: ignore[no-untyped-call]
    svg = buffer.getvalue()
    svg = svg[svg.index("<svg") :]  # drop the XML declaration and DOCTYPE: this is inlined in HTML
    # Let CSS size it: keep the viewBox, drop the fixed pt width/height of the root element.
    svg = re.sub(r'^<svg([^>]*?) width="[^"]*" height="[^"]*"', r"<svg\1", svg, count=1)
    return svg.replace("<svg", '<svg role="img" preserveAspectRatio="xMidYMid meet"', 1)


def _scatter(
    points: Sequence[tuple[str, float, float, tuple[float, float] | None, tuple[float, float] | None]],
    *,
    xlabel: str,
    ylabel: str,
    title: str,
    log_x: bool,
    salt: str,
    x_format: Callable[[float], str] | None = None,
    y_max: float | None = None,
) -> str:
    figure = Figure(figsize=(6.4, 4.2), dpi=100, layout="constrained")
    axes = figure.add_subplot()
    for index, (name, x, y, xerr, yerr) in enumerate(points):
        color = _PALETTE[index % len(_PALETTE)]
        axes.errorbar(
            [x],
            [y],
            xerr=[[xerr[0]], [xerr[1]]] if xerr else None,
            yerr=[[yerr[0]], [yerr[1]]] if yerr else None,
            fmt="o",
            color=color,
            ecolor=color,
            elinewidth=1.4,
            capsize=4,
            markersize=8,
            label=name,
        )
        axes.annotate(name, (x, y), textcoords="offset points", xytext=(8, 6), fontsize=9, color="#1f2937")
    if log_x:
        axes.set_xscale("log")
    if x_format is not None:
        axes.xaxis.set_major_formatter(FuncFormatter(lambda value, _pos: x_format(value)))
    axes.set_xlabel(xlabel)
    axes.set_ylabel(ylabel)
    axes.set_title(title, fontsize=11, loc="left", color="#111827")
    axes.grid(True, color="#e5e7eb", linewidth=0.8)
    axes.set_axisbelow(True)
    for side in ("top", "right"):
        axes.spines[side].set_visible(False)
    axes.margins(x=0.25, y=0.2)
    if y_max is not None:
        low, high = axes.get_ylim()
        axes.set_ylim(max(low, 0.0), min(high, y_max * 1.04))  # a score never exceeds its scale
    if not log_x:
        axes.set_xlim(left=0)  # latency and cost are never negative; margins would suggest so
    return _render(figure, salt)


def _ci_label(summary: EvaluationSummary) -> str:
    confidence = summary.settings.get("confidence")
    suffix = f" ({confidence * 100:g}% CI)" if isinstance(confidence, float) else ""
    return f"{metric_label(summary.primary_metric)}{suffix}"


def quality_vs_cost_svg(summary: EvaluationSummary) -> str | None:
    """Primary metric (with CI) against USD per 1k requests; None when no model is priced."""
    primary = summary.primary_metric
    points = [
        (m.model, m.cost_per_1k_requests, m.quality[primary].value, None, _error(m.quality[primary]))
        for m in summary.models
        if m.cost_per_1k_requests is not None and m.quality[primary].value is not None
    ]
    clean = [(n, float(x), float(y), xe, ye) for n, x, y, xe, ye in points if x is not None and y is not None]
    if not clean:
        return None
    costs = [p[1] for p in clean]
    log_x = min(costs) > 0 and max(costs) / min(costs) > 20
    return _scatter(
        clean,
        xlabel="USD per 1,000 requests" + (" (log scale)" if log_x else ""),
        ylabel=_ci_label(summary),
        title="Quality vs cost — up and left is better",
        log_x=log_x,
        salt="fmkit-quality-cost",
        x_format=lambda value: f"${value:.3g}",
        y_max=summary.metric(primary).scale,
    )


def quality_vs_latency_svg(summary: EvaluationSummary) -> str | None:
    """Primary metric against p95 latency, both with bootstrap CIs."""
    primary = summary.primary_metric
    clean = []
    for m in summary.models:
        x, y = m.latency_p95_s.value, m.quality[primary].value
        if x is not None and y is not None:
            clean.append((m.model, float(x), float(y), _error(m.latency_p95_s), _error(m.quality[primary])))
    if not clean:
        return None
    return _scatter(
        clean,
        xlabel="p95 end-to-end latency (s)",
        ylabel=_ci_label(summary),
        title="Quality vs latency — up and left is better",
        log_x=False,
        salt="fmkit-quality-latency",
        y_max=summary.metric(primary).scale,
    )
