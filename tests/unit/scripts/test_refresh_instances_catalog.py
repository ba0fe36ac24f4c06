"""scripts/refresh_instances_catalog.py: EC2 shapes from moto, prices from a pricing Stubber."""

from __future__ import annotations

import json

import boto3
from botocore.stub import ANY, Stubber
from moto import mock_aws

from fmkit.catalog.refresh import read_catalog_file
from tests.unit.scripts._catalog_scripts import load_script

refresh = load_script("refresh_instances_catalog")


def _price_item(usd: str, usagetype: str = "BoxUsage:x") -> str:
    return json.dumps(
        {
            "product": {"attributes": {"usagetype": usagetype}},
            "terms": {"OnDemand": {"T": {"priceDimensions": {"D": {"pricePerUnit": {"USD": usd}}}}}},
        }
    )


def _pricing() -> tuple[object, Stubber]:
    client = boto3.client(
        "pricing", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x"
    )
    return client, Stubber(client)


def test_fetch_shapes_with_moto() -> None:
    with mock_aws():
        ec2 = boto3.client("ec2", region_name="us-east-1")
        shapes = refresh.fetch_instance_types(ec2, ["c7g.xlarge", "g5.xlarge", "m5.large"])
    assert set(shapes) == {"c7g.xlarge", "g5.xlarge", "m5.large"}
    c7g = refresh.shape_fields(shapes["c7g.xlarge"])
    assert c7g == {"vcpus": 4, "memory_gib": 8.0, "arch": "arm64"}
    g5 = refresh.shape_fields(shapes["g5.xlarge"])
    assert g5["gpus"] == 1 and g5["arch"] == "x86_64"


def test_prices_with_stubber() -> None:
    pricing, stub = _pricing()
    stub.add_response(
        "get_products",
        {"PriceList": [_price_item("0.1450000000")], "NextToken": "n"},
        {"ServiceCode": "AmazonEC2", "Filters": ANY},
    )
    stub.add_response(
        "get_products",
        {"PriceList": [_price_item("1.4080000000", "USE1-Host:ml.g5.xlarge")]},
        {"ServiceCode": "AmazonSageMaker", "Filters": ANY},
    )
    with stub:
        assert refresh.fetch_ec2_price(pricing, "c7g.xlarge", "us-east-1") == 0.145
        assert refresh.fetch_sagemaker_price(pricing, "ml.g5.xlarge", "us-east-1") == 1.408


def test_sagemaker_price_ignores_training_items() -> None:
    pricing, stub = _pricing()
    stub.add_response(
        "get_products",
        {
            "PriceList": [
                _price_item("9.9", "USE1-Train:ml.g5.xlarge"),
                _price_item("9.9", "USE1-Notebk:ml.g5.xlarge"),
            ]
        },
        {"ServiceCode": "AmazonSageMaker", "Filters": ANY},
    )
    with stub:
        assert refresh.fetch_sagemaker_price(pricing, "ml.g5.xlarge", "us-east-1") is None


def test_build_catalog_merges_and_preserves() -> None:
    with mock_aws():
        shapes = {
            "us-east-1": refresh.fetch_instance_types(
                boto3.client("ec2", region_name="us-east-1"), ["c7g.xlarge", "g5.xlarge"]
            )
        }
    ec2_existing = read_catalog_file(refresh.EC2_CATALOG)
    out = refresh.build_catalog(ec2_existing, shapes, {"c7g.xlarge": {"us-east-1": 0.1451}}, "2030-01-02")
    c7g = out["instances"]["c7g.xlarge"]
    assert c7g["hourly_usd"]["us-east-1"] == 0.1451
    assert (
        c7g["hourly_usd"]["eu-west-1"] == ec2_existing["instances"]["c7g.xlarge"]["hourly_usd"]["eu-west-1"]
    )
    assert c7g["processor"] == "graviton3"  # not derivable from AWS: preserved
    assert "eu-west-1" in c7g["regions"]  # unqueried region preserved
    assert out["retrieved"] == "2030-01-02"
    assert out["instances"]["p5.48xlarge"] == ec2_existing["instances"]["p5.48xlarge"]

    sm_existing = read_catalog_file(refresh.SAGEMAKER_CATALOG)
    sm = refresh.build_catalog(sm_existing, shapes, {"ml.c7g.xlarge": {"us-east-1": 0.17}}, "2030-01-02")
    assert sm["instances"]["ml.c7g.xlarge"]["price_basis"] == "published"
    assert sm["instances"]["ml.g5.xlarge"]["vcpus"] == 4
