"""How `fmkit models` prints: a table for people, JSON for tools, Markdown for pull requests."""

from __future__ import annotations

import json

from rich.console import Console
from rich.table import Table

from fmkit.catalog.cards import ModelCard
from fmkit.selection.shortlist import Row, Shortlist

USE_MARK = {"allowed": "commercial", "restricted": "restricted", "not_allowed": "NON-COMMERCIAL", None: "unknown"}


def _num(value: float | None, digits: int = 2) -> str:
    return "" if value is None else f"{value:,.{digits}f}"


def _customization(row: Row) -> str:
    short = {"bedrock-fine-tuning": "bedrock-ft", "bedrock-continued-pretraining": "bedrock-cpt",
             "bedrock-distillation-student": "distill-student", "bedrock-distillation-teacher": "distill-teacher",
             "jumpstart-fine-tuning": "jumpstart-ft",
             "lora-open-weights": "lora"}
    return ", ".join(short[c.kind] for c in row.card.customization)


def _speed(row: Row) -> str:
    if row.latency is None or row.latency.output_tokens_per_s is None:
        return ""
    return f"{row.latency.output_tokens_per_s:g} ({row.latency.basis.split(':')[0][0]})"


def _short(text: str, width: int = 26) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def _cells(row: Row) -> list[str]:
    card = row.card
    modalities = "+".join(card.modalities.input) + "→" + "+".join(card.modalities.output) if card.modalities else ""
    return [card.id, row.provider, f"{_short(card.license or '?')} [{USE_MARK[card.commercial_use]}]",
            _num(card.params_billion, 1), f"{card.context_window:,}" if card.context_window else "", modalities,
            _customization(row), str(len(row.regions)), row.hardware or "", _num(row.usd_month),
            _num(row.kg_co2e_month, 3), _speed(row), row.note or ""]


HEADERS = ["id", "provider", "license", "params B", "context", "modalities", "customization", "regions",
           "hardware", "$/month", "kg CO2e/month", "tok/s", "note"]


WIDE = 200


def render_table(result: Shortlist, console: Console) -> None:
    # Off a terminal (CI logs, pipes) rich assumes 80 columns and would fold every cell.
    console = console if console.is_terminal else Console(width=WIDE, highlight=False)
    table = Table(title=f"{len(result.rows)} model(s) at {result.traffic.label()}, priced in {result.estimate_region}")
    for header in HEADERS:
        table.add_column(header, overflow="fold", justify="right" if header in ("$/month", "kg CO2e/month") else "left")
    for row in result.rows:
        table.add_row(*_cells(row))
    console.print(table)
    console.print("tok/s: (p)ublished, (e)stimated from memory bandwidth, (m)easured by fmkit eval. "
                  "`fmkit models show ID` gives every fact with its source; `fmkit models add ID --as NAME` adds one.")


def render_json(result: Shortlist) -> str:
    return json.dumps([row.as_json() for row in result.rows], indent=2)


def render_markdown(result: Shortlist) -> str:
    lines = [f"_{len(result.rows)} model(s) at {result.traffic.label()}, priced in {result.estimate_region}_", "",
             "| " + " | ".join(HEADERS) + " |", "|" + "---|" * len(HEADERS)]
    lines += ["| " + " | ".join(cell.replace("|", "\\|") for cell in _cells(row)) + " |" for row in result.rows]
    return "\n".join(lines) + "\n"


def render_card(card: ModelCard, console: Console) -> None:
    """Every fact of a card with the source it comes from."""
    console = console if console.is_terminal else Console(width=WIDE, highlight=False, soft_wrap=True)
    facts = [("name", card.name, None), ("vendor", card.vendor, None), ("task", card.task, None),
             ("license", card.license, card.sources.get("license")), ("license_url", card.license_url, None),
             ("commercial_use", card.commercial_use, card.sources.get("license")),
             ("commercial_condition", card.commercial_condition, None), ("license_quote", card.license_quote, None),
             ("params_billion", card.params_billion, card.sources.get("params")),
             ("context_window", card.context_window, card.sources.get("context_window")),
             ("modalities", card.modalities.model_dump() if card.modalities else None, card.sources.get("modalities")),
             ("languages", ", ".join(card.languages) if card.languages else None, card.sources.get("languages"))]
    table = Table(title=f"{card.id} (retrieved {card.retrieved})", show_lines=True)
    for column in ("fact", "value", "source"):
        table.add_column(column, overflow="fold")
    for fact, value, source in facts:
        table.add_row(fact, "" if value is None else str(value), source or "")
    for item in card.customization:
        table.add_row("customization", f"{item.kind} in {', '.join(item.regions) if item.regions else 'any region'}",
                      item.source)
    for figure in card.latency:
        table.add_row("latency", f"{figure.serving}: {figure.output_tokens_per_s} tok/s, TTFT {figure.ttft_s} s",
                      figure.source)
    links = card.providers
    for provider, value in (("bedrock", links.bedrock), ("sagemaker (JumpStart)", links.sagemaker)):
        if value:
            table.add_row(f"provider {provider}", value, "")
    if links.ec2_graviton:
        files = ", ".join(f"{q}: {f.file}" + (f" sha256 {f.sha256[:12]}…" if f.sha256 else "")
                          for q, f in links.ec2_graviton.files.items())
        table.add_row("provider ec2-graviton", f"{links.ec2_graviton.repo} — {files}", links.ec2_graviton.source or "")
    console.print(table)
    if card.notes:
        console.print(f"notes: {card.notes}", markup=False)
