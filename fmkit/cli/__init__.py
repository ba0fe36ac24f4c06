"""The `fmkit` command line (typer). Never imports aws-cdk-lib, so it stays fast in CI."""

from fmkit.cli.app import app, main

__all__ = ["app", "main"]
