"""Carbon policy, budgets and the opt-in sustainability (carbon data export) stack."""

from __future__ import annotations

import re
from typing import Literal

from pydantic import Field, field_validator

from fmkit.config.base import Name, Strict, config_error

EXPORT_NAME_RE = re.compile(r"^[0-9A-Za-z!\-_.*'()]{1,128}$")


class CarbonPolicy(Strict):
    """How strictly fmkit pushes towards lower-carbon choices (checked by `fmkit validate`).

    `warn` prints findings (also during `make synth`); `enforce` turns them into validation errors,
    so a PR that adds an x86 instance where a Graviton one fits fails in CI, not in review.
    """

    mode: Literal["off", "warn", "enforce"] = Field(
        default="warn", description="warn: print findings; enforce: they fail validation."
    )
    prefer_graviton: bool = Field(
        default=True,
        description="Flag x86/GPU self-hosted deployments for which a Graviton instance fits the model.",
    )
    max_grid_g_co2e_per_kwh: float | None = Field(
        default=None, gt=0, le=2000,
        description="Flag environments whose region's grid emits more than this (g CO2e/kWh, e.g. 300).",
    )
    exempt_models: list[Name] = Field(
        default_factory=list, description="Deployments the Graviton check skips (say why in a comment)."
    )


class Budget(Strict):
    monthly_usd: float | None = Field(default=None, gt=0, description="Fail `plan --fail-over-budget` above.")


class CarbonBudget(Strict):
    monthly_kg_co2e: float | None = Field(default=None, gt=0, description="Estimated emissions ceiling.")


class SustainabilityConfig(Strict):
    """Once-per-account export of AWS's measured carbon data (BCM Data Exports), queryable with Athena.

    Enable it in one environment per account: Data Exports is a us-east-1 service, so the stack
    always deploys there.
    """

    enabled: bool = Field(default=False, description="Create the carbon data export, Glue table and Athena.")
    export_name: str | None = Field(
        default=None, description="Data export name; default '<project>-<env>-carbon-emissions'."
    )
    data_retention_days: int = Field(
        default=1827, ge=90, le=3653, description="Days delivered carbon data is kept (default 5 years)."
    )
    query_results_retention_days: int = Field(
        default=30, ge=1, le=365, description="Days Athena query results are kept."
    )
    bytes_scanned_cutoff_mb: int = Field(
        default=1024, ge=10, le=1_048_576, description="Athena refuses queries scanning more (cost guard)."
    )

    @field_validator("export_name")
    @classmethod
    def _export_name(cls, value: str | None) -> str | None:
        if value is not None and not EXPORT_NAME_RE.match(value):
            raise config_error(
                f"'{value}' is not a valid data export name",
                "use 1-128 letters, digits and ! - _ . * ' ( )",
            )
        return value
