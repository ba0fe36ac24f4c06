from __future__ import annotations

import pytest

from fmkit.catalog import prices

REQUIRED = [
    "lambda.arm64.gb_second",
    "lambda.request",
    "sqs.standard.request",
    "stepfunctions.standard.transition",
    "stepfunctions.express.request",
    "dynamodb.ondemand.write_request_unit",
    "dynamodb.ondemand.read_request_unit",
    "s3.standard.gb_month",
    "s3.standard.put_request",
    "s3vectors.storage.gb_month",
    "s3vectors.put.gb",
    "s3vectors.query.request",
    "opensearch_serverless.ocu_hour",
    "opensearch_serverless.min_ocus.with_standby",
    "opensearch_serverless.min_ocus.without_standby",
    "aurora_serverless_v2.acu_hour",
    "aurora.storage.gb_month",
    "cloudwatch.logs.ingest.gb",
    "kms.key_month",
    "nat_gateway.hour",
    "nat_gateway.gb",
    "alb.hour",
    "alb.lcu_hour",
]


@pytest.mark.parametrize("key", REQUIRED)
def test_required_prices(key: str) -> None:
    p = prices.get_service_price(key)
    assert p.usd > 0 and p.unit and p.source
    assert prices.service_price(key, "us-east-1") == p.usd


def test_region_factors() -> None:
    assert prices.service_price("nat_gateway.hour", "eu-central-1") > prices.service_price("nat_gateway.hour")
    assert prices.service_price("lambda.request", "ap-northeast-1") == prices.service_price("lambda.request")
    assert prices.service_price("opensearch_serverless.min_ocus.with_standby", "eu-west-1") == 2
    assert prices.region_factor("af-south-1") > 1


def test_unknown_key() -> None:
    with pytest.raises(KeyError):
        prices.service_price("ec2.free_lunch", "us-east-1")
