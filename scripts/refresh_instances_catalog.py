#!/usr/bin/env python3
"""Rebuild fmkit/catalog/data/ec2_instances.json and sagemaker_instances.json from AWS.

Shapes and regional availability come from ``ec2:DescribeInstanceTypes`` in each region; on-demand
Linux (EC2) and real-time hosting (SageMaker) prices from the Price List API. Only catalogued types are
updated; fields AWS does not return (``processor`` carbon key, ``family`` naming, notes) and any price
that could not be fetched are preserved.

    python scripts/refresh_instances_catalog.py [--regions us-east-1,eu-west-1] [--dry-run]
"""

from __future__ import annotations

import argparse
import copy
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from fmkit.catalog.refresh import (
    DATA_DIR,
    dumps_catalog,
    ondemand_usd,
    paginate,
    product_attributes,
    read_catalog_file,
    today,
    write_catalog_file,
)

EC2_CATALOG = DATA_DIR / "ec2_instances.json"
SAGEMAKER_CATALOG = DATA_DIR / "sagemaker_instances.json"
PRICED_REGIONS = ["us-east-1", "us-west-2", "eu-west-1", "eu-central-1", "eu-north-1", "ap-northeast-1"]
SM = "ml."


def fetch_instance_types(ec2_client: Any, names: list[str]) -> dict[str, dict[str, Any]]:
    """Shape of each requested type offered in the client's region (absent types are not offered)."""
    out: dict[str, dict[str, Any]] = {}
    for i in range(0, len(names), 100):  # DescribeInstanceTypes takes at most 100 names
        chunk = names[i : i + 100]
        for it in paginate(
            ec2_client.describe_instance_types,
            "InstanceTypes",
            Filters=[{"Name": "instance-type", "Values": chunk}],
        ):
            out[it["InstanceType"]] = it
    return out


def shape_fields(it: Mapping[str, Any]) -> dict[str, Any]:
    """Catalog fields derivable from one DescribeInstanceTypes entry."""
    archs = it.get("ProcessorInfo", {}).get("SupportedArchitectures", [])
    fields: dict[str, Any] = {
        "vcpus": it["VCpuInfo"]["DefaultVCpus"],
        "memory_gib": round(it["MemoryInfo"]["SizeInMiB"] / 1024, 2),
        "arch": "arm64" if "arm64" in archs else "x86_64",
    }
    gpus = it.get("GpuInfo", {}).get("Gpus", [])
    if gpus:
        fields["gpus"] = sum(g.get("Count", 0) for g in gpus)
        fields["gpu_memory_gib"] = round(it["GpuInfo"].get("TotalGpuMemoryInMiB", 0) / 1024, 1)
    neuron = it.get("NeuronInfo", {}).get("NeuronDevices", [])
    if neuron:
        fields["accelerator_count"] = sum(d.get("Count", 0) for d in neuron)
    return fields


def fetch_ec2_price(pricing_client: Any, instance_type: str, region: str) -> float | None:
    filters = [
        {"Type": "TERM_MATCH", "Field": "instanceType", "Value": instance_type},
        {"Type": "TERM_MATCH", "Field": "regionCode", "Value": region},
        {"Type": "TERM_MATCH", "Field": "operatingSystem", "Value": "Linux"},
        {"Type": "TERM_MATCH", "Field": "tenancy", "Value": "Shared"},
        {"Type": "TERM_MATCH", "Field": "preInstalledSw", "Value": "NA"},
        {"Type": "TERM_MATCH", "Field": "capacitystatus", "Value": "Used"},
    ]
    for item in paginate(pricing_client.get_products, "PriceList", ServiceCode="AmazonEC2", Filters=filters):
        usd = ondemand_usd(item)
        if usd is not None:
            return usd
    return None


