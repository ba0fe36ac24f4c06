"""Loads versioned catalog files shipped in fmkit/catalog/data (read once, never at synth from AWS)."""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import Any


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
