"""`report.md`: the summary as a pull-request comment (GitHub-flavoured Markdown tables)."""

from __future__ import annotations

from pathlib import Path

from fmkit.evaluate.report.formatting import (
    WINNER_TITLES,
    best_models,
    ci,
    diff,
    label,
    num,
    pct,
    rate,
    seconds,
    usd,
    winner_value,
)
from fmkit.evaluate.summary import EvaluationSummary


def _escape(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def render_markdown(summary: EvaluationSummary) -> str:
    dataset = summary.dataset
    lines = [f"## Model evaluation — `{Path(dataset['path']).name}` ({dataset['items']} items)", ""]
    lines += _winners(summary)
    lines += ["", "### Overall", ""]
    lines += _overall(summary)
    lines += _holdout(summary)
    lines += _judge(summary)
    lines += _comparisons(summary)
    lines += _tags(summary)
    lines += _errors(summary)
    lines += _method(summary)
    return "\n".join(lines)


def _winners(summary: EvaluationSummary) -> list[str]:
    lines = []
    for winner in summary.winners:
        if winner.model is None:
            lines.append(f"- **{WINNER_TITLES[winner.category]}:** – · {winner.note}")
        else:
            flags = "".join(f" · ⚠ {flag}" for flag in winner.flags)
            lines.append(
                f"- **{WINNER_TITLES[winner.category]}:** `{winner.model}` — "
                f"{winner_value(summary, winner)} · {winner.note}{flags}"
            )
    if summary.holdout and summary.holdout.flagged:
        lines.append(f"- ⚠ **Significant drop on holdout items:** {', '.join(summary.holdout.flagged)}")
    return lines


def _overall(summary: EvaluationSummary) -> list[str]:
    metrics = [m.name for m in summary.metrics]
    scale = {m.name: m.scale for m in summary.metrics}
    primary = summary.primary_metric
    header = ["Model", "OK / n", "Errors", *(label(m) for m in metrics)]
    header += ["TTFT p50", "Latency p50", "p95 with retries", "Output tok/s", "USD / 1k expected",
               "USD / 1k marginal"]
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join(["---"] + ["---:"] * (len(header) - 1)) + "|"]
    best = {m: best_models(summary, m) for m in metrics}
    for model in summary.models:
        cells = [f"`{model.model}`", f"{model.n_ok} / {model.n_items}", pct(model.error_rate)]
        for metric in metrics:
            value = num(model.quality[metric].value, scale[metric])
            cells.append(f"**{value}**" if model.model in best[metric] else value)
        cells += [
            seconds(model.ttft_p50_s),
            seconds(model.latency_p50_s),
            seconds(model.latency_with_retries_p95_s.value),
            rate(model.output_tokens_per_s),
            usd(model.cost.usd_per_1k_requests_expected),
            usd(model.cost.usd_per_1k_requests_marginal),
        ]
        lines.append("| " + " | ".join(cells) + " |")
    lines += [
        "",
        f"{int(summary.settings['confidence'] * 100)}% bootstrap confidence intervals for {label(primary)}: "
        + ", ".join(f"`{m.model}` {ci(m.quality[primary], scale[primary]) or '–'}" for m in summary.models)
        + ".",
    ]
    return lines


def _holdout(summary: EvaluationSummary) -> list[str]:
    section = summary.holdout
    if section is None:
        return []
    scale = summary.metric(section.metric).scale
    lines = ["", f"### Dev vs holdout ({label(section.metric)})", "",
             f"| Model | Dev ({section.items.get('dev', 0)}) | Holdout ({section.items.get('holdout', 0)}) "
             "| Drop | CI | Verdict |", "|---|---:|---:|---:|---:|---|"]
    for model, scores in section.models.items():
        row = scores[section.metric]
        interval = (f"{diff(row.drop.low, scale)} … {diff(row.drop.high, scale)}"
                    if row.drop.low is not None and row.drop.high is not None else "–")
        verdict = "**significant drop**" if row.significant_drop else "no significant drop"
        lines.append(f"| `{model}` | {num(row.dev.value, scale)} | {num(row.holdout.value, scale)} "
                     f"| {diff(row.drop.value, scale)} | {interval} | {verdict} |")
    return lines


def _judge(summary: EvaluationSummary) -> list[str]:
    judge = summary.judge
    if judge is None:
        return []
    costs = "; ".join(f"`{c.judge}` {usd(c.usd)} ({c.requests} requests)" for c in judge.cost)
    lines = ["", f"### Judge ({', '.join(f'`{j}`' for j in judge.judges)})", "",
             f"Judging cost, apart from the models': {costs}."]
    for agreement in judge.agreement:
        lines.append(f"Agreement `{agreement.judge_a}` · `{agreement.judge_b}`: {pct(agreement.within_one)} of "
                     f"{agreement.n_items} items within one point, mean |difference| {agreement.mean_abs_diff:.2f}.")
    if judge.self_judged:
        whose = "its" if len(judge.self_judged) == 1 else "their"
        lines.append(f"⚠ {', '.join(f'`{j}`' for j in judge.self_judged)} also judged {whose} own answers: "
                     "judges tend to favour their own.")
    return lines


def _comparisons(summary: EvaluationSummary) -> list[str]:
    if not summary.comparisons:
        return []
    lines = ["", f"### Paired comparisons ({label(summary.primary_metric)})", ""]
    lines += ["| A − B | Difference | CI | p | Verdict |", "|---|---:|---:|---:|---|"]
    sc = summary.metric(summary.primary_metric).scale
    for c in summary.comparisons:
        verdict = "significant" if c.significant else "not significantly different"
        lines.append(
            f"| `{c.model_a}` − `{c.model_b}` | {diff(c.difference, sc)} "
            f"| {diff(c.low, sc)} … {diff(c.high, sc)} "
            f"| {c.p_value:.3f} | {verdict} |"
        )
    return lines


def _tags(summary: EvaluationSummary) -> list[str]:
    if not summary.tags:
        return []
    primary = summary.primary_metric
    scale = summary.metric(primary).scale
    lines = ["", f"### By tag ({label(primary)})", ""]
    lines.append("| Tag | n | " + " | ".join(f"`{m.model}`" for m in summary.models) + " |")
    lines.append("|---|---:|" + "---:|" * len(summary.models))
    for row in summary.tags:
        values = [num(row.by_model[m.model][primary], scale) for m in summary.models]
        lines.append(f"| {_escape(row.tag)} | {row.n} | " + " | ".join(values) + " |")
    return lines


def _errors(summary: EvaluationSummary) -> list[str]:
    failing = [m for m in summary.models if m.n_errors]
    if not failing:
        return []
    lines = ["", "### Errors", ""]
    for model in failing:
        kinds = ", ".join(f"{k} × {v}" for k, v in sorted(model.errors_by_kind.items()))
        lines.append(f"- `{model.model}`: {model.n_errors} ({kinds})")
    return lines


def _method(summary: EvaluationSummary) -> list[str]:
    return [
        "",
        "<details><summary>Method</summary>",
        "",
        f"Corpus BLEU/chrF (sacrebleu, 0–100), ROUGE F-measure with stemming (rouge-score, 0–1), "
        f"normalised exact match. Failed requests score as empty answers. CIs: percentile bootstrap, "
        f"{summary.settings['n_resamples']} resamples, seed {summary.settings['seed']}. Costs are estimates: "
        "expected = `fmkit plan`'s monthly cost at the configured traffic ÷ expected requests (the verdicts use "
        "it); marginal = measured tokens × token prices, or instance price ÷ throughput at saturation.",
        "",
        "</details>",
        "",
    ]
