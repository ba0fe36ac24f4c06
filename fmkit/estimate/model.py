"""Value types of an estimate: a low/expected/high range and per-deployment/per-environment results."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

HOURS_PER_MONTH = 730.0  # AWS pricing convention (8,760 h / 12)
DAYS_PER_MONTH = HOURS_PER_MONTH / 24


@dataclass(frozen=True)
class Range:
    """An uncertain monthly quantity. Load-driven values spread with `expected_traffic.variability`."""

    low: float
    expected: float
    high: float

    @classmethod
    def fixed(cls, value: float) -> Range:
        return cls(value, value, value)

    @classmethod
    def zero(cls) -> Range:
        return cls(0.0, 0.0, 0.0)

    @classmethod
    def spread(cls, expected: float, variability: float) -> Range:
        return cls(expected * (1 - variability), expected, expected * (1 + variability))

    def map(self, fn: Callable[[float], float]) -> Range:
        return Range(fn(self.low), fn(self.expected), fn(self.high))

    def scale(self, factor: float) -> Range:
        return self.map(lambda v: v * factor)

    def __add__(self, other: Range) -> Range:
        return Range(self.low + other.low, self.expected + other.expected, self.high + other.high)

    def as_dict(self, digits: int = 2) -> dict[str, float]:
        return {"low": round(self.low, digits), "expected": round(self.expected, digits),
                "high": round(self.high, digits)}


def total(ranges: list[Range]) -> Range:
    out = Range.zero()
    for item in ranges:
        out = out + item
    return out


@dataclass(frozen=True)
class Footprint:
    """Cost, energy and emissions of one thing for one month."""

    usd: Range = field(default_factory=Range.zero)
    kwh: Range = field(default_factory=Range.zero)
    kg_operational: Range = field(default_factory=Range.zero)
    kg_embodied: Range = field(default_factory=Range.zero)

    @property
    def kg_co2e(self) -> Range:
        return self.kg_operational + self.kg_embodied

    def __add__(self, other: Footprint) -> Footprint:
        return Footprint(self.usd + other.usd, self.kwh + other.kwh,
                         self.kg_operational + other.kg_operational, self.kg_embodied + other.kg_embodied)

    def as_dict(self) -> dict[str, Any]:
        return {"usd_month": self.usd.as_dict(), "kwh_month": self.kwh.as_dict(3),
                "kg_co2e_month": self.kg_co2e.as_dict(3),
                "kg_co2e_operational": self.kg_operational.as_dict(3),
                "kg_co2e_embodied": self.kg_embodied.as_dict(3)}


@dataclass(frozen=True)
class DeploymentEstimate:
    """One model deployment (or shared item such as a vector store) in one environment."""

    name: str
    kind: str  # provider ("bedrock", "sagemaker", "ec2-graviton") or "knowledge-base" / "platform"
    region: str
    footprint: Footprint
    arch: str = "managed"  # arm64 | x86_64 | managed (the provider's hardware is not ours to see)
    accelerator: str = "none"
    instance_type: str | None = None
    instance_hours: Range | None = None
    usd_per_1m_output_tokens: float | None = None
    notes: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name, "kind": self.kind, "region": self.region, "arch": self.arch,
            "accelerator": self.accelerator, "instance_type": self.instance_type,
            "instance_hours": self.instance_hours.as_dict(1) if self.instance_hours else None,
            "usd_per_1m_output_tokens": (round(self.usd_per_1m_output_tokens, 4)
                                         if self.usd_per_1m_output_tokens is not None else None),
            **self.footprint.as_dict(),
            "notes": list(self.notes),
        }


@dataclass(frozen=True)
class Recommendation:
    """A cheaper or lower-carbon alternative, with what it changes (negative delta = saving)."""

    kind: str  # "instance" | "provider" (serve it elsewhere) | "region"
    target: str  # deployment name, or the environment name for a region move
    current: str
    proposed: str
    usd_delta: float
    kg_co2e_delta: float
    reason: str
    command: str | None = None  # a ready command that applies it (e.g. `fmkit models add …`)

    def as_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "target": self.target, "current": self.current, "proposed": self.proposed,
                "usd_month_delta": round(self.usd_delta, 2), "kg_co2e_month_delta": round(self.kg_co2e_delta, 3),
                "reason": self.reason, "command": self.command}


@dataclass(frozen=True)
class BudgetCheck:
    metric: str  # "usd" | "kg_co2e"
    limit: float
    estimated: float  # the expected value is compared (low/high are shown)

    @property
    def exceeded(self) -> bool:
        return self.estimated > self.limit


@dataclass(frozen=True)
class EnvironmentEstimate:
    env: str
    region: str
    grid_g_co2e_per_kwh: float | None
    items: tuple[DeploymentEstimate, ...]
    recommendations: tuple[Recommendation, ...] = ()
    budgets: tuple[BudgetCheck, ...] = ()

    @property
    def footprint(self) -> Footprint:
        out = Footprint()
        for item in self.items:
            out = out + item.footprint
        return out

    @property
    def over_budget(self) -> list[BudgetCheck]:
        return [b for b in self.budgets if b.exceeded]

    def as_dict(self) -> dict[str, Any]:
        return {
            "environment": self.env, "region": self.region, "grid_g_co2e_per_kwh": self.grid_g_co2e_per_kwh,
            "total": self.footprint.as_dict(),
            "items": [i.as_dict() for i in self.items],
            "recommendations": [r.as_dict() for r in self.recommendations],
            "budgets": [{"metric": b.metric, "limit": b.limit, "estimated": round(b.estimated, 3),
                         "exceeded": b.exceeded} for b in self.budgets],
        }
