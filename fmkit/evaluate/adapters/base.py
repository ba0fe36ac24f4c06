"""What every provider adapter shares: the protocol, errors, per-request deadline and retries.

Adapters are synchronous and thread-safe; the runner gets concurrency from a bounded thread
pool. boto3 clients are synchronous and thread-safe, so threads avoid wrapping every SDK call
in an executor just to look async.
"""

from __future__ import annotations

import time
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Protocol, runtime_checkable

from tenacity import RetryCallState, Retrying, retry_if_exception, stop_after_attempt, wait_random_exponential
from tenacity.wait import wait_base

from fmkit.evaluate.records import ChatRequest, Completion, ErrorKind


class InvocationError(Exception):
    """A request failed. `retryable` says whether trying again can help (throttling, 5xx)."""

    def __init__(
        self,
        kind: ErrorKind,
        message: str,
        *,
        status: int | None = None,
        retryable: bool = False,
        retry_after_s: float | None = None,
    ) -> None:
        super().__init__(message)
        self.kind: ErrorKind = kind
        self.message = message
        self.status = status
        self.retryable = retryable
        self.retry_after_s = retry_after_s
        self.attempts = 1


@runtime_checkable
class ModelAdapter(Protocol):
    """Calls one deployed model. Returns a `Completion` or raises `InvocationError`."""

    def invoke(self, request: ChatRequest) -> Completion: ...


@dataclass(frozen=True)
class RetryPolicy:
    """Exponential back-off with full jitter (AWS architecture blog, "Exponential Backoff And Jitter").

    Jitter keeps N throttled workers from retrying in lock-step and being throttled again. The
    loop is tenacity's; what is ours is which errors are worth a retry (`InvocationError.retryable`,
    set by the adapters' error classification) and honouring a server's Retry-After.
    """

    max_attempts: int = 4
    base_delay_s: float = 0.5
    max_delay_s: float = 20.0

    def __post_init__(self) -> None:
        if self.max_attempts < 1:
            raise ValueError("max_attempts must be >= 1")

    def retrying(self, sleep: Callable[[float], None] = time.sleep) -> Retrying:
        """A fresh retry controller for one request (its state is per request)."""
        return Retrying(
            stop=stop_after_attempt(self.max_attempts),
            wait=_WaitRetryAfter(wait_random_exponential(multiplier=self.base_delay_s, max=self.max_delay_s),
                                 cap_s=self.max_delay_s),
            retry=retry_if_exception(lambda exc: isinstance(exc, InvocationError) and exc.retryable),
            sleep=sleep,
            reraise=True,  # the caller sees the last InvocationError, not tenacity's RetryError
        )


class _WaitRetryAfter(wait_base):
    """The back-off's delay, but never sooner than the server's Retry-After (capped at `cap_s`)."""

    def __init__(self, backoff: wait_base, *, cap_s: float) -> None:
        self._backoff = backoff
        self._cap_s = cap_s

    def __call__(self, retry_state: RetryCallState) -> float:
        delay = self._backoff(retry_state)
        outcome = retry_state.outcome
        error = outcome.exception() if outcome is not None and outcome.failed else None
        if isinstance(error, InvocationError) and error.retry_after_s is not None:
            delay = max(delay, min(error.retry_after_s, self._cap_s))
        return delay


class Deadline:
    """Per-attempt time budget, checked between streamed chunks and passed to socket reads."""

    def __init__(self, timeout_s: float) -> None:
        self.timeout_s = timeout_s
        self._end = time.monotonic() + timeout_s

    def remaining(self) -> float:
        return max(0.0, self._end - time.monotonic())

    def check(self) -> None:
        if time.monotonic() >= self._end:
            raise InvocationError("timeout", f"no complete answer within {self.timeout_s:g} s")


class Stopwatch:
    """Measures total latency and time to first (non-empty) token from the request start."""

    def __init__(self) -> None:
        self._start = time.perf_counter()
        self.ttft_s: float | None = None

    def first_token(self) -> None:
        if self.ttft_s is None:
            self.ttft_s = time.perf_counter() - self._start

    def elapsed(self) -> float:
        return time.perf_counter() - self._start


class RetryingAdapter(ABC):
    """Base class: subclasses implement one attempt; this class retries (`RetryPolicy`) and times out."""

    def __init__(
        self,
        *,
        timeout_s: float = 120.0,
        retry: RetryPolicy | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if timeout_s <= 0:
            raise ValueError("timeout_s must be positive")
        self.timeout_s = timeout_s
        self.retry = retry or RetryPolicy()
        self._sleep = sleep

    def invoke(self, request: ChatRequest) -> Completion:
        """One answer; the completion or the final error carries how many attempts it took."""
        for attempt in self.retry.retrying(self._sleep):
            with attempt:
                number = attempt.retry_state.attempt_number
                try:
                    completion = self._invoke_once(request, Deadline(self.timeout_s))
                except InvocationError as exc:
                    exc.attempts = number
                    raise
        return replace(completion, attempts=number)

    @abstractmethod
    def _invoke_once(self, request: ChatRequest, deadline: Deadline) -> Completion:
        """One attempt. Raise `InvocationError` (with `retryable`) on any failure."""


def classify_http_status(status: int, detail: str, retry_after_s: float | None = None) -> InvocationError:
    """Map an HTTP status to an error: 429 and 5xx are retried, other 4xx are not."""
    if status == 429:
        return InvocationError(
            "throttled", f"HTTP 429: {detail}", status=status, retryable=True, retry_after_s=retry_after_s
        )
    if status == 408:
        return InvocationError("timeout", f"HTTP 408: {detail}", status=status, retryable=True)
    if status >= 500:
        return InvocationError(
            "server_error",
            f"HTTP {status}: {detail}",
            status=status,
            retryable=True,
            retry_after_s=retry_after_s,
        )
    if status in (401, 403):
        return InvocationError(
            "client_error", f"HTTP {status} (check the API key/credentials): {detail}", status=status
        )
    return InvocationError("client_error", f"HTTP {status}: {detail}", status=status)


def parse_retry_after(value: str | None) -> float | None:
    """Seconds from a Retry-After header (the delta-seconds form; dates are ignored)."""
    if value is None:
        return None
    try:
        seconds = float(value.strip())
    except ValueError:
        return None
    return seconds if seconds >= 0 else None
