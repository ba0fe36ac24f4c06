"""`fmkit eval`'s inputs, checked before any model is called: every problem exits 2 with its fix.

Who is called (models, judges, embedder: SSM discovery or `--endpoint` overrides), with which
key (`--api-key NAME=ENV_VAR`, else the deployment's Secrets Manager secret), how many requests
in flight per model, what each costs (`fmkit plan`'s figure and the catalog price), and the
dataset, checks and thresholds.
"""

from __future__ import annotations

import difflib
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import typer

from fmkit.cli.common import err
from fmkit.cli.eval_gates import EXIT_INPUT, bad_input
from fmkit.config import EnvironmentConfig
from fmkit.config.providers.graviton import GravitonDeployment
from fmkit.config.selection import evaluated_models
from fmkit.estimate.evaluation_prices import deployment_plan_cost, deployment_price

DEFAULT_CONCURRENCY = 4


def split_names(values: Sequence[str]) -> list[str]:
    """`--models a,b --models c` -> [a, b, c]."""
    return [name.strip() for value in values for name in value.split(",") if name.strip()]


def check_models(env: EnvironmentConfig, names: Sequence[str], overridden: set[str], role: str = "model") -> None:
    enabled = env.enabled_models()
    for name in names:
        if name in enabled or name in overridden:
            continue
        close = difflib.get_close_matches(name, list(enabled), n=1)
        hint = f"did you mean '{close[0]}'?" if close else f"enabled models: {', '.join(sorted(enabled)) or 'none'}"
        bad_input(f"unknown {role} '{name}' in environment '{env.name}': {hint}")


def api_keys(specs: Sequence[str], environ: Mapping[str, str] | None = None) -> dict[str, str]:
    """`--api-key NAME=ENV_VAR`: the key of NAME, read from the environment variable ENV_VAR.

    The key itself never appears on the command line (shell history, process lists) nor in any
    message: only the variable's name does.
    """
    environ = os.environ if environ is None else environ
    keys: dict[str, str] = {}
    for spec in specs:
        name, sep, variable = spec.partition("=")
        name, variable = name.strip(), variable.strip()
        if not sep or not name or not variable:
            bad_input(f"invalid --api-key '{name or spec.split('=')[0]}=…': expected NAME=ENV_VAR "
                      "(the name of an environment variable holding the key, not the key)")
        value = environ.get(variable, "").strip()
        if not value:
            bad_input(f"--api-key {name}={variable}: the environment variable {variable} is not set or empty")
        keys[name] = value
    return keys


@dataclass
class Targets:
    """The resolved targets of a run and what was decided about them."""

    models: list[Any]
    judges: list[Any] = field(default_factory=list)
    embedder: Any | None = None
    concurrency: dict[str, int] = field(default_factory=dict)


def _ssm_client(region: str) -> Any:
    import boto3

    return boto3.session.Session().client("ssm", region_name=region)


def _resolve(config: EnvironmentConfig, names: Sequence[str], overrides: Sequence[Any], *, evaluated: bool) -> Any:
    """Targets for `names` (SSM unless overridden), priced and with the plan's cost when configured."""
    from fmkit.evaluate import TargetError, resolve_targets

    deployments = config.enabled_models()
    wanted = [*names, *(t.name for t in overrides if t.name not in names)] if evaluated else list(names)
    prices = {n: p for n in wanted if n in deployments for p in [deployment_price(deployments[n], config.region)]
              if p is not None}
    plans = {n: c for n in wanted if n in deployments for c in [deployment_plan_cost(n, deployments[n], config)]
             if c is not None}
    given = {t.name for t in overrides}
    needs_ssm = any(n not in given for n in names)
    try:
        return resolve_targets(names=names, overrides=list(overrides) if evaluated else
                               [t for t in overrides if t.name in names], prices=prices, plan_costs=plans,
                               ssm_client=_ssm_client(config.region) if needs_ssm else None,
                               project=config.project.name, env=config.name)
    except TargetError as exc:
        bad_input(str(exc))
    except Exception as exc:  # botocore: no credentials, no network, access denied
        bad_input(f"could not read the endpoints from SSM in {config.region}: {exc}")


def _with_keys(targets: Sequence[Any], keys: Mapping[str, str]) -> list[Any]:
    from fmkit.evaluate import TargetError
    from fmkit.evaluate.targets import with_api_key

    try:
        return [with_api_key(t, keys[t.name]) if t.name in keys else t for t in targets]
    except TargetError as exc:
        bad_input(str(exc))


def resolve(config: EnvironmentConfig, *, models: Sequence[str], endpoints: Sequence[str], judges: Sequence[str],
            embedder: str | None, keys: Mapping[str, str]) -> Targets:
    """Models, judges and embedder; `--endpoint` overrides of a judge or the embedder are not benchmarked."""
    from fmkit.evaluate import TargetError, parse_endpoint_override

    try:
        overrides = [parse_endpoint_override(spec) for spec in endpoints]
    except TargetError as exc:
        bad_input(str(exc))
    given = {t.name for t in overrides}
    scorers = {*judges, *([embedder] if embedder else [])}
    check_models(config, models, given)
    check_models(config, judges, given, "judge")
    check_models(config, [embedder] if embedder else [], given, "embedder")
    unknown_keys = sorted(set(keys) - set(models) - given - scorers - set(evaluated_models(config)))
    if unknown_keys:
        bad_input(f"--api-key for {', '.join(unknown_keys)}: not a model, judge or embedder of this run")
    model_overrides = [t for t in overrides if t.name not in scorers or t.name in models]
    if not models and not model_overrides:
        models = list(evaluated_models(config))
        if not models:
            bad_input(f"environment '{config.name}' has no chat model to benchmark")
    found = Targets(models=_with_keys(_resolve(config, models, model_overrides, evaluated=True), keys))
    if judges:
        found.judges = _with_keys(_resolve(config, judges, overrides, evaluated=False), keys)
    if embedder:
        found.embedder = _with_model_id(config, _with_keys(_resolve(config, [embedder], overrides, evaluated=False),
                                                           keys)[0])
    return found


