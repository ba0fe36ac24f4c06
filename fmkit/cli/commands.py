"""Root of the `fmkit` CLI; each command group lives in its own module."""

from __future__ import annotations

import sys

import typer

from fmkit.cli.config_cmds import config_app, validate
from fmkit.cli.customize_cmd import customize_app
from fmkit.cli.env_cmds import env_app
from fmkit.cli.eval_cmd import evaluate
from fmkit.cli.eval_export_cmd import eval_export
from fmkit.cli.eval_guardrail_cmd import eval_guardrail
from fmkit.cli.eval_retrieval_cmd import eval_retrieval
from fmkit.cli.models_cmd import models_app
from fmkit.cli.plan_cmd import plan
from fmkit.cli.preflight_cmd import preflight

app = typer.Typer(
    name="fmkit",
    help="fmkit: declarative model configs → a tagged, autoscaled, observable LLM stack on AWS.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
app.command("validate")(validate)
app.add_typer(config_app, name="config")
app.add_typer(env_app, name="env")
# Further commands register here (one import + one line each): plan, eval.
app.command("plan")(plan)
app.command("eval")(evaluate)
app.command("eval-retrieval")(eval_retrieval)
app.command("eval-guardrail")(eval_guardrail)
app.command("eval-export")(eval_export)
app.command("preflight")(preflight)
app.add_typer(models_app, name="models")
app.add_typer(customize_app, name="customize")


def main() -> None:
    try:
        app()
    except KeyboardInterrupt:  # pragma: no cover - interactive only
        sys.exit(130)
