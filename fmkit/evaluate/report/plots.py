"""The report's trade-off plots (quality vs cost, quality vs latency), laid out for inline SVG.

The HTML report draws them with `templates/scatter.svg.j2`: no plotting library (matplotlib
and its fonts, images and numpy were most of the evaluation function's asset), no script,
nothing to fetch, text the page's own font. This module decides what a plot shows — which
models, their error bars, axis ranges and ticks — and where each mark goes on a fixed canvas;
the template only writes the elements, escaping every model name.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from fmkit.evaluate.metrics.quality import metric_label
from fmkit.evaluate.summary import Estimate, EvaluationSummary

PALETTE = ("#2563eb", "#dc2626", "#16a34a", "#9333ea", "#ea580c", "#0891b2", "#db2777", "#65a30d")
WIDTH, HEIGHT = 640, 420
LEFT, RIGHT, TOP, BOTTOM = 72, 24, 44, 56  # margins around the plot area, in canvas units


@dataclass(frozen=True)
class Datum:
    """One model's point in data units; errors are (below, above) the value."""

    model: str
    x: float
    y: float
    x_error: tuple[float, float] | None = None
    y_error: tuple[float, float] | None = None
    hollow: bool = False  # a second figure of the same model (the marginal cost): ring, no label


@dataclass(frozen=True)
class Axis:
    low: float
    high: float
    log: bool
    ticks: tuple[tuple[float, str], ...]  # (value, label), inside [low, high]
    title: str


@dataclass(frozen=True)
class Mark:
    """A model on the canvas: point, error bars (canvas coordinates), label and colour."""

    model: str
    color: str
    cx: float
    cy: float
    x_bar: tuple[float, float] | None
    y_bar: tuple[float, float] | None
    hollow: bool = False
    labelled: bool = True  # a model's name is written once, next to its filled mark when it has one

    @property
    def label_on_left(self) -> bool:
        """Near the right edge the name goes left of the point, so it stays on the canvas."""
        return self.cx > WIDTH - RIGHT - 120


@dataclass(frozen=True)
class Tick:
    at: float  # canvas coordinate along its axis
    label: str


@dataclass(frozen=True)
class Scatter:
    """A laid-out scatter plot: the template draws exactly this."""

    title: str
    x_title: str
    y_title: str
    x_ticks: tuple[Tick, ...]
    y_ticks: tuple[Tick, ...]
    marks: tuple[Mark, ...]
    # Dashed lines joining two marks of one model (x1, y1, x2, y2, colour): expected to marginal cost.
    links: tuple[tuple[float, float, float, float, str], ...] = ()
    legend: str = ""
    width: int = WIDTH
    height: int = HEIGHT
    left: int = LEFT
    top: int = TOP
    right: int = WIDTH - RIGHT
    bottom: int = HEIGHT - BOTTOM


# ------------------------------------------------------------------------------------ ticks


def _decimals(step: float) -> int:
    """Decimals that show every tick of this step exactly (0.25 needs 2, 5 needs 0)."""
    for decimals in range(0, 12):
        if abs(round(step, decimals) - step) < step * 1e-9:
            return decimals
    return 12


def nice_step(span: float, target: int = 7) -> float:
    """A 1, 2, 2.5 or 5 × 10^k step giving about `target` intervals over `span`."""
    raw = span / target
    magnitude = 10.0 ** math.floor(math.log10(raw))
    return next(m * magnitude for m in (1.0, 2.0, 2.5, 5.0, 10.0) if raw <= m * magnitude * (1 + 1e-9))


def linear_ticks(low: float, high: float, fmt: Callable[[float, int], str]) -> tuple[tuple[float, str], ...]:
    step = nice_step(high - low)
    decimals = _decimals(step)
    first = math.ceil(low / step - 1e-9)
    values = [round(i * step, 12) for i in range(first, math.floor(high / step + 1e-9) + 1)]
    return tuple((v, fmt(v, decimals)) for v in values)


def log_ticks(low: float, high: float, fmt: Callable[[float, int], str]) -> tuple[tuple[float, str], ...]:
    """Decades; with 2× and 5× between them when fewer than three decades are in view."""
    decades = range(math.floor(math.log10(low)), math.ceil(math.log10(high)) + 1)
    in_view = [10.0**d for d in decades if low <= 10.0**d <= high]
    multiples = (1,) if len(in_view) >= 3 else (1, 2, 5)
    values = [m * 10.0**d for d in decades for m in multiples if low <= m * 10.0**d <= high]
    return tuple((v, fmt(v, max(0, -math.floor(math.log10(v))))) for v in values)


def _number(value: float, decimals: int) -> str:
    return f"{value:.{decimals}f}"


def _dollars(value: float, decimals: int) -> str:
    return f"${value:.{decimals}f}"


# ------------------------------------------------------------------------------------ axes


def _extent(values: Sequence[tuple[float, tuple[float, float] | None]]) -> tuple[float, float]:
    """Lowest and highest value reached, error bars included."""
    reach = [(v - (e or (0.0, 0.0))[0], v + (e or (0.0, 0.0))[1]) for v, e in values]
    return min(r[0] for r in reach), max(r[1] for r in reach)


def _padded(low: float, high: float, share: float, *, alone: float) -> tuple[float, float]:
    """Widen by `share` of the span on both sides; a single value gets `alone` on each side."""
    pad = share * (high - low) if high > low else alone
    return low - pad, high + pad


