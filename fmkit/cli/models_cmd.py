"""`fmkit models`: shortlist models by the selection factors, `models show ID`, `models add ID --as NAME`."""

from __future__ import annotations

import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated, NoReturn, Protocol

import typer

from fmkit.catalog.cards import CustomizationKind, ModelCard, Provider, cards_for_id, catalog_date
from fmkit.cli.common import DEFAULT_CONFIG_DIR, EXIT_CONFIG, ConfigDir, err, fail, out
from fmkit.cli.models_render import render_card, render_json, render_markdown, render_table
from fmkit.config import ConfigError, LoadedConfig
from fmkit.config.base import NAME_RE
from fmkit.config.errors import ConfigProblem, Location
from fmkit.selection.measured import default_reports, measured_latency
from fmkit.selection.proposals import NotProposable, propose
from fmkit.selection.shortlist import Filters, shortlist
from fmkit.selection.traffic import configured_traffic, parse_traffic
from fmkit.selection.writer import write_deployment
from fmkit.validate import load_validated

models_app = typer.Typer(help="Choose a model: shortlist by license, size, context, cost and carbon; add one.",
                         invoke_without_command=True)


class Format(StrEnum):
    table = "table"
    json = "json"
    markdown = "markdown"


class Sort(StrEnum):
    usd = "usd"
    co2 = "co2"
    context = "context"
    params = "params"
    latency = "latency"


class Task(StrEnum):
    chat = "chat"
    embedding = "embedding"


class ProviderOption(StrEnum):
    bedrock = "bedrock"
    sagemaker = "sagemaker"
    ec2_graviton = "ec2-graviton"


@models_app.callback()
def list_models(
    ctx: typer.Context,
    region: Annotated[str | None, typer.Option(help="Only models callable/deployable here; prices here.")] = None,
    task: Annotated[Task | None, typer.Option(help="chat or embedding.")] = None,
    provider: Annotated[ProviderOption | None, typer.Option(help="bedrock, sagemaker or ec2-graviton.")] = None,
    commercial: Annotated[bool, typer.Option("--commercial", help="Licenses that allow commercial use "
                                                                  "(restricted ones included, marked).")] = False,
    min_context: Annotated[int | None, typer.Option(help="Context window of at least N tokens.")] = None,
    max_params: Annotated[float | None, typer.Option(help="At most B billion parameters (undisclosed sizes "
                                                          "are left out).")] = None,
    customization: Annotated[str | None, typer.Option(help="bedrock-fine-tuning, bedrock-continued-pretraining, "
                                                            "bedrock-distillation-student, bedrock-distillation-"
                                                            "teacher, jumpstart-fine-tuning, lora-open-weights.")]
    = None,
    max_usd_month: Annotated[float | None, typer.Option(help="Expected cost at the traffic, at most X $/month.")]
    = None,
    traffic: Annotated[str | None, typer.Option(help="REQ_PER_DAY:IN_TOKENS:OUT_TOKENS (default: the config's "
                                                     "mean expected_traffic, else 1000:500:200).")] = None,
    sort: Annotated[Sort, typer.Option(help="usd, co2, context, params or latency.")] = Sort.usd,
    output: Annotated[Format, typer.Option("--format", "-f", help="table, json or markdown.")] = Format.table,
    eval_report: Annotated[list[Path] | None, typer.Option(help="fmkit eval report.json with measured latency "
                                                                 "(default: eval-out/ENV/report.json).")] = None,
    config_dir: ConfigDir = DEFAULT_CONFIG_DIR,
) -> None:
    """A ranked shortlist: each row one model on one provider, with its factors, $ and CO2e per month."""
    if ctx.invoked_subcommand is not None:
        return
    loaded = _load_quietly(config_dir)
    environments = list(loaded.environments.values()) if loaded is not None else []
    try:
        filters = Filters(region=region, task=task.value if task else None,
                          provider=_provider(provider), commercial=commercial, min_context=min_context,
                          max_params=max_params, customization=_customization(customization),
                          max_usd_month=max_usd_month)
        load = parse_traffic(traffic) if traffic else configured_traffic(environments)
    except ValueError as exc:
        err.print(f"fmkit models: {exc}", style="red", markup=False)
        raise typer.Exit(EXIT_CONFIG) from None
    reports = default_reports(environments)
    for path in eval_report or []:
        reports += [(env, path) for env in environments]
    result = shortlist(filters, load, sort=sort.value, measured=measured_latency(reports))
    if output is Format.json:
        sys.stdout.write(render_json(result) + "\n")
    elif output is Format.markdown:
        sys.stdout.write(render_markdown(result))
    else:
        render_table(result, out)


@models_app.command("show")
def show(model_id: Annotated[str, typer.Argument(help="A catalog id (see `fmkit models`) or a provider's id.")],
         config_dir: ConfigDir = DEFAULT_CONFIG_DIR) -> None:
    """Every fact fmkit knows about a model, with its source."""
    _load_quietly(config_dir)
    found = cards_for_id(model_id)
    if not found:
        err.print(f"'{model_id}' is not in fmkit's catalog: `fmkit models` lists the known ids", style="red")
        raise typer.Exit(EXIT_CONFIG)
    render_card(found[0][0], out)


