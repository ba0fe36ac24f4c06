"""Managed pieces priced by floor or volume: vector stores, Lambda/SQS/Step Functions, shared platform."""

from __future__ import annotations

from fmkit.catalog.prices import service_price
from fmkit.estimate import carbon
from fmkit.estimate.model import HOURS_PER_MONTH, Footprint, Range


def _footprint(usd: Range, kwh: Range, region: str) -> Footprint:
    return Footprint(usd=usd, kwh=kwh, kg_operational=kwh.map(lambda k: carbon.operational_kg(k, region)))


def opensearch_serverless(region: str, *, standby: bool, storage_gb: float = 0.0) -> Footprint:
    """The OCU floor a collection bills even when idle (2 OCUs with standby replicas, 1 without)."""
    key = "with_standby" if standby else "without_standby"
    ocus = service_price(f"opensearch_serverless.min_ocus.{key}")
    ocu_hours = ocus * HOURS_PER_MONTH
    usd = ocu_hours * service_price("opensearch_serverless.ocu_hour", region)
    usd += storage_gb * service_price("opensearch_serverless.storage.gb_month", region)
    return _footprint(Range.fixed(usd), Range.fixed(carbon.ocu_kwh(ocu_hours)), region)


def aurora_serverless(region: str, *, min_acu: float, max_acu: float, storage_gb: float = 0.0) -> Footprint:
    """Aurora Serverless v2: min ACUs all month (0 = paused when idle); high = max ACUs all month."""
    price = service_price("aurora_serverless_v2.acu_hour", region)
    storage = storage_gb * service_price("aurora.storage.gb_month", region)
    acu_hours = Range(min_acu, min_acu, max_acu).scale(HOURS_PER_MONTH)
    usd = acu_hours.scale(price).map(lambda v: v + storage)
    return _footprint(usd, acu_hours.map(carbon.acu_kwh), region)


def s3_vectors(region: str, *, storage_gb: float, queries: Range) -> Footprint:
    """S3 Vectors: no floor; storage plus per-query charges."""
    storage = storage_gb * service_price("s3vectors.storage.gb_month", region)
    per_query = service_price("s3vectors.query.request", region)
    per_query += storage_gb / 1000.0 * service_price("s3vectors.query.tb_processed", region)
    usd = queries.scale(per_query).map(lambda v: v + storage)
    kwh = Range.fixed(carbon.s3_storage_kwh(storage_gb, HOURS_PER_MONTH))
    return _footprint(usd, kwh, region)


def serverless(region: str, *, invocations: Range, memory_mb: int, seconds: float,
               sqs_requests_per_invocation: float = 0.0, sfn_transitions_per_invocation: float = 0.0) -> Footprint:
    """Lambda (arm64) + SQS standard + Step Functions standard at a monthly volume."""
    gb_seconds = invocations.scale(memory_mb / 1024.0 * seconds)
    usd = (invocations.scale(service_price("lambda.request", region))
           + gb_seconds.scale(service_price("lambda.arm64.gb_second", region))
           + invocations.scale(sqs_requests_per_invocation * service_price("sqs.standard.request", region))
           + invocations.scale(sfn_transitions_per_invocation
                               * service_price("stepfunctions.standard.transition", region)))
    return _footprint(usd, gb_seconds.map(carbon.lambda_kwh), region)


def platform(region: str, *, nat_gateways: int) -> Footprint:
    """The environment's KMS key and, when a capability needs the VPC, its NAT gateways (cost only)."""
    usd = service_price("kms.key_month", region)
    usd += nat_gateways * HOURS_PER_MONTH * service_price("nat_gateway.hour", region)
    return Footprint(usd=Range.fixed(usd))
