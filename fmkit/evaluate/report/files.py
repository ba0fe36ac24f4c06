"""Write the three reports side by side: `report.json`, `report.md`, `report.html`."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from fmkit.evaluate.report.html import render_html
from fmkit.evaluate.report.json import render_json
from fmkit.evaluate.report.markdown import render_markdown
from fmkit.evaluate.summary import EvaluationSummary


@dataclass(frozen=True)
class ReportPaths:
    json: Path
    markdown: Path
    html: Path


def write_reports(summary: EvaluationSummary, out_dir: str | Path) -> ReportPaths:
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    paths = ReportPaths(json=out / "report.json", markdown=out / "report.md", html=out / "report.html")
    paths.json.write_text(render_json(summary), encoding="utf-8")
    paths.markdown.write_text(render_markdown(summary), encoding="utf-8")
    paths.html.write_text(render_html(summary), encoding="utf-8")
    return paths
