"""AWS regions known to fmkit (offline catalog; see data/regions.json for source and date)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from fmkit.catalog.store import load_catalog


@dataclass(frozen=True)
class Region:
    code: str
    name: str
    geo: str
    zones: tuple[str, ...]


@cache
def all_regions() -> dict[str, Region]:
    data = load_catalog("regions.json")
    return {
        code: Region(code=code, name=v["name"], geo=v["geo"], zones=tuple(v["zones"]))
        for code, v in data["regions"].items()
    }


def is_known_region(code: str) -> bool:
    return code in all_regions()


def get_region(code: str) -> Region:
    return all_regions()[code]
