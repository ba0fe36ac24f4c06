"""One `ApplyGuardrail` call per case, and what the answer says each policy did.

`ApplyGuardrail` (bedrock-runtime) evaluates text against a published guardrail version
without invoking a model: the same check the deployment's invocations get. The answer's
`assessments` name what acted: `topicPolicy` → `topic:<name>`, `contentPolicy` →
`content:<category>` (`PROMPT_ATTACK` → `prompt_attack`), `wordPolicy` → `word` /
`profanity`, `sensitiveInformationPolicy` → `pii:<TYPE>` / `regex:<name>`,
`contextualGroundingPolicy` → `grounding`; each with `BLOCKED`, `ANONYMIZED` or `NONE`.

Throttling and service-side errors are retried with exponential back-off (here, not by
botocore, so a test's Stubber sees every attempt); a validation or access error is final.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from .suite import GuardrailCase

RETRYABLE = frozenset({"ThrottlingException", "ServiceUnavailableException", "InternalServerException",
                       "ServiceQuotaExceededException"})
ACTIONS = frozenset({"NONE", "GUARDRAIL_INTERVENED"})


class MalformedResponse(ValueError):
    """The answer does not have the documented shape."""


@dataclass(frozen=True)
class Outcome:
    """What the guardrail did with one case (or why it could not be asked)."""

    case: GuardrailCase
    intervened: bool = False
    acted: dict[str, str] = field(default_factory=dict)  # policy -> BLOCKED | ANONYMIZED (NONE left out)
    units: dict[str, int] = field(default_factory=dict)
    attempts: int = 1
    latency_s: float | None = None
    error: dict[str, str] | None = None

    @property
    def blocked_by(self) -> list[str]:
        return sorted(p for p, a in self.acted.items() if a == "BLOCKED")

    @property
    def masked(self) -> list[str]:
        return sorted(p for p, a in self.acted.items() if a == "ANONYMIZED")

    @property
    def ok(self) -> bool:
        return self.error is None

    @property
    def success(self) -> bool:
        """Did the guardrail do what the case expects?"""
        policy = self.case.policy
        if self.case.expect == "pass":
            return not self.blocked_by
        if self.case.expect == "mask":
            return policy in self.masked or policy in self.blocked_by
        return bool(self.blocked_by)

    @property
    def attributed(self) -> bool:
        """For a must-act case: did the expected policy itself act?"""
        return self.case.policy in self.acted


def _named(kind: str, entry: dict[str, Any]) -> str:
    if kind == "content":
        kind_name = str(entry["type"]).lower()
        return "prompt_attack" if kind_name == "prompt_attack" else f"content:{kind_name}"
    if kind == "topic":
        return f"topic:{entry['name']}"
    if kind == "pii":
        return f"pii:{entry['type']}"
    if kind == "regex":
        return f"regex:{entry.get('name', '')}"
    return kind


def _entries(assessment: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """(policy kind, finding) for every finding of one assessment."""
    words = assessment.get("wordPolicy", {})
    sensitive = assessment.get("sensitiveInformationPolicy", {})
    groups = [
        ("topic", assessment.get("topicPolicy", {}).get("topics", [])),
        ("content", assessment.get("contentPolicy", {}).get("filters", [])),
        ("word", words.get("customWords", [])),
        ("profanity", words.get("managedWordLists", [])),
        ("pii", sensitive.get("piiEntities", [])),
        ("regex", sensitive.get("regexes", [])),
        ("grounding", assessment.get("contextualGroundingPolicy", {}).get("filters", [])),
    ]
    return [(kind, entry) for kind, entries in groups for entry in entries]


def parse_response(response: dict[str, Any]) -> tuple[bool, dict[str, str]]:
    """(intervened, policy -> action) from an `ApplyGuardrail` answer."""
    action = response.get("action")
    if action not in ACTIONS:
        raise MalformedResponse(f"unexpected action {action!r}")
    acted: dict[str, str] = {}
    try:
        for assessment in response.get("assessments", []):
            for kind, entry in _entries(assessment):
                if entry.get("action", "NONE") != "NONE":
                    policy = _named(kind, entry)
                    acted[policy] = "BLOCKED" if "BLOCKED" in (acted.get(policy), entry["action"]) else entry["action"]
    except (KeyError, TypeError, AttributeError) as exc:
        raise MalformedResponse(f"unexpected assessment shape: {exc!r}") from exc
    return action == "GUARDRAIL_INTERVENED", acted


class GuardrailClient:
    """`ApplyGuardrail` on one published guardrail version."""

    def __init__(self, client: Any, guardrail_id: str, version: str, *, max_attempts: int = 5,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        self.client = client
        self.guardrail_id = guardrail_id
        self.version = version
        self.max_attempts = max(1, max_attempts)
        self.sleep = sleep

    def _call(self, case: GuardrailCase) -> dict[str, Any]:
        response: dict[str, Any] = self.client.apply_guardrail(
            guardrailIdentifier=self.guardrail_id, guardrailVersion=self.version,
            source=case.source.upper(), content=[{"text": {"text": case.text}}])
        return response

    def apply(self, case: GuardrailCase) -> Outcome:
        from botocore.exceptions import BotoCoreError, ClientError

        for attempt in range(1, self.max_attempts + 1):
            started = time.perf_counter()
            try:
                response = self._call(case)
                intervened, acted = parse_response(response)
            except ClientError as exc:
                code = str(exc.response.get("Error", {}).get("Code", "ClientError"))
                if code in RETRYABLE and attempt < self.max_attempts:
                    self.sleep(min(8.0, 0.5 * 2 ** (attempt - 1)))
                    continue
                kind = "throttled" if code == "ThrottlingException" else "client_error"
                return Outcome(case, attempts=attempt, error={"kind": kind, "message": f"{code}: {exc}"[:300]})
            except MalformedResponse as exc:
                return Outcome(case, attempts=attempt, error={"kind": "malformed_response", "message": str(exc)})
            except BotoCoreError as exc:
                return Outcome(case, attempts=attempt, error={"kind": "connection", "message": str(exc)[:300]})
            units = {k: int(v) for k, v in response.get("usage", {}).items() if isinstance(v, int)}
            return Outcome(case, intervened=intervened, acted=acted, units=units, attempts=attempt,
                           latency_s=time.perf_counter() - started)
        raise AssertionError("unreachable")  # pragma: no cover
