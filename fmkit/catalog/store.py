"""Loads versioned catalog files shipped in fmkit/catalog/data (read once, never at synth from AWS)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from functools import cache
from importlib import resources
from typing import Any

from pydantic import BaseModel, ConfigDict


class CatalogError(RuntimeError):
    """A shipped catalog file is missing or malformed (a packaging bug, not a user error)."""


@cache
def load_catalog(filename: str) -> dict[str, Any]:
    """Return the parsed JSON catalog; every file must carry `source` and `retrieved`."""
    try:
        text = resources.files("fmkit.catalog").joinpath("data", filename).read_text(encoding="utf-8")
    except FileNotFoundError as exc:  # pragma: no cover - packaging error
        raise CatalogError(f"catalog file {filename} is missing from fmkit/catalog/data") from exc
    data: dict[str, Any] = json.loads(text)
    for field in ("source", "retrieved"):
        if field not in data:
            raise CatalogError(f"catalog file {filename} lacks the required '{field}' field")
    return data


class CatalogRecord(BaseModel):
    """One row of a catalog file, validated by pydantic (unknown keys, e.g. `source` notes, are ignored)."""

    model_config = ConfigDict(frozen=True, extra="ignore")


def keyed(rows: Mapping[str, Mapping[str, Any]], field: str) -> dict[str, dict[str, Any]]:
    """`{key: row}` with the key also stored as `field` in its row (files key rows by their name)."""
    return {key: {field: key, **row} for key, row in rows.items()}
