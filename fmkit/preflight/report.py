"""Results of the preflight checks, their exit code and how they are printed."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from enum import StrEnum


class Status(StrEnum):
    OK = "ok"
    BLOCKED = "blocked"  # the deploy would fail, or the stack would deploy and not serve
    WARNING = "warning"  # worth a look, does not block
    UNKNOWN = "unknown"  # could not be checked with these permissions or this data


class CannotCheck(Exception):
    """No usable credentials, or they are for another account: nothing can be checked (exit 3)."""


@dataclass(frozen=True)
class CheckResult:
    check: str  # stable id, e.g. "bedrock-model-access"
    target: str  # what was checked, e.g. "nova-lite (amazon.nova-lite-v1:0) in eu-west-1"
    status: Status
    detail: str
    fix: str | None = None


@dataclass
class PreflightReport:
    environment: str
    account: str
    region: str
    results: list[CheckResult] = field(default_factory=list)

    @property
    def blocked(self) -> list[CheckResult]:
        return [r for r in self.results if r.status is Status.BLOCKED]

    @property
    def exit_code(self) -> int:
        """0 ready to deploy, 1 something blocks the deploy."""
        return 1 if self.blocked else 0

    def to_json(self) -> str:
        return json.dumps({
            "environment": self.environment, "account": self.account, "region": self.region,
            "ready": not self.blocked, "results": [asdict(r) | {"status": r.status.value} for r in self.results],
        }, indent=2)

    def rows(self) -> list[tuple[str, str, str, str]]:
        return [(r.status.value, r.check, r.target, r.detail + (f" — {r.fix}" if r.fix else "")) for r in self.results]
