#!/usr/bin/env python3
"""Rebuild fmkit/catalog/data/bedrock_models.json from AWS (needs credentials; read-only calls).

Per region: ``bedrock:ListFoundationModels`` (which ids are invoked on-demand there) and
``bedrock:ListInferenceProfiles`` (system profiles callable from there, and where they route);
prices from the Price List API (``pricing:GetProducts``, us-east-1). Only the curated models already in
the catalog are updated; fields AWS does not return (context window, embedding dimensions, size class,
notes) are preserved, as is any figure a call could not fetch.

    python scripts/refresh_bedrock_catalog.py [--regions us-east-1,eu-west-1] [--dry-run]
"""

from __future__ import annotations

import argparse
import copy
import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from fmkit.catalog.refresh import (
    DATA_DIR,
    ondemand_usd,
    paginate,
    product_attributes,
    read_catalog_file,
    today,
    write_catalog_file,
)

CATALOG = DATA_DIR / "bedrock_models.json"
PRICING_REGION = "us-east-1"  # the Price List API endpoint region, not the priced region


@dataclass
class RegionSnapshot:
    """What one region's control plane says."""

    region: str
    on_demand: set[str] = field(default_factory=set)
    lifecycle: dict[str, str] = field(default_factory=dict)
    # profile id -> destination regions, as seen from this (source) region
    profiles: dict[str, set[str]] = field(default_factory=dict)


def _region_of_arn(arn: str) -> str:
    return arn.split(":")[3]


def fetch_region(client: Any, region: str) -> RegionSnapshot:
    """Read one region with a ``boto3.client("bedrock", region_name=region)``."""
    snap = RegionSnapshot(region=region)
    for summary in client.list_foundation_models().get("modelSummaries", []):
        mid = summary["modelId"]
        if "ON_DEMAND" in summary.get("inferenceTypesSupported", []):
            snap.on_demand.add(mid)
        status = summary.get("modelLifecycle", {}).get("status")
        if status:
            snap.lifecycle[mid] = status.lower()
    for prof in paginate(
        client.list_inference_profiles,
        "inferenceProfileSummaries",
        token="nextToken",
        typeEquals="SYSTEM_DEFINED",
    ):
        dests = {_region_of_arn(m["modelArn"]) for m in prof.get("models", []) if m.get("modelArn")}
        snap.profiles[prof["inferenceProfileId"]] = dests
    return snap


def fetch_prices(pricing_client: Any, region: str = "us-east-1") -> dict[str, dict[str, float]]:
    """Model display name (lower-case) -> {"input": $/1k, "output": $/1k} from the Price List API.

    Best effort: Bedrock price items name the model in ``model`` and the direction in ``inferenceType``;
    anything unparseable is skipped and the existing catalog price kept.
    """
    out: dict[str, dict[str, float]] = {}
    filters = [{"Type": "TERM_MATCH", "Field": "regionCode", "Value": region}]
    for item in paginate(
        pricing_client.get_products, "PriceList", ServiceCode="AmazonBedrock", Filters=filters
    ):
        attrs = product_attributes(item)
        model = attrs.get("model", "").strip().lower()
        kind = attrs.get("inferenceType", "").lower()
        usd = ondemand_usd(item)
        if not model or usd is None or "batch" in kind or "cache" in kind:
            continue
        if "input" in kind:
            out.setdefault(model, {}).setdefault("input", usd)
        elif "output" in kind:
            out.setdefault(model, {}).setdefault("output", usd)
    return out


def _profiles_for(model_id: str, snapshots: Iterable[RegionSnapshot]) -> dict[str, dict[str, Any]]:
    by_geo: dict[str, dict[str, set[str]]] = {}
    for snap in snapshots:
        for pid, dests in snap.profiles.items():
            geo, _, base = pid.partition(".")
            if base == model_id:
                by_geo.setdefault(geo, {})[snap.region] = dests
    result: dict[str, dict[str, Any]] = {}
    for geo, per_source in sorted(by_geo.items()):
        union = set().union(*per_source.values())
        entry: dict[str, Any] = {
            "profile_id": f"{geo}.{model_id}",
            "source_regions": sorted(per_source),
            "destination_regions": sorted(union),
        }
        overrides = {src: sorted(d) for src, d in sorted(per_source.items()) if d != union}
        if overrides:
            entry["destinations_by_source"] = overrides
        result[geo] = entry
    return result


def build_catalog(
    existing: Mapping[str, Any],
    snapshots: list[RegionSnapshot],
    prices: Mapping[str, Mapping[str, float]],
    retrieved: str,
) -> dict[str, Any]:
    """Pure merge of fetched facts into the existing catalog (deterministic: sorted everywhere)."""
    data = copy.deepcopy(dict(existing))
    queried = {s.region for s in snapshots}
    for mid, model in data["models"].items():
        seen_anywhere = any(mid in s.on_demand or mid in s.lifecycle for s in snapshots)
        profiles = _profiles_for(mid, snapshots)
        if not seen_anywhere and not profiles:
            continue  # no information (e.g. no access in any queried region): keep the snapshot
        # Regions not queried keep what the catalog said; queried regions are replaced by the facts.
        kept = {r for r in model.get("on_demand_regions", []) if r not in queried}
        model["on_demand_regions"] = sorted(kept | {s.region for s in snapshots if mid in s.on_demand})
        old_profiles = model.get("inference_profiles", {})
        for geo, entry in profiles.items():
            old = old_profiles.get(geo, {})
            if "price_multiplier" in old:
                entry["price_multiplier"] = old["price_multiplier"]
            old_profiles[geo] = entry
        model["inference_profiles"] = dict(sorted(old_profiles.items()))
        for snap in snapshots:
            if mid in snap.lifecycle:
                model["lifecycle"] = snap.lifecycle[mid]
                break
        price = prices.get(model["name"].lower())
        if price and "input" in price:
            model["price_per_1k_input_tokens_usd"] = price["input"]
            if "output" in price:
                model["price_per_1k_output_tokens_usd"] = price["output"]
    data["retrieved"] = retrieved
    return data


def main(argv: list[str] | None = None) -> int:
    import boto3
    from botocore.exceptions import BotoCoreError, ClientError

    from fmkit.catalog.regions import all_regions

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--regions", help="comma-separated regions (default: all in regions.json)")
    parser.add_argument("--dry-run", action="store_true", help="print the result instead of writing it")
    args = parser.parse_args(argv)
    regions = args.regions.split(",") if args.regions else sorted(all_regions())

    snapshots = []
    for region in regions:
        try:
            snapshots.append(fetch_region(boto3.client("bedrock", region_name=region), region))
        except (ClientError, BotoCoreError) as exc:  # Bedrock absent or not enabled there
            print(f"skip {region}: {exc}", file=sys.stderr)
    try:
        prices = fetch_prices(boto3.client("pricing", region_name=PRICING_REGION))
    except (ClientError, BotoCoreError) as exc:
        print(f"prices not refreshed: {exc}", file=sys.stderr)
        prices = {}
    data = build_catalog(read_catalog_file(CATALOG), snapshots, prices, today())
    if args.dry_run:
        from fmkit.catalog.refresh import dumps_catalog

        sys.stdout.write(dumps_catalog(data))
    else:
        write_catalog_file(CATALOG, data)
        print(f"wrote {CATALOG} ({len(snapshots)} regions)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
