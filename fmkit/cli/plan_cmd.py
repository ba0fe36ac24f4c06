"""`fmkit plan [ENV…]`: monthly cost, energy and CO2e per environment and deployment, before deploy."""

from __future__ import annotations

import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from fmkit.cli.common import DEFAULT_CONFIG_DIR, EXIT_CONFIG, ConfigDir, err, load_or_exit, out, print_problems
from fmkit.estimate import estimate_environment
from fmkit.estimate.render import render_json, render_markdown, render_table
from fmkit.selection.recommend import graviton_alternatives

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
    if output is Format.json:
        sys.stdout.write(render_json(estimates) + "\n")
    elif output is Format.markdown:
        sys.stdout.write(render_markdown(estimates))
    else:
        # Off a terminal (CI logs, pipes) rich assumes 80 columns and would truncate the numbers.
        console = out if out.is_terminal else Console(width=WIDE, highlight=False)
        console.print(render_table(estimates))
    over = [(e.env, b) for e in estimates for b in e.over_budget]
    if fail_over_budget and over:
        for env_name, check in over:
            unit = "$" if check.metric == "usd" else "kg CO2e"
            err.print(f"{env_name}: expected {check.estimated:,.2f} {unit}/month exceeds {check.limit:,.2f}",
                      style="bold red")
        raise typer.Exit(EXIT_OVER_BUDGET)
