"""SageMaker adapter against botocore's Stubber: Messages API and TGI/LMI payloads, streaming or not."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from itertools import pairwise
from typing import Any

import boto3
import pytest
from botocore.response import StreamingBody
from botocore.stub import ANY, Stubber

from fmkit.evaluate.adapters.base import RetryPolicy
from fmkit.evaluate.adapters.sagemaker import SageMakerAdapter
from fmkit.evaluate.records import ChatMessage, ChatRequest, GenerationParams
from fmkit.evaluate.runner import invoke_item
from tests.unit.evaluate._helpers import EventStreams, RecordedSleep

REQUEST = ChatRequest(
    messages=(ChatMessage("user", "Is the tent waterproof?"),),
    system="Be brief.",
    params=GenerationParams(max_tokens=32),
)


@pytest.fixture
def client() -> Iterator[Any]:
    yield boto3.client("sagemaker-runtime", region_name="eu-west-1")


@pytest.fixture
def streams(client: Any) -> EventStreams:
    return EventStreams(client, "InvokeEndpointWithResponseStream", "Body")


def _body(payload: Any) -> StreamingBody:
    raw = json.dumps(payload).encode()
    return StreamingBody(io.BytesIO(raw), len(raw))


def _parts(blob: bytes, cuts: list[int]) -> list[dict[str, Any]]:
    """Split `blob` at byte offsets: PayloadParts do not respect line or UTF-8 boundaries."""
    bounds = [0, *cuts, len(blob)]
    return [{"PayloadPart": {"Bytes": blob[a:b]}} for a, b in pairwise(bounds)]


def _sse(*events: dict[str, Any] | str) -> bytes:
    return b"".join(
        f"data: {e if isinstance(e, str) else json.dumps(e, ensure_ascii=False)}\n\n".encode() for e in events
    )


def test_messages_api_stream_with_parts_split_mid_json_and_mid_character(client: Any, streams: EventStreams) -> None:
    blob = _sse(
        {"choices": [{"index": 0, "delta": {"role": "assistant"}}]},
        {"choices": [{"index": 0, "delta": {"content": "Yes — "}}]},
        {"choices": [{"index": 0, "delta": {"content": "3,000 mm."}, "finish_reason": "stop"}]},
        {"choices": [], "usage": {"prompt_tokens": 14, "completion_tokens": 6, "total_tokens": 20}},
        "[DONE]",
    )
    dash = blob.index("—".encode())
    streams.add(_parts(blob, [17, dash + 1, dash + 2, len(blob) - 30]))  # cuts inside JSON and inside "—"
    adapter = SageMakerAdapter(client, "ep-llama", inference_component_name="ic-llama")
    with Stubber(client) as stubber:
        stubber.add_response(
            "invoke_endpoint_with_response_stream",
            streams.response(),
            {
                "EndpointName": "ep-llama",
                "InferenceComponentName": "ic-llama",
                "ContentType": "application/json",
                "Body": ANY,
            },
        )
        completion = adapter.invoke(REQUEST)
    assert completion.text == "Yes — 3,000 mm."
    assert (completion.input_tokens, completion.output_tokens) == (14, 6)
    assert completion.finish_reason == "stop"
    assert completion.ttft_s is not None


def test_messages_payload_shape(client: Any) -> None:
    adapter = SageMakerAdapter(client, "ep")
    body = json.loads(adapter.request_kwargs(REQUEST)["Body"])
    assert body["messages"] == [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": "Is the tent waterproof?"},
    ]
    assert body["stream"] is True and body["max_tokens"] == 32 and body["model"] == "tgi"
    assert body["stream_options"] == {"include_usage": True}
    assert "InferenceComponentName" not in adapter.request_kwargs(REQUEST)


def test_tgi_payload_non_streaming(client: Any) -> None:
    adapter = SageMakerAdapter(client, "ep-tgi", payload_format="tgi", stream=False)
    payload = json.loads(adapter.request_kwargs(REQUEST)["Body"])
    assert payload["inputs"] == "System: Be brief.\n\nUser: Is the tent waterproof?\n\nAssistant:"
    # temperature 0 means greedy: TGI rejects temperature=0, so it is expressed as do_sample=false.
    assert payload["parameters"] == {
        "max_new_tokens": 32,
        "details": True,
        "return_full_text": False,
        "do_sample": False,
    }
    response = [{"generated_text": " Yes, fully.", "details": {"finish_reason": "eos_token", "generated_tokens": 4}}]
    with Stubber(client) as stubber:
        stubber.add_response(
            "invoke_endpoint",
            {"Body": _body(response), "ContentType": "application/json"},
            {"EndpointName": "ep-tgi", "Body": ANY, "ContentType": "application/json", "Accept": "application/json"},
        )
        completion = adapter.invoke(REQUEST)
    assert completion.text == " Yes, fully."
    assert completion.output_tokens == 4 and completion.input_tokens is None
    assert completion.ttft_s is None


def test_tgi_sse_stream_and_lmi_jsonlines_stream(client: Any, streams: EventStreams) -> None:
    tgi = _sse(
        {
            "token": {"id": 1, "text": " Yes", "logprob": -0.1, "special": False},
            "generated_text": None,
            "details": None,
        },
        {"token": {"id": 2, "text": ".", "logprob": -0.2, "special": False}, "generated_text": None, "details": None},
        {
            "token": {"id": 3, "text": "</s>", "logprob": 0.0, "special": True},
            "generated_text": " Yes.",
            "details": {"finish_reason": "eos_token", "generated_tokens": 3, "input_length": 12},
        },
    )
    lmi = b"".join(
        json.dumps(e).encode() + b"\n"
        for e in (
            {"token": {"id": 1, "text": " Sure", "log_prob": -0.3}, "generated_text": None, "details": None},
            {"token": {"id": 2, "text": "!", "log_prob": -0.1}, "generated_text": " Sure!", "details": None},
        )
    )
    streams.add(_parts(tgi, [40, 41]))
    streams.add(_parts(lmi, [5]))
    adapter = SageMakerAdapter(client, "ep", payload_format="tgi")
    with Stubber(client) as stubber:
        stubber.add_response("invoke_endpoint_with_response_stream", streams.response())
        stubber.add_response("invoke_endpoint_with_response_stream", streams.response())
        from_tgi = adapter.invoke(REQUEST)
        from_lmi = adapter.invoke(REQUEST)
    assert (from_tgi.text, from_tgi.output_tokens, from_tgi.input_tokens) == (" Yes.", 3, 12)
    assert from_tgi.finish_reason == "eos_token"
    assert (from_lmi.text, from_lmi.output_tokens) == (" Sure!", 2)  # counted from token events


def test_container_overload_is_retried_then_succeeds(client: Any) -> None:
    sleep = RecordedSleep()
    adapter = SageMakerAdapter(client, "ep", stream=False, sleep=sleep, retry=RetryPolicy(max_attempts=3))
    ok = {"choices": [{"message": {"role": "assistant", "content": "ok"}, "finish_reason": "stop"}]}
    with Stubber(client) as stubber:
        stubber.add_client_error(
            "invoke_endpoint",
            "ModelError",
            "Received server error (503) from primary",
            424,
            modeled_fields={"OriginalStatusCode": 503, "OriginalMessage": "overloaded"},
        )
        stubber.add_client_error("invoke_endpoint", "ThrottlingException", "Rate exceeded", 429)
        stubber.add_response("invoke_endpoint", {"Body": _body(ok)})
        completion = adapter.invoke(REQUEST)
        stubber.assert_no_pending_responses()
    assert completion.text == "ok" and completion.attempts == 3
    assert len(sleep.delays) == 2


def test_non_retryable_errors_become_item_errors(client: Any, streams: EventStreams) -> None:
    sleep = RecordedSleep()
    adapter = SageMakerAdapter(client, "ep", sleep=sleep)
    streams.add([{"ModelStreamError": {"Message": "CUDA out of memory", "ErrorCode": "ModelStreamError"}}])
    streams.add(_parts(b"data: {not json}\n\n", []))
    with Stubber(client) as stubber:
        stubber.add_client_error(
            "invoke_endpoint_with_response_stream", "ValidationError", "Endpoint ep not found", 400
        )
        stubber.add_client_error(
            "invoke_endpoint_with_response_stream",
            "ModelError",
            "Received client error (422)",
            424,
            modeled_fields={"OriginalStatusCode": 422},
        )
        stubber.add_response("invoke_endpoint_with_response_stream", streams.response())
        stubber.add_response("invoke_endpoint_with_response_stream", streams.response())
        records = [invoke_item(adapter, "sm", REQUEST, f"i{n}") for n in range(4)]
        stubber.assert_no_pending_responses()
    kinds = [(r.error.kind, r.error.attempts) if r.error else None for r in records]
    assert kinds == [("client_error", 1), ("model_error", 1), ("model_error", 1), ("malformed_response", 1)]
    assert sleep.delays == []
    assert "CUDA out of memory" in (records[2].error.message if records[2].error else "")


def test_unknown_payload_format_is_rejected(client: Any) -> None:
    with pytest.raises(ValueError, match="payload_format"):
        SageMakerAdapter(client, "ep", payload_format="raw")  # type: ignore[arg-type]
