"""`fmkit preflight ENV`: check the account before deploying (0 ready, 1 blocked, 2 bad config, 3 cannot check)."""

from __future__ import annotations

import sys
from enum import StrEnum
from typing import Annotated, Any

import typer
from rich.table import Table

from fmkit.cli.common import DEFAULT_CONFIG_DIR, EXIT_CONFIG, ConfigDir, err, load_or_exit, out

EXIT_CANNOT_CHECK = 3
STYLE = {"ok": "green", "blocked": "bold red", "warning": "yellow", "unknown": "dim"}


def aws_session(profile: str | None) -> Any:
    """The deployer's boto3 session (the one seam tests replace)."""
    import boto3

    return boto3.Session(profile_name=profile)


class Format(StrEnum):
    table = "table"
    json = "json"


def preflight(
    env: Annotated[str, typer.Argument(help="Environment to check (its account and region).")],
    output: Annotated[Format, typer.Option("--format", "-f", help="table or json.")] = Format.table,
    profile: Annotated[str | None, typer.Option("--profile", help="AWS profile (default: the usual chain).")] = None,
    config_dir: ConfigDir = DEFAULT_CONFIG_DIR,
) -> None:
    """Check credentials, bootstrap, model access, quotas and regional services before `cdk deploy`."""
    loaded = load_or_exit(config_dir)
    if env not in loaded.environments:
        err.print(f"unknown environment '{env}'; known: {', '.join(loaded.names)}", style="red")
        raise typer.Exit(EXIT_CONFIG)
    from botocore.exceptions import BotoCoreError

    from fmkit.preflight import CannotCheck, run_preflight

    try:
        session = aws_session(profile)
        report = run_preflight(loaded.environments[env], session)
    except (CannotCheck, BotoCoreError) as exc:
        err.print(f"preflight: cannot check {env}: {exc}", style="bold red", markup=False)
        raise typer.Exit(EXIT_CANNOT_CHECK) from None
    if output is Format.json:
        sys.stdout.write(report.to_json() + "\n")
    else:
        table = Table(title=f"preflight {env} — account {report.account}, {report.region}")
        for column in ("status", "check", "target", "detail"):
            table.add_column(column, overflow="fold")
        for status, check, target, detail in report.rows():
            table.add_row(f"[{STYLE[status]}]{status}[/]", check, target, detail)
        out.print(table)
        verdict = "blocked: fix the rows marked blocked" if report.blocked else "ready to deploy"
        out.print(f"preflight {env}: {verdict}", style="bold red" if report.blocked else "bold green")
    raise typer.Exit(report.exit_code)
