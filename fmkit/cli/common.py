"""What every command shares: config loading and how problems are printed."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, NoReturn

import typer
from rich.console import Console

from fmkit.config import ConfigError, LoadedConfig
from fmkit.config.errors import ConfigProblem
from fmkit.validate import load_validated

EXIT_CONFIG = 2
DEFAULT_CONFIG_DIR = Path("model_configs")

out = Console(highlight=False, soft_wrap=True)
err = Console(stderr=True, highlight=False, soft_wrap=True)

ConfigDir = Annotated[
    Path, typer.Option("--config-dir", "-C", help="Directory holding project.yaml, environments/, models/.")
]


def print_problems(problems: list[ConfigProblem], root: Path | None) -> None:
    for problem in problems:
        style = "yellow" if problem.severity == "warning" else "red"
        out.print(problem.format(root), style=style, markup=False)


def fail(problems: list[ConfigProblem], root: Path | None) -> NoReturn:
    print_problems(problems, root)
    errors = sum(1 for p in problems if p.severity == "error")
    err.print(f"{errors} error(s) in the config", style="bold red")
    raise typer.Exit(EXIT_CONFIG)


def load_or_exit(config_dir: Path) -> LoadedConfig:
    try:
        return load_validated(config_dir)
    except ConfigError as exc:
        fail(exc.problems, Path.cwd())
