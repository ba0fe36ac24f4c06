"""Helpers shared by ``scripts/refresh_*_catalog.py`` (pure functions: no AWS calls, no boto3 import).

Kept here so the scripts stay thin and the output format (sorted keys, stable indent, trailing newline,
``retrieved`` = the run date) is identical for every catalog, which keeps refresh diffs reviewable.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

DATA_DIR = Path(__file__).parent / "data"


def today() -> str:
    return dt.date.today().isoformat()


def read_catalog_file(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


def dumps_catalog(data: Mapping[str, Any]) -> str:
    """Deterministic JSON text: sorted keys, 1-space indent, newline at end."""
    return json.dumps(data, indent=1, sort_keys=True, ensure_ascii=False) + "\n"


def write_catalog_file(path: Path, data: Mapping[str, Any]) -> None:
    path.write_text(dumps_catalog(data), encoding="utf-8")


def paginate(
    method: Callable[..., Mapping[str, Any]], result_key: str, token: str = "NextToken", **kwargs: Any
) -> Iterator[Any]:
    """Follow the pages of a boto3 list call (Bedrock uses ``nextToken``; EC2/Pricing ``NextToken``).

    Explicit pagination instead of boto3 paginators so botocore ``Stubber`` tests stay simple.
    """
    next_token: str | None = None
    while True:
        call = dict(kwargs)
        if next_token:
            call[token] = next_token
        page = method(**call)
        yield from page.get(result_key, [])
        next_token = page.get(token)
        if not next_token:
            return


def ondemand_usd(price_item: str | Mapping[str, Any]) -> float | None:
    """First USD on-demand price of one AWS Price List ``PriceList`` item (JSON string or dict)."""
    item = json.loads(price_item) if isinstance(price_item, str) else price_item
    for term in item.get("terms", {}).get("OnDemand", {}).values():
        for dim in term.get("priceDimensions", {}).values():
            usd = dim.get("pricePerUnit", {}).get("USD")
            if usd is not None and float(usd) > 0:
                return float(usd)
    return None


def product_attributes(price_item: str | Mapping[str, Any]) -> dict[str, str]:
    item = json.loads(price_item) if isinstance(price_item, str) else price_item
    attrs: dict[str, str] = item.get("product", {}).get("attributes", {})
    return attrs
