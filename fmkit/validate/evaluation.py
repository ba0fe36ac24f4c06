"""Evaluation rules: the benchmarked models exist here and can answer chat requests."""

from __future__ import annotations

import difflib
from collections.abc import Iterator

from fmkit.config.environment import EnvironmentConfig
from fmkit.config.evaluation import RATE_RE
from fmkit.config.selection import evaluated_models, not_benchmarkable
from fmkit.validate.registry import Finding, rule

PATH = ("project", "evaluation")


@rule("evaluation-models-exist")
def evaluation_models_exist(env: EnvironmentConfig) -> Iterator[Finding]:
    """A name that is not an enabled deployment here would silently shrink the benchmark."""
    evaluation = env.project.evaluation
    if not evaluation.enabled or evaluation.models is None:
        return
    enabled = env.enabled_models()
    for index, name in enumerate(evaluation.models):
        if name in enabled:
            continue
        if name in env.models:
            yield Finding((*PATH, "models", index), f"model '{name}' is disabled in environment '{env.name}'",
                          "enable it here or remove it from evaluation.models")
            continue
        close = difflib.get_close_matches(name, list(env.models), n=1)
        yield Finding((*PATH, "models", index), f"no model deployment named '{name}'",
                      f"did you mean '{close[0]}'?" if close else f"models: {', '.join(sorted(env.models)) or 'none'}")


@rule("evaluation-models-generate-text")
def evaluation_models_generate_text(env: EnvironmentConfig) -> Iterator[Finding]:
    """Embedding models and async endpoints cannot answer a chat benchmark."""
    evaluation = env.project.evaluation
    if not evaluation.enabled:
        return
    if evaluation.models is not None:
        for index, name in enumerate(evaluation.models):
            deployment = env.enabled_models().get(name)
            reason = not_benchmarkable(deployment) if deployment is not None else None
            if reason:
                yield Finding((*PATH, "models", index), f"model '{name}' cannot be benchmarked: {reason}",
                              "list chat (text-generation) deployments only")
    if not evaluated_models(env):
        yield Finding((*PATH, "enabled"), f"evaluation is enabled but environment '{env.name}' has no chat model",
                      "enable a text-generation deployment, or set evaluation.enabled: false")


@rule("evaluation-schedule-frequency")
def evaluation_schedule_frequency(env: EnvironmentConfig) -> Iterator[Finding]:
    """Each run calls every model on every item: more often than hourly is mostly cost."""
    evaluation = env.project.evaluation
    schedule = evaluation.schedule
    if not evaluation.enabled or schedule is None:
        return
    rate = RATE_RE.match(schedule)
    too_often = (rate is not None and rate.group(2).startswith("minute")) or (
        schedule.startswith("cron(") and not schedule[5:].split()[0].isdigit())
    if too_often:
        yield Finding((*PATH, "schedule"), f"'{schedule}' runs the benchmark more than once an hour",
                      "regressions need a daily or weekly run, e.g. rate(1 day)", severity="warning")


def _missing(env: EnvironmentConfig, name: str, field: tuple[str | int, ...], role: str) -> Finding | None:
    if name in env.enabled_models():
        return None
    if name in env.models:
        return Finding((*PATH, *field), f"{role} '{name}' is disabled in environment '{env.name}'",
                       f"enable it here or choose another {role}")
    close = difflib.get_close_matches(name, list(env.models), n=1)
    return Finding((*PATH, *field), f"no model deployment named '{name}' (the {role})",
                   f"did you mean '{close[0]}'?" if close else f"models: {', '.join(sorted(env.models)) or 'none'}")


@rule("evaluation-judge-and-embedder")
def evaluation_judge_and_embedder(env: EnvironmentConfig) -> Iterator[Finding]:
    """A judge must answer chat requests; the embedder must be an embedding model of this environment."""
    evaluation = env.project.evaluation
    single = isinstance(evaluation.judge, str)
    for index, name in enumerate(evaluation.judges):
        field: tuple[str | int, ...] = ("judge",) if single else ("judge", index)
        missing = _missing(env, name, field, "judge")
        if missing is not None:
            yield missing
            continue
        reason = not_benchmarkable(env.enabled_models()[name])
        if reason:
            yield Finding((*PATH, *field), f"judge '{name}' cannot answer chat requests: {reason}",
                          "a judge is a chat (text-generation) deployment")
    if evaluation.embedder is not None:
        missing = _missing(env, evaluation.embedder, ("embedder",), "embedder")
        if missing is not None:
            yield missing
        elif not_benchmarkable(env.enabled_models()[evaluation.embedder]) is None:
            yield Finding((*PATH, "embedder"), f"embedder '{evaluation.embedder}' is a chat model",
                          "choose an embedding deployment (Bedrock Titan/Cohere embeddings, SageMaker TEI)")
