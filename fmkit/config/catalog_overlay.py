"""`model_configs/catalog/<id>.yaml`: a model the shipped catalog lacks, recorded by the team.

Same schema as a shipped model card, plus — when the model is served by a provider fmkit
prices and validates — the row it gets in that provider's catalog (`bedrock_catalog`,
`jumpstart_catalog`), with the shipped catalogs' field names. Read line-aware like every other
config file and validated strictly (unknown keys are errors), then activated as the catalog
overlay, so validate, plan, `fmkit models` and synth all use it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import ConfigDict, Field, ValidationError

from fmkit.catalog import overlay
from fmkit.catalog.bedrock import BedrockModel
from fmkit.catalog.cards import CARD_ID_RE, ModelCard
from fmkit.catalog.jumpstart import JumpStartModel
from fmkit.config.diagnostics import problems_from_validation
from fmkit.config.errors import ConfigProblem, Location
from fmkit.config.yaml_source import read_yaml

CATALOG_DIR = "catalog"


class BedrockCatalogRow(BedrockModel):
    """A Bedrock model's row (the fields of fmkit/catalog/data/bedrock_models.json), strict."""

    model_config = ConfigDict(frozen=True, extra="forbid")


class JumpStartCatalogRow(JumpStartModel):
    """A JumpStart model's row (the fields of fmkit/catalog/data/jumpstart_models.json), strict."""

    model_config = ConfigDict(frozen=True, extra="forbid")


class CatalogEntry(ModelCard):
    """One project catalog file: the model card, and optionally its provider catalog rows."""

    id: str = Field(default="", description="The file name without .yaml (set by the loader).")
    bedrock_catalog: BedrockCatalogRow | None = Field(
        default=None, description="Its row in the Bedrock catalog (model id, regions, profiles, prices).")
    jumpstart_catalog: JumpStartCatalogRow | None = Field(
        default=None, description="Its row in the JumpStart catalog (artifacts, instances, container).")


def read_catalog_overlay(root: Path, problems: list[ConfigProblem]) -> overlay.Overlay:
    """Every `catalog/*.yaml` under `root`, validated; problems are appended with file:line:col."""
    folder = root / CATALOG_DIR
    if not folder.is_dir():
        return overlay.Overlay(root)
    cards: dict[str, dict[str, Any]] = {}
    bedrock: dict[str, dict[str, Any]] = {}
    jumpstart: dict[str, dict[str, Any]] = {}
    files: dict[str, Path] = {}
    for path in sorted(folder.glob("*.y*ml")):
        entry = _read_entry(path, problems)
        if entry is None:
            continue
        card = entry.model_dump(mode="json", by_alias=True, exclude={"bedrock_catalog", "jumpstart_catalog"})
        cards[entry.id], files[entry.id] = card, path
        if entry.bedrock_catalog is not None:
            bedrock[entry.bedrock_catalog.model_id] = entry.bedrock_catalog.model_dump(mode="json")
        if entry.jumpstart_catalog is not None:
            jumpstart[entry.jumpstart_catalog.model_id] = entry.jumpstart_catalog.model_dump(mode="json")
    return overlay.Overlay(root, cards, bedrock, jumpstart, files)


def _read_entry(path: Path, problems: list[ConfigProblem]) -> CatalogEntry | None:
    if path.suffix != ".yaml":
        problems.append(ConfigProblem(Location(path, 1, 1), "config files must end in .yaml",
                                      f"rename it to {path.stem}.yaml"))
        return None
    if not CARD_ID_RE.match(path.stem):
        problems.append(ConfigProblem(Location(path, 1, 1), f"'{path.stem}' is not a catalog id",
                                      "name the file after the model: lowercase letters, digits, '.' and '-'"))
        return None
    doc, found = read_yaml(path)
    problems += found
    if doc is None:
        return None
    try:
        return CatalogEntry.model_validate({**doc.data, "id": path.stem})
    except ValidationError as exc:
        problems += problems_from_validation(exc, doc.data, doc.source, CatalogEntry, {path: ()})
        return None

