"""What every provider adapter shares: the protocol, errors, per-request deadline and retries.

Adapters are synchronous and thread-safe; the runner gets concurrency from a bounded thread
pool. boto3 clients are synchronous and thread-safe, so threads avoid wrapping every SDK call
in an executor just to look async.
"""

from __future__ import annotations

import random
import threading
import time
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Protocol, runtime_checkable

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

    Jitter keeps N throttled workers from retrying in lock-step and being throttled again.
    """

    max_attempts: int = 4
    base_delay_s: float = 0.5
    max_delay_s: float = 20.0

    def __post_init__(self) -> None:
        if self.max_attempts < 1:
            raise ValueError("max_attempts must be >= 1")

    def delay_s(self, attempt: int, rng: random.Random, retry_after_s: float | None = None) -> float:
        """Delay before attempt `attempt + 1`; honours a server's Retry-After within max_delay_s."""
        ceiling = min(self.max_delay_s, self.base_delay_s * 2 ** (attempt - 1))
        delay = rng.uniform(0, ceiling)
        if retry_after_s is not None:
            delay = max(delay, min(retry_after_s, self.max_delay_s))
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
    """Base class: subclasses implement one attempt; this class retries and times out."""

    def __init__(
        self,
        *,
        timeout_s: float = 120.0,
        retry: RetryPolicy | None = None,
        sleep: Callable[[float], None] = time.sleep,
        seed: int | None = None,
    ) -> None:
        if timeout_s <= 0:
            raise ValueError("timeout_s must be positive")
        self.timeout_s = timeout_s
        self.retry = retry or RetryPolicy()
        self._sleep = sleep
        self._rng = random.Random(seed)
        self._rng_lock = threading.Lock()

    def invoke(self, request: ChatRequest) -> Completion:
        attempt = 1
        while True:
            try:
                completion = self._invoke_once(request, Deadline(self.timeout_s))
                return replace(completion, attempts=attempt)
            except InvocationError as exc:
                exc.attempts = attempt
                if not exc.retryable or attempt >= self.retry.max_attempts:
                    raise
                with self._rng_lock:
                    delay = self.retry.delay_s(attempt, self._rng, exc.retry_after_s)
                self._sleep(delay)
                attempt += 1

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
