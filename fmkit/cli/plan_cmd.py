"""`fmkit plan [ENV…]`: monthly cost, energy and CO2e per environment and deployment, before deploy."""

from __future__ import annotations

import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from fmkit.catalog import overlay
from fmkit.cli.common import DEFAULT_CONFIG_DIR, EXIT_CONFIG, ConfigDir, err, fail, load_or_exit, out, print_problems
from fmkit.config import ConfigError
from fmkit.estimate import estimate_environment
from fmkit.estimate.delta import compare
from fmkit.estimate.model import EnvironmentEstimate
from fmkit.estimate.render import render_json, render_markdown, render_table
from fmkit.estimate.render_delta import render_delta_json, render_delta_markdown, render_delta_table
from fmkit.selection.recommend import graviton_alternatives
from fmkit.validate import load_validated

EXIT_OVER_BUDGET = 1
WIDE = 150


class Format(StrEnum):
    table = "table"
    json = "json"
    markdown = "markdown"


def plan(
    envs: Annotated[list[str] | None, typer.Argument(help="Environments (default: all).")] = None,
    output: Annotated[Format, typer.Option("--format", "-f", help="table (terminal), json (CI), markdown (PR).")]
    = Format.table,
    fail_over_budget: Annotated[bool, typer.Option(
        "--fail-over-budget", help="Exit 1 when an environment's expected cost or CO2e exceeds its budget.")]
    = False,
    baseline: Annotated[Path | None, typer.Option(
        "--baseline", help="model_configs/ of the base branch: print before, after and the delta instead.")]
    = None,
    config_dir: ConfigDir = DEFAULT_CONFIG_DIR,
) -> None:
    """Estimate what each environment will cost and emit per month, with greener alternatives."""
    loaded = load_or_exit(config_dir)
    names = envs or loaded.names
    unknown = [n for n in names if n not in loaded.environments]
    if unknown:
        err.print(f"unknown environment(s): {', '.join(unknown)}; known: {', '.join(loaded.names)}", style="red")
        raise typer.Exit(EXIT_CONFIG)
    if output is Format.table:
        print_problems(loaded.warnings, Path.cwd())
    estimates = [estimate_environment(loaded.environments[n], alternatives=graviton_alternatives) for n in names]
    if baseline is not None:
        _print_delta(baseline, envs, estimates, output)
    else:
        _print_plan(estimates, output)
    over = [(e.env, b) for e in estimates for b in e.over_budget]
    if fail_over_budget and over:
        for env_name, check in over:
            unit = "$" if check.metric == "usd" else "kg CO2e"
            err.print(f"{env_name}: expected {check.estimated:,.2f} {unit}/month exceeds {check.limit:,.2f}",
                      style="bold red")
        raise typer.Exit(EXIT_OVER_BUDGET)


def _console() -> Console:
    # Off a terminal (CI logs, pipes) rich assumes 80 columns and would truncate the numbers.
    return out if out.is_terminal else Console(width=WIDE, highlight=False)


def _print_plan(estimates: list[EnvironmentEstimate], output: Format) -> None:
    if output is Format.json:
        sys.stdout.write(render_json(estimates) + "\n")
    elif output is Format.markdown:
        sys.stdout.write(render_markdown(estimates))
    else:
        _console().print(render_table(estimates))


def _baseline_estimates(baseline: Path, envs: list[str] | None) -> list[EnvironmentEstimate]:
    """The base branch's estimates; its config must validate (problems are labelled as the baseline's)."""
    try:
        loaded = load_validated(baseline)
    except ConfigError as exc:
        err.print(f"the baseline config ({baseline}) does not validate:", style="bold red", markup=False)
        fail(exc.problems, Path.cwd())
    names = [n for n in (envs or loaded.names) if n in loaded.environments]
    return [estimate_environment(loaded.environments[n], with_recommendations=False) for n in names]


def _print_delta(baseline: Path, envs: list[str] | None, estimates: list[EnvironmentEstimate],
                 output: Format) -> None:
    current_catalog = overlay.current()
    try:
        before = _baseline_estimates(baseline, envs)
    finally:
        overlay.activate(current_catalog)  # the baseline's catalog entries must not leak into anything after
    deltas = compare(before, estimates)
    over = any(e.over_budget for e in estimates)
    if output is Format.json:
        sys.stdout.write(render_delta_json(deltas, over_budget=over) + "\n")
    elif output is Format.markdown:
        sys.stdout.write(render_delta_markdown(deltas, baseline=str(baseline)))
    else:
        for table in render_delta_table(deltas):
            _console().print(table)
