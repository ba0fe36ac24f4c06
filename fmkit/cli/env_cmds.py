"""`fmkit env new NAME --from ENV`: clone an environment file, comments and all."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from ruamel.yaml import YAML

from fmkit.cli.common import DEFAULT_CONFIG_DIR, ConfigDir, fail, out
from fmkit.config import ConfigError
from fmkit.config.base import NAME_RE
from fmkit.config.environment import check_account, check_region
from fmkit.config.errors import ConfigProblem, Location
from fmkit.config.loader import ENV_DIR, unknown_environment
from fmkit.validate import load_validated

env_app = typer.Typer(help="Create and manage environments.", no_args_is_help=True)


@env_app.command("new")
def new(
    name: Annotated[str, typer.Argument(help="Name of the new environment, e.g. staging.")],
    source: Annotated[str, typer.Option("--from", help="Environment to clone.")],
    account: Annotated[str | None, typer.Option(help="AWS account id of the new environment.")] = None,
    region: Annotated[str | None, typer.Option(help="AWS region of the new environment.")] = None,
    config_dir: ConfigDir = DEFAULT_CONFIG_DIR,
) -> None:
    """Clone environments/SOURCE.yaml to environments/NAME.yaml, keeping comments."""
    env_dir = config_dir / ENV_DIR
    target = env_dir / f"{name}.yaml"
    origin = env_dir / f"{source}.yaml"
    here = Path.cwd()
    _check_names(config_dir, name, source, target, origin)
    for value, check in ((account, check_account), (region, check_region)):
        if value is not None:
            try:
                check(value)
            except Exception as exc:  # pydantic custom error: message + hint
                hint = getattr(exc, "context", None) or {}
                fail([ConfigProblem(Location(target, 1, 1), str(exc), hint.get("hint"))], here)

    yaml = YAML(typ="rt")
    yaml.preserve_quotes = True
    data = yaml.load(origin.read_text(encoding="utf-8"))
    if account is not None:
        data["account"] = account
    if region is not None:
        data["region"] = region
    with target.open("w", encoding="utf-8") as handle:
        yaml.dump(data, handle)
    try:
        load_validated(config_dir)
    except ConfigError as exc:
        target.unlink()
        out.print(f"not created: the new environment would not validate ({target} removed)", markup=False)
        fail(exc.problems, here)
    out.print(f"created {target} from {origin}", markup=False)
    if account is None:
        out.print(f"note: '{name}' uses the same account as '{source}'; set `account:` (or pass --account)",
                  style="yellow", markup=False)
    out.print(f"next: edit it, then `fmkit config show {name}` and `npx cdk synth -c env={name}`", markup=False)


def _check_names(config_dir: Path, name: str, source: str, target: Path, origin: Path) -> None:
    """The new name is valid and free, and the environment to clone exists (else exit 2)."""
    env_dir = config_dir / ENV_DIR
    here = Path.cwd()
    if not NAME_RE.match(name):
        fail([ConfigProblem(Location(target, 1, 1), f"'{name}' is not a valid environment name",
                            "use lowercase letters, digits and '-', starting with a letter")], here)
    if target.exists():
        fail([ConfigProblem(Location(target, 1, 1), f"environment '{name}' already exists",
                            "pick another name or edit the file")], here)
    if not origin.is_file():
        known = sorted(p.stem for p in env_dir.glob("*.yaml")) if env_dir.is_dir() else []
        fail([unknown_environment(config_dir, source, known)], here)
