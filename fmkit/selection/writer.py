"""Write a proposal as `models/<name>.yaml`: schema modeline, where it came from, the settings."""

from __future__ import annotations

import io
from pathlib import Path

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap

from fmkit.selection.proposals import Proposal

MODELINE = "# yaml-language-server: $schema=../schemas/model.schema.json"


def render_deployment(proposal: Proposal, environments: list[str] | None = None) -> str:
    card = proposal.card
    lines = [MODELINE,
             f"# {card.name} ({card.id}) on {proposal.provider}: written by `fmkit models add`; edit freely.",
             f"# License: {card.license or 'unknown'} ({card.commercial_use or 'commercial use unknown'})"
             + (f" — {card.license_url}" if card.license_url else "")]
    if card.commercial_condition:
        lines.append(f"# Condition: {card.commercial_condition}")
    lines += [f"# Note: {note}" for note in proposal.notes]
    document = CommentedMap(proposal.document)
    if environments:
        document["environments"] = list(environments)
    yaml = YAML(typ="rt")
    yaml.default_flow_style = False
    buffer = io.StringIO()
    yaml.dump(document, buffer)
    return "\n".join(lines) + "\n" + buffer.getvalue()


def write_deployment(target: Path, proposal: Proposal, environments: list[str] | None = None) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(render_deployment(proposal, environments), encoding="utf-8")
