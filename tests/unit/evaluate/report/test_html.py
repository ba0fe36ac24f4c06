"""The HTML report: escaped model output, plots, notes when there is nothing to show."""

from __future__ import annotations

from pathlib import Path

from fmkit.evaluate.report.html import render_html
from fmkit.evaluate.report.markdown import render_markdown
from fmkit.evaluate.summary import summarize
from tests.unit.evaluate import _runs as runs


def test_html_escapes_model_output(tmp_path: Path) -> None:
    dataset = runs.dataset()
    answers = runs.answers(dataset)
    hostile = "<script>alert(1)</script><img src=https://evil.example/x.png>"
    answers["weak"] = [(hostile, 1.0) for _ in dataset.items]
    page = render_html(summarize(runs.result(dataset, answers, runs.PRICES), n_resamples=50))
    assert "<script>alert" not in page and "&lt;script&gt;alert(1)" in page
    assert "<img" not in page and "&lt;img src=https://evil.example/x.png&gt;" in page


def test_single_model_without_prices(tmp_path: Path) -> None:
    dataset = runs.dataset()
    only = {"exact": runs.answers(dataset)["exact"]}
    summary = summarize(runs.result(dataset, only, {}), n_resamples=50)
    assert summary.comparisons == []
    assert summary.winner("cheapest").model is None
    assert summary.winner("cheapest").note.startswith("no expected cost: give the deployments expected_traffic")
    page = render_html(summary)
    assert page.count("<svg") == 1 and "no cost plot" in page
    assert "**Cheapest:** – · no expected cost" in render_markdown(summary)
