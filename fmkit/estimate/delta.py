"""What a change costs: each environment's and deployment's expected $ and CO2e, before and after.

`fmkit plan --baseline DIR` estimates the base branch's config (DIR) and the working one with the
same estimator and catalogs, and compares expected values line by line; added and removed
environments and deployments show with a zero on the other side, so the deltas always add up.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Literal

from fmkit.estimate.model import EnvironmentEstimate

Status = Literal["added", "removed", "changed", "unchanged"]


@dataclass(frozen=True)
class Change:
    """Expected monthly $ and kg CO2e of one line (an environment total or one deployment)."""

    name: str
    usd_before: float
    usd_after: float
    kg_before: float
    kg_after: float
    status: Status

    @property
    def usd_delta(self) -> float:
        return self.usd_after - self.usd_before

    @property
    def kg_delta(self) -> float:
        return self.kg_after - self.kg_before

    def as_dict(self) -> dict[str, Any]:
        return {"name": self.name, "status": self.status,
                "usd_month": {"before": round(self.usd_before, 2), "after": round(self.usd_after, 2),
                              "delta": round(self.usd_delta, 2)},
                "kg_co2e_month": {"before": round(self.kg_before, 3), "after": round(self.kg_after, 3),
                                  "delta": round(self.kg_delta, 3)}}


@dataclass(frozen=True)
class EnvironmentDelta:
    env: str
    total: Change
    items: tuple[Change, ...]

    def as_dict(self) -> dict[str, Any]:
        return {"environment": self.env, **self.total.as_dict(), "items": [i.as_dict() for i in self.items]}


def _status(before: bool, after: bool, same: bool) -> Status:
    if not before:
        return "added"
    if not after:
        return "removed"
    return "unchanged" if same else "changed"


def _line(name: str, before: tuple[float, float] | None, after: tuple[float, float] | None) -> Change:
    usd_b, kg_b = before or (0.0, 0.0)
    usd_a, kg_a = after or (0.0, 0.0)
    same = round(usd_a, 2) == round(usd_b, 2) and round(kg_a, 3) == round(kg_b, 3)
    return Change(name, usd_b, usd_a, kg_b, kg_a, _status(before is not None, after is not None, same))


def _figures(estimate: EnvironmentEstimate | None) -> dict[str, tuple[float, float]]:
    if estimate is None:
        return {}
    return {i.name: (i.footprint.usd.expected, i.footprint.kg_co2e.expected) for i in estimate.items}


def compare(baseline: Iterable[EnvironmentEstimate], current: Iterable[EnvironmentEstimate]) -> list[EnvironmentDelta]:
    """Per environment (sorted), per deployment and shared item: expected $ and kg CO2e, before and after."""
    before = {e.env: e for e in baseline}
    after = {e.env: e for e in current}
    deltas = []
    for env in sorted(set(before) | set(after)):
        old, new = before.get(env), after.get(env)
        old_items, new_items = _figures(old), _figures(new)
        items = tuple(_line(name, old_items.get(name), new_items.get(name))
                      for name in sorted(set(old_items) | set(new_items)))
        total = _line(env, None if old is None else (old.footprint.usd.expected, old.footprint.kg_co2e.expected),
                      None if new is None else (new.footprint.usd.expected, new.footprint.kg_co2e.expected))
        deltas.append(EnvironmentDelta(env, total, items))
    return deltas
