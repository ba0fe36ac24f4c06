"""Carbon policy, budgets and the opt-in sustainability (carbon data export) stack."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from fmkit.config.base import Strict


class CarbonPolicy(Strict):
    """How strictly fmkit pushes towards lower-carbon choices (checked by `fmkit validate`)."""

    mode: Literal["off", "warn", "enforce"] = Field(
        default="warn", description="warn: print findings; enforce: they fail validation."
    )


class Budget(Strict):
    monthly_usd: float | None = Field(default=None, gt=0, description="Fail `plan --fail-over-budget` above.")


class CarbonBudget(Strict):
    monthly_kg_co2e: float | None = Field(default=None, gt=0, description="Estimated emissions ceiling.")


class SustainabilityConfig(Strict):
    """Once-per-account carbon data export (opt-in)."""

    enabled: bool = False
