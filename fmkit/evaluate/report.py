"""Reports for three readers: `report.json` (CI), `report.md` (a PR comment), `report.html` (people).

The HTML page is self-contained (inline CSS, inline SVG plots, no scripts, fonts or links to
fetch) so it can be attached to a CI run or mailed and still render offline.
`check_thresholds` is the CI gate behind `fmkit eval --min-score metric=value`.
"""

from __future__ import annotations

import html
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from fmkit.evaluate.metrics import Check, metric_label
from fmkit.evaluate.runner import EvaluationResult
from fmkit.evaluate.summary import Estimate, EvaluationSummary, ModelSummary, Winner, summarize

_WINNER_TITLES = {
    "best_quality": "Best quality",
    "fastest": "Fastest",
    "cheapest": "Cheapest",
    "best_value": "Best quality per dollar",
}


def _label(metric: str) -> str:
    return metric_label(metric)


# ------------------------------------------------------------------------------------ format


def _num(value: float | None, scale: float = 1.0) -> str:
    if value is None:
        return "–"
    return f"{value:.1f}" if scale >= 100 else f"{value:.3f}"


def _ci(est: Estimate, scale: float = 1.0) -> str:
    if est.low is None or est.high is None:
        return ""
    return f"{_num(est.low, scale)}–{_num(est.high, scale)}"


def _seconds(value: float | None) -> str:
    if value is None:
        return "–"
    return f"{value * 1000:.0f} ms" if value < 1 else f"{value:.2f} s"


def _seconds_ci(est: Estimate) -> str:
    if est.low is None or est.high is None:
        return ""
    return f"{_seconds(est.low)}–{_seconds(est.high)}"


def _usd(value: float | None) -> str:
    if value is None:
        return "–"
    if value >= 100:
        return f"${value:,.0f}"
    return f"${value:.2f}" if value >= 1 else f"${value:.4f}"


def _pct(value: float | None) -> str:
    return "–" if value is None else f"{value * 100:.1f}%"


def _rate(value: float | None) -> str:
    return "–" if value is None else f"{value:.1f}"


def _diff(value: float, scale: float) -> str:
    return f"{value:+.1f}" if scale >= 100 else f"{value:+.3f}"


def _winner_value(summary: EvaluationSummary, winner: Winner) -> str:
    if winner.value is None:
        return "–"
    if winner.category == "best_quality":
        return f"{_label(winner.unit)} {_num(winner.value, summary.metric(winner.unit).scale)}"
    if winner.category == "fastest":
        return f"p95 {_seconds(winner.value)}"
    if winner.category == "cheapest":
        return f"{_usd(winner.value)} / 1k requests"
    model = summary.model(winner.model) if winner.model else None
    if model is None:
        return "–"
    primary = summary.primary_metric
    quality = _num(model.quality[primary].value, summary.metric(primary).scale)
    return f"{_label(primary)} {quality} at {_usd(model.cost_per_1k_requests)} / 1k requests"


def _best_models(summary: EvaluationSummary, metric: str) -> set[str]:
    values = [m.quality[metric].value for m in summary.models if m.quality[metric].value is not None]
    if not values or len(summary.models) < 2:
        return set()
    top = max(v for v in values if v is not None)
    return {m.model for m in summary.models if m.quality[metric].value == top}


# ------------------------------------------------------------------------------------ JSON


def render_json(summary: EvaluationSummary) -> str:
    return json.dumps(summary.to_dict(), indent=2, ensure_ascii=False, allow_nan=False) + "\n"


# ------------------------------------------------------------------------------------ Markdown


