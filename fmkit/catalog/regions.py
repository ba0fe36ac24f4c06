"""AWS regions known to fmkit (offline catalog; see data/regions.json for source and date)."""

from __future__ import annotations

from functools import cache

from pydantic import TypeAdapter

from fmkit.catalog.store import CatalogRecord, keyed, load_catalog


class Region(CatalogRecord):
    code: str
    name: str
    geo: str
    zones: tuple[str, ...]


_REGIONS = TypeAdapter(dict[str, Region])


@cache
def all_regions() -> dict[str, Region]:
    return _REGIONS.validate_python(keyed(load_catalog("regions.json")["regions"], "code"))


def is_known_region(code: str) -> bool:
    return code in all_regions()


def get_region(code: str) -> Region:
    return all_regions()[code]
