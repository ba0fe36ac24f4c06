"""`fmkit eval ENV --dataset FILE`: benchmark an environment's models (a thin wrapper over fmkit.evaluate).

Exit codes: 0 ok, 1 a `--min-score` (or config `min_scores`) threshold failed, 2 bad input
(config, dataset, threshold syntax, unknown metric or model, unresolvable endpoint).
"""

from __future__ import annotations

import difflib
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer
from rich.console import Console
from rich.table import Table

from fmkit.cli.common import DEFAULT_CONFIG_DIR, EXIT_CONFIG, ConfigDir, err, fail, load_or_exit, out
from fmkit.config import ConfigError, EnvironmentConfig
from fmkit.config.selection import evaluated_models
from fmkit.estimate.evaluation_prices import deployment_price

WIDE = 150
EXIT_THRESHOLD = 1
EXIT_INPUT = 2


def _bad_input(message: str) -> NoReturn:
    err.print(message, style="red", markup=False)
    raise typer.Exit(EXIT_INPUT)


def _split(values: list[str]) -> list[str]:
    return [name.strip() for value in values for name in value.split(",") if name.strip()]


def _check_models(env: EnvironmentConfig, names: list[str], overridden: set[str]) -> None:
    enabled = env.enabled_models()
    for name in names:
        if name in enabled or name in overridden:
            continue
        close = difflib.get_close_matches(name, list(enabled), n=1)
        hint = f"did you mean '{close[0]}'?" if close else f"enabled models: {', '.join(sorted(enabled)) or 'none'}"
        _bad_input(f"unknown model '{name}' in environment '{env.name}': {hint}")


def _thresholds(specs: list[str], config_minimums: dict[str, float], metric_names: list[str]) -> dict[str, float]:
    from fmkit.evaluate import parse_threshold
    from fmkit.evaluate.report.gate import OPERATIONAL_METRICS  # the library's gate accepts these too

    minimums = dict(config_minimums)
    for spec in specs:
        try:
            metric, value = parse_threshold(spec)
        except ValueError as exc:
            _bad_input(str(exc))
        minimums[metric] = value
    # Minimums only make sense where higher is better (not latency, cost or error rate).
    known = [*metric_names, *(name for name, higher_is_better in OPERATIONAL_METRICS.items() if higher_is_better)]
    for metric in minimums:
        if metric not in known:
            close = difflib.get_close_matches(metric, known, n=1)
            hint = f"did you mean '{close[0]}'?" if close else f"known: {', '.join(known)}"
            _bad_input(f"unknown metric '{metric}' in --min-score: {hint}")
    return minimums


def _ssm_client(region: str) -> Any:
    import boto3

    return boto3.session.Session().client("ssm", region_name=region)


def evaluate(
    env: Annotated[str, typer.Argument(help="Environment name, e.g. dev.")],
    dataset: Annotated[Path, typer.Option("--dataset", "-d", help="JSONL dataset (id, prompt|messages, reference).")],
    models: Annotated[list[str], typer.Option(
        "--models", "-m", help="Comma-separated deployments (default: evaluation.models, else every chat model).")]
    = [],  # noqa: B006 - typer reads the default, never mutates it
    concurrency: Annotated[int, typer.Option("--concurrency", "-c", min=1, max=256,
                                             help="Requests in flight per model.")] = 4,
    out_dir: Annotated[Path | None, typer.Option("--out", "-o", help="Results and reports (default eval-out/ENV).")]
    = None,
    min_score: Annotated[list[str], typer.Option(
        "--min-score", help="METRIC=VALUE: exit 1 when a model scores below (repeatable; adds to config min_scores).")]
    = [],  # noqa: B006
    endpoint: Annotated[list[str], typer.Option(
        "--endpoint", "-e", help="NAME=URL (OpenAI-compatible), NAME=ARN or NAME=sagemaker:ENDPOINT instead of SSM.")]
    = [],  # noqa: B006
    check: Annotated[list[str], typer.Option(
        "--check", help="Extra check: json, json-fenced or regex:NAME=PATTERN; "
                   "add @TAG1,TAG2 to limit it to tagged items (json@triage).")]
    = [],  # noqa: B006
    retry_errors: Annotated[bool, typer.Option("--retry-errors", help="Re-invoke items that failed last run.")]
    = False,
    config_dir: ConfigDir = DEFAULT_CONFIG_DIR,
) -> None:
    """Benchmark models on your dataset: BLEU/chrF/ROUGE, latency, errors, cost; resumable."""
    from fmkit.evaluate import AdapterOptions, GenerationParams, run_evaluation, summarize, write_reports

    config = _environment(config_dir, env)
    settings = config.project.evaluation
    checks, metric_names = _checks([*settings.metrics.checks, *check])
    minimums = _thresholds(min_score, settings.min_scores, metric_names)
    data = _dataset(dataset)
    targets = _targets(config, _split(models), endpoint)
    _warn_context(config, targets, data, settings.max_tokens)
    target_dir = out_dir or Path("eval-out") / env
    result = run_evaluation(
        data, targets, out_dir=target_dir, concurrency=concurrency, retry_errors=retry_errors,
        params=GenerationParams(max_tokens=settings.max_tokens),
        adapter_options=AdapterOptions(timeout_s=float(settings.timeout_s)), progress=err.is_terminal, console=err)
    summary = summarize(result, checks=checks, primary_metric=settings.metrics.primary,
                        n_resamples=settings.metrics.bootstrap_resamples)
    paths = write_reports(summary, target_dir)
    # Off a terminal (CI logs, pipes) rich assumes 80 columns and would truncate model names.
    (out if out.is_terminal else Console(width=WIDE, highlight=False)).print(_table(summary))
    made, reused = sum(result.requests_made.values()), sum(result.resumed.values())
    out.print(f"{made} request(s) made, {reused} result(s) reused · reports: {paths.markdown}, {paths.html}, "
              f"{paths.json}", markup=False)
    _gate(summary, minimums)


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


