"""Unit prices of the supporting AWS services a deployment adds (Lambda, queues, vector stores, network…).

The cost estimator needs these offline; ``data/service_prices.json`` holds us-east-1 list prices with
their source and unit, plus approximate per-region factors (documented there).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Literal

from fmkit.catalog.store import load_catalog

CATALOG_FILE = "service_prices.json"

Regional = Literal["flat", "default", "none"]


@dataclass(frozen=True)
class ServicePrice:
    key: str
    usd: float  # us-east-1 price per unit
    unit: str
    source: str
    regional: Regional
    note: str | None = None


@cache
def all_service_prices() -> dict[str, ServicePrice]:
    data = load_catalog(CATALOG_FILE)
    return {
        key: ServicePrice(
            key=key,
            usd=float(raw["usd"]),
            unit=raw["unit"],
            source=raw["source"],
            regional=raw.get("regional", "default"),
            note=raw.get("note"),
        )
        for key, raw in sorted(data["prices"].items())
    }


def get_service_price(key: str) -> ServicePrice:
    try:
        return all_service_prices()[key]
    except KeyError:
        raise KeyError(f"unknown service price {key!r}; known: {sorted(all_service_prices())}") from None


def region_factor(region: str) -> float:
    data = load_catalog(CATALOG_FILE)
    return float(data["region_factors"].get(region, data["default_factor"]))


def service_price(key: str, region: str = "us-east-1") -> float:
    """Price per unit of ``key`` in ``region`` (us-east-1 list price x region factor unless flat)."""
    p = get_service_price(key)
    if p.regional == "default":
        return p.usd * region_factor(region)
    return p.usd
