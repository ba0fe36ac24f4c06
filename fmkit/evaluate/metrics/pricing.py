"""Two costs per 1,000 requests, named for what they are.

- **Expected** (`usd_per_1k_requests_expected`): what `fmkit plan` expects the deployment to
  cost at its configured `expected_traffic` (`fmkit.contracts.evaluation.PlanCost`, decided from
  config by the CLI or the stack) divided by the expected requests. An instance kept at its
  minimum capacity is paid for whether it serves ten requests an hour or ten thousand, so this is
  the figure a choice between models rests on: the verdict cards use it.
- **Marginal** (`usd_per_1k_requests_marginal`): what one more request costs, from the run's
  measurements. Token-priced models (Bedrock on demand): the measured mean token usage × the
  token prices. Instance-priced ones: the hourly price ÷ the throughput measured at saturation,
  the cost at 100% utilisation — a floor that real traffic rarely reaches.

The price models are `fmkit.contracts.pricing`'s: the stack decides them from config and the
evaluation only reads them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from fmkit.contracts.evaluation import PlanCost
from fmkit.contracts.pricing import InstancePricing, TokenPricing
from fmkit.evaluate.metrics.operational import throughput_rps
from fmkit.evaluate.records import ItemRecord


@dataclass(frozen=True)
class CostEstimate:
    per_1k_requests: float
    basis: Literal["tokens", "hourly"]
    note: str


@dataclass(frozen=True)
class CostFigures:
    """Both costs of one model and how each was reached (None: not measurable, `*_note` says why)."""

    usd_per_1k_requests_expected: float | None
    expected_note: str
    usd_per_1k_requests_marginal: float | None
    marginal_basis: Literal["tokens", "hourly"] | None
    marginal_note: str


def cost_per_1k_requests(price: TokenPricing | InstancePricing, records: Sequence[ItemRecord]) -> CostEstimate | None:
    """The marginal USD per 1,000 requests like the benchmark's, or None when it cannot be measured.

    Token pricing uses the mean reported token usage of successful requests. Hourly pricing
    divides the instance cost by the measured throughput: the endpoint kept as busy as during
    the run.
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
        note=f"{price.instances} × ${price.per_hour:g}/h at a measured {rps:.3g} req/s (saturation)",
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
        note=f"measured mean {mean_in:.0f} input + {mean_out:.0f} output tokens per request",
    )


def cost_figures(
    price: TokenPricing | InstancePricing | None, plan: PlanCost | None, records: Sequence[ItemRecord]
) -> CostFigures:
    """The expected cost (from the plan) and the marginal one (from the run) of one model."""
    marginal = cost_per_1k_requests(price, records) if price is not None else None
    if marginal is not None:
        marginal_note = marginal.note
    else:
        marginal_note = "no price" if price is None else "not measurable (no successful request with usage)"
    return CostFigures(
        usd_per_1k_requests_expected=plan.usd_per_1k_requests if plan is not None else None,
        expected_note=plan.basis if plan is not None else
        "no plan cost (not a configured deployment, or no expected_traffic)",
        usd_per_1k_requests_marginal=marginal.per_1k_requests if marginal is not None else None,
        marginal_basis=marginal.basis if marginal is not None else None,
        marginal_note=marginal_note,
    )