def _checks(specs: list[str]) -> tuple[list[Any], list[str]]:
    """Parsed checks (config ones, then --check ones) and every metric name the run reports."""
    from fmkit.evaluate import parse_check
    from fmkit.evaluate.metrics.quality import quality_metrics

    try:
        checks = [parse_check(spec) for spec in specs]
        return checks, [m.name for m in quality_metrics(checks)]
    except ValueError as exc:
        _bad_input(str(exc))


def _dataset(path: Path) -> Any:
    from fmkit.evaluate import DatasetError, load_dataset

    try:
        return load_dataset(path)
    except DatasetError as exc:
        for problem in exc.problems:
            err.print(str(problem), style="red", markup=False)
        err.print(f"{len(exc.problems)} problem(s) in the dataset", style="bold red")
        raise typer.Exit(EXIT_INPUT) from None
    except OSError as exc:
        _bad_input(f"cannot read dataset {path}: {exc.strerror}")


def _targets(config: EnvironmentConfig, names: list[str], endpoint: list[str]) -> Any:
    """Who to benchmark: --models / --endpoint, else the evaluated models; endpoints from SSM unless given."""
    from fmkit.evaluate import TargetError, parse_endpoint_override, resolve_targets

    try:
        overrides = [parse_endpoint_override(spec) for spec in endpoint]
    except TargetError as exc:
        _bad_input(str(exc))
    _check_models(config, names, {t.name for t in overrides})
    if not names and not overrides:
        names = list(evaluated_models(config))
        if not names:
            _bad_input(f"environment '{config.name}' has no chat model to benchmark")
    deployments = config.enabled_models()
    prices = {n: p for n in [*names, *(t.name for t in overrides)] if n in deployments
              for p in [deployment_price(deployments[n], config.region)] if p is not None}
    needs_ssm = any(n not in {t.name for t in overrides} for n in names)
    try:
        return resolve_targets(names=names, overrides=overrides, prices=prices,
                               ssm_client=_ssm_client(config.region) if needs_ssm else None,
                               project=config.project.name, env=config.name)
    except TargetError as exc:
        _bad_input(str(exc))
    except Exception as exc:  # botocore: no credentials, no network, access denied
        _bad_input(f"could not read the endpoints from SSM in {config.region}: {exc}")


def _gate(summary: Any, minimums: dict[str, float]) -> None:
    """Exit 1 when a model scores below a --min-score / min_scores threshold."""
    from fmkit.evaluate import check_thresholds

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
    for column in ("model", "ok/n", primary, "BLEU", "chrF", "p50 latency", "p95 latency", "USD/1k req"):
        table.add_column(column, justify="left" if column == "model" else "right")

    def num(model: Any, name: str) -> str:
        value = model.quality[name].value
        return "–" if value is None else f"{value:.3f}" if summary.metric(name).scale <= 1 else f"{value:.1f}"

    def secs(value: float | None) -> str:
        return "–" if value is None else f"{value:.2f}s"

    for model in summary.models:
        cost = "–" if model.cost_per_1k_requests is None else f"{model.cost_per_1k_requests:.4f}"
        table.add_row(model.model, f"{model.n_ok}/{model.n_items}", num(model, primary), num(model, "bleu"),
                      num(model, "chrf"),
                      secs(model.latency_p50_s), secs(model.latency_p95_s.value), cost)
    return table


__all__ = ["EXIT_CONFIG", "evaluate"]
