"""Data passed between dataset, adapters, runner and report.

Kept free of provider SDKs so an adapter, the runner and the report can each be tested alone.
`ItemRecord` is also the on-disk format of `OUT/results/<model>.jsonl` (one line per attempt
at an item), which is what makes runs resumable.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

Role = Literal["user", "assistant"]

ErrorKind = Literal[
    "timeout",  # no complete answer within the per-request timeout
    "throttled",  # 429 / ThrottlingException still failing after the retries
    "server_error",  # 5xx after the retries
    "client_error",  # 4xx other than 429: the request or credentials are wrong; never retried
    "malformed_response",  # the endpoint answered something we cannot parse
    "connection",  # connection refused / reset / DNS
    "model_error",  # the model container or guardrail failed the request
    "internal",  # a bug in fmkit; recorded so one item cannot crash a long run
]


@dataclass(frozen=True)
class ChatMessage:
    role: Role
    content: str


@dataclass(frozen=True)
class GenerationParams:
    """Decoding settings sent to every model; part of the resume fingerprint."""

    max_tokens: int = 512
    temperature: float = 0.0
    top_p: float | None = None
    stop: tuple[str, ...] = ()


@dataclass(frozen=True)
class ChatRequest:
    messages: tuple[ChatMessage, ...]
    system: str | None = None
    params: GenerationParams = field(default_factory=GenerationParams)

    def fingerprint(self) -> str:
        """Hash of everything that changes the model's answer.

        A resumed run re-invokes an item whose prompt or decoding settings changed, instead of
        silently scoring a stale answer against a new prompt.
        """
        canonical = json.dumps(
            {
                "system": self.system,
                "messages": [asdict(m) for m in self.messages],
                "params": asdict(self.params),
            },
            sort_keys=True,
            ensure_ascii=False,
        )
        return hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:16]


def result_key(target_identity: Mapping[str, Any], request: ChatRequest) -> str:
    """The key a stored answer is reused on: the target's identity (deployment, endpoint URL or
    ARN, model, guardrail version) and the request's fingerprint (the item's system prompt and
    messages, the decoding settings). Anything else may change without asking again.
    """
    canonical = json.dumps({"target": dict(target_identity), "request": request.fingerprint()},
                           sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:16]


@dataclass(frozen=True)
class Completion:
    """One successful answer. Timings cover the final (successful) attempt only."""

    text: str
    latency_s: float
    ttft_s: float | None  # None when the API does not stream (then TTFT == latency is unknown)
    input_tokens: int | None = None
    output_tokens: int | None = None
    finish_reason: str | None = None
    attempts: int = 1


class ErrorInfo(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    kind: ErrorKind
    message: str
    status: int | None = None
    attempts: int = 1


class ItemRecord(BaseModel):
    """Outcome of invoking one model on one dataset item (a line of the results file)."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    item_id: str
    model: str
    fingerprint: str  # `result_key`: a rerun reuses the record only when it is the same
    output: str | None = None
    error: ErrorInfo | None = None
    ttft_s: float | None = None
    latency_s: float | None = None
    input_tokens: int | None = None
    output_tokens: int | None = None
    finish_reason: str | None = None
    attempts: int = 1
    # Wall-clock (epoch seconds) span of all attempts, including back-off: used to measure the
    # throughput the endpoint actually sustained, which prices hourly-billed instances.
    started_at: float
    finished_at: float

    @property
    def ok(self) -> bool:
        return self.error is None

    @property
    def wall_s(self) -> float:
        """Seconds from the first attempt to the answer, back-off and failed attempts included:
        what a caller waited. `latency_s` covers the final attempt only."""
        return max(0.0, self.finished_at - self.started_at)
