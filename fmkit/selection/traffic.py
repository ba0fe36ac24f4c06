"""The load a shortlist is priced at: `--traffic REQ_PER_DAY:IN_TOKENS:OUT_TOKENS`, or the config's."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from fmkit.config.environment import EnvironmentConfig

DEFAULT_TRAFFIC = (1000.0, 500, 200)


@dataclass(frozen=True)
class Traffic:
    requests_per_day: float
    mean_input_tokens: int
    mean_output_tokens: int
    origin: str  # where the figures come from, for the report

    def as_config(self) -> dict[str, Any]:
        return {"requests_per_day": self.requests_per_day, "mean_input_tokens": self.mean_input_tokens,
                "mean_output_tokens": self.mean_output_tokens}

    def label(self) -> str:
        return (f"{self.requests_per_day:,.0f} requests/day x {self.mean_input_tokens} in + "
                f"{self.mean_output_tokens} out tokens ({self.origin})")


def parse_traffic(text: str) -> Traffic:
    """`2000:800:200` → 2,000 requests/day of 800 input and 200 output tokens (ValueError otherwise)."""
    parts = text.split(":")
    if len(parts) != 3:
        raise ValueError(f"'{text}' is not REQ_PER_DAY:IN_TOKENS:OUT_TOKENS, e.g. 2000:800:200")
    try:
        requests, tokens_in, tokens_out = float(parts[0]), int(parts[1]), int(parts[2])
    except ValueError:
        raise ValueError(f"'{text}': requests per day is a number, token counts are whole numbers") from None
    if requests < 0 or tokens_in < 1 or tokens_out < 1:
        raise ValueError(f"'{text}': requests must be >= 0 and token counts >= 1")
    return Traffic(requests, tokens_in, tokens_out, "--traffic")


def configured_traffic(environments: Iterable[EnvironmentConfig]) -> Traffic:
    """The mean expected_traffic of the configured chat deployments, else 1,000 x 500 in x 200 out."""
    seen = [m.expected_traffic for env in environments for m in env.enabled_models().values()
            if m.expected_traffic is not None and m.expected_traffic.mean_output_tokens > 1]
    if not seen:
        requests, tokens_in, tokens_out = DEFAULT_TRAFFIC
        return Traffic(requests, tokens_in, tokens_out, "default: no configured expected_traffic")
    count = len(seen)
    return Traffic(sum(t.requests_per_day for t in seen) / count,
                   round(sum(t.mean_input_tokens for t in seen) / count),
                   round(sum(t.mean_output_tokens for t in seen) / count),
                   f"mean expected_traffic of {count} configured deployment(s)")
