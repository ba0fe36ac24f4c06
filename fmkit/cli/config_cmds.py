"""`fmkit validate`, `fmkit config show ENV`, `fmkit config schema`."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Annotated

import typer
from ruamel.yaml import YAML

from fmkit.cli.common import DEFAULT_CONFIG_DIR, EXIT_CONFIG, ConfigDir, err, fail, load_or_exit, out, print_problems
from fmkit.config import ConfigError
from fmkit.config.json_schema import stale_schemas, write_schemas

config_app = typer.Typer(help="Inspect the resolved configuration and its JSON Schema.", no_args_is_help=True)


def validate(config_dir: ConfigDir = DEFAULT_CONFIG_DIR) -> None:
    """Load and validate every config file (no AWS, no CDK). Exit 2 on any error."""
    loaded = load_or_exit(config_dir)
    print_problems(loaded.warnings, Path.cwd())
    models = sorted({m for env in loaded.environments.values() for m in env.models})
    out.print(
        f"✓ {config_dir}: {len(loaded.environments)} environment(s) ({', '.join(loaded.names)}), "
        f"{len(models)} model deployment(s), {len(loaded.warnings)} warning(s)",
        style="green", markup=False,
    )


@config_app.command("show")
def show(
    env: Annotated[str, typer.Argument(help="Environment name, e.g. dev.")],
    config_dir: ConfigDir = DEFAULT_CONFIG_DIR,
) -> None:
    """Print the fully resolved config of ENV as YAML (project ⊕ env overlay ⊕ models)."""
    loaded = load_or_exit(config_dir)
    try:
        resolved = loaded.environment(env)
    except ConfigError as exc:
        fail(exc.problems, Path.cwd())
    yaml = YAML(typ="safe", pure=True)
    yaml.default_flow_style = False
    yaml.sort_base_mapping_type_on_output = False  # type: ignore[assignment]
    buffer = io.StringIO()
    # YAML keys (`async`, not `async_`) and no nulls: the output loads back as config files.
    yaml.dump(resolved.model_dump(mode="json", by_alias=True, exclude_none=True), buffer)
    out.print(f"# resolved config of environment '{env}' ({config_dir})", markup=False)
    out.print(buffer.getvalue().rstrip(), markup=False)


@config_app.command("reference")
def reference(
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Write to this file.")] = None,
    check: Annotated[bool, typer.Option("--check", help="Exit 1 if OUTPUT is out of date.")] = False,
) -> None:
    """Print (or write) the Markdown config reference generated from the models."""
    from fmkit.config.reference import render_reference

    text = render_reference()
    if output is None:
        out.print(text, markup=False)
        return
    if check:
        current = output.read_text(encoding="utf-8") if output.is_file() else ""
        if current != text:
            out.print(f"{output}: out of date — run `fmkit config reference -o {output}`", markup=False)
            raise typer.Exit(1)
        return
    output.write_text(text, encoding="utf-8")
    out.print(f"wrote {output}", markup=False)


@config_app.command("schema")
def schema(
    config_dir: ConfigDir = DEFAULT_CONFIG_DIR,
    check: Annotated[bool, typer.Option("--check", help="Exit 1 if the files are out of date.")] = False,
) -> None:
    """Write schema.json (and per-file schemas) from the pydantic models, for editor validation."""
    if not config_dir.is_dir():
        err.print(f"{config_dir} is not a directory", style="red")
        raise typer.Exit(EXIT_CONFIG)
    if check:
        stale = stale_schemas(config_dir)
        for path in stale:
            out.print(f"{path}: out of date — run `fmkit config schema`", markup=False)
        raise typer.Exit(1 if stale else 0)
    for path in write_schemas(config_dir):
        out.print(f"wrote {path}", markup=False)
