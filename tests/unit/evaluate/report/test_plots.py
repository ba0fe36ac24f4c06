"""The trade-off plots laid out for SVG: ticks, scales, where each model lands, the SVG they become."""

from __future__ import annotations

import pytest

from fmkit.contracts.pricing import InstancePricing
from fmkit.evaluate.report.html import _environment
from fmkit.evaluate.report.plots import (
    Axis,
    Datum,
    Scatter,
    layout,
    linear_ticks,
    log_ticks,
    nice_step,
    quality_vs_cost,
    quality_vs_latency,
)
from fmkit.evaluate.summary import EvaluationSummary, summarize
from tests.unit.evaluate import _runs as runs


def _number(value: float, decimals: int) -> str:
    return f"{value:.{decimals}f}"


@pytest.mark.parametrize(("span", "step"), [(0.66, 0.1), (1.0, 0.2), (7.0, 1.0), (100, 20), (0.004, 0.001),
                                            (1.6, 0.25)])
def test_nice_steps(span: float, step: float) -> None:
    assert nice_step(span) == pytest.approx(step)


def test_linear_ticks_stay_in_range_and_show_every_step() -> None:
    assert linear_ticks(0.38, 1.04, _number) == (
        (0.4, "0.4"), (0.5, "0.5"), (0.6, "0.6"), (0.7, "0.7"), (0.8, "0.8"), (0.9, "0.9"), (1.0, "1.0"))
    assert [label for _, label in linear_ticks(0, 1.6, _number)] == ["0.00", "0.25", "0.50", "0.75", "1.00",
                                                                      "1.25", "1.50"]


def test_log_ticks_are_decades_with_2_and_5_when_few_are_in_view() -> None:
    assert [v for v, _ in log_ticks(0.0005, 0.2, _number)] == pytest.approx([0.001, 0.01, 0.1])
    narrow = log_ticks(0.003, 0.09, _number)
    assert [label for _, label in narrow] == ["0.005", "0.01", "0.02", "0.05"]


def _inside(plot: Scatter, x: float, y: float) -> bool:
    return plot.left <= x <= plot.right and plot.top <= y <= plot.bottom


def test_quality_vs_cost_places_models_by_both_costs_and_score(summary: EvaluationSummary) -> None:
    plot = quality_vs_cost(summary)
    assert plot is not None
    marks = {m.model: m for m in plot.marks if not m.hollow}  # expected cost: filled, labelled
    rings = {m.model: m for m in plot.marks if m.hollow}  # marginal cost: a ring on the same row
    assert set(marks) == set(rings) == {"exact", "twin", "weak"}  # "down" has no cost: nothing was answered
    assert plot.x_title == "USD per 1,000 requests (log scale)"  # $0.16 (twin, marginal) .. $20 (weak, expected)
    assert marks["twin"].cx < marks["exact"].cx < marks["weak"].cx  # $0.50 < $3 < $20: cheaper is left
    assert rings["weak"].cx < marks["weak"].cx and rings["weak"].cy == marks["weak"].cy
    assert marks["exact"].cy < marks["weak"].cy  # better is up (SVG y grows downwards)
    for mark in marks.values():
        assert _inside(plot, mark.cx, mark.cy) and mark.x_bar is None and mark.labelled  # cost has no interval
        assert mark.y_bar is not None and mark.y_bar[1] <= mark.cy <= mark.y_bar[0]
        assert mark.color == rings[mark.model].color and not rings[mark.model].labelled
    assert len(plot.links) == 3  # a dashed line from each expected cost to its marginal one
    assert plot.x_ticks[0].label.startswith("$0") and all(_inside(plot, t.at, plot.bottom) for t in plot.x_ticks)


def test_cost_spanning_decades_uses_a_log_scale() -> None:
    dataset = runs.dataset()
    answers = runs.answers(dataset)
    prices = {**runs.PRICES, "weak": InstancePricing(per_hour=3600.0)}  # ~$1,090 vs $0.16 per 1k requests
    plot = quality_vs_cost(summarize(runs.result(dataset, answers, prices), n_resamples=50))
    assert plot is not None and plot.x_title.endswith("(log scale)")
    assert [t.label for t in plot.x_ticks] == ["$0.1", "$1", "$10", "$100", "$1000"]
    assert all(m.hollow and m.labelled for m in plot.marks)  # marginal costs only: rings, each named


def test_costs_within_a_decade_use_a_linear_scale() -> None:
    dataset = runs.dataset()
    plans = {name: plan.model_copy(update={"usd_per_month": 100.0 + 20 * i})
             for i, (name, plan) in enumerate(runs.PLANS.items())}  # $1.00, $1.20, $1.40 per 1k requests
    plot = quality_vs_cost(summarize(runs.result(dataset, runs.answers(dataset), {}, plans), n_resamples=50))
    assert plot is not None and plot.x_title == "USD per 1,000 requests" and not plot.links


def test_quality_vs_latency_has_both_intervals_and_a_score_axis_within_its_scale(summary: EvaluationSummary) -> None:
    plot = quality_vs_latency(summary)
    assert plot is not None
    assert all(m.x_bar is not None and m.y_bar is not None for m in plot.marks)
    assert float(plot.y_ticks[-1].label) <= 1.0 and float(plot.y_ticks[0].label) >= 0.0
    assert plot.x_ticks[0].label.startswith("0")  # latency starts at zero


def test_one_model_without_intervals_still_gets_axes() -> None:
    only: runs.Answers = {"exact": [("x", 0.5), *[(None, 0.0)] * (runs.N - 1)]}
    plot = quality_vs_latency(summarize(runs.result(runs.dataset(), only, {}), n_resamples=50))
    assert plot is not None and len(plot.marks) == 1 and len(plot.y_ticks) >= 2 and len(plot.x_ticks) >= 2
    assert quality_vs_cost(summarize(runs.result(runs.dataset(), only, {}), n_resamples=50)) is None


def test_the_svg_escapes_model_names_and_fetches_nothing() -> None:
    hostile = Datum("<script>", 1.0, 0.5)
    axis = Axis(0.0, 2.0, False, ((0.0, "0"), (1.0, "1")), "axis")
    plot = layout([hostile], axis, Axis(0.0, 1.0, False, ((0.5, "0.5"),), "q"), "Quality vs <b>")
    svg = _environment().from_string('{% from "scatter.svg.j2" import scatter %}{{ scatter(plot) }}').render(
        plot=plot)
    assert svg.startswith("<svg") and svg.count("<svg") == 1
    assert "<script>" not in svg and "&lt;script&gt;" in svg and "Quality vs &lt;b&gt;" in svg
    assert "http" not in svg and "<image" not in svg
