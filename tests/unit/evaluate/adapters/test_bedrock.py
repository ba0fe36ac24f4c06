"""Bedrock adapter against botocore's Stubber (responses validated against the real API model)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.stub import ANY, Stubber

from fmkit.evaluate.adapters.base import InvocationError, RetryPolicy
from fmkit.evaluate.adapters.bedrock import BedrockAdapter
from fmkit.evaluate.records import ChatMessage, ChatRequest, GenerationParams
from fmkit.evaluate.runner import invoke_item
from tests.unit.evaluate._helpers import EventStreams, FakeEventStream, RecordedSleep, event_stream_error

PROFILE = "arn:aws:bedrock:eu-west-1:123456789012:application-inference-profile/abc123"
REQUEST = ChatRequest(
    messages=(ChatMessage("user", "Where is my order?"),),
    system="You are a support assistant.",
    params=GenerationParams(max_tokens=64, temperature=0.0, stop=("\n\n",)),
)


@pytest.fixture
def client() -> Iterator[Any]:
    yield boto3.client("bedrock-runtime", region_name="eu-west-1")


@pytest.fixture
def streams(client: Any) -> EventStreams:
    return EventStreams(client, "ConverseStream", "stream")


def _events(
    streams: EventStreams, *, text: tuple[str, ...] = ("Track it ", "under Orders."), stop: str = "end_turn"
) -> FakeEventStream:
    events: list[Any] = [{"messageStart": {"role": "assistant"}}]
    events += [{"contentBlockDelta": {"contentBlockIndex": 0, "delta": {"text": t}}} for t in text]
    events += [
        {"contentBlockStop": {"contentBlockIndex": 0}},
        {"messageStop": {"stopReason": stop}},
        {
            "metadata": {
                "usage": {"inputTokens": 21, "outputTokens": 5, "totalTokens": 26},
                "metrics": {"latencyMs": 180},
            }
        },
    ]
    return streams.add(events)


def _expected_stream_params(guardrail: bool = True) -> dict[str, Any]:
    params: dict[str, Any] = {
        "modelId": PROFILE,
        "messages": [{"role": "user", "content": [{"text": "Where is my order?"}]}],
        "system": [{"text": "You are a support assistant."}],
        "inferenceConfig": {"maxTokens": 64, "temperature": 0.0, "stopSequences": ["\n\n"]},
    }
    if guardrail:
        # The ARN (built from the profile's account and region): the form the invoke policy names first.
        params["guardrailConfig"] = {"guardrailIdentifier": "arn:aws:bedrock:eu-west-1:123456789012:guardrail/gr-1",
                                     "guardrailVersion": "3"}
    return params


def test_converse_stream_via_inference_profile_with_guardrail(client: Any, streams: EventStreams) -> None:
    adapter = BedrockAdapter(client, PROFILE, guardrail_id="gr-1", guardrail_version="3")
    stream = _events(streams)
    with Stubber(client) as stubber:
        stubber.add_response("converse_stream", streams.response(), _expected_stream_params())
        completion = adapter.invoke(REQUEST)
        stubber.assert_no_pending_responses()
    assert completion.text == "Track it under Orders."
    assert (completion.input_tokens, completion.output_tokens) == (21, 5)
    assert completion.finish_reason == "end_turn"
    assert completion.ttft_s is not None and 0 <= completion.ttft_s <= completion.latency_s
    assert completion.attempts == 1
    assert stream.closed  # the HTTP stream is always released


def test_converse_without_streaming(client: Any) -> None:
    adapter = BedrockAdapter(client, PROFILE, stream=False)
    response = {
        "output": {"message": {"role": "assistant", "content": [{"text": "Under Orders."}]}},
        "stopReason": "guardrail_intervened",
        "usage": {"inputTokens": 9, "outputTokens": 3, "totalTokens": 12},
        "metrics": {"latencyMs": 90},
    }
    with Stubber(client) as stubber:
        stubber.add_response("converse", response, _expected_stream_params(guardrail=False))
        completion = adapter.invoke(REQUEST)
    assert completion.text == "Under Orders."
    assert completion.ttft_s is None  # no stream, no time to first token
    assert completion.finish_reason == "guardrail_intervened"
    assert (completion.input_tokens, completion.output_tokens) == (9, 3)


def test_throttling_then_success_is_retried_with_backoff(client: Any, streams: EventStreams) -> None:
    sleep = RecordedSleep()
    adapter = BedrockAdapter(client, PROFILE, retry=RetryPolicy(max_attempts=4, base_delay_s=0.5), sleep=sleep)
    with Stubber(client) as stubber:
        stubber.add_client_error("converse_stream", "ThrottlingException", "Too many requests", 429)
        stubber.add_client_error("converse_stream", "ServiceUnavailableException", "Busy", 503)
        _events(streams)
        stubber.add_response("converse_stream", streams.response(), {"modelId": PROFILE, **_any_rest()})
        completion = adapter.invoke(REQUEST)
        stubber.assert_no_pending_responses()
    assert completion.text == "Track it under Orders."
    assert completion.attempts == 3
    assert len(sleep.delays) == 2
    assert 0 <= sleep.delays[0] <= 0.5 and 0 <= sleep.delays[1] <= 1.0  # full jitter under 0.5 * 2^n


def _any_rest() -> dict[str, Any]:
    return {"messages": ANY, "system": ANY, "inferenceConfig": ANY}


def test_non_retryable_error_fails_after_one_call(client: Any) -> None:
    sleep = RecordedSleep()
    adapter = BedrockAdapter(client, PROFILE, sleep=sleep)
    with Stubber(client) as stubber:
        stubber.add_client_error("converse_stream", "ValidationException", "The model is not enabled", 400)
        record = invoke_item(adapter, "claude", REQUEST, "item-1")
        stubber.assert_no_pending_responses()  # exactly one call was made
    assert record.error is not None
    assert (record.error.kind, record.error.status, record.error.attempts) == ("client_error", 400, 1)
    assert "ValidationException" in record.error.message
    assert sleep.delays == []


def test_persistent_throttling_becomes_an_item_error_after_max_attempts(client: Any) -> None:
    sleep = RecordedSleep()
    adapter = BedrockAdapter(client, PROFILE, retry=RetryPolicy(max_attempts=3), sleep=sleep)
    with Stubber(client) as stubber:
        for _ in range(3):
            stubber.add_client_error("converse_stream", "ThrottlingException", "Rate exceeded", 429)
        record = invoke_item(adapter, "claude", REQUEST, "item-1")
        stubber.assert_no_pending_responses()
    assert record.error is not None
    assert (record.error.kind, record.error.attempts) == ("throttled", 3)
    assert len(sleep.delays) == 2


def test_error_event_mid_stream_is_retried(client: Any, streams: EventStreams) -> None:
    broken = streams.add(
        [
            {"messageStart": {"role": "assistant"}},
            {"contentBlockDelta": {"contentBlockIndex": 0, "delta": {"text": "Par"}}},
            event_stream_error("throttlingException", "slow down"),
        ],
    )
    adapter = BedrockAdapter(client, PROFILE, sleep=RecordedSleep())
    with Stubber(client) as stubber:
        _events(streams, text=("Whole answer.",))
        stubber.add_response("converse_stream", streams.response())
        stubber.add_response("converse_stream", streams.response())
        completion = adapter.invoke(REQUEST)
    assert completion.text == "Whole answer."  # nothing from the broken attempt leaks in
    assert completion.attempts == 2
    assert broken.closed


def test_model_error_and_truncated_stream_are_item_errors(client: Any, streams: EventStreams) -> None:
    adapter = BedrockAdapter(client, PROFILE, sleep=RecordedSleep())
    streams.add(
        [
            {"messageStart": {"role": "assistant"}},
            {"contentBlockDelta": {"contentBlockIndex": 0, "delta": {"text": "x"}}},
        ]
    )
    with Stubber(client) as stubber:
        stubber.add_client_error("converse_stream", "ModelErrorException", "The model failed", 424)
        stubber.add_response("converse_stream", streams.response())
        first = invoke_item(adapter, "m", REQUEST, "a")
        second = invoke_item(adapter, "m", REQUEST, "b")
    assert first.error is not None and first.error.kind == "model_error"
    assert second.error is not None and second.error.kind == "connection"
    assert "messageStop" in second.error.message


def test_guardrail_arguments_must_come_together(client: Any) -> None:
    with pytest.raises(ValueError, match="together"):
        BedrockAdapter(client, PROFILE, guardrail_id="gr-1")


def test_request_without_optional_fields(client: Any) -> None:
    adapter = BedrockAdapter(client, PROFILE)
    kwargs = adapter.request_kwargs(ChatRequest(messages=(ChatMessage("user", "hi"),)))
    assert "system" not in kwargs and "guardrailConfig" not in kwargs
    assert kwargs["inferenceConfig"] == {"maxTokens": 512, "temperature": 0.0}


def test_invocation_error_carries_attempts() -> None:
    error = InvocationError("throttled", "x", retryable=True)
    assert error.attempts == 1 and error.retryable
