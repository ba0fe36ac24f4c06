"""`fmkit eval-guardrail ENV`: run must-block and must-pass prompts through the deployed guardrail.

Every Bedrock deployment of ENV with a guardrail (or those named with `--model`) is checked on
its published version — the id and version the Bedrock stack publishes in the deployment's SSM
endpoint payload (`guardrail_id`, `guardrail_version`), or `--guardrail ID:VERSION` — with
`ApplyGuardrail`. The suite is the shipped one (or `--suite FILE`), narrowed to the policies the
config sets, plus each denied topic's examples and each blocked word from the config.

Exit codes: 0 ok, 1 a threshold failed, 2 bad input, 3 no case could be answered.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.table import Table

from fmkit.cli.common import DEFAULT_CONFIG_DIR, ConfigDir, err, out
from fmkit.cli.eval_gates import (
    apply_gate,
    aws_session,
    bad_input,
    describe_bounds,
    did_you_mean,
    environment,
    nothing_measured,
    parse_bounds,
    read_discovery,
)
from fmkit.config import EnvironmentConfig
from fmkit.config.providers.bedrock import BedrockDeployment, GuardrailConfig

if TYPE_CHECKING:
    from fmkit.evaluate.guardrail import GuardrailCase, GuardrailPolicies


def eval_guardrail(
    env: Annotated[str, typer.Argument(help="Environment name, e.g. dev.")],
    suite: Annotated[Path | None, typer.Option("--suite", help="YAML (cases: [...]) or JSONL suite instead of "
                                               "the shipped one.")] = None,
    models: Annotated[list[str], typer.Option("--model", "-m", help="Bedrock deployment(s) to check (default: "
                                              "every one with a guardrail).")] = [],  # noqa: B006
    guardrail: Annotated[str | None, typer.Option("--guardrail", help="ID:VERSION instead of SSM discovery "
                                                  "(one deployment).")] = None,
    config_cases: Annotated[bool, typer.Option("--config-cases/--no-config-cases", help="Add each denied "
                                               "topic's examples and each blocked word from the config.")] = True,
    min_score: Annotated[list[str], typer.Option("--min-score", help="block_rate=VALUE: exit 1 below.")]
    = [],  # noqa: B006
    max_score: Annotated[list[str], typer.Option("--max-score", help="false_block_rate=VALUE or "
                                                 "error_rate=VALUE: exit 1 above.")] = [],  # noqa: B006
    concurrency: Annotated[int, typer.Option("--concurrency", "-c", min=1, max=16)] = 4,
    out_dir: Annotated[Path | None, typer.Option("--out", "-o", help="Reports (default "
                                                 "build/eval-guardrail/ENV).")] = None,
    config_dir: ConfigDir = DEFAULT_CONFIG_DIR,
) -> None:
    """Block rate and false-block rate of the deployed guardrails, per policy."""
    from fmkit.evaluate.guardrail import METRICS, GuardrailClient, run_suite, select_cases, summarize
    from fmkit.evaluate.guardrail.runner import render_markdown, write_results

    config = environment(config_dir, env)
    bounds = parse_bounds(min_score, max_score, METRICS)
    deployments = _deployments(config, models)
    if guardrail is not None and len(deployments) != 1:
        bad_input("--guardrail ID:VERSION names one guardrail: select one deployment with --model")
    cases = _suite(suite)
    session = aws_session(config.region)
    target = out_dir or Path("build") / "eval-guardrail" / env
    report: dict[str, Any] = {"kind": "fmkit-guardrail-report", "environment": env, "deployments": {},
                              "thresholds": describe_bounds(bounds)}
    for name, deployment in deployments.items():
        guardrail_id, version = _guardrail_version(config, session, name, guardrail)
        assert deployment.guardrail is not None  # _deployments keeps only those with one
        selection = select_cases(cases, policies_of(deployment.guardrail), with_config_cases=config_cases)
        err.print(f"{name}: {len(selection.cases)} case(s) through guardrail {guardrail_id}:{version} …",
                  markup=False)
        client = GuardrailClient(session.client("bedrock-runtime"), guardrail_id, version)
        outcomes = run_suite(selection.cases, client, concurrency=concurrency)
        write_results(target / "results" / f"{name}.jsonl", outcomes)
        report["deployments"][name] = {"guardrail": f"{guardrail_id}:{version}", "skipped": selection.skipped,
                                       "summary": summarize(outcomes)}
    _write(report, target, render_markdown(report))
    summaries = {name: r["summary"] for name, r in report["deployments"].items()}
    if not any(s["answered"] for s in summaries.values()):
        nothing_measured(f"no case could be answered: see the errors in {target / 'results'}")
    apply_gate({name: s["metrics"] for name, s in summaries.items()}, bounds)


def policies_of(config: GuardrailConfig) -> GuardrailPolicies:
    """The config-free view of a guardrail the suite selection needs (input side)."""
    from fmkit.evaluate.guardrail import GuardrailPolicies

    content = tuple(c for c, s in config.content_filters.items() if c != "prompt_attack" and s.input != "none")
    attack = config.content_filters.get("prompt_attack")
    return GuardrailPolicies(
        prompt_attack=attack is not None and attack.input != "none", content=content, pii=dict(config.pii),
        topics={t.name: tuple(t.examples) for t in config.denied_topics}, words=tuple(config.word_filters.words),
        profanity=config.word_filters.profanity)


def _deployments(config: EnvironmentConfig, names: list[str]) -> dict[str, BedrockDeployment]:
    guarded = {n: d for n, d in config.enabled_models().items()
               if isinstance(d, BedrockDeployment) and d.guardrail is not None}
    for name in names:
        if name not in guarded:
            bad_input(did_you_mean(name, sorted(guarded), f"Bedrock deployment with a guardrail in '{config.name}'"))
    chosen = {n: guarded[n] for n in names} if names else guarded
    if not chosen:
        bad_input(f"environment '{config.name}' has no Bedrock deployment with a guardrail")
    return chosen


def _suite(path: Path | None) -> list[GuardrailCase]:
    from fmkit.evaluate.guardrail import SuiteError, load_suite

    try:
        return load_suite(path)
    except SuiteError as exc:
        for problem in exc.problems:
            err.print(problem, style="red", markup=False)
        bad_input(f"{len(exc.problems)} problem(s) in the suite")
    except OSError as exc:
        bad_input(f"cannot read suite {path}: {exc.strerror}")


def _guardrail_version(config: EnvironmentConfig, session: Any, name: str, given: str | None) -> tuple[str, str]:
    from fmkit.contracts.discovery import parameter_name

    if given is not None:
        guardrail_id, sep, version = given.rpartition(":")
        if not sep or not guardrail_id or not version:
            bad_input(f"--guardrail {given!r}: expected ID:VERSION (e.g. abc123xyz:1)")
        return guardrail_id, version
    parameter = parameter_name(config.project.name, config.name, name)
    payload = read_discovery(session, parameter)
    published = str(payload.get("guardrail_id") or ""), str(payload.get("guardrail_version") or "")
    if not all(published):
        bad_input(f"{parameter} names no guardrail_id/guardrail_version (is the Bedrock stack deployed?)")
    return published


def _write(report: dict[str, Any], target: Path, markdown: str) -> None:
    target.mkdir(parents=True, exist_ok=True)
    (target / "guardrail-report.json").write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    (target / "guardrail-report.md").write_text(markdown, encoding="utf-8")
    table = Table(title="guardrail evaluation")
    for column in ("deployment", "guardrail", "answered", "block rate", "false-block rate", "errors"):
        table.add_column(column, justify="left" if column in ("deployment", "guardrail") else "right")
    for name, result in report["deployments"].items():
        summary = result["summary"]
        m = summary["metrics"]
        table.add_row(name, result["guardrail"], f"{summary['answered']}/{summary['cases']}", _pct(m["block_rate"]),
                      _pct(m["false_block_rate"]), _pct(m["error_rate"]))
    out.print(table)
    out.print(f"reports: {target / 'guardrail-report.md'}, {target / 'guardrail-report.json'}", markup=False)


def _pct(value: float | None) -> str:
    return "–" if value is None else f"{100 * value:.1f}%"
