"""Price models a deployment is evaluated with: decided from config at plan/synth time, read by
`fmkit eval` and the cloud evaluation function (which has no config)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field


class _Price(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class TokenPricing(_Price):
    """Pay per token (Bedrock on-demand): USD per 1,000 input and output tokens."""

    kind: Literal["tokens"] = "tokens"
    input_per_1k: float = Field(ge=0)
    output_per_1k: float = Field(ge=0)


class InstancePricing(_Price):
    """Pay per instance-hour (SageMaker, EC2): USD per hour for each of `instances`."""

    kind: Literal["hourly"] = "hourly"
    per_hour: float = Field(gt=0)
    instances: int = Field(default=1, ge=1)


PriceModel = Annotated[TokenPricing | InstancePricing, Field(discriminator="kind")]


def parse_price(spec: str) -> TokenPricing | InstancePricing:
    """Parse `tokens:IN,OUT` (USD per 1k input/output tokens) or `hourly:RATE[xN]`."""
    kind, _, rest = spec.partition(":")
    try:
        if kind == "tokens":
            in_price, out_price = (float(v) for v in rest.split(","))
            return TokenPricing(input_per_1k=in_price, output_per_1k=out_price)
        if kind == "hourly":
            rate, _, count = rest.partition("x")
            return InstancePricing(per_hour=float(rate), instances=int(count) if count else 1)
    except ValueError as exc:
        raise ValueError(f"invalid price {spec!r}: {exc}") from exc
    raise ValueError(f"invalid price {spec!r}: use 'tokens:IN_PER_1K,OUT_PER_1K' or 'hourly:USD_PER_HOUR[xINSTANCES]'")
