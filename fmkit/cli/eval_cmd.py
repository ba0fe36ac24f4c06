"""`fmkit eval ENV --dataset FILE`: benchmark an environment's models (a thin wrapper over fmkit.evaluate).

Exit codes, shared with `fmkit eval-retrieval` and `fmkit eval-guardrail`: 0 ok · 1 a
`--min-score` (or config `min_scores`) threshold failed · 2 bad input (config, dataset, option
syntax, unknown metric or model, unresolvable endpoint, a key inside a URL) · 3 nothing could
be measured (not one successful request).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from fmkit.cli import eval_inputs as inputs
from fmkit.cli.common import DEFAULT_CONFIG_DIR, EXIT_CONFIG, ConfigDir, err, fail, load_or_exit, out
from fmkit.cli.eval_gates import EXIT_INPUT, EXIT_NOTHING_MEASURED, EXIT_OK, EXIT_THRESHOLD, bad_input
from fmkit.config import ConfigError, EnvironmentConfig

WIDE = 150
ListOption = list[str]


def evaluate(
    env: Annotated[str, typer.Argument(help="Environment name, e.g. dev.")],
    dataset: Annotated[Path, typer.Option("--dataset", "-d", help="JSONL dataset (id, prompt|messages, reference).")],
    models: Annotated[ListOption, typer.Option(
        "--models", "-m", help="Comma-separated deployments (default: evaluation.models, else every chat model).")]
    = [],  # noqa: B006 - typer reads the default, never mutates it
    concurrency: Annotated[int | None, typer.Option(
        "--concurrency", "-c", min=1, max=256,
        help="Requests in flight per model (default: a Graviton deployment's parallel slots, else 4).")] = None,
    out_dir: Annotated[Path | None, typer.Option("--out", "-o", help="Results and reports (default eval-out/ENV).")]
    = None,
    min_score: Annotated[ListOption, typer.Option(
        "--min-score", help="METRIC=VALUE: exit 1 when a model scores below (repeatable; adds to config min_scores).")]
    = [],  # noqa: B006
    endpoint: Annotated[ListOption, typer.Option(
        "--endpoint", "-e", help="NAME=URL (OpenAI-compatible), NAME=ARN or NAME=sagemaker:ENDPOINT instead of SSM.")]
    = [],  # noqa: B006
    api_key: Annotated[ListOption, typer.Option(
        "--api-key", help="NAME=ENV_VAR: send the key in environment variable ENV_VAR to NAME's OpenAI-compatible "
                          "endpoint (default: the deployment's Secrets Manager secret). Never written anywhere.")]
    = [],  # noqa: B006
    judge: Annotated[ListOption, typer.Option(
        "--judge", help="Deployment that scores every answer 1-5 against a rubric (metric 'judge'); repeat or "
                        "comma-separate for a panel (default: evaluation.judge).")]
    = [],  # noqa: B006
    embedder: Annotated[str | None, typer.Option(
        "--embedder", help="Embedding deployment for 'semantic_similarity' (default: evaluation.embedder).")] = None,
    split: Annotated[str | None, typer.Option(
        "--split", help="Only the dataset's dev or holdout items (default: both, compared in the report).")] = None,
    primary: Annotated[str | None, typer.Option(
        "--primary", help="Metric that ranks models (default: evaluation.metrics.primary).")] = None,
    check: Annotated[ListOption, typer.Option(
        "--check", help="Extra check: json, json-fenced or regex:NAME=PATTERN; "
                   "add @TAG1,TAG2 to limit it to tagged items (json@triage).")]
    = [],  # noqa: B006
    retry_errors: Annotated[bool, typer.Option("--retry-errors", help="Re-invoke items that failed last run.")]
    = False,
    config_dir: ConfigDir = DEFAULT_CONFIG_DIR,
) -> None:
    """Benchmark models on your dataset: BLEU/chrF/ROUGE, judge, meaning, latency, errors, cost; resumable."""
    config = _environment(config_dir, env)
    settings = config.project.evaluation
    judges = inputs.split_names(judge) or settings.judges
    embedder = embedder or settings.embedder
    parsed_checks = inputs.checks([*settings.metrics.checks, *check])
    names = inputs.metric_names(parsed_checks, judged=bool(judges), embedded=embedder is not None)
    primary = primary or settings.metrics.primary
    if primary not in names:
        bad_input(f"unknown primary metric '{primary}': choose from {', '.join(names)}")
    minimums = inputs.thresholds(min_score, {m: v for m, v in settings.min_scores.items() if m in names}, names)
    data = inputs.dataset(dataset, split)
    targets = inputs.resolve(config, models=inputs.split_names(models), endpoints=endpoint, judges=judges,
                             embedder=embedder, keys=inputs.api_keys(api_key))
    targets.concurrency = inputs.concurrency_per_model(config, [t.name for t in targets.models], concurrency)
    _warn_context(config, targets.models, data, settings.max_tokens)
    embedder_client = _embedder(targets.embedder, float(settings.timeout_s))
    target_dir = out_dir or Path("eval-out") / env
    summary, made, reused = _run(data, targets, embedder_client, target_dir, settings, parsed_checks, primary,
                                 retry_errors)
    from fmkit.evaluate import write_reports

    paths = write_reports(summary, target_dir)
    # Off a terminal (CI logs, pipes) rich assumes 80 columns and would truncate model names.
    (out if out.is_terminal else Console(width=WIDE, highlight=False)).print(_table(summary))
    out.print(f"{made} request(s) made, {reused} result(s) reused · reports: {paths.markdown}, {paths.html}, "
              f"{paths.json}", markup=False)
    _gate(summary, minimums)


def _embedder(target: Any, timeout_s: float) -> Any:
    """The embedding client, built before any model is called so a bad embedder exits 2 first."""
    if target is None:
        return None
    from fmkit.evaluate import AdapterOptions
    from fmkit.evaluate.semantic import build_embedder

    try:
        return build_embedder(target, AdapterOptions(timeout_s=timeout_s))
    except ValueError as exc:
        bad_input(str(exc))


def _run(data: Any, targets: inputs.Targets, embedder: Any, target_dir: Path, settings: Any,
         parsed_checks: list[Any], primary: str, retry_errors: bool) -> tuple[Any, int, int]:
    """Answers, then the judge's and embedder's scores, then the summary."""
    from fmkit.evaluate import AdapterOptions, GenerationParams, run_evaluation, summarize

    options = AdapterOptions(timeout_s=float(settings.timeout_s))
    result = run_evaluation(
        data, targets.models, out_dir=target_dir, concurrency=targets.concurrency, retry_errors=retry_errors,
        params=GenerationParams(max_tokens=settings.max_tokens), adapter_options=options,
        progress=err.is_terminal, console=err)
    scored = []
    if targets.judges:
        from fmkit.evaluate.judge import judge_answers, judge_outcome

        verdicts = judge_answers(result, targets.judges, out_dir=target_dir, adapter_options=options,
                                 concurrency=max(targets.concurrency.values(), default=4), retry_errors=retry_errors)
        scored.append(judge_outcome(verdicts, targets.judges, result.models))
    if embedder is not None and targets.embedder is not None:
        from fmkit.evaluate.semantic import semantic_outcome, semantic_scores

        scored.append(semantic_outcome(semantic_scores(result, targets.embedder, embedder, out_dir=target_dir),
                                       targets.embedder))
    summary = summarize(result, checks=parsed_checks, scored=scored, primary_metric=primary,
                        n_resamples=settings.metrics.bootstrap_resamples)
    return summary, sum(result.requests_made.values()), sum(result.resumed.values())


def _warn_context(config: EnvironmentConfig, targets: Any, data: Any, max_tokens: int) -> None:
    """Warn (not fail) when an item's prompt will not fit a model's context window."""
    from fmkit.selection.context import oversized_prompts

    deployments = {t.name: config.enabled_models()[t.name] for t in targets if t.name in config.enabled_models()}
    prompts = {item.id: [item.system or "", item.prompt or "", *(m.content for m in item.messages or ())]
               for item in data.items}
    for oversized in oversized_prompts(deployments, prompts, max_tokens):
        err.print(f"warning: {oversized.message()}", style="yellow", markup=False)


def _environment(config_dir: Path, env: str) -> EnvironmentConfig:
    loaded = load_or_exit(config_dir)
    try:
        return loaded.environment(env)
    except ConfigError as exc:
        fail(exc.problems, Path.cwd())


def _gate(summary: Any, minimums: dict[str, float]) -> None:
    """Exit 3 when nothing was answered, else 1 when a model scores below a --min-score / min_scores threshold."""
    from fmkit.evaluate import check_thresholds

    silent = [m.model for m in summary.models if m.n_ok == 0]
    if summary.answered == 0:
        kinds = sorted({kind for m in summary.models for kind in m.errors_by_kind})
        err.print(f"no successful requests: nothing could be measured ({', '.join(kinds) or 'no items run'}); "
                  "see the Errors section of the report", style="bold red", markup=False)
        raise typer.Exit(EXIT_NOTHING_MEASURED)
    for model in silent:
        err.print(f"warning: {model} answered no request: its scores are those of empty answers",
                  style="yellow", markup=False)
    if not minimums:
        return
    report = check_thresholds(summary, minimums)
    for line in report.lines():
        (out if report.passed else err).print(line, style="green" if report.passed else "bold red", markup=False)
    if not report.passed:
        raise typer.Exit(EXIT_THRESHOLD)


def _table(summary: Any) -> Table:
    primary = summary.primary_metric
    table = Table(title=f"{summary.dataset['items']} items · primary metric {primary}")
    for column in ("model", "ok/n", primary, "BLEU", "chrF", "p95 latency", "retried", "USD/1k expected",
                   "USD/1k marginal"):
        table.add_column(column, justify="left" if column == "model" else "right")

    def num(model: Any, name: str) -> str:
        value = model.quality[name].value
        scale = summary.metric(name).scale
        return "–" if value is None else f"{value:.3f}" if scale <= 1 else f"{value:.2f}" if scale < 100 \
            else f"{value:.1f}"

    def usd(value: float | None) -> str:
        return "–" if value is None else f"{value:.4f}"

    for model in summary.models:
        p95 = model.latency_with_retries_p95_s.value
        table.add_row(model.model, f"{model.n_ok}/{model.n_items}", num(model, primary), num(model, "bleu"),
                      num(model, "chrf"), "–" if p95 is None else f"{p95:.2f}s",
                      f"{model.retry_rate * 100:.0f}%" if model.retry_rate else "–",
                      usd(model.cost.usd_per_1k_requests_expected), usd(model.cost.usd_per_1k_requests_marginal))
    return table


__all__ = ["EXIT_CONFIG", "EXIT_INPUT", "EXIT_NOTHING_MEASURED", "EXIT_OK", "EXIT_THRESHOLD", "evaluate"]