def _y_axis(points: Sequence[Datum], scale: float, title: str) -> Axis:
    low, high = _padded(*_extent([(p.y, p.y_error) for p in points]), 0.2, alone=0.05 * scale)
    low, high = max(low, 0.0), min(high, scale * 1.04)  # a score is never negative nor above its scale
    return Axis(low, high, False, linear_ticks(low, high, _number), title)


def _x_axis(points: Sequence[Datum], title: str, *, dollars: bool, log_allowed: bool) -> Axis:
    fmt = _dollars if dollars else _number
    low, high = _extent([(p.x, p.x_error) for p in points])
    if log_allowed and low > 0 and high / low > 20:
        log_low, log_high = _padded(math.log10(low), math.log10(high), 0.25, alone=0.5)
        low, high = 10**log_low, 10**log_high
        return Axis(low, high, True, log_ticks(low, high, fmt), f"{title} (log scale)")
    _, high = _padded(low, high, 0.25, alone=0.25 * high or 1.0)
    return Axis(0.0, high, False, linear_ticks(0.0, high, fmt), title)  # costs and latencies start at 0


# ------------------------------------------------------------------------------------ layout


def _position(axis: Axis, value: float, start: float, end: float) -> float:
    """Canvas coordinate of `value` on an axis drawn from `start` (low) to `end` (high), clamped to it."""
    if axis.log:
        share = (math.log10(max(value, axis.low)) - math.log10(axis.low)) / (
            math.log10(axis.high) - math.log10(axis.low))
    else:
        share = (value - axis.low) / (axis.high - axis.low)
    share = min(1.0, max(0.0, share))
    return round(start + share * (end - start), 1)


def layout(points: Sequence[Datum], x: Axis, y: Axis, title: str, *, legend: str = "") -> Scatter:
    """Canvas positions of `points`; one colour per model, and a dashed link between a model's
    filled mark and its hollow one."""
    left, right, top, bottom = LEFT, WIDTH - RIGHT, TOP, HEIGHT - BOTTOM

    def px(value: float) -> float:
        return _position(x, value, left, right)

    def py(value: float) -> float:
        return _position(y, value, bottom, top)

    colors = {model: PALETTE[i % len(PALETTE)] for i, model in enumerate(dict.fromkeys(p.model for p in points))}
    marks = tuple(
        Mark(
            model=p.model,
            color=colors[p.model],
            cx=px(p.x),
            cy=py(p.y),
            x_bar=(px(p.x - p.x_error[0]), px(p.x + p.x_error[1])) if p.x_error else None,
            y_bar=(py(p.y - p.y_error[0]), py(p.y + p.y_error[1])) if p.y_error else None,
            hollow=p.hollow,
            labelled=not p.hollow or not any(q.model == p.model and not q.hollow for q in points),
        )
        for p in points
    )
    filled = {m.model: m for m in marks if not m.hollow}
    links = tuple((filled[m.model].cx, filled[m.model].cy, m.cx, m.cy, m.color)
                  for m in marks if m.hollow and m.model in filled)
    return Scatter(
        title=title,
        x_title=x.title,
        y_title=y.title,
        x_ticks=tuple(Tick(px(value), label) for value, label in x.ticks),
        y_ticks=tuple(Tick(py(value), label) for value, label in y.ticks),
        marks=marks,
        links=links,
        legend=legend,
    )


# ------------------------------------------------------------------------------------ the two plots


def _error(est: Estimate) -> tuple[float, float] | None:
    if est.value is None or est.low is None or est.high is None:
        return None
    return max(0.0, est.value - est.low), max(0.0, est.high - est.value)


def _quality_title(summary: EvaluationSummary) -> str:
    confidence = summary.settings.get("confidence")
    suffix = f" ({confidence * 100:g}% CI)" if isinstance(confidence, float) else ""
    return f"{metric_label(summary.primary_metric)}{suffix}"


def quality_vs_cost(summary: EvaluationSummary) -> Scatter | None:
    """Primary metric (with CI) against both costs per 1k requests: the expected one (filled, what
    the verdicts use) and the marginal one (a ring, joined by a dashed line); None when no model
    has a cost."""
    primary = summary.primary_metric
    points = []
    for m in summary.models:
        value = m.quality[primary].value
        if value is None:
            continue
        expected, marginal = m.cost.usd_per_1k_requests_expected, m.cost.usd_per_1k_requests_marginal
        if expected is not None:
            points.append(Datum(m.model, expected, value, None, _error(m.quality[primary])))
        if marginal is not None and marginal > 0:
            points.append(Datum(m.model, marginal, value, None, None, hollow=True))
    if not points:
        return None
    x = _x_axis(points, "USD per 1,000 requests", dollars=True, log_allowed=True)
    y = _y_axis(points, summary.metric(primary).scale, _quality_title(summary))
    return layout(points, x, y, "Quality vs cost — up and left is better",
                  legend="● expected (fmkit plan, at configured traffic)   ○ marginal (measured; at saturation "
                         "for instances)")


def quality_vs_latency(summary: EvaluationSummary) -> Scatter | None:
    """Primary metric against p95 latency, both with bootstrap CIs; None when nothing was timed."""
    primary = summary.primary_metric
    points = [
        Datum(m.model, latency, value, _error(m.latency_p95_s), _error(m.quality[primary]))
        for m in summary.models
        if (latency := m.latency_p95_s.value) is not None and (value := m.quality[primary].value) is not None
    ]
    if not points:
        return None
    x = _x_axis(points, "p95 end-to-end latency (s)", dollars=False, log_allowed=False)
    y = _y_axis(points, summary.metric(primary).scale, _quality_title(summary))
    return layout(points, x, y, "Quality vs latency — up and left is better")
