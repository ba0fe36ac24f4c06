"""The one retry policy every adapter uses: which errors are retried, back-off, Retry-After, attempt counts."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from fmkit.evaluate.adapters.base import Deadline, InvocationError, RetryingAdapter, RetryPolicy
from fmkit.evaluate.records import ChatMessage, ChatRequest, Completion
from tests.unit.evaluate._helpers import RecordedSleep

REQUEST = ChatRequest(messages=(ChatMessage("user", "hi"),))


class Scripted(RetryingAdapter):
    """Fails with the scripted errors, then answers."""

    def __init__(self, errors: list[InvocationError], *, retry: RetryPolicy | None = None,
                 sleep: RecordedSleep | None = None, timeout_s: float = 5.0) -> None:
        super().__init__(timeout_s=timeout_s, retry=retry, sleep=sleep or RecordedSleep())
        self._errors: Iterator[InvocationError] = iter(errors)
        self.calls = 0

    def _invoke_once(self, request: ChatRequest, deadline: Deadline) -> Completion:
        self.calls += 1
        error = next(self._errors, None)
        if error is not None:
            raise error
        return Completion(text="ok", latency_s=0.1, ttft_s=None)


def throttled(retry_after_s: float | None = None) -> InvocationError:
    return InvocationError("throttled", "HTTP 429", status=429, retryable=True, retry_after_s=retry_after_s)


def test_retryable_errors_are_retried_with_full_jitter_and_counted() -> None:
    sleep = RecordedSleep()
    adapter = Scripted([throttled(), throttled()], retry=RetryPolicy(max_attempts=4, base_delay_s=0.5), sleep=sleep)
    completion = adapter.invoke(REQUEST)
    assert (completion.text, completion.attempts, adapter.calls) == ("ok", 3, 3)
    assert len(sleep.delays) == 2
    assert 0 <= sleep.delays[0] <= 0.5 and 0 <= sleep.delays[1] <= 1.0  # uniform below base * 2^(n-1)


def test_retry_after_is_a_floor_capped_at_the_maximum_delay() -> None:
    sleep = RecordedSleep()
    policy = RetryPolicy(max_attempts=3, base_delay_s=0.01, max_delay_s=2.0)
    Scripted([throttled(retry_after_s=1.5), throttled(retry_after_s=60)], retry=policy, sleep=sleep).invoke(REQUEST)
    assert sleep.delays == [1.5, 2.0]


def test_a_client_error_is_not_retried() -> None:
    sleep = RecordedSleep()
    adapter = Scripted([InvocationError("client_error", "HTTP 400", status=400)], sleep=sleep)
    with pytest.raises(InvocationError) as info:
        adapter.invoke(REQUEST)
    assert (info.value.kind, info.value.attempts, adapter.calls, sleep.delays) == ("client_error", 1, 1, [])


def test_the_last_error_surfaces_with_every_attempt_counted() -> None:
    sleep = RecordedSleep()
    errors = [throttled(), InvocationError("server_error", "HTTP 503", status=503, retryable=True)]
    adapter = Scripted(errors, retry=RetryPolicy(max_attempts=2), sleep=sleep)
    with pytest.raises(InvocationError) as info:
        adapter.invoke(REQUEST)
    assert (info.value.kind, info.value.attempts, len(sleep.delays)) == ("server_error", 2, 1)


def test_policy_and_timeout_are_validated() -> None:
    with pytest.raises(ValueError, match="max_attempts"):
        RetryPolicy(max_attempts=0)
    with pytest.raises(ValueError, match="timeout_s"):
        Scripted([], timeout_s=0)