def fetch_sagemaker_price(pricing_client: Any, instance_type: str, region: str) -> float | None:
    """Real-time hosting price: the product whose usage type is ``…Host:ml.x.y`` (not training/notebook)."""
    filters = [
        {"Type": "TERM_MATCH", "Field": "instanceName", "Value": instance_type},
        {"Type": "TERM_MATCH", "Field": "regionCode", "Value": region},
    ]
    for item in paginate(
        pricing_client.get_products, "PriceList", ServiceCode="AmazonSageMaker", Filters=filters
    ):
        attrs = product_attributes(item)
        usage = attrs.get("usagetype", "")
        if f"Host:{instance_type}" in usage and "Serverless" not in usage:
            usd = ondemand_usd(item)
            if usd is not None:
                return usd
    return None


def build_catalog(
    existing: Mapping[str, Any],
    shapes_by_region: Mapping[str, Mapping[str, Mapping[str, Any]]],
    prices: Mapping[str, Mapping[str, float]],
    retrieved: str,
) -> dict[str, Any]:
    """Merge fetched shapes (region -> type -> DescribeInstanceTypes entry) and prices (type -> region ->
    $/h) into one catalog. SageMaker types look up the EC2 shape of the same type without ``ml.``."""
    data = copy.deepcopy(dict(existing))
    queried = set(shapes_by_region)
    for name, spec in data["instances"].items():
        ec2_name = name.removeprefix(SM)
        offered = {r for r, shapes in shapes_by_region.items() if ec2_name in shapes}
        if offered:
            shape = next(shapes_by_region[r][ec2_name] for r in sorted(offered))
            spec.update(shape_fields(shape))
            kept = {r for r in spec.get("regions", []) if r not in queried}
            spec["regions"] = sorted(kept | offered)
        fetched = prices.get(name, {})
        if fetched:
            merged = dict(spec.get("hourly_usd", {}))
            merged.update({r: round(p, 5) for r, p in fetched.items()})
            spec["hourly_usd"] = dict(sorted(merged.items()))
            if name.startswith(SM):
                spec["price_basis"] = "published"
    data["retrieved"] = retrieved
    return data


def main(argv: list[str] | None = None) -> int:
    import boto3
    from botocore.exceptions import BotoCoreError, ClientError

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--regions", default=",".join(PRICED_REGIONS))
    parser.add_argument("--dry-run", action="store_true")
    args = parser.parse_args(argv)
    regions = args.regions.split(",")

    ec2_existing = read_catalog_file(EC2_CATALOG)
    sm_existing = read_catalog_file(SAGEMAKER_CATALOG)
    names = sorted(set(ec2_existing["instances"]) | {n.removeprefix(SM) for n in sm_existing["instances"]})
    shapes: dict[str, dict[str, dict[str, Any]]] = {}
    for region in regions:
        try:
            shapes[region] = fetch_instance_types(boto3.client("ec2", region_name=region), names)
        except (ClientError, BotoCoreError) as exc:
            print(f"skip shapes in {region}: {exc}", file=sys.stderr)
    pricing = boto3.client("pricing", region_name="us-east-1")
    ec2_prices: dict[str, dict[str, float]] = {}
    sm_prices: dict[str, dict[str, float]] = {}
    for region in regions:
        for name in ec2_existing["instances"]:
            try:
                if (usd := fetch_ec2_price(pricing, name, region)) is not None:
                    ec2_prices.setdefault(name, {})[region] = usd
            except (ClientError, BotoCoreError) as exc:
                print(f"no EC2 price {name} {region}: {exc}", file=sys.stderr)
        for name in sm_existing["instances"]:
            try:
                if (usd := fetch_sagemaker_price(pricing, name, region)) is not None:
                    sm_prices.setdefault(name, {})[region] = usd
            except (ClientError, BotoCoreError) as exc:
                print(f"no SageMaker price {name} {region}: {exc}", file=sys.stderr)
    stamp = today()
    results = {
        EC2_CATALOG: build_catalog(ec2_existing, shapes, ec2_prices, stamp),
        SAGEMAKER_CATALOG: build_catalog(sm_existing, shapes, sm_prices, stamp),
    }
    for path, data in results.items():
        if args.dry_run:
            sys.stdout.write(dumps_catalog(data))
        else:
            write_catalog_file(path, data)
            print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
