"""The `fmkit` command line (typer). Never imports aws-cdk-lib, so it stays fast in CI.

`fmkit validate` runs in every CI job and many times a day: `main` serves it from an app that
holds that one command, so it imports only what validation needs (config, catalogs, rules),
never the evaluation, customization or AWS-facing commands (boto3, numpy, jinja2). Every other
command line goes to the full app, `fmkit.cli.commands`, which `app` names on first use.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import typer

    from fmkit.cli.commands import app as app  # at run time: `__getattr__`, on first use

__all__ = ["app", "main"]


def validate_app() -> typer.Typer:
    """The full app's `validate` command alone (same function, options and output)."""
    import typer

    from fmkit.cli.config_cmds import validate

    only = typer.Typer(name="fmkit", pretty_exceptions_enable=False, add_completion=False)
    only.callback()(lambda: None)  # a group, so the command line stays `fmkit validate …`
    only.command("validate")(validate)
    return only


def main() -> None:
    if sys.argv[1:2] == ["validate"]:
        try:
            validate_app()()
        except KeyboardInterrupt:  # pragma: no cover - interactive only
            sys.exit(130)
        return
    from fmkit.cli.commands import main as full_app

    full_app()


def __getattr__(name: str) -> Any:
    if name == "app":
        from fmkit.cli.commands import app

        globals()["app"] = app  # the full app (its own module name, so no submodule shadows it)
        return app
    raise AttributeError(f"module 'fmkit.cli' has no attribute {name!r}")
