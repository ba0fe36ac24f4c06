"""scripts/refresh_bedrock_catalog.py against botocore Stubbers (no network)."""

from __future__ import annotations

import json

import boto3
import pytest
from botocore.stub import ANY, Stubber

from fmkit.catalog.refresh import dumps_catalog, read_catalog_file
from tests.unit.scripts._catalog_scripts import load_script

refresh = load_script("refresh_bedrock_catalog")
HAIKU = "anthropic.claude-3-haiku-20240307-v1:0"
SONNET4 = "anthropic.claude-sonnet-4-20250514-v1:0"


def _fm(mid: str, on_demand: bool) -> dict[str, object]:
    return {
        "modelArn": f"arn:aws:bedrock:us-east-1::foundation-model/{mid}",
        "modelId": mid,
        "modelName": mid,
        "providerName": "Anthropic",
        "inputModalities": ["TEXT"],
        "outputModalities": ["TEXT"],
        "inferenceTypesSupported": ["ON_DEMAND"] if on_demand else ["INFERENCE_PROFILE"],
        "modelLifecycle": {"status": "ACTIVE"},
    }


def _profile(pid: str, dests: list[str]) -> dict[str, object]:
    base = pid.split(".", 1)[1]
    return {
        "inferenceProfileName": pid,
        "inferenceProfileArn": f"arn:aws:bedrock:us-east-1:123456789012:inference-profile/{pid}",
        "inferenceProfileId": pid,
        "models": [{"modelArn": f"arn:aws:bedrock:{r}::foundation-model/{base}"} for r in dests],
        "status": "ACTIVE",
        "type": "SYSTEM_DEFINED",
    }


def _stubbed_region(region: str, models: list[dict[str, object]], pages: list[list[dict[str, object]]]):
    client = boto3.client("bedrock", region_name=region, aws_access_key_id="x", aws_secret_access_key="x")
    stub = Stubber(client)
    stub.add_response("list_foundation_models", {"modelSummaries": models}, {})
    for i, page in enumerate(pages):
        resp: dict[str, object] = {"inferenceProfileSummaries": page}
        params: dict[str, object] = {"typeEquals": "SYSTEM_DEFINED"}
        if i + 1 < len(pages):
            resp["nextToken"] = f"t{i + 1}"
        if i > 0:
            params["nextToken"] = f"t{i}"
        stub.add_response("list_inference_profiles", resp, params)
    return client, stub


def _price_item(model: str, kind: str, usd: str) -> str:
    return json.dumps(
        {
            "product": {"attributes": {"model": model, "inferenceType": kind, "regionCode": "us-east-1"}},
            "terms": {"OnDemand": {"T": {"priceDimensions": {"D": {"pricePerUnit": {"USD": usd}}}}}},
        }
    )


def test_fetch_region_and_build_catalog() -> None:
    east, east_stub = _stubbed_region(
        "us-east-1",
        [_fm(HAIKU, True), _fm(SONNET4, False)],
        [
            [_profile(f"us.{HAIKU}", ["us-east-1", "us-east-2", "us-west-2"])],
            [_profile(f"us.{SONNET4}", ["us-east-1", "us-east-2", "us-west-2"])],
        ],
    )
    west, west_stub = _stubbed_region(
        "us-west-2",
        [_fm(HAIKU, True), _fm(SONNET4, False)],
        [
            [
                _profile(f"us.{HAIKU}", ["us-east-1", "us-west-2"]),
                _profile(f"us.{SONNET4}", ["us-east-1", "us-west-2"]),
            ]
        ],
    )
    with east_stub, west_stub:
        snaps = [refresh.fetch_region(east, "us-east-1"), refresh.fetch_region(west, "us-west-2")]
    assert snaps[0].on_demand == {HAIKU}
    assert snaps[0].profiles[f"us.{SONNET4}"] == {"us-east-1", "us-east-2", "us-west-2"}

    pricing = boto3.client(
        "pricing", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x"
    )
    pstub = Stubber(pricing)
    pstub.add_response(
        "get_products",
        {
            "PriceList": [
                _price_item("Claude 3 Haiku", "Input tokens", "0.00025"),
                _price_item("Claude 3 Haiku", "Output tokens", "0.00125"),
                _price_item("Claude 3 Haiku", "Batch Input tokens", "0.000125"),
            ],
            "FormatVersion": "aws_v1",
        },
        {"ServiceCode": "AmazonBedrock", "Filters": ANY},
    )
    with pstub:
        prices = refresh.fetch_prices(pricing)
    assert prices == {"claude 3 haiku": {"input": 0.00025, "output": 0.00125}}

    existing = read_catalog_file(refresh.CATALOG)
    out = refresh.build_catalog(existing, snaps, prices, "2030-01-02")
    assert out["retrieved"] == "2030-01-02"
    haiku = out["models"][HAIKU]
    # queried regions replaced by facts, other regions preserved from the snapshot
    assert {"us-east-1", "us-west-2", "eu-west-1"} <= set(haiku["on_demand_regions"])
    us = haiku["inference_profiles"]["us"]
    assert us["source_regions"] == ["us-east-1", "us-west-2"]
    assert us["destination_regions"] == ["us-east-1", "us-east-2", "us-west-2"]
    assert us["destinations_by_source"] == {"us-west-2": ["us-east-1", "us-west-2"]}
    assert haiku["inference_profiles"]["eu"] == existing["models"][HAIKU]["inference_profiles"]["eu"]
    sonnet = out["models"][SONNET4]
    assert sonnet["on_demand_regions"] == []  # profile-only
    assert sonnet["context_window"] == existing["models"][SONNET4]["context_window"]  # preserved
    # untouched models stay byte-identical; output is deterministic
    nova = "amazon.nova-pro-v1:0"
    assert out["models"][nova] == existing["models"][nova]
    assert dumps_catalog(out) == dumps_catalog(refresh.build_catalog(existing, snaps, prices, "2030-01-02"))
    assert existing["retrieved"] != "2030-01-02"  # input not mutated


def test_build_catalog_keeps_price_when_unfetched() -> None:
    existing = read_catalog_file(refresh.CATALOG)
    out = refresh.build_catalog(existing, [], {}, "2030-01-02")
    assert out["models"] == existing["models"]


@pytest.mark.parametrize("arn", ["arn:aws:bedrock:eu-west-3::foundation-model/x"])
def test_region_of_arn(arn: str) -> None:
    assert refresh._region_of_arn(arn) == "eu-west-3"
