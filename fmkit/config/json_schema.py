"""JSON Schemas for the config files, generated from the pydantic models (editor completion)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pydantic import TypeAdapter

from fmkit.config.catalog_overlay import CatalogEntry
from fmkit.config.deployments import Deployment
from fmkit.config.environment import EnvironmentFile
from fmkit.config.project import ProjectConfig

SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"


def file_schemas() -> dict[str, dict[str, Any]]:
    """One schema per kind of file, keyed by the file name it is written to."""
    schemas = {
        "project.schema.json": ProjectConfig.model_json_schema(),
        "environment.schema.json": EnvironmentFile.model_json_schema(),
        "model.schema.json": TypeAdapter(Deployment).json_schema(),
        "catalog.schema.json": CatalogEntry.model_json_schema(by_alias=True),
    }
    titles = {"project.schema.json": "fmkit project.yaml", "environment.schema.json": "fmkit environment file",
              "model.schema.json": "fmkit model deployment file",
              "catalog.schema.json": "fmkit catalog entry (model_configs/catalog/<id>.yaml)"}
    for name, schema in schemas.items():
        schema["$schema"] = SCHEMA_DIALECT
        schema["title"] = titles[name]
    return schemas


def combined_schema() -> dict[str, Any]:
    """`schema.json`: all three kinds; a file must match one of them."""
    parts = file_schemas()
    defs: dict[str, Any] = {}
    refs = []
    for name, schema in parts.items():
        kind = name.split(".")[0]
        inner = dict(schema)
        defs.update(inner.pop("$defs", {}))
        inner.pop("$schema", None)
        defs[f"{kind}-file"] = inner
        refs.append({"$ref": f"#/$defs/{kind}-file"})
    return {"$schema": SCHEMA_DIALECT, "title": "fmkit config file", "anyOf": refs, "$defs": defs}


def render(schema: dict[str, Any]) -> str:
    return json.dumps(schema, indent=2, sort_keys=True) + "\n"


def write_schemas(config_dir: Path) -> list[Path]:
    written = [config_dir / "schema.json"]
    written[0].write_text(render(combined_schema()), encoding="utf-8")
    (config_dir / "schemas").mkdir(exist_ok=True)
    for name, schema in file_schemas().items():
        path = config_dir / "schemas" / name
        path.write_text(render(schema), encoding="utf-8")
        written.append(path)
    return written


def stale_schemas(config_dir: Path) -> list[Path]:
    """Schema files that differ from what the current models generate."""
    expected = {config_dir / "schema.json": render(combined_schema())}
    expected.update({config_dir / "schemas" / n: render(s) for n, s in file_schemas().items()})
    return [p for p, text in expected.items() if not p.is_file() or p.read_text(encoding="utf-8") != text]
