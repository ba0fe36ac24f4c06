"""Unit prices of the supporting AWS services a deployment adds (Lambda, queues, vector stores, network…).

The cost estimator needs these offline; ``data/service_prices.json`` holds us-east-1 list prices with
their source and unit, plus approximate per-region factors (documented there).
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from typing import Literal

from pydantic import TypeAdapter

from fmkit.catalog.store import CatalogRecord, keyed, load_catalog

CATALOG_FILE = "service_prices.json"

Regional = Literal["flat", "default", "none"]


class ServicePrice(CatalogRecord):
    key: str
    usd: float  # us-east-1 price per unit
    unit: str
    source: str
    regional: Regional = "default"
    note: str | None = None


_PRICES = TypeAdapter(dict[str, ServicePrice])


@cache
def all_service_prices() -> dict[str, ServicePrice]:
    prices = _PRICES.validate_python(keyed(load_catalog(CATALOG_FILE)["prices"], "key"))
    return dict(sorted(prices.items()))


def get_service_price(key: str) -> ServicePrice:
    try:
        return all_service_prices()[key]
    except KeyError:
        raise KeyError(f"unknown service price {key!r}; known: {sorted(all_service_prices())}") from None


class RegionFactors(CatalogRecord):
    """Approximate price level of each region against us-east-1 (documented in the file)."""

    region_factors: Mapping[str, float]
    default_factor: float


@cache
def _factors() -> RegionFactors:
    return RegionFactors.model_validate(load_catalog(CATALOG_FILE))


def region_factor(region: str) -> float:
    factors = _factors()
    return factors.region_factors.get(region, factors.default_factor)


def service_price(key: str, region: str = "us-east-1") -> float:
    """Price per unit of ``key`` in ``region`` (us-east-1 list price x region factor unless flat)."""
    p = get_service_price(key)
    if p.regional == "default":
        return p.usd * region_factor(region)
    return p.usd
