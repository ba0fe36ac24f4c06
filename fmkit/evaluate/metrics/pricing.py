"""Cost per 1,000 requests from a deployment's price model and the run's measured usage.

The price models themselves are `fmkit.contracts.pricing`'s: the stack decides them from config
and the evaluation only reads them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from fmkit.contracts.pricing import InstancePricing, TokenPricing
from fmkit.evaluate.metrics.operational import throughput_rps
from fmkit.evaluate.records import ItemRecord


@dataclass(frozen=True)
class CostEstimate:
    per_1k_requests: float
    basis: Literal["tokens", "hourly"]
    note: str


def cost_per_1k_requests(price: TokenPricing | InstancePricing, records: Sequence[ItemRecord]) -> CostEstimate | None:
    """USD per 1,000 requests like the benchmark's, or None when it cannot be measured.

    Token pricing uses the mean reported token usage of successful requests. Hourly pricing
    divides the instance cost by the measured throughput, so it assumes the endpoint is kept as
    busy as during the run (run with the concurrency you expect in production).
    """
    if isinstance(price, TokenPricing):
        return _token_cost(price, records)
    rps = throughput_rps(records)
    if rps is None:
        return None
    hourly = price.per_hour * price.instances
    return CostEstimate(
        per_1k_requests=hourly / 3600 / rps * 1000,
        basis="hourly",
        note=f"{price.instances} × ${price.per_hour:g}/h at a measured {rps:.3g} req/s",
    )


def _token_cost(price: TokenPricing, records: Sequence[ItemRecord]) -> CostEstimate | None:
    usage = [
        (r.input_tokens, r.output_tokens)
        for r in records
        if r.ok and r.input_tokens is not None and r.output_tokens is not None
    ]
    if not usage:
        return None
    mean_in = sum(u[0] for u in usage if u[0] is not None) / len(usage)
    mean_out = sum(u[1] for u in usage if u[1] is not None) / len(usage)
    per_request = mean_in / 1000 * price.input_per_1k + mean_out / 1000 * price.output_per_1k
    return CostEstimate(
        per_1k_requests=per_request * 1000,
        basis="tokens",
        note=f"mean {mean_in:.0f} input + {mean_out:.0f} output tokens per request",
    )
