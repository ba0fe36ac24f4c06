"""What every `models/<name>.yaml` shares, whatever provider serves the model."""

from __future__ import annotations

from typing import NamedTuple

from pydantic import Field, PositiveInt

from fmkit.config.base import Name, Strict, TagKey, TagValue


class ExpectedTraffic(Strict):
    """Load the cost/carbon plan assumes. `variability` spreads low/high around expected."""

    requests_per_day: float = Field(ge=0, description="Mean requests per day.")
    mean_input_tokens: PositiveInt = Field(description="Mean prompt tokens per request.")
    mean_output_tokens: PositiveInt = Field(description="Mean completion tokens per request.")
    variability: float = Field(
        default=0.5, ge=0, le=1, description="Low = (1 - v) x expected, high = (1 + v) x expected."
    )
    peak_factor: float = Field(
        default=3, ge=1, le=100,
        description="Busiest minute over the mean rate: `fmkit preflight` checks quotas at "
        "requests_per_day / 86400 x peak_factor.",
    )


class CapacityChange(NamedTuple):
    """A scheduled change of the instance bounds; None keeps the bound in effect."""

    cron: str  # five-field cron (every provider's `schedules`; converted for SageMaker when synthesized)
    min: int | None
    max: int | None


class DeploymentBase(Strict):
    """Fields every model deployment has, whatever serves it."""

    description: str = ""
    enabled: bool = Field(default=True, description="Set false (e.g. in an environment overlay) to skip.")
    environments: list[Name] | None = Field(
        default=None, description="Environments this deployment exists in; omitted means all."
    )
    owner: str | None = Field(default=None, description="Overrides the project owner tag for this model.")
    tags: dict[TagKey, TagValue] = Field(default_factory=dict, description="Extra tags for its resources.")
    license_ack: str | None = Field(
        default=None, min_length=10,
        description="Why the model's restricted license (or unknown license) is fine for this project, "
        "e.g. 'Llama 3.2 license: under 700M MAU, AUP reviewed by legal 2026-11'.",
    )
    expected_traffic: ExpectedTraffic | None = None

    def capacity_bounds(self) -> tuple[int, int]:
        """(min, max) instances, max >= min; a deployment without autoscaling runs a fixed count (1 here).

        Providers that run instances override it with the bounds their models define once.
        """
        return 1, 1

    def capacity_schedule(self) -> tuple[CapacityChange, ...]:
        """Scheduled changes of `capacity_bounds` (none unless the provider has scheduled scaling)."""
        return ()
