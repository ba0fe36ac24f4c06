"""The retrieval report: one row per run, so chunking and embedding choices sit side by side.

`retrieval-report.json` is the machine-readable record (`runs[].metrics`, `best`, `thresholds`);
`.md` and `.html` say the same for people. The HTML is a single self-contained page (escaped
by hand: it holds only numbers and names the user chose), no template engine needed.
"""

from __future__ import annotations

import html
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .dataset import RetrievalDataset
from .metrics import LATENCY_METRICS, QUALITY_METRICS
from .runner import RunSummary

REPORT_STEM = "retrieval-report"
LABELS = {"hit_rate": "hit@k", "mrr": "MRR", "context_precision": "precision@k", "context_recall": "recall@k",
          "latency_p50_s": "p50 latency", "latency_p95_s": "p95 latency"}


@dataclass(frozen=True)
class ReportPaths:
    json: Path
    markdown: Path
    html: Path


def best_runs(runs: Sequence[RunSummary]) -> dict[str, str]:
    """Per quality metric, the run with the highest value (ties: the first listed)."""
    best: dict[str, str] = {}
    for metric in QUALITY_METRICS:
        scored = [(r.metrics.get(metric), r.name) for r in runs if r.metrics.get(metric) is not None]
        if scored:
            top = max(value for value, _ in scored if value is not None)
            best[metric] = next(name for value, name in scored if value == top)
    return best


def report_data(dataset: RetrievalDataset, runs: Sequence[RunSummary], *,
                context: Mapping[str, Any] | None = None, gate: Sequence[str] = ()) -> dict[str, Any]:
    return {
        "kind": "fmkit-retrieval-report",
        **dict(context or {}),
        "dataset": {"path": str(dataset.path), "sha256": dataset.sha256, "items": len(dataset)},
        "runs": [r.model_dump(mode="json") for r in runs],
        "best": best_runs(runs),
        "thresholds": list(gate),
    }


def _cell(metric: str, value: float | None) -> str:
    if value is None:
        return "–"
    return f"{value * 1000:.1f} ms" if metric in LATENCY_METRICS else f"{value:.3f}"


def render_markdown(data: Mapping[str, Any]) -> str:
    metrics = [*QUALITY_METRICS, *LATENCY_METRICS]
    lines = [f"# Retrieval evaluation — {data.get('title', 'knowledge base')}", "",
             f"{data['dataset']['items']} questions from `{data['dataset']['path']}` "
             f"(sha256 {data['dataset']['sha256'][:12]}).", "",
             "| run | answered | " + " | ".join(LABELS[m] for m in metrics) + " |",
             "|---|---:|" + "---:|" * len(metrics)]
    for run in data["runs"]:
        cells = " | ".join(_cell(m, run["metrics"].get(m)) for m in metrics)
        lines.append(f"| {run['name']} | {run['n_ok']}/{run['n_items']} | {cells} |")
    lines += ["", "k = " + ", ".join(sorted({str(r['k']) for r in data['runs']})) + ". "
              "hit@k: a relevant chunk in the top k; MRR: 1/rank of the first relevant chunk; "
              "precision@k: relevant share of the chunks returned; recall@k: expected passages "
              "(or sources) covered. See docs/evaluation-retrieval.md.", ""]
    for run in data["runs"]:
        lines.append(f"- **{run['name']}**: {run['description']}")
    if data.get("best"):
        lines += ["", "Best per metric: " + ", ".join(f"{LABELS[m]} {n}" for m, n in data["best"].items()) + "."]
    for line in data.get("thresholds", []):
        lines.append(f"- {line}")
    return "\n".join(lines) + "\n"


def render_html(data: Mapping[str, Any]) -> str:
    metrics = [*QUALITY_METRICS, *LATENCY_METRICS]
    esc = html.escape
    head = "".join(f"<th>{esc(LABELS[m])}</th>" for m in metrics)
    rows = []
    for run in data["runs"]:
        cells = "".join(f"<td class=num>{esc(_cell(m, run['metrics'].get(m)))}</td>" for m in metrics)
        rows.append(f"<tr><td title='{esc(run['description'])}'>{esc(run['name'])}</td>"
                    f"<td class=num>{run['n_ok']}/{run['n_items']}</td>{cells}</tr>")
    notes = "".join(f"<li>{esc(line)}</li>" for line in data.get("thresholds", []))
    return (
        "<!doctype html><html lang=en><meta charset=utf-8>"
        f"<title>Retrieval evaluation — {esc(str(data.get('title', '')))}</title>"
        "<style>body{font-family:system-ui,sans-serif;margin:2rem;max-width:72rem}table{border-collapse:collapse}"
        "th,td{border:1px solid #ccc;padding:.3rem .6rem}td.num{text-align:right;font-variant-numeric:tabular-nums}"
        "th{background:#f4f4f4}</style>"
        f"<h1>Retrieval evaluation — {esc(str(data.get('title', '')))}</h1>"
        f"<p>{data['dataset']['items']} questions from <code>{esc(data['dataset']['path'])}</code></p>"
        f"<table><tr><th>run</th><th>answered</th>{head}</tr>{''.join(rows)}</table>"
        f"<ul>{notes}</ul></html>\n"
    )


def write_report(data: Mapping[str, Any], out_dir: Path) -> ReportPaths:
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = ReportPaths(json=out_dir / f"{REPORT_STEM}.json", markdown=out_dir / f"{REPORT_STEM}.md",
                        html=out_dir / f"{REPORT_STEM}.html")
    paths.json.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
    paths.markdown.write_text(render_markdown(data), encoding="utf-8")
    paths.html.write_text(render_html(data), encoding="utf-8")
    return paths