@models_app.command("add")
def add(
    model_id: Annotated[str, typer.Argument(help="A catalog id (see `fmkit models`) or a provider's model id.")],
    name: Annotated[str, typer.Option("--as", help="Deployment name: models/NAME.yaml.")],
    provider: Annotated[ProviderOption | None, typer.Option(help="Needed when the id exists for several.")] = None,
    envs: Annotated[list[str] | None, typer.Option("--env", help="Only in these environments (repeat).")] = None,
    traffic: Annotated[str | None, typer.Option(help="expected_traffic as REQ_PER_DAY:IN_TOKENS:OUT_TOKENS.")]
    = None,
    accept_eula: Annotated[bool, typer.Option("--accept-eula", help="Accept a gated model's EULA.")] = False,
    config_dir: ConfigDir = DEFAULT_CONFIG_DIR,
) -> None:
    """Write models/NAME.yaml for a catalog model with sensible defaults; kept only if the config validates."""
    target = config_dir / "models" / f"{name}.yaml"
    refuse = _refuser(target)
    if not NAME_RE.match(name):
        refuse(f"'{name}' is not a deployment name", "lowercase letters, digits and '-', starting with a letter")
    if target.exists():
        refuse(f"{target} already exists", "choose another --as name, or edit that file")
    loaded = _load_or_fail(config_dir)
    chosen = _choose(model_id, _provider(provider), refuse)
    targets = envs or loaded.names
    unknown = [e for e in targets if e not in loaded.environments]
    if unknown:
        refuse(f"unknown environment(s): {', '.join(unknown)}", f"known: {', '.join(loaded.names)}")
    regions = sorted({loaded.environments[e].region for e in targets})
    try:
        load = parse_traffic(traffic) if traffic else configured_traffic(loaded.environments.values())
        proposal = propose(chosen[0], chosen[1], regions, load, accept_eula=accept_eula)
    except (ValueError, NotProposable) as exc:
        refuse(str(exc), "try another --provider, or `fmkit models --region REGION` for what runs there")
    write_deployment(target, proposal, envs)
    try:
        validated = load_validated(config_dir)
    except ConfigError as exc:
        target.unlink()
        out.print(f"not added: the config would not validate with {target} ({target} removed)", markup=False)
        fail(exc.problems, Path.cwd())
    out.print(f"added {target}: {proposal.card.name} on {proposal.provider}", markup=False)
    for note in proposal.notes:
        out.print(f"  note: {note}", markup=False)
    for warning in validated.warnings:
        if warning.location.file == target:
            out.print(f"  {warning.format(Path.cwd())}", style="yellow", markup=False)


def _choose(model_id: str, provider: Provider | None, refuse: Refuse) -> tuple[ModelCard, Provider]:
    """The (card, provider) an id names; refused when unknown, or ambiguous without --provider."""
    found = cards_for_id(model_id)
    if not found:
        refuse(f"'{model_id}' is not in fmkit's catalog (retrieved {catalog_date()})",
               "record it in model_configs/catalog/<id>.yaml (schema: model_configs/schemas/catalog.schema.json), "
               "or run `fmkit models` for the ids fmkit knows")
    offered = [p for _, p in found]
    if provider is not None:
        matches = [(card, p) for card, p in found if p == provider]
        if not matches:
            refuse(f"'{model_id}' is not offered on {provider}", f"it is offered on: {', '.join(offered)}")
        return matches[0]
    if len(found) > 1:
        refuse(f"'{model_id}' exists for several providers: {', '.join(offered)}",
               f"add --provider {offered[0]} (or one of the others)")
    return found[0]


def _provider(option: ProviderOption | None) -> Provider | None:
    return None if option is None else option.value


def _customization(value: str | None) -> CustomizationKind | None:
    kinds = CustomizationKind.__args__  # type: ignore[attr-defined]
    if value is not None and value not in kinds:
        raise ValueError(f"unknown customization '{value}': one of {', '.join(kinds)}")
    return value  # type: ignore[return-value]


def _load_quietly(config_dir: Path) -> LoadedConfig | None:
    """The config when there is a valid one (its catalog entries and traffic); a shortlist needs none."""
    if not (config_dir / "project.yaml").is_file():
        return None
    try:
        return load_validated(config_dir)
    except ConfigError:
        return None


def _load_or_fail(config_dir: Path) -> LoadedConfig:
    try:
        return load_validated(config_dir)
    except ConfigError as exc:
        out.print("fix the config first: `fmkit models add` validates the whole config with the new file",
                  markup=False)
        fail(exc.problems, Path.cwd())


class Refuse(Protocol):
    def __call__(self, message: str, hint: str) -> NoReturn: ...


def _refuser(target: Path) -> Refuse:
    def refuse(message: str, hint: str) -> NoReturn:
        fail([ConfigProblem(Location(target, 1, 1), message, hint)], Path.cwd())
    return refuse