def _md_escape(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def render_markdown(summary: EvaluationSummary) -> str:
    metrics = [m.name for m in summary.metrics]
    scale = {m.name: m.scale for m in summary.metrics}
    primary = summary.primary_metric
    dataset = summary.dataset
    lines = [
        f"## Model evaluation — `{Path(dataset['path']).name}` ({dataset['items']} items)",
        "",
    ]
    for winner in summary.winners:
        if winner.model is None:
            lines.append(f"- **{_WINNER_TITLES[winner.category]}:** – · {winner.note}")
        else:
            lines.append(
                f"- **{_WINNER_TITLES[winner.category]}:** `{winner.model}` — "
                f"{_winner_value(summary, winner)} · {winner.note}"
            )
    lines += ["", "### Overall", ""]
    header = ["Model", "OK / n", "Errors", *(_label(m) for m in metrics)]
    header += ["TTFT p50", "Latency p50", "Latency p95", "Output tok/s", "USD / 1k req"]
    lines.append("| " + " | ".join(header) + " |")
    lines.append("|" + "|".join(["---"] + ["---:"] * (len(header) - 1)) + "|")
    best = {m: _best_models(summary, m) for m in metrics}
    for model in summary.models:
        cells = [f"`{model.model}`", f"{model.n_ok} / {model.n_items}", _pct(model.error_rate)]
        for metric in metrics:
            value = _num(model.quality[metric].value, scale[metric])
            cells.append(f"**{value}**" if model.model in best[metric] else value)
        cells += [
            _seconds(model.ttft_p50_s),
            _seconds(model.latency_p50_s),
            _seconds(model.latency_p95_s.value),
            _rate(model.output_tokens_per_s),
            _usd(model.cost_per_1k_requests),
        ]
        lines.append("| " + " | ".join(cells) + " |")
    lines += [
        "",
        f"{int(summary.settings['confidence'] * 100)}% bootstrap confidence intervals for {_label(primary)}: "
        + ", ".join(f"`{m.model}` {_ci(m.quality[primary], scale[primary]) or '–'}" for m in summary.models)
        + ".",
    ]
    if summary.comparisons:
        lines += ["", f"### Paired comparisons ({_label(primary)})", ""]
        lines += ["| A − B | Difference | CI | p | Verdict |", "|---|---:|---:|---:|---|"]
        sc = summary.metric(primary).scale
        for c in summary.comparisons:
            verdict = "significant" if c.significant else "not significantly different"
            lines.append(
                f"| `{c.model_a}` − `{c.model_b}` | {_diff(c.difference, sc)} "
                f"| {_diff(c.low, sc)} … {_diff(c.high, sc)} "
                f"| {c.p_value:.3f} | {verdict} |"
            )
    if summary.tags:
        lines += ["", f"### By tag ({_label(primary)})", ""]
        lines.append("| Tag | n | " + " | ".join(f"`{m.model}`" for m in summary.models) + " |")
        lines.append("|---|---:|" + "---:|" * len(summary.models))
        for row in summary.tags:
            values = [_num(row.by_model[m.model][primary], scale[primary]) for m in summary.models]
            lines.append(f"| {_md_escape(row.tag)} | {row.n} | " + " | ".join(values) + " |")
    failing = [m for m in summary.models if m.n_errors]
    if failing:
        lines += ["", "### Errors", ""]
        for model in failing:
            kinds = ", ".join(f"{k} × {v}" for k, v in sorted(model.errors_by_kind.items()))
            lines.append(f"- `{model.model}`: {model.n_errors} ({kinds})")
    lines += [
        "",
        "<details><summary>Method</summary>",
        "",
        f"Corpus BLEU/chrF (sacrebleu, 0–100), ROUGE F-measure with stemming (rouge-score, 0–1), "
        f"normalised exact match. Failed requests score as empty answers. CIs: percentile bootstrap, "
        f"{summary.settings['n_resamples']} resamples, seed {summary.settings['seed']}. Costs are estimates: "
        "token prices × reported usage, or instance price ÷ measured throughput at the run's concurrency.",
        "",
        "</details>",
        "",
    ]
    return "\n".join(lines)


# ------------------------------------------------------------------------------------ HTML

_CSS = """
:root{--fg:#111827;--muted:#6b7280;--line:#e5e7eb;--bg:#f9fafb;--card:#fff;--accent:#2563eb;--good:#15803d;--bad:#b91c1c}
*{box-sizing:border-box}
body{margin:0;color:var(--fg);background:var(--bg);
  font:14px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,Helvetica,Arial,sans-serif}
main{max-width:1180px;margin:0 auto;padding:32px 24px 64px}
h1{font-size:24px;margin:0 0 4px}
h2{font-size:17px;margin:36px 0 12px}
.meta{color:var(--muted);font-size:13px}
.meta code{font-size:12px}
.cards{display:grid;grid-template-columns:repeat(auto-fit,minmax(240px,1fr));gap:12px;margin-top:20px}
.card{background:var(--card);border:1px solid var(--line);border-radius:10px;padding:14px 16px}
.card .k{color:var(--muted);font-size:12px;text-transform:uppercase;letter-spacing:.04em}
.card .m{font-size:18px;font-weight:650;margin:2px 0;word-break:break-all}
.card .v{font-size:13px}
.card .n{color:var(--muted);font-size:12px;margin-top:4px}
.table-wrap{overflow-x:auto;background:var(--card);border:1px solid var(--line);border-radius:10px}
table{border-collapse:collapse;width:100%;font-variant-numeric:tabular-nums}
th,td{padding:8px 10px;border-bottom:1px solid var(--line);text-align:right;
  white-space:nowrap;vertical-align:top}
th{font-size:12px;color:var(--muted);font-weight:600;background:#f3f4f6}
th:first-child,td:first-child{text-align:left}
tr:last-child td{border-bottom:none}
td .ci{display:block;color:var(--muted);font-size:11px}
td .ci.wrap{white-space:normal;min-width:160px;max-width:240px;margin-left:auto}
td.best{font-weight:700;color:var(--good)}
td.best .ci{font-weight:400;color:var(--muted)}
th.grp,td.grp{border-left:1px solid var(--line)}
.sig{color:var(--good)} .nsig{color:var(--muted)} .err{color:var(--bad)}
.plots{display:grid;grid-template-columns:repeat(auto-fit,minmax(420px,1fr));gap:12px}
figure{margin:0;background:var(--card);border:1px solid var(--line);border-radius:10px;padding:8px}
figure svg{width:100%;height:auto;display:block}
figcaption{color:var(--muted);font-size:12px;padding:4px 8px}
details{background:var(--card);border:1px solid var(--line);border-radius:10px;
  padding:10px 14px;margin-bottom:8px}
summary{cursor:pointer;font-weight:600}
.ex{border-top:1px solid var(--line);padding:10px 0}
.ex pre{white-space:pre-wrap;word-break:break-word;background:var(--bg);border-radius:6px;
  padding:8px;margin:4px 0;font-size:12px}
.note{color:var(--muted);font-size:12px}
"""


def _e(text: object) -> str:
    return html.escape(str(text), quote=True)


def _table(head: list[str], rows: list[str]) -> str:
    return (
        "<div class='table-wrap'><table><thead><tr>"
        + "".join(f"<th>{_e(h)}</th>" for h in head)
        + "</tr></thead><tbody>"
        + "".join(rows)
        + "</tbody></table></div>"
    )


def _model_cell(model: ModelSummary, *, describe: bool = True) -> str:
    detail = f"<span class='ci'>{_e(model.description)}</span>" if describe else ""
    return f"<td><b>{_e(model.model)}</b>{detail}</td>"


def _html_quality(summary: EvaluationSummary) -> str:
    metrics = summary.metrics
    best = {m.name: _best_models(summary, m.name) for m in metrics}
    head = ["Model", "Answered", *(_label(m.name) for m in metrics)]
    rows = []
    for model in summary.models:
        cells = [
            _model_cell(model),
            f"<td>{model.n_ok} / {model.n_items}"
            + (f"<span class='ci'>{model.n_missing} not run</span>" if model.n_missing else "")
            + "</td>",
        ]
        for metric in metrics:
            est = model.quality[metric.name]
            cls = " class='best'" if model.model in best[metric.name] else ""
            cells.append(
                f"<td{cls}>{_num(est.value, metric.scale)}<span class='ci'>{_ci(est, metric.scale)}</span></td>"
            )
        rows.append("<tr>" + "".join(cells) + "</tr>")
    return _table(head, rows)


def _html_operations(summary: EvaluationSummary) -> str:
    head = ["Model", "Errors", "Retried", "TTFT p50", "TTFT p95", "Latency p50", "Latency p95"]
    head += ["Output tok/s", "Req/s", "USD / 1k requests"]
    timed = [m.latency_p95_s.value for m in summary.models if m.latency_p95_s.value is not None]
    priced = [m.cost_per_1k_requests for m in summary.models if m.cost_per_1k_requests is not None]
    rows = []
    for model in summary.models:
        fastest = len(timed) > 1 and model.latency_p95_s.value == min(timed)
        cheapest = len(priced) > 1 and model.cost_per_1k_requests == min(priced)
        cells = [
            _model_cell(model, describe=False),
            f"<td class='{'err' if model.n_errors else ''}'>{_pct(model.error_rate)}</td>",
            f"<td>{model.retried_items or '–'}</td>",
            f"<td>{_seconds(model.ttft_p50_s)}</td>",
            f"<td>{_seconds(model.ttft_p95_s.value)}</td>",
            f"<td>{_seconds(model.latency_p50_s)}</td>",
            f"<td{' class=best' if fastest else ''}>{_seconds(model.latency_p95_s.value)}"
            f"<span class='ci'>{_seconds_ci(model.latency_p95_s)}</span></td>",
            f"<td>{_rate(model.output_tokens_per_s)}</td>",
            f"<td>{_rate(model.throughput_rps)}</td>",
            f"<td{' class=best' if cheapest else ''}>{_usd(model.cost_per_1k_requests)}"
            f"<span class='ci wrap'>{_e(model.cost_note or '')}</span></td>",
        ]
        rows.append("<tr>" + "".join(cells) + "</tr>")
    return _table(head, rows)


def _html_tags(summary: EvaluationSummary) -> str:
    if not summary.tags:
        return "<p class='note'>The dataset has no tags.</p>"
    primary = summary.primary_metric
    scale = summary.metric(primary).scale
    head = "<th>Tag</th><th>n</th>" + "".join(
        f"<th class='grp'>{_e(m.model)}<br>{_e(_label(primary))}</th><th>errors</th><th>p50</th>"
        for m in summary.models
    )
    rows = []
    for row in summary.tags:
        values = [row.by_model[m.model][primary] for m in summary.models]
        top = max((v for v in values if v is not None), default=None)
        cells = [f"<td>{_e(row.tag)}</td>", f"<td>{row.n}</td>"]
        for model, value in zip(summary.models, values, strict=True):
            data = row.by_model[model.model]
            best = value is not None and value == top and len(summary.models) > 1
            cells.append(f"<td class='grp{' best' if best else ''}'>{_num(value, scale)}</td>")
            cells.append(f"<td>{_pct(data['error_rate'])}</td>")
            cells.append(f"<td>{_seconds(data['latency_p50_s'])}</td>")
        rows.append("<tr>" + "".join(cells) + "</tr>")
    body = "".join(rows)
    return f"<div class='table-wrap'><table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></div>"


def _html_comparisons(summary: EvaluationSummary) -> str:
    if not summary.comparisons:
        return "<p class='note'>One model: nothing to compare.</p>"
    rows = []
    sc = summary.metric(summary.primary_metric).scale
    for c in summary.comparisons:
        verdict = (
            "<span class='sig'>significant</span>"
            if c.significant
            else "<span class='nsig'>not significantly different</span>"
        )
        rows.append(
            f"<tr><td>{_e(c.model_a)} − {_e(c.model_b)}</td><td>{c.n_items}</td><td>{_diff(c.difference, sc)}</td>"
            f"<td>{_diff(c.low, sc)} … {_diff(c.high, sc)}</td><td>{c.p_value:.3f}</td><td>{verdict}</td></tr>"
        )
    return (
        "<div class='table-wrap'><table><thead><tr><th>A − B</th><th>Items</th><th>Difference</th>"
        f"<th>{int(summary.settings['confidence'] * 100)}% CI</th><th>p</th><th>Verdict</th></tr></thead>"
        f"<tbody>{''.join(rows)}</tbody></table></div>"
    )


def _html_weakest(summary: EvaluationSummary) -> str:
    blocks = []
    scale = summary.metric(summary.primary_metric).scale
    for model, examples in summary.weakest_items.items():
        if not examples:
            continue
        inner = []
        for ex in examples:  # lowest primary-metric score first
            answer = f"<div class='err'>{_e(ex.error)}</div>" if ex.error else f"<pre>{_e(ex.output or '')}</pre>"
            inner.append(
                f"<div class='ex'><b>{_e(ex.item_id)}</b> — {_e(_label(summary.primary_metric))} "
                f"{_num(ex.score, scale)}<div class='note'>Prompt</div><pre>{_e(ex.prompt)}</pre>"
                f"<div class='note'>Reference</div><pre>{_e(ex.reference)}</pre>"
                f"<div class='note'>Answer</div>{answer}</div>"
            )
        label = f"{_e(model)} — {len(examples)} lowest {_e(_label(summary.primary_metric))}"
        blocks.append(f"<details><summary>{label}</summary>{''.join(inner)}</details>")
    return "".join(blocks) or "<p class='note'>No answers yet.</p>"


def _html_errors(models: Sequence[ModelSummary]) -> str:
    failing = [m for m in models if m.n_errors]
    if not failing:
        return "<p class='note'>No failed requests.</p>"
    items = "".join(
        f"<li><b>{_e(m.model)}</b>: {m.n_errors} failed — "
        + ", ".join(f"{_e(k)} × {v}" for k, v in sorted(m.errors_by_kind.items()))
        + (f"; {m.retried_items} items needed retries" if m.retried_items else "")
        + "</li>"
        for m in failing
    )
    return f"<ul>{items}</ul>"


def render_html(summary: EvaluationSummary) -> str:
    from fmkit.evaluate._plots import (
        quality_vs_cost_svg,
        quality_vs_latency_svg,
    )  # matplotlib is slow to import

    dataset = summary.dataset
    cards = []
    for winner in summary.winners:
        cards.append(
            "<div class='card'>"
            f"<div class='k'>{_e(_WINNER_TITLES[winner.category])}</div>"
            f"<div class='m'>{_e(winner.model or '–')}</div>"
            f"<div class='v'>{_e(_winner_value(summary, winner))}</div>"
            f"<div class='n'>{_e(winner.note)}</div></div>"
        )
    figures = []
    for svg, caption in (
        (
            quality_vs_cost_svg(summary),
            "Error bars: bootstrap CI of the quality metric. Cost is a point estimate.",
        ),
        (quality_vs_latency_svg(summary), "Error bars: bootstrap CIs of quality and of p95 latency."),
    ):
        if svg is not None:
            figures.append(f"<figure>{svg}<figcaption>{_e(caption)}</figcaption></figure>")
    plots = (
        f"<div class='plots'>{''.join(figures)}</div>"
        if figures
        else "<p class='note'>No successful answers to plot.</p>"
    )
    if len(figures) == 1:
        plots += "<p class='note'>No prices were given, so there is no cost plot.</p>"
    params = summary.params
    settings = summary.settings
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>fmkit evaluation — {_e(Path(dataset["path"]).name)}</title>
<style>{_CSS}</style>
</head>
<body>
<main>
<h1>Model evaluation</h1>
<div class="meta">Dataset <code>{_e(dataset["path"])}</code> · {dataset["items"]} items · sha256
<code>{_e(dataset["sha256"][:12])}</code> · generated {_e(summary.generated_at)} ·
max_tokens {params["max_tokens"]}, temperature {params["temperature"]:g} ·
primary metric {_e(_label(summary.primary_metric))}</div>
<div class="cards">{"".join(cards)}</div>
<h2>Quality</h2>
{_html_quality(summary)}
<p class="note">Small grey numbers: {int(settings["confidence"] * 100)}% percentile-bootstrap confidence
intervals ({settings["n_resamples"]} resamples, seed {settings["seed"]}). Best value per column in green.
BLEU and chrF are on a 0–100 scale, the others 0–1.</p>
<h2>Speed, reliability and cost</h2>
{_html_operations(summary)}
<p class="note">Latency is end to end, measured by the client; TTFT needs a streaming API. Retried: items
that needed more than one attempt (throttling, 5xx). Req/s is sustained throughput at the run's
concurrency, which also prices hourly-billed endpoints.</p>
<h2>Trade-offs</h2>
{plots}
<h2>Paired comparisons — {_e(_label(summary.primary_metric))}</h2>
{_html_comparisons(summary)}
<p class="note">Paired bootstrap over the items both models answered: a difference whose interval
contains 0 is not significant on this dataset — collect more items before choosing on it.</p>
<h2>By tag</h2>
{_html_tags(summary)}
<h2>Errors</h2>
{_html_errors(summary.models)}
<h2>Weakest answers</h2>
{_html_weakest(summary)}
<h2>Method</h2>
<p class="note">BLEU and chrF: sacrebleu corpus scores (0–100, default tokenisation). ROUGE-1/2/L:
mean F-measure from rouge-score with Porter stemming (0–1, English tokeniser).
Exact match after SQuAD normalisation. A failed
request scores as an empty answer. Latency is measured client-side per successful request (final attempt);
TTFT needs streaming. Cost: token prices × mean reported usage, or instance price ÷ measured throughput at the
concurrency used — an estimate, not a bill.</p>
</main>
</body>
</html>
"""


# ------------------------------------------------------------------------------------ files


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


# ------------------------------------------------------------------------------------ thresholds

# Operational metrics a threshold may name, and whether higher values are better.
_OPERATIONAL: dict[str, bool] = {
    "error_rate": False,
    "latency_p50_s": False,
    "latency_p95_s": False,
    "ttft_p50_s": False,
    "ttft_p95_s": False,
    "cost_per_1k_requests": False,
    "output_tokens_per_s": True,
    "throughput_rps": True,
}


def _operational_value(model: ModelSummary, metric: str) -> float | None:
    values: dict[str, float | None] = {
        "error_rate": model.error_rate,
        "latency_p50_s": model.latency_p50_s,
        "latency_p95_s": model.latency_p95_s.value,
        "ttft_p50_s": model.ttft_p50_s,
        "ttft_p95_s": model.ttft_p95_s.value,
        "cost_per_1k_requests": model.cost_per_1k_requests,
        "output_tokens_per_s": model.output_tokens_per_s,
        "throughput_rps": model.throughput_rps,
    }
    return values[metric]


@dataclass(frozen=True)
class ThresholdFailure:
    model: str
    metric: str
    bound: Literal["min", "max"]
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


def parse_threshold(spec: str) -> tuple[str, float]:
    """`rougeL=0.3` -> ("rougeL", 0.3)."""
    metric, sep, value = spec.partition("=")
    try:
        if not sep or not metric.strip():
            raise ValueError("missing '='")
        return metric.strip(), float(value)
    except ValueError as exc:
        raise ValueError(f"invalid threshold {spec!r}: expected METRIC=NUMBER ({exc})") from exc


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
    known = sorted(quality_names | set(_OPERATIONAL))
    maximums = maximums or {}
    for metric in [*minimums, *maximums]:
        if metric not in quality_names and metric not in _OPERATIONAL:
            raise ValueError(f"unknown metric {metric!r} in thresholds; known: {', '.join(known)}")
    selected = [summary.model(name) for name in models] if models else summary.models
    failures: list[ThresholdFailure] = []
    checked = 0
    for model in selected:
        for bound, limits in (("min", minimums), ("max", maximums)):
            for metric, threshold in limits.items():
                checked += 1
                if metric in quality_names:
                    est = model.quality[metric]
                    value = est.low if use_lower_bound and bound == "min" and est.low is not None else est.value
                else:
                    value = _operational_value(model, metric)
                ok = value is not None and (value >= threshold if bound == "min" else value <= threshold)
                if not ok:
                    failures.append(ThresholdFailure(model.model, metric, bound, threshold, value))  # type: ignore[arg-type]
    return ThresholdReport(failures=tuple(failures), checked=checked)
