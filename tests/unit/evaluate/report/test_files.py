"""The three reports written side by side: JSON for CI, Markdown for a PR, self-contained HTML."""

from __future__ import annotations

import json
import re
from pathlib import Path

from fmkit.evaluate.report.files import write_reports
from fmkit.evaluate.summary import EvaluationSummary


def test_report_files_json_markdown_and_self_contained_html(summary: EvaluationSummary, tmp_path: Path) -> None:
    paths = write_reports(summary, tmp_path)
    data = json.loads(paths.json.read_text())
    assert data["schema"] == "fmkit.evaluate.report/v2"
    assert list(data["models"]) == ["exact", "twin", "weak", "down"]  # keyed by model, in run order
    assert data["models"]["weak"]["cost"]["usd_per_1k_requests_expected"] == 20.0
    assert data["models"]["weak"]["cost"]["usd_per_1k_requests_marginal"] > 0
    assert {w["category"] for w in data["winners"]} == {"best_quality", "fastest", "cheapest", "best_value"}
    assert "NaN" not in paths.json.read_text()

    markdown = paths.markdown.read_text()
    assert "| Model | OK / n | Errors | BLEU | chrF | ROUGE-1 | ROUGE-2 | ROUGE-L |" in markdown
    assert "**Best quality:** `exact`" in markdown and "not significantly different from twin" in markdown
    assert "| `down` | 0 / 24 | 100.0% |" in markdown

    page = paths.html.read_text()
    assert page.startswith("<!DOCTYPE html>")
    assert page.count("<svg") == 2  # quality vs cost, quality vs latency
    # Self-contained: nothing to fetch.
    assert not re.search(r"""(?:src|href)\s*=\s*["']?\s*(?:https?:)?//""", page, re.IGNORECASE)
    assert not re.search(r"<script|<link|<img|<iframe|@import|url\((?!#)", page, re.IGNORECASE)  # url(#clip) is local
    assert "not significantly different" in page