def _with_model_id(config: EnvironmentConfig, target: Any) -> Any:
    """A Bedrock embedder given by ARN (`--endpoint NAME=arn:…`) gets its model id from the config."""
    from fmkit.config.providers.bedrock import BedrockDeployment
    from fmkit.evaluate.targets import BedrockEndpoint

    deployment = config.enabled_models().get(target.name)
    endpoint = target.endpoint
    if isinstance(endpoint, BedrockEndpoint) and endpoint.model_id is None and isinstance(deployment,
                                                                                          BedrockDeployment):
        return target.model_copy(update={"endpoint": endpoint.model_copy(update={"model_id": deployment.model_id})})
    return target


def graviton_slots(config: EnvironmentConfig, name: str) -> int | None:
    """Requests a Graviton deployment generates at once: parallel slots × instances at minimum (≥ 1)."""
    deployment = config.enabled_models().get(name)
    if not isinstance(deployment, GravitonDeployment):
        return None
    return deployment.server.parallel * max(1, deployment.autoscaling.min)


def concurrency_per_model(config: EnvironmentConfig, names: Sequence[str], requested: int | None) -> dict[str, int]:
    """Requests in flight per model: `--concurrency`, else each Graviton deployment's slots (4 otherwise).

    More requests than a llama-server has slots wait in its queue, and their time to first token
    measures the queue, not the model: warn when `--concurrency` asks for that.
    """
    chosen: dict[str, int] = {}
    for name in names:
        slots = graviton_slots(config, name)
        if requested is None:
            chosen[name] = slots or DEFAULT_CONCURRENCY
            continue
        chosen[name] = requested
        if slots is not None and requested > slots:
            err.print(f"warning: --concurrency {requested} exceeds {name}'s {slots} parallel slot(s) (server.parallel "
                      "× minimum instances): the extra requests queue on the server and TTFT and latency include "
                      f"the queue; omit --concurrency to use {slots}", style="yellow", markup=False)
    return chosen


def thresholds(specs: Sequence[str], config_minimums: Mapping[str, float], metric_names: Sequence[str]
               ) -> dict[str, float]:
    from fmkit.evaluate import parse_threshold
    from fmkit.evaluate.report.gate import OPERATIONAL_METRICS  # the library's gate accepts these too

    minimums = dict(config_minimums)
    for spec in specs:
        try:
            metric, value = parse_threshold(spec)
        except ValueError as exc:
            bad_input(str(exc))
        minimums[metric] = value
    # Minimums only make sense where higher is better (not latency, cost or error rate).
    known = [*metric_names, *(name for name, higher_is_better in OPERATIONAL_METRICS.items() if higher_is_better)]
    for metric in minimums:
        if metric not in known:
            close = difflib.get_close_matches(metric, known, n=1)
            hint = f"did you mean '{close[0]}'?" if close else f"known: {', '.join(known)}"
            bad_input(f"unknown metric '{metric}' in --min-score: {hint}")
    return minimums


def checks(specs: Sequence[str]) -> list[Any]:
    from fmkit.evaluate import parse_check

    try:
        return [parse_check(spec) for spec in specs]
    except ValueError as exc:
        bad_input(str(exc))


def metric_names(parsed_checks: Sequence[Any], *, judged: bool, embedded: bool) -> list[str]:
    """Every metric the run reports: standard, checks', the judge's and the embedder's."""
    from fmkit.contracts.evaluation import JUDGE_METRIC, SEMANTIC_METRIC
    from fmkit.evaluate.metrics.quality import quality_metrics

    try:
        names = [m.name for m in quality_metrics(parsed_checks)]
    except ValueError as exc:
        bad_input(str(exc))
    return [*names, *([JUDGE_METRIC] if judged else []), *([SEMANTIC_METRIC] if embedded else [])]


def dataset(path: Path, split: str | None) -> Any:
    from fmkit.evaluate import DatasetError, load_dataset
    from fmkit.evaluate.dataset import SPLITS

    try:
        data = load_dataset(path)
    except DatasetError as exc:
        for problem in exc.problems:
            err.print(str(problem), style="red", markup=False)
        err.print(f"{len(exc.problems)} problem(s) in the dataset", style="bold red")
        raise typer.Exit(EXIT_INPUT) from None
    except OSError as exc:
        bad_input(f"cannot read dataset {path}: {exc.strerror}")
    if split is None:
        return data
    if split not in SPLITS:
        bad_input(f"--split {split}: use dev or holdout")
    selected = data.select(split)
    if not len(selected):
        bad_input(f"--split {split}: the dataset has no {split} items (items carry \"split\": \"dev\" | \"holdout\")")
    return selected
